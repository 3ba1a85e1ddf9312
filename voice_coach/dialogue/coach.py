"""The coach's dialogue: a pure state machine from a match (or a clock tick) to actions."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any

from voice_coach.actions import (
    Action,
    EndSession,
    ReportPractice,
    SaveSetting,
    Say,
    SetListenMode,
    StateChange,
)
from voice_coach.config import SPEECH_LIMITS
from voice_coach.content import Library
from voice_coach.content.sessions import SessionBook
from voice_coach.dialogue.content_giver import Giver
from voice_coach.dialogue.memory import Memory
from voice_coach.dialogue.picker import VariantPicker
from voice_coach.dialogue.session_desk import SessionDesk
from voice_coach.errors import UsageError
from voice_coach.exercise.base import PAUSED
from voice_coach.exercise.config import MINUTES_MAX
from voice_coach.exercise.session import Exercise, ExerciseConfig
from voice_coach.understand.match import Context, Match

_LOGGER = logging.getLogger(__name__)

EXERCISE_INTENTS = Exercise.COMMANDS
"""Intents the exercise handles itself while it runs."""

_SETTING_CHANGES = {"slower": ("rate", -1), "faster": ("rate", 1), "louder": ("volume", 1), "quieter": ("volume", -1)}


@dataclass(frozen=True)
class ExerciseDefaults:
    """Exercise settings used when the request doesn't say otherwise."""

    minutes: float = 5.0
    rounds: int = 1
    reflect_s: float = 90.0


