"""Settings of one listening exercise, checked once with a fix for every bad value."""

from __future__ import annotations

import math
from dataclasses import dataclass

from voice_coach.errors import UsageError

MINUTES_MIN = 0.2
MINUTES_MAX = 20.0
ROUNDS_MAX = 3
REFLECT_MAX_S = 900.0
GAP_MAX_S = 30.0
NAME_MAX_CHARS = 30
ROLE_NAMES: tuple[str, str] = ("partner one", "partner two")
"""What the coach calls the partners when it does not know their names."""
OTHER_PARTNER = "partner"
"""What the coach calls the second partner when only the first one's name is known."""


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else None


@dataclass(frozen=True)
class ExerciseConfig:
    """How long each turn is, how many rounds, who the partners are and who goes first."""

    minutes: float = 5.0
    """Length of each speaking turn in minutes, 0.2 to 20."""
    rounds: int = 1
    """1 to 3; in each round both partners speak once."""
    names: tuple[str, str] | None = None
    """The partners' names, "me" first; None means the coach uses roles."""
    reflect_s: float = 90.0
    """Seconds of reflection after each turn, counted once the reflection prompts are spoken."""
    checkin: bool = True
    """Ask whether now is a good time (and brief phones and the pause word) before the rules."""
    gap_s: float = 3.0
    """Seconds between the end of the handover line and the start chime."""
    first: str | None = None
    """Who speaks first: "me", "partner", one of the names, or None for the first name."""

    @property
    def turn_s(self) -> float:
        """Length of each speaking turn in seconds."""
        return self.minutes * 60.0

    def validate(self) -> ExerciseConfig:
        """Return self, or raise UsageError naming the bad value and the fix."""
        minutes = _number(self.minutes)
        if minutes is None or not MINUTES_MIN <= minutes <= MINUTES_MAX:
            raise UsageError(
                f"a turn of {self.minutes} minutes is not possible",
                f"choose from {MINUTES_MIN} to {MINUTES_MAX:g} minutes, for example --minutes 5",
            )
        if not isinstance(self.rounds, int) or isinstance(self.rounds, bool) or not 1 <= self.rounds <= ROUNDS_MAX:
            raise UsageError(f"{self.rounds} rounds is not possible", f"choose 1 to {ROUNDS_MAX} rounds, for example --rounds 1")
        reflect_s = _number(self.reflect_s)
        if reflect_s is None or not 0 <= reflect_s <= REFLECT_MAX_S:
            raise UsageError(
                f"{self.reflect_s} seconds of reflection is not possible",
                f"choose 0 to {REFLECT_MAX_S:g} seconds, for example --reflect-seconds 90",
            )
        gap_s = _number(self.gap_s)
        if gap_s is None or not 0 <= gap_s <= GAP_MAX_S:
            raise UsageError(f"a gap of {self.gap_s} seconds is not possible", f"choose 0 to {GAP_MAX_S:g} seconds")
        if self.names is not None:
            self._check_names(self.names)
        if self.first is not None and not (isinstance(self.first, str) and self.first.strip()):
            raise UsageError("who goes first is empty", "say a name, me or partner, or leave it out")
        return self

    def _check_names(self, names: tuple[str, str]) -> None:
        if len(names) != 2 or not all(isinstance(n, str) and n.strip() for n in names):
            raise UsageError("the exercise needs two names", "give both, for example --names Alex Sam")
        if any(len(n.strip()) > NAME_MAX_CHARS for n in names):
            raise UsageError("a name is too long", f"use at most {NAME_MAX_CHARS} characters, a first name is enough")
        first, second = (n.strip().lower() for n in names)
        if first == second:
            raise UsageError(f"both partners are called {names[0]}", "give two different names, for example --names Alex Sam")
        if self.first is not None and self.first.strip().lower() not in {"me", "partner", first, second}:
            raise UsageError(f"{self.first} is not {names[0]} or {names[1]}", f"say {names[0]} or {names[1]} goes first, or leave it out")

    def speakers(self) -> tuple[tuple[str, str], bool]:
        """(who speaks first, who second) and whether the first one is called by name."""
        first = (self.first or "").strip()
        if self.names is None:
            if not first or first.lower() in {"me", "partner"}:
                return ROLE_NAMES, False
            return (first, OTHER_PARTNER), True
        a, b = (n.strip() for n in self.names)
        if first.lower() in {"partner", b.lower()}:
            return (b, a), True
        return (a, b), True
