"""Hand-written fakes for pure-logic tests: a clock you move by hand."""

from __future__ import annotations


class FakeClock:
    """A monotonic clock that only moves when a test moves it."""

    def __init__(self, start_s: float = 1000.0) -> None:
        self._now_s = start_s

    def now(self) -> float:
        return self._now_s

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds``; returns the new time."""
        if seconds < 0:
            raise ValueError("a monotonic clock never goes back")
        self._now_s += seconds
        return self._now_s

    def set(self, now_s: float) -> float:
        """Move forward to ``now_s`` (never back)."""
        return self.advance(now_s - self._now_s)
