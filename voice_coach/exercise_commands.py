"""What each spoken command does in each phase of the listening exercise (part of Exercise)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from voice_coach.actions import SaveSetting
from voice_coach.exercise_words import spoken_amount, spoken_duration
from voice_coach.match import Match

if TYPE_CHECKING:
    from voice_coach.exercise import Exercise

_LOGGER = logging.getLogger(__name__)

Command = Callable[[Match, float], None]

_PRE_TURN = ("checkin", "briefing", "handover", "swap", "gap")
_PAUSED = ("paused", "time_out")
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


def command_table(ex: Exercise) -> dict[str, Command]:
    """Bind every exercise command to ``ex``."""

    def reask(now: float) -> None:
        ex._deadlines.pop("confirm_answer", None)
        ex._say("confirm_stop")
        ex._await_speech("confirm_asked", now)

    def pause(match: Match, now: float) -> None:
        kind = "time_out" if match.intent == "time_out" else "paused"
        state = ex._state
        if state not in ("confirm_stop", "resuming", *_PAUSED):
            ex._freeze(now)
        # Already set aside (a pause, an open stop question, a resume line): just stay paused.
        ex._deadlines.clear()
        ex._after_speech = None
        ex._pending = None
        ex._set_listen("normal")
        frozen = ex._frozen
        detail: dict[str, object] = {"was": frozen.state if frozen else state}
        left = ex.remaining_s(now)
        if left is not None and ex._phase() in ("speaking", "reflection"):
            detail["remaining_s"] = round(left, 3)
        ex._enter(kind, **detail)
        ex._say(kind)

    def resume(match: Match, now: float) -> None:
        if ex._state in _PAUSED:
            ex._resume(now)
        elif ex._state == "confirm_stop":
            ex._decline_stop(now)
        elif ex._state != "resuming":
            ex._say("not_paused")

    def stop(match: Match, now: float) -> None:
        state = ex._state
        if state == "closing":
            ex._say("save_declined")
            ex._finish(completed=True)
            return
        if state == "confirm_stop":
            yes(match, now)
            return
        if state not in ("resuming", *_PAUSED):
            ex._freeze(now)
        if ex._frozen is None:
            return
        ex._frozen.back_to_pause = state in _PAUSED
        ex._deadlines.clear()
        ex._after_speech = None
        ex._set_listen("normal")
        ex._enter("confirm_stop", was=ex._frozen.state)
        ex._say("confirm_stop")
        ex._pending = "confirm_stop"
        ex._await_speech("confirm_asked", now)

    def yes(match: Match, now: float) -> None:
        pending = ex._pending
        if pending == "checkin":
            ex._after_checkin(now)
        elif pending == "confirm_stop":
            ex._say("stopped")
            ex._enter("stopped", turns_done=ex._turns_done)
            ex._finish(completed=False)
        elif pending == "save_offer":
            minutes = ex._turn_s / 60.0
            ex._out.append(SaveSetting("exercise_minutes", round(minutes, 3)))
            ex._out.append(SaveSetting("exercise_rounds", float(ex.config.rounds)))
            ex._say("save_done", minutes=spoken_amount(minutes))
            ex._finish(completed=True)

    def no(match: Match, now: float) -> None:
        pending = ex._pending
        if pending == "checkin":
            ex._say("checkin_later")
            ex._finish(completed=False)
        elif pending == "confirm_stop":
            ex._decline_stop(now)
        elif pending == "save_offer":
            ex._say("save_declined")
            ex._finish(completed=True)

    def end_turn_early(now: float) -> bool:
        """Switch/skip/done in or around a turn: end it, or end its reflection. False if no turn."""
        phase = ex._phase()
        if phase not in ("speaking", "reflection"):
            return False
        if ex._frozen is not None:
            ex._unfreeze()
        if phase == "speaking":
            ex._end_turn(now)
        else:
            ex._next_turn(now)
        return True

    def switch(match: Match, now: float) -> None:
        if end_turn_early(now):
            return
        state = ex._state
        if state in ("checkin", "briefing"):
            ex._order.reverse()
            ex._say("first_changed", **ex._who())
        elif state in ("handover", "swap", "gap"):
            if ex._turn % 2 == 0:
                ex._order.reverse()
                ex._handover(now)
            else:
                ex._say("turn_is", **ex._who())
        elif state in _PAUSED:
            ex._say("still_paused")
        elif state == "closing":
            ex._say("no_turn")

    def skip(match: Match, now: float) -> None:
        if end_turn_early(now):
            return
        state = ex._state
        if state in ("checkin", "briefing"):
            ex._handover(now)  # skips the rest of the check-in and the briefing
        elif state in ("handover", "swap"):
            ex._skip_gap = True
        elif state == "gap":
            ex._start_turn(now)
        elif state in _PAUSED:
            ex._say("still_paused")
        elif state == "closing":
            ex._say("save_declined")
            ex._finish(completed=True)

    def time_left(match: Match, now: float) -> None:
        phase = ex._phase()
        left = ex.remaining_s(now)
        if phase in ("speaking", "reflection") and left is not None:
            ex._say("time_left", amount=spoken_duration(left))
        elif phase in _PRE_TURN:
            ex._say("turn_length", amount=spoken_amount(ex._turn_s / 60.0), **ex._who())
        else:
            ex._say("no_turn")

    def add_time(match: Match, now: float) -> None:
        minutes = _minutes_slot(match)
        add_s = minutes * 60.0
        phase = ex._phase()
        frozen = ex._frozen
        if phase == "speaking":
            ex._duration_s += add_s
            if frozen is not None:
                frozen.remaining["turn_end"] = frozen.remaining.get("turn_end", 0.0) + add_s
                left = frozen.remaining["turn_end"]
            else:
                left = ex._deadlines["turn_end"] - now + add_s
            if left > 60.0 + 5.0:
                ex._cues.discard("one_minute")  # warn again before the new last minute
            if frozen is None:
                ex._arm_turn(now, left)
        elif phase == "reflection":
            table = frozen.remaining if frozen is not None else ex._deadlines
            if "reflection_end" in table:
                table["reflection_end"] += add_s
            else:
                ex._reflect_extra_s += add_s
        elif phase in _PRE_TURN:
            ex._turn_s += add_s  # before a turn starts, every turn gets longer: it stays fair
        else:
            ex._say("no_turn")
            return
        ex._say("added_time", minutes=spoken_amount(minutes))

    def say_rules(match: Match, now: float) -> None:
        ex._say("brief_speaker")
        ex._say("brief_listener")

    def say_help(match: Match, now: float) -> None:
        ex._say("exercise_help")

    table: dict[str, Command] = {
        "pause": pause,
        "time_out": pause,
        "resume": resume,
        "stop": stop,
        "yes": yes,
        "no": no,
        "switch_turn": switch,
        "skip": skip,
        "done": skip,
        "time_left": time_left,
        "add_time": add_time,
        "repeat_rules": say_rules,
        "help": say_help,
    }

    def guarded(name: str, command: Command) -> Command:
        def run(match: Match, now: float) -> None:
            if ex._state == "confirm_stop" and name not in _CONFIRM_ANSWERS:
                reask(now)
            else:
                command(match, now)

        return run

    return {name: guarded(name, command) for name, command in table.items()}
