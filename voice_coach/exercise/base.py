"""Bookkeeping under the listening exercise: deadlines, the speech wait, and the actions of one call."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from voice_coach.actions import (
    Action,
    ListenMode,
    Say,
    SetListenMode,
    StateChange,
    TimerEvent,
)
from voice_coach.content import Library
from voice_coach.exercise.config import ExerciseConfig
from voice_coach.exercise.words import PromptPicker

_LOGGER = logging.getLogger(__name__)

PRE_TURN = ("checkin", "briefing", "handover", "swap", "gap")
"""States before a speaking turn starts."""
PAUSED = ("paused", "time_out")
"""States in which the exercise clock is stopped."""

SPEECH_WAIT_BASE_S = 5.0
SPEECH_WAIT_PER_WORD_S = 0.6
"""Fallback if speech_finished never comes: far slower than any voice, so it only rescues a stuck loop."""


class Frozen:
    """What a pause put aside: the state, the time left on each deadline, and what was awaited."""

    def __init__(self, state: str, remaining: dict[str, float], after_speech: str | None, pending: str | None) -> None:
        self.state = state
        self.remaining = remaining
        self.after_speech = after_speech
        self.pending = pending
        self.back_to_pause = False
        """Set while confirming a stop that was asked for during a pause: "no" returns to the pause."""


class ExerciseBase:
    """State and plumbing of one session; Exercise adds the timeline and exercise_commands the commands."""

    def __init__(self, config: ExerciseConfig, library: Library, rng: random.Random) -> None:
        self.config = config.validate()
        self._words = PromptPicker(library, rng)
        self._speakers, self._named = config.speakers()
        self._order = [0, 1]
        """Index into _speakers of who speaks on even turns, then odd turns."""
        self._turn_s = config.turn_s
        self._turn = 0
        self._turns_done = 0
        self._state = "idle"
        self._deadlines: dict[str, float] = {}
        self._after_speech: str | None = None
        self._pending: str | None = None
        self._frozen: Frozen | None = None
        self._listen: ListenMode | None = None
        self._out: list[Action] = []
        self._words_queued = 0
        self._skip_gap = False
        self._duration_s = 0.0
        self._segment_start_s: float | None = None
        self._spoken_s = 0.0
        self._cues: set[str] = set()
        self._reflect_extra_s = 0.0
        self._steps: dict[str, Callable[[float], None]] = {}
        """Continuations run once queued speech has finished, by name (so a pause can keep one)."""
        self._timers: dict[str, Callable[[float], None]] = {}
        """What each named deadline does when it fires."""

    def _begin(self, now: float) -> None:
        self._out = []
        self._words_queued = 0
        self._fire_due(now)

    def _end(self, now: float) -> list[Action]:
        self._fire_due(now)
        out, self._out = self._out, []
        return out

    def _fire_due(self, now: float) -> None:
        # Bounded: a zero-length wait may arm another deadline that is already due.
        for _ in range(64):
            due = [(t, name) for name, t in self._deadlines.items() if t <= now]
            if not due or self._state == "finished":
                return
            scheduled_s, name = min(due)
            del self._deadlines[name]
            self._out.append(TimerEvent(name, scheduled_s, now))
            self._timers[name](now)

    def _arm(self, name: str, due_s: float) -> None:
        self._deadlines[name] = due_s

    def _enter(self, name: str, **detail: object) -> None:
        _LOGGER.debug("exercise state %s -> %s", self._state, name)
        self._state = name
        self._out.append(StateChange(name, detail))

    def _say(self, key: str, kind: str = "prompt", **values: str) -> None:
        text = self._words.line(key, **values)
        self._words_queued += len(text.split())
        self._out.append(Say(text, kind))

    def _set_listen(self, mode: ListenMode) -> None:
        if mode != self._listen:
            self._listen = mode
            self._out.append(SetListenMode(mode))

    def _await_speech(self, step: str, now: float) -> None:
        self._after_speech = step
        fallback = now + SPEECH_WAIT_BASE_S + SPEECH_WAIT_PER_WORD_S * self._words_queued
        self._arm("speech_wait", max(fallback, self._deadlines.get("speech_wait", fallback)))
        self._words_queued = 0

    def _speech_done(self, now: float) -> None:
        step, self._after_speech = self._after_speech, None
        self._deadlines.pop("speech_wait", None)
        if step is not None:
            self._steps[step](now)

    def _after_reply(self, now: float) -> None:
        """A command made the coach talk: whatever waits for speech now waits for this too."""
        if self._state == "gap":
            # Never chime over the coach's own words: go back to waiting for speech, then the gap.
            self._deadlines.pop("gap", None)
            self._state = "handover" if self._turn == 0 else "swap"
            self._after_speech = "handover_done"
        if self._after_speech is not None:
            self._await_speech(self._after_speech, now)

    def _phase(self) -> str:
        """The state that counts for timing: the one set aside while paused or confirming."""
        return self._frozen.state if self._frozen is not None else self._state

    def _who(self) -> dict[str, str]:
        index = self._order[self._turn % 2]
        return {"speaker": self._speakers[index], "listener": self._speakers[1 - index]}

    def _turn_detail(self) -> dict[str, object]:
        return {"turn": self._turn + 1, "round": self._turn // 2 + 1, **self._who()}

    def _freeze(self, now: float) -> None:
        if self._segment_start_s is not None:
            self._spoken_s += now - self._segment_start_s
            self._segment_start_s = None
        remaining = {name: max(0.0, due - now) for name, due in self._deadlines.items() if name != "speech_wait"}
        self._frozen = Frozen(self._state, remaining, self._after_speech, self._pending)
        self._deadlines.clear()
        self._after_speech = None
        self._pending = None

    def _unfreeze(self) -> Frozen | None:
        """Drop the pause without restoring it (the command moves the session on)."""
        frozen, self._frozen = self._frozen, None
        self._deadlines.clear()
        self._after_speech = None
        self._pending = None
        return frozen
