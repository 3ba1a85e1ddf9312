#!/usr/bin/env python3
"""Print random session steps and game items for a blind read (issue 15): mark each good, stiff or bad.

Usage: scripts/sample_session_steps.py [--count 40] [--seed N]
"""

from __future__ import annotations

import argparse
import random

from voice_coach.content.sessions import load_sessions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    book = load_sessions()
    pool = [(s.id, step.depth, step.text) for s in book.sessions for step in s.all_steps]
    pool += [(game.id, step.kind, step.text) for game in book.games.values() for step in game.items]
    rng = random.Random(args.seed)
    for number, (where, depth, text) in enumerate(rng.sample(pool, k=min(args.count, len(pool))), 1):
        print(f"{number:2d}\t{where}\t{depth}\t{text}\t(good / stiff / bad)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
