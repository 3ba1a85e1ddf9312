"""The guided listening exercise: a pure state machine fed commands, clock ticks and speech ends.

Timeline: check-in -> briefing -> handover -> gap -> speaking -> reflection -> swap -> ... -> closing.
Every wait is an absolute deadline on the injected monotonic clock, so nothing drifts; pausing
stores what was left of each deadline. Waits that follow speech start when the runtime reports
``speech_finished`` (with a generous fallback deadline in case it never does).
"""

from __future__ import annotations

import logging
import random

from voice_coach.actions import Action, Chime
from voice_coach.content import Library
from voice_coach.exercise.base import PRE_TURN
from voice_coach.exercise.commands import ExerciseCommands
from voice_coach.exercise.config import ExerciseConfig
from voice_coach.exercise.words import number_words, spoken_duration
from voice_coach.understand.match import Match

_LOGGER = logging.getLogger(__name__)

__all__ = ["Exercise", "ExerciseConfig"]

CHECKIN_ANSWER_S = 8.0
CONFIRM_ANSWER_S = 8.0
SAVE_ANSWER_S = 10.0
HALFWAY_MIN_TURN_S = 300.0
"""Turns shorter than this get no halfway cue."""
LAST_MINUTE_S = 60.0
CUE_MIN_LEAD_S = 5.0
"""A cue due sooner than this after a (re)start is dropped: the start or resume line just said it."""
CHOOSE_FIRST_S = 5.0
"""Quiet after "decide who speaks first", so the couple can decide before the rules."""
REFLECT_STEPS: tuple[tuple[str, float], ...] = (
    ("reflect_did_i_get_it", 0.35), ("reflect_makes_sense", 0.55), ("reflect_feeling", 0.75),
)
"""Reflection cues after the say-back, each alone, at this share of the reflection time."""
REFLECT_PACED_MIN_S = 40.0
"""A shorter reflection has no room to pace its cues: all four are read at its start."""
REFLECT_WRAP_LEAD_S = 15.0
"""The wrap-up cue comes this long before the reflection ends."""
_TURN_DEADLINES = ("halfway", "one_minute", "turn_end")


