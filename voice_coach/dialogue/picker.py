"""Variant and content picking: random, never the same twice in a row, no repeats until a set is used up."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class VariantPicker:
    """Picks a variant of a line so the same key never gives the same variant twice in a row."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._last: dict[str, int] = {}

    def pick(self, key: str, variants: Sequence[str]) -> str:
        choices = [i for i in range(len(variants)) if i != self._last.get(key)] or list(range(len(variants)))
        index = self._rng.choice(choices)
        self._last[key] = index
        return variants[index]


def pick_unused(items: Sequence[T], used: set[str], rng: random.Random, avoid: str | None = None) -> tuple[T, bool]:
    """An item whose ``id`` is not in ``used``; when all are used, any but ``avoid``, and True for "used up"."""
    fresh = [item for item in items if getattr(item, "id") not in used]
    if fresh:
        return rng.choice(fresh), False
    pool = [item for item in items if getattr(item, "id") != avoid] or list(items)
    return rng.choice(pool), True
