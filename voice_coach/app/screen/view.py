"""What the page shows, folded from the coach's events: a pure model, one JSON snapshot per change.

Only the coach's own words and the exercise state get in: PAGE_EVENTS is a whitelist, so what the
recognizer heard ('heard') and what it made of it ('intent') never reach a page, in or out of a turn.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from voice_coach.speech.types import split_sentences

_LOGGER = logging.getLogger(__name__)

PAGE_EVENTS = frozenset({"say", "state", "timer", "sentence", "activity", "clock"})
"""The only event types a page is told about."""

COMMAND_PHRASES: dict[str, str] = {
    "pause": "pause",
    "resume": "resume",
    "another": "another one",
    "repeat": "repeat that",
    "more": "tell me more",
    "save": "save that",
    "stop": "stop",
    "yes": "yes",
    "no": "no",
    "louder": "louder",
    "quieter": "quieter",
    "starter": "give us a conversation starter",
}
"""Button -> the words it stands for (typed after the wake word into the spoken-command path)."""

CARD_KINDS = ("starter", "tip")
"""Lines that stay on the page in large type until the next one."""
MAX_CAPTIONS = 6
ACTIVITIES = ("listening", "thinking", "speaking", "paused")
EXERCISE_END = ("finished", "stopped")
COACH_STATES = ("stopped_speaking", "device_lost", "device_back")
"""State events of the coach itself; every other state event is a phase of the exercise."""
_TURN_FIELDS = ("speaker", "listener", "turn", "round", "duration_s", "reflect_s")


class ScreenView:
    """The page's state: activity, the card in large type, captions, the exercise and its clock."""

    def __init__(self, now: Callable[[], float], paced: bool = False) -> None:
        self.now = now
        self.paced = paced
        """True when the mouth reports each sentence as it starts (captions then follow the voice)."""
        self.seq = 0
        self.activity = "listening"
        self.card: dict[str, Any] | None = None
        self.captions: deque[dict[str, Any]] = deque(maxlen=MAX_CAPTIONS)
        self._caption_id = 0
        self._speaking: int | None = None
        """Id of the caption whose sentences the mouth is saying now."""
        self.exercise: dict[str, Any] | None = None
        self.notice: str | None = None
        self._clock: tuple[float, bool, float] | None = None
        """(remaining_s, running, when) of the exercise clock as last reported."""

    def apply(self, type_: str, fields: dict[str, Any]) -> bool:
        """Fold one event in; True when pages should be sent a new snapshot."""
        if type_ not in PAGE_EVENTS:
            return False
        getattr(self, f"_on_{type_}")(fields)
        self.seq += 1
        return True

    def snapshot(self) -> dict[str, Any]:
        exercise = None
        if self.exercise is not None:
            exercise = dict(self.exercise)
            exercise.update(self._clock_now())
        return {
            "seq": self.seq,
            "activity": self.activity,
            "card": self.card,
            "captions": [{"id": c["id"], "kind": c["kind"], "sentences": c["sentences"][: c["shown"]]}
                         for c in self.captions if c["shown"]],
            "exercise": exercise,
            "notice": self.notice,
        }

    def _clock_now(self) -> dict[str, Any]:
        if self._clock is None:
            return {"remaining_s": None, "running": False}
        remaining, running, when = self._clock
        if running:
            remaining = max(0.0, remaining - (self.now() - when))
        return {"remaining_s": round(remaining, 3), "running": running}

    # ----------------------------------------------------------------- events
    def _on_activity(self, fields: dict[str, Any]) -> None:
        name = str(fields.get("name", "listening"))
        self.activity = name if name in ACTIVITIES else "listening"

    def _on_clock(self, fields: dict[str, Any]) -> None:
        remaining = fields.get("remaining_s")
        self._clock = None if remaining is None else (float(remaining), bool(fields.get("running")), self.now())

    def _on_say(self, fields: dict[str, Any]) -> None:
        text, kind = str(fields.get("text", "")), str(fields.get("kind", "reply"))
        sentences = split_sentences(text) or [text]
        self._caption_id += 1
        self.captions.append({"id": self._caption_id, "kind": kind, "sentences": sentences,
                              "shown": 0 if self.paced else len(sentences)})
        if kind in CARD_KINDS:
            self.card = {"kind": kind, "text": text, "more": None}
            if self.exercise is not None and self.exercise["phase"] in EXERCISE_END:
                self.exercise = None
        elif kind == "more" and self.card is not None:
            self.card = {**self.card, "more": text}

    def _on_sentence(self, fields: dict[str, Any]) -> None:
        """The mouth started sentence ``index`` of the reply it is saying."""
        index = int(fields.get("index", 0))
        if index == 0 or self._speaking is None:
            waiting = [c for c in self.captions if c["shown"] == 0 and (self._speaking is None or c["id"] > self._speaking)]
            if not waiting:
                return
            self._speaking = waiting[0]["id"]
        for caption in self.captions:
            if caption["id"] == self._speaking:
                caption["shown"] = max(caption["shown"], min(index + 1, len(caption["sentences"])))

    def _on_timer(self, fields: dict[str, Any]) -> None:
        if self.exercise is not None and fields.get("name") in ("halfway", "one_minute"):
            self.exercise["cue"] = fields["name"]

    def _on_state(self, fields: dict[str, Any]) -> None:
        name = str(fields.get("name", ""))
        if name == "stopped_speaking":
            # Cut short: sentences never said are never shown.
            for caption in [c for c in self.captions if c["shown"] == 0]:
                self.captions.remove(caption)
            self._speaking = None
        elif name == "device_lost":
            self.notice = f"The {fields.get('device', 'device')} is lost"
        elif name == "device_back":
            self.notice = None
        else:
            self._on_phase(name, fields)

    def _on_phase(self, name: str, fields: dict[str, Any]) -> None:
        if self.exercise is None or self.exercise["phase"] in EXERCISE_END:
            self.exercise = {"phase": name, "was": None, "cue": None, **{key: None for key in _TURN_FIELDS}}
            self._clock = None
        exercise = self.exercise
        if name == "speaking" and not fields.get("resumed"):
            exercise["cue"] = None
        exercise["phase"] = name
        exercise["was"] = fields.get("was") if name in ("paused", "time_out", "confirm_stop") else None
        for key in _TURN_FIELDS:
            if key in fields:
                exercise[key] = fields[key]
        if name in EXERCISE_END:
            exercise["completed"] = bool(fields.get("completed", False))
            self._clock = None
