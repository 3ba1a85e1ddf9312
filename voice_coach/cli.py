"""Command-line interface (placeholder until the foundation lands)."""


def main() -> int:
    return 0
