"""Voice Coach: an offline, hands-free voice coach for couples who want to talk more openly."""

__version__ = "0.1.0"

__all__ = ["__version__"]
