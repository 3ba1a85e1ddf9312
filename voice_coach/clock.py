"""Clocks: the real monotonic clock, injected everywhere time matters."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything that tells monotonic time in seconds."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...


class MonotonicClock:
    """The real clock (time.monotonic)."""

    def now(self) -> float:
        return time.monotonic()
