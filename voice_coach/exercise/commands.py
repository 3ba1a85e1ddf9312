"""What each spoken command does in each phase of the listening exercise: the command half of Exercise."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from voice_coach.actions import SaveSetting
from voice_coach.exercise.base import PAUSED, PRE_TURN, ExerciseBase
from voice_coach.exercise.words import spoken_amount, spoken_duration
from voice_coach.understand.match import Match

_LOGGER = logging.getLogger(__name__)

Command = Callable[[Match, float], None]

_CONFIRM_ANSWERS = ("yes", "no", "stop", "resume", "pause", "time_out", "time_left", "help")
"""While "end the exercise?" is open, these are answers; anything else asks it again."""


def _minutes_slot(match: Match) -> float:
    """Minutes asked for ("add two minutes"); one minute when missing or unusable."""
    raw = match.slots.get("minutes")
    try:
        minutes = float(raw) if raw is not None else 1.0
    except (TypeError, ValueError):
        return 1.0
    if not math.isfinite(minutes) or minutes <= 0:
        return 1.0
    return min(minutes, 20.0)


class ExerciseCommands(ExerciseBase):
    """The spoken commands of the exercise, one method each; the flow they steer lives in Exercise."""

    # The flow steps the commands call; Exercise defines them.
    def _after_checkin(self, now: float) -> None:
        raise NotImplementedError

    def _handover(self, now: float) -> None:
        raise NotImplementedError

    def _start_turn(self, now: float) -> None:
        raise NotImplementedError

    def _arm_turn(self, now: float, remaining_s: float) -> None:
        raise NotImplementedError

    def _end_turn(self, now: float) -> None:
        raise NotImplementedError

    def _next_turn(self, now: float) -> None:
        raise NotImplementedError

    def _finish(self, completed: bool) -> None:
        raise NotImplementedError

    def _farewell(self) -> None:
        raise NotImplementedError

    def _resume(self, now: float) -> None:
        raise NotImplementedError

    def _decline_stop(self, now: float) -> None:
        raise NotImplementedError


    _METHODS = {
        "pause": "_pause", "time_out": "_pause", "resume": "_resume_command", "stop": "_stop", "yes": "_yes",
        "no": "_no", "switch_turn": "_switch", "skip": "_skip", "done": "_skip", "time_left": "_time_left",
        "add_time": "_add_time", "repeat_rules": "_say_rules", "help": "_say_help",
    }  # fmt: skip
    """Intent -> the method that carries it out."""
    COMMANDS = frozenset(_METHODS)
    """The intents the exercise handles itself while it runs."""

    def _command(self, match: Match, now: float) -> bool:
        """Run the command for ``match``; False when the exercise has none for it."""
        method = self._METHODS.get(match.intent)
        if method is None:
            return False
        command: Command = getattr(self, method)
        if self._state == "confirm_stop" and match.intent not in _CONFIRM_ANSWERS:
            self._reask(now)
        else:
            command(match, now)
        return True

    def _reask(self, now: float) -> None:
        self._deadlines.pop("confirm_answer", None)
        self._say("confirm_stop")
        self._await_speech("confirm_asked", now)

    def _pause(self, match: Match, now: float) -> None:
        kind = "time_out" if match.intent == "time_out" else "paused"
        state = self._state
        if state not in ("confirm_stop", "resuming", *PAUSED):
            self._freeze(now)
        # Already set aside (a pause, an open stop question, a resume line): just stay paused.
        self._deadlines.clear()
        self._after_speech = None
        self._pending = None
        self._set_listen("normal")
        frozen = self._frozen
        detail: dict[str, object] = {"was": frozen.state if frozen else state}
        left = self.remaining_s(now)
        if left is not None and self._phase() in ("speaking", "reflection"):
            detail["remaining_s"] = round(left, 3)
        self._enter(kind, **detail)
        self._say(kind)

    def _resume_command(self, match: Match, now: float) -> None:
        if self._state in PAUSED:
            self._resume(now)
        elif self._state == "confirm_stop":
            self._decline_stop(now)
        elif self._state != "resuming":
            self._say("not_paused")

    def _stop(self, match: Match, now: float) -> None:
        state = self._state
        if state == "closing":
            self._say("save_declined")
            self._farewell()
            return
        if state == "confirm_stop":
            self._yes(match, now)
            return
        if state not in ("resuming", *PAUSED):
            self._freeze(now)
        if self._frozen is None:
            return
        self._frozen.back_to_pause = state in PAUSED
        self._deadlines.clear()
        self._after_speech = None
        self._set_listen("normal")
        self._enter("confirm_stop", was=self._frozen.state)
        self._say("confirm_stop")
        self._pending = "confirm_stop"
        self._await_speech("confirm_asked", now)

    def _yes(self, match: Match, now: float) -> None:
        pending = self._pending
        if pending == "checkin":
            self._after_checkin(now)
        elif pending == "confirm_stop":
            self._say("stopped")
            self._enter("stopped", turns_done=self._turns_done)
            self._finish(completed=False)
        elif pending == "save_offer":
            minutes = self._turn_s / 60.0
            self._out.append(SaveSetting("exercise_minutes", round(minutes, 3)))
            self._out.append(SaveSetting("exercise_rounds", float(self.config.rounds)))
            self._say("save_done", minutes=spoken_amount(minutes))
            self._farewell()

    def _no(self, match: Match, now: float) -> None:
        pending = self._pending
        if pending == "checkin":
            self._say("checkin_later")
            self._finish(completed=False)
        elif pending == "confirm_stop":
            self._decline_stop(now)
        elif pending == "save_offer":
            self._say("save_declined")
            self._farewell()

    def _end_turn_early(self, now: float) -> bool:
        """Switch/skip/done in or around a turn: end it, or end its reflection. False if no turn."""
        phase = self._phase()
        if phase not in ("speaking", "reflection"):
            return False
        if self._frozen is not None:
            self._unfreeze()
        if phase == "speaking":
            self._end_turn(now)
        else:
            self._next_turn(now)
        return True

    def _switch(self, match: Match, now: float) -> None:
        if self._end_turn_early(now):
            return
        state = self._state
        if state in ("checkin", "briefing"):
            self._order.reverse()
            self._say("first_changed", **self._who())
        elif state in ("handover", "swap", "gap"):
            if self._turn % 2 == 0:
                self._order.reverse()
                self._handover(now)
            else:
                self._say("turn_is", **self._who())
        elif state in PAUSED:
            self._say("still_paused")
        elif state == "closing":
            self._say("no_turn")

    def _skip(self, match: Match, now: float) -> None:
        if self._end_turn_early(now):
            return
        state = self._state
        if state in ("checkin", "briefing"):
            self._handover(now)  # skips the rest of the check-in and the briefing
        elif state in ("handover", "swap"):
            self._skip_gap = True
        elif state == "gap":
            self._start_turn(now)
        elif state in PAUSED:
            self._say("still_paused")
        elif state == "closing":
            self._say("save_declined")
            self._farewell()

    def _time_left(self, match: Match, now: float) -> None:
        phase = self._phase()
        left = self.remaining_s(now)
        if phase in ("speaking", "reflection") and left is not None:
            self._say("time_left", amount=spoken_duration(left))
        elif phase in PRE_TURN:
            self._say("turn_length", amount=spoken_amount(self._turn_s / 60.0), **self._who())
        else:
            self._say("no_turn")

    def _add_time(self, match: Match, now: float) -> None:
        minutes = _minutes_slot(match)
        add_s = minutes * 60.0
        phase = self._phase()
        frozen = self._frozen
        if phase == "speaking":
            self._duration_s += add_s
            if frozen is not None:
                frozen.remaining["turn_end"] = frozen.remaining.get("turn_end", 0.0) + add_s
                left = frozen.remaining["turn_end"]
            else:
                left = self._deadlines["turn_end"] - now + add_s
            if left > 60.0 + 5.0:
                self._cues.discard("one_minute")  # warn again before the new last minute
            if frozen is None:
                self._arm_turn(now, left)
        elif phase == "reflection":
            table = frozen.remaining if frozen is not None else self._deadlines
            if "reflection_end" in table:
                table["reflection_end"] += add_s
                if "reflect_wrap_up" in table:
                    table["reflect_wrap_up"] += add_s  # the wrap-up still comes just before the new end
            else:
                self._reflect_extra_s += add_s
        elif phase in PRE_TURN:
            self._turn_s += add_s  # before a turn starts, every turn gets longer: it stays fair
        else:
            self._say("no_turn")
            return
        self._say("added_time", minutes=spoken_amount(minutes))

    def _say_rules(self, match: Match, now: float) -> None:
        self._say("brief_speaker")
        self._say("brief_listener")

    def _say_help(self, match: Match, now: float) -> None:
        self._say("exercise_help")