class Coach:
    """Dialogue state: what was said last, what is pending, and the running exercise if any."""

    def __init__(
        self,
        library: Library,
        memory: Memory | None = None,
        rng: random.Random | None = None,
        exercise_defaults: ExerciseDefaults = ExerciseDefaults(),
        book: SessionBook | None = None,
        names: tuple[str, str] | None = None,
    ) -> None:
        self.library = library
        self.memory = memory or Memory()
        self.rng = rng or random.Random()
        self.exercise_defaults = exercise_defaults
        self.variants = VariantPicker(self.rng)
        self.giver = Giver(library, self.memory, self.rng, self._say)
        self.exercise: Exercise | None = None
        self.pending: str | None = None
        self.last_intent: str | None = None
        self.last_said: tuple[Say, ...] = ()
        """The lines of the last reply, each kept whole (a lead, then its question), for "repeat"."""
        self.desk = SessionDesk(book or SessionBook(), library, self.rng, names)
        """Guided sessions and the practice log's view of the exercise."""

    # ----- what the matcher and runtime need to know -------------------------------------------
    def context(self) -> Context:
        exercise = self._running()
        session = self.desk.running
        pending = exercise.pending_question if exercise else (session.pending_question if session else self.pending)
        return Context(
            last_intent=self.last_intent,
            last_kind=None if session else self.memory.last_kind,  # in a session "next" is the next turn
            pending_question=pending,
            in_exercise=exercise is not None or session is not None,
            paused=bool(exercise and exercise.state in PAUSED),
            speaking_turn=bool(exercise and exercise.speaking_turn),
        )

    @property
    def speaking_turn(self) -> bool:
        exercise = self._running()
        return bool(exercise and exercise.speaking_turn)

    @property
    def in_exercise(self) -> bool:
        return self._running() is not None

    def next_deadline(self) -> float | None:
        exercise = self._running()
        return exercise.next_deadline() if exercise else None

    def _running(self) -> Exercise | None:
        return self.exercise if self.exercise is not None and not self.exercise.finished else None

    # ----- events -------------------------------------------------------------------------------
    def handle(self, match: Match | None, now: float) -> list[Action]:
        """Act on one understood utterance; ``None`` means it was out of scope."""
        exercise = self._running()
        session_actions = None if exercise is not None else self.desk.handle(match, now)
        if exercise is not None:
            actions = self._handle_in_exercise(exercise, match, now)
        elif session_actions is not None:
            actions = session_actions
        else:
            actions = self._handle(match, now)
        if match is not None:
            self.last_intent = match.intent
        return self._remember_said(actions)

    def tick(self, now: float) -> list[Action]:
        """Fire any exercise deadline that is due."""
        exercise = self._running()
        return self._remember_said(self._after_exercise(exercise.tick(now), now)) if exercise else []

    def speech_finished(self, now: float) -> list[Action]:
        """All queued speech has been played."""
        exercise = self._running()
        return self._remember_said(self._after_exercise(exercise.speech_finished(now), now)) if exercise else []

    def start_exercise(self, now: float, minutes: float | None = None, rounds: int | None = None,
                       names: tuple[str, str] | None = None, reflect_s: float | None = None,
                       first: str | None = None, checkin: bool = True) -> list[Action]:
        """Begin the listening exercise (from a voice request or the ``exercise`` command)."""
        config = ExerciseConfig(
            minutes=minutes if minutes is not None else self.exercise_defaults.minutes,
            rounds=rounds if rounds is not None else self.exercise_defaults.rounds,
            names=names,
            reflect_s=reflect_s if reflect_s is not None else self.exercise_defaults.reflect_s,
            checkin=checkin,
            first=first,
        )
        self.pending = None
        if names:
            self.desk.names = names
        self.exercise = Exercise(config, self.library, self.rng)
        self.last_intent = "start_exercise"
        return self._remember_said(self._after_exercise(self.exercise.start(now), now))

    def device_lost(self, now: float, device: str = "microphone") -> list[Action]:
        """A device (microphone or speaker) went away: pause a running exercise (its time is kept) and say so once.

        What is said is printed too, so a lost speaker is still announced.
        """
        exercise = self._running()
        actions: list[Action] = [self._say(_device_lines(device)[0])]
        if exercise is not None and exercise.state not in ("paused", "time_out"):
            actions += self._after_exercise(exercise.handle(Match("pause", {}), now), now)
        session = self.desk.running
        if session is not None and session.waiting:
            actions += session.handle(Match("pause", {}), now)
        return self._remember_said(actions)

    def device_back(self, now: float, device: str = "microphone") -> list[Action]:
        """The device is back: say so (a paused exercise waits for "coach, resume")."""
        exercise = self._running()
        session = self.desk.running
        if session is not None and session.state == "paused":
            return self._remember_said([self._say(_device_lines(device)[1]), *session.remind()])
        paused = exercise is not None and exercise.state in ("paused", "time_out")
        _, back, back_paused = _device_lines(device)
        return self._remember_said([self._say(back_paused if paused else back)])

    # ----- dialogue -----------------------------------------------------------------------------
    def _handle(self, match: Match | None, now: float) -> list[Action]:
        if match is None:
            return [self._say("out_of_scope")]
        intent, slots = match.intent, match.slots
        pending, self.pending = self.pending, None
        if intent == "conversation_starter":
            return self.giver.starter(_text(slots.get("depth")), _text(slots.get("topic")))
        if intent == "tip":
            return self.giver.tip(_text(slots.get("topic")))
        if intent == "another" or (intent == "yes" and pending == "offer_another"):
            return self.giver.another()
        if intent == "no" and pending:
            return [self._say("okay")]
        if intent in ("yes", "no"):
            return [self._say("nothing_pending")]
        if intent == "tell_more":
            return self._tell_more()
        if intent == "repeat":
            return self._repeat()
        if intent == "save_favorite":
            return self.giver.save_favorite()
        if intent == "list_favorites":
            return self.giver.list_favorites()
        if intent == "help":
            return [self._help()]
        if intent in _SETTING_CHANGES:
            return self._change_setting(intent)
        if intent == "goodbye":
            return self.desk.end(now) + [self._say("goodbye"), EndSession()]
        if intent == "start_session":
            return self.desk.start(match, now) or [self._say("out_of_scope")]
        if intent == "how_are_we_doing":
            return [ReportPractice()]
        if intent == "start_exercise":
            minutes = slots.get("minutes")
            speaker = slots.get("speaker")
            try:
                return self.start_exercise(now, minutes=float(minutes) if isinstance(minutes, (int, float)) else None,
                                           first=str(speaker) if speaker else None)
            except UsageError:
                # A spoken length out of range ("for zero minutes", "for two hours") gets the range, not a crash.
                return [self._say("minutes_out_of_range", minutes=f"{MINUTES_MAX:g} minutes")]
        if intent == "stop":
            return [StateChange("stopped_speaking")]
        if intent in EXERCISE_INTENTS:
            return [self._say("no_exercise")]
        _LOGGER.debug("no dialogue rule for intent %s", intent)
        return [self._say("out_of_scope")]

    def _handle_in_exercise(self, exercise: Exercise, match: Match | None, now: float) -> list[Action]:
        if match is None:
            # Out-of-scope speech during the exercise is the couple talking: never answer it.
            return []
        if match.intent == "repeat" and not exercise.speaking_turn:
            return self._repeat()
        if match.intent in EXERCISE_INTENTS:
            return self._after_exercise(exercise.handle(match, now), now)
        if match.intent == "goodbye":
            actions = self._after_exercise(exercise.handle(Match("stop", {}, match.score), now), now)
            actions += self._after_exercise(exercise.handle(Match("yes", {}, match.score), now), now)
            return actions + [self._say("goodbye"), EndSession()]
        if exercise.speaking_turn:
            return []
        return [self._say("in_exercise")]

    def _after_exercise(self, actions: list[Action], now: float) -> list[Action]:
        """When the exercise has just finished, hand the microphone back to normal listening."""
        if self.exercise is not None and self.exercise.finished and not any(isinstance(a, SetListenMode) for a in actions):
            actions = actions + [SetListenMode("normal")]
        return self.desk.watch_exercise(actions, now)

    def _tell_more(self) -> list[Action]:
        more = self.giver.tell_more()
        if more is not None:
            return more
        self.pending = "offer_another"
        return [self._say("nothing_more")]

    def _repeat(self) -> list[Action]:
        return list(self.last_said) if self.last_said else self.giver.repeat_last()

    def _help(self) -> Say:
        examples = self.library.lines.get("help_examples") or ["give us a conversation starter"]
        chosen = self.rng.sample(examples, k=min(3, len(examples)))
        spoken = ", ".join(f'"{e}"' for e in chosen[:-1]) + (f', or "{chosen[-1]}"' if len(chosen) > 1 else f'"{chosen[0]}"')
        return self._say("help", examples=spoken)

    def _change_setting(self, intent: str) -> list[Action]:
        key, direction = _SETTING_CHANGES[intent]
        low, high, step = SPEECH_LIMITS[key]
        current = self.memory.settings.get(key, 1.0)
        value = round(min(high, max(low, current + direction * step)), 2)
        if value == current:
            return [self._say("at_limit")]
        self.memory.settings[key] = value
        return [SaveSetting(key, value), self._say(intent)]

    # ----- helpers ------------------------------------------------------------------------------
    def _say(self, key: str, kind: str = "reply", content_id: str | None = None, **fill: Any) -> Say:
        text = self.variants.pick(key, self.library.line(key))
        if fill:
            text = text.format(**fill)
        return Say(text, kind=kind, content_id=content_id)

    def _remember_said(self, actions: list[Action]) -> list[Action]:
        said = tuple(a for a in actions if isinstance(a, Say))
        if said:
            self.last_said = said
        return actions


DEVICE_LINES: dict[str, tuple[str, str, str]] = {
    "microphone": ("mic_lost", "mic_back", "mic_back_paused"),
    "speaker": ("speaker_lost", "speaker_back", "speaker_back_paused"),
}
"""Device -> its coach lines: lost, back, back while the exercise waits paused."""


def _device_lines(device: str) -> tuple[str, str, str]:
    try:
        return DEVICE_LINES[device]
    except KeyError:
        raise ValueError(f"unknown device {device!r}; expected one of {', '.join(DEVICE_LINES)}") from None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