class Exercise(ExerciseCommands):
    """One listening-exercise session; every method takes ``now`` and returns the actions to take."""

    def __init__(self, config: ExerciseConfig, library: Library, rng: random.Random) -> None:
        super().__init__(config, library, rng)
        self._steps = {
            "checkin_asked": lambda now: self._arm("checkin_answer", now + CHECKIN_ANSWER_S),
            "briefed": self._handover,
            "handover_done": self._gap,
            "reflection_prompted": self._arm_reflection,
            "chose_first": lambda now: self._arm("choose_first", now + CHOOSE_FIRST_S),
            "confirm_asked": lambda now: self._arm("confirm_answer", now + CONFIRM_ANSWER_S),
            "save_offered": lambda now: self._arm("save_answer", now + SAVE_ANSWER_S),
            "thaw": self._thaw,
        }
        self._timers = {
            "speech_wait": self._speech_done,
            "checkin_answer": self._after_checkin,
            "gap": self._start_turn,
            "halfway": lambda now: self._cue("halfway"),
            "one_minute": lambda now: self._cue("one_minute"),
            "turn_end": self._end_turn,
            "reflection_end": self._next_turn,
            "choose_first": self._brief,
            **{key: (lambda now, key=key: self._say(key, **self._who())) for key, _ in REFLECT_STEPS},
            "reflect_wrap_up": lambda now: self._say("reflect_wrap_up"),
            "confirm_answer": self._decline_stop,
            "save_answer": lambda now: self._farewell(),
        }

    # ----------------------------------------------------------------- public API
    @property
    def finished(self) -> bool:
        return self._state == "finished"

    @property
    def speaking_turn(self) -> bool:
        """True while someone has the floor: a speaking turn or the reflection after it."""
        return self._state in ("speaking", "reflection")

    @property
    def pending_question(self) -> str | None:
        return self._pending

    @property
    def state(self) -> str:
        return self._state

    def start(self, now: float) -> list[Action]:
        self._begin(now)
        if self._state == "idle":
            self._set_listen("normal")
            if self.config.checkin:
                self._enter("checkin")
                self._say("checkin_good_time")
                self._pending = "checkin"
                self._await_speech("checkin_asked", now)
            else:
                self._brief(now)
        return self._end(now)

    def handle(self, match: Match, now: float) -> list[Action]:
        """React to one exercise command; ``match.text`` is never read (privacy)."""
        self._begin(now)
        if self._state not in ("idle", "finished") and self._command(match, now):
            _LOGGER.debug("exercise command %s in state %s", match.intent, self._state)
            if self._words_queued:
                self._after_reply(now)
        return self._end(now)

    def tick(self, now: float) -> list[Action]:
        self._begin(now)
        return self._end(now)

    def speech_finished(self, now: float) -> list[Action]:
        """The runtime's speech queue has drained: start whatever waited for it."""
        self._begin(now)
        self._speech_done(now)
        return self._end(now)

    def next_deadline(self) -> float | None:
        return min(self._deadlines.values(), default=None)

    def remaining_s(self, now: float) -> float | None:
        """Seconds left in the current turn or reflection; the full turn before it starts; else None."""
        phase = self._phase()
        if phase == "speaking":
            end = self._frozen.remaining.get("turn_end", 0.0) if self._frozen else self._deadlines["turn_end"] - now
            return max(0.0, end)
        if phase == "reflection":
            table, base = (self._frozen.remaining, 0.0) if self._frozen else (self._deadlines, now)
            due = table.get("reflection_end")
            return self.config.reflect_s + self._reflect_extra_s if due is None else max(0.0, due - base)
        if phase in PRE_TURN:
            return self._turn_s
        return None

    # ----------------------------------------------------------------- timeline
    def _after_checkin(self, now: float) -> None:
        self._pending = None
        self._deadlines.pop("checkin_answer", None)
        self._say("checkin_phones")
        self._say("checkin_pause_word")
        if self._named:
            self._say("checkin_first_named", **self._who())
            self._brief(now)
        else:
            self._say("checkin_choose_first", **self._who())
            self._await_speech("chose_first", now)

    def _brief(self, now: float) -> None:
        self._deadlines.pop("choose_first", None)
        self._enter("briefing")
        self._say("brief_speaker")
        self._say("brief_listener")
        self._await_speech("briefed", now)

    def _handover(self, now: float) -> None:
        self._pending = None
        for name in ("checkin_answer", "choose_first", "gap"):
            self._deadlines.pop(name, None)
        self._set_listen("normal")
        self._enter("handover" if self._turn == 0 else "swap", **self._turn_detail())
        if self._turn > 0 and self._turn % 2 == 0:
            self._say("next_round", count=number_words(self._turn // 2 + 1))
        self._say("handover" if self._turn == 0 else "swap", **self._who())
        self._await_speech("handover_done", now)

    def _gap(self, now: float) -> None:
        if self._skip_gap:
            self._skip_gap = False
            self._start_turn(now)
            return
        self._enter("gap", gap_s=self.config.gap_s)
        self._arm("gap", now + self.config.gap_s)

    def _start_turn(self, now: float) -> None:
        """The start chime: the turn's clock starts now."""
        self._deadlines.pop("gap", None)
        self._skip_gap = False
        self._duration_s = self._turn_s
        self._spoken_s = 0.0
        self._cues = set()
        self._segment_start_s = now
        self._enter("speaking", duration_s=self._duration_s, **self._turn_detail())
        self._out.append(Chime("start"))
        self._set_listen("commands_only")
        self._arm_turn(now, self._duration_s)

    def _arm_turn(self, now: float, remaining_s: float) -> None:
        # Cancel, then arm: a cue computed from the old end time must never fire after a change.
        for name in _TURN_DEADLINES:
            self._deadlines.pop(name, None)
        end_s = now + remaining_s
        self._arm("turn_end", end_s)
        half_s = self._duration_s / 2.0
        if self._duration_s >= HALFWAY_MIN_TURN_S and "halfway" not in self._cues:
            if remaining_s > half_s + CUE_MIN_LEAD_S:
                self._arm("halfway", end_s - half_s)
            elif remaining_s > half_s:
                self._cues.add("halfway")
        if self._duration_s > LAST_MINUTE_S and "one_minute" not in self._cues:
            if remaining_s > LAST_MINUTE_S + CUE_MIN_LEAD_S:
                self._arm("one_minute", end_s - LAST_MINUTE_S)
            else:
                self._cues.add("one_minute")

    def _cue(self, name: str) -> None:
        self._cues.add(name)
        self._out.append(Chime("cue"))
        self._say(name, kind="cue")

    def _end_turn(self, now: float) -> None:
        for name in _TURN_DEADLINES:
            self._deadlines.pop(name, None)
        if self._segment_start_s is not None:
            self._spoken_s += now - self._segment_start_s
            self._segment_start_s = None
        self._turns_done += 1
        self._reflect_extra_s = 0.0
        self._enter("times_up", spoke_s=round(self._spoken_s, 3), **self._turn_detail())
        self._out.append(Chime("end"))
        self._say("times_up", **self._who())
        # The listener's reflection is as private as the turn: commands only until it ends.
        self._set_listen("commands_only")
        self._enter("reflection", reflect_s=self.config.reflect_s, **self._turn_detail())
        self._say("reflect_say_back", **self._who())
        if self.config.reflect_s < REFLECT_PACED_MIN_S:
            for key, _ in REFLECT_STEPS:
                self._say(key, **self._who())
        self._await_speech("reflection_prompted", now)

    def _arm_reflection(self, now: float) -> None:
        """Once the say-back prompt is spoken: the end, and (if there is room) one cue at a time and a wrap-up."""
        end_s = now + self.config.reflect_s + self._reflect_extra_s
        self._arm("reflection_end", end_s)
        if self.config.reflect_s >= REFLECT_PACED_MIN_S:
            for key, share in REFLECT_STEPS:
                self._arm(key, now + share * self.config.reflect_s)
            self._arm("reflect_wrap_up", end_s - REFLECT_WRAP_LEAD_S)

    def _next_turn(self, now: float) -> None:
        for name in ("reflection_end", "reflect_wrap_up", *(key for key, _ in REFLECT_STEPS)):
            self._deadlines.pop(name, None)
        self._turn += 1
        self._set_listen("normal")
        if self._turn < 2 * self.config.rounds:
            self._handover(now)
        else:
            self._close(now)

    def _close(self, now: float) -> None:
        self._enter("closing", turns_done=self._turns_done)
        # The practical question comes before the last words, so the session ends on each other, not on settings.
        self._say("closing_thanks")
        self._say("closing_save_offer")
        self._pending = "save_offer"
        self._await_speech("save_offered", now)

    def _farewell(self) -> None:
        """The closing's last words, after the save question is answered (or not), then the end."""
        self._say("closing_no_rebuttals")
        self._finish(completed=True)

    def _finish(self, completed: bool) -> None:
        self._deadlines.clear()
        self._after_speech = None
        self._pending = None
        self._frozen = None
        self._set_listen("normal")
        self._enter("finished", completed=completed, turns_done=self._turns_done)

    # ----------------------------------------------------------------- pause and stop
    def _thaw(self, now: float) -> None:
        """After the resume line: restore the state and re-arm what was left of each deadline."""
        frozen = self._unfreeze()
        if frozen is None:
            return
        if frozen.state == "speaking":
            self._segment_start_s = now
            self._enter("speaking", resumed=True, duration_s=self._duration_s, **self._turn_detail())
            self._out.append(Chime("start"))
            self._set_listen("commands_only")
            self._arm_turn(now, frozen.remaining.get("turn_end", 0.0))
            return
        self._enter(frozen.state, resumed=True)
        self._set_listen("commands_only" if frozen.state == "reflection" else "normal")
        for name, left_s in frozen.remaining.items():
            # A fresh gap after the resume line, so the chime never lands on the coach's words.
            self._arm(name, now + (self.config.gap_s if name == "gap" else left_s))
        self._pending = frozen.pending
        if frozen.pending == "checkin":
            self._after_checkin(now)  # "resume" answers "is now a good time?"
        elif frozen.after_speech is not None:
            self._steps[frozen.after_speech](now)

    def _resume(self, now: float) -> None:
        if self._frozen is not None and self._frozen.state == "speaking":
            self._say("resumed", amount=spoken_duration(self._frozen.remaining.get("turn_end", 0.0)))
        else:
            self._say("carrying_on")
        self._enter("resuming")
        self._await_speech("thaw", now)

    def _decline_stop(self, now: float) -> None:
        self._deadlines.pop("confirm_answer", None)
        self._after_speech = None
        self._pending = None
        if self._frozen is not None and self._frozen.back_to_pause:
            self._enter("paused")
            self._say("still_paused")
        else:
            self._say("not_stopped")
            self._enter("resuming")
            self._await_speech("thaw", now)
