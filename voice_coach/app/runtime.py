"""The loop: ears -> matcher -> gate -> coach -> actions (mouth, store, event log); app/wiring.py builds it."""

from __future__ import annotations

import logging
from datetime import date
from typing import Callable

from voice_coach import trace
from voice_coach.actions import (
    Action,
    Chime,
    EndSession,
    ForgetUsed,
    RecordHistory,
    RecordPractice,
    RememberLast,
    ReportPractice,
    SaveFavorite,
    SaveSetting,
    Say,
    SetListenMode,
    StateChange,
    TimerEvent,
)
from voice_coach.app.events import EventLog
from voice_coach.clock import Clock
from voice_coach.dialogue.coach import Coach
from voice_coach.dialogue.practice_log import spoken, summarize
from voice_coach.errors import StoreError
from voice_coach.listen.ears import Ears, Heard, TypedEars
from voice_coach.speech.mouth import Mouth, stderr_line
from voice_coach.store import Store
from voice_coach.understand.match import Match

_LOGGER = logging.getLogger(__name__)

__all__ = ["Ears", "Gate", "Heard", "Recognize", "Runtime", "TypedEars"]

LOOP_TICK_S = 0.05
"""Longest the loop waits for input before checking deadlines again."""
DEVICE_GRACE_S = 1.5
"""A device gone for less than this (a stream reopened at once after a hiccup) is not announced."""


Recognize = Callable[[str, Coach], Match | None]
"""Turns heard text into a match, given the coach's context."""

Gate = Callable[[Match | None, Heard], bool]
"""Decides whether an utterance was meant for the coach (wake word, follow-up window)."""


class Runtime:
    """One synchronous loop: wait for input or the next deadline, match, act."""

    def __init__(
        self,
        coach: Coach,
        recognize: Recognize,
        ears: Ears,
        mouth: Mouth,
        store: Store | None,
        events: EventLog,
        clock: Clock,
        gate: Gate | None = None,
        on_setting: Callable[[str, float], None] | None = None,
    ) -> None:
        self.coach = coach
        self.recognize = recognize
        self.ears = ears
        self.mouth = mouth
        self.store = store
        self.events = events
        self.clock = clock
        self.gate = gate
        self.on_setting = on_setting
        self.done = False
        self._awaiting_speech = False
        self._lost: set[str] = set()
        """Devices announced as lost (and not yet as back)."""
        self._gone_since: dict[str, float] = {}
        """Device -> when it was first reported gone (announced once gone for DEVICE_GRACE_S)."""

    def step(self) -> None:
        """One pass: wait for an utterance (or the next deadline), act on it, fire due timers."""
        deadline = self.coach.next_deadline()
        timeout_s = LOOP_TICK_S if deadline is None else min(LOOP_TICK_S, max(0.0, deadline - self.clock.now()))
        heard = self.ears.get(timeout_s)
        if heard is not None:
            self.hear(heard)
        self._check_devices()
        self.execute(self.coach.tick(self.clock.now()))
        if self._awaiting_speech and not self.mouth.busy():
            self._awaiting_speech = False
            self.execute(self.coach.speech_finished(self.clock.now()))

    def _check_devices(self) -> None:
        """Tell the coach once when a device (microphone, speaker) goes away and once when it is back."""
        now = self.clock.now()
        for device, part in (("microphone", self.ears), ("speaker", self.mouth)):
            if not getattr(part, "device_lost", False):  # parts without a device (typed, printed) never lose one
                self._gone_since.pop(device, None)
            else:
                self._gone_since.setdefault(device, now)
            lost = device in self._gone_since and now - self._gone_since[device] >= DEVICE_GRACE_S
            if lost == (device in self._lost):
                continue
            _LOGGER.info("the %s is %s", device, "lost: the coach pauses" if lost else "back")
            if lost:
                self._lost.add(device)
                self.events.write("state", name="device_lost", device=device)
                self.execute(self.coach.device_lost(now, device))
            else:
                self._lost.discard(device)
                self.events.write("state", name="device_back", device=device)
                self.execute(self.coach.device_back(now, device))

    def hear(self, heard: Heard) -> None:
        """Match one utterance and act on it, keeping the speaker's words out of every log."""
        private = self.coach.speaking_turn
        trace.note("hear")
        # One match per utterance: the listener's, when it made one while judging the end of speech.
        if heard.matched:
            match = heard.match
        else:
            with trace.timed("match"):
                match = self.recognize(heard.text, self.coach)
        if self.gate is not None and not self.gate(match, heard):
            if not private:  # ignored speech leaves a mark (never its words), so a session can be followed
                self.events.write("heard", ignored=getattr(self.gate, "reason", "gate"))
            return
        if private:
            if match is None:
                return
            self.events.write("intent", intent=match.intent, slots=match.slots)
        else:
            self.events.write("heard", text=heard.text)
            self.events.write("intent", intent=match.intent if match else None, slots=match.slots if match else {})
        self.execute(self.coach.handle(match, self.clock.now()))

    def execute(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Say):
                self.events.write("say", text=action.text, kind=action.kind)
                self.mouth.say(action.text)
                self._awaiting_speech = True
            elif isinstance(action, Chime):
                self.events.write("chime", kind=action.kind)
                self.mouth.chime(action.kind)
                self._awaiting_speech = True
            elif isinstance(action, SetListenMode):
                self.ears.set_mode(action.mode)
            elif isinstance(action, StateChange):
                if action.name == "stopped_speaking":
                    self.mouth.stop()
                self.events.write("state", name=action.name, **action.detail)
            elif isinstance(action, TimerEvent):
                self.events.write("timer", name=action.name, scheduled=self.events.seconds(action.scheduled_s),
                                  actual=self.events.seconds(action.actual_s))
            elif isinstance(action, EndSession):
                self.done = True
            elif isinstance(action, ReportPractice):
                self.execute([Say(self._practice_line(), "reply")])
            else:
                self._persist(action)

    def _persist(self, action: Action) -> None:
        if isinstance(action, SaveSetting) and self.on_setting is not None:
            self.on_setting(action.key, action.value)
        if self.store is None:
            return
        try:
            if isinstance(action, RecordHistory):
                self.store.record(action.kind, action.content_id)
            elif isinstance(action, SaveFavorite):
                self.store.add_favorite(action.content_id)
            elif isinstance(action, SaveSetting):
                self.store.set_setting(action.key, action.value)
            elif isinstance(action, ForgetUsed):
                self.store.forget_used(action.content_ids)
            elif isinstance(action, RecordPractice):
                self.store.log_practice(action.kind, action.item_id, action.minutes, action.completed, action.spoke)
            elif isinstance(action, RememberLast):
                self.store.remember_last(action.kind, action.content_id, action.part, action.depth, action.topic)
        except StoreError as err:
            self.events.write("error", message=err.message)
            stderr_line(err.one_line())

    def _practice_line(self) -> str:
        """The practice log as one spoken answer (counts and minutes only)."""
        if self.store is None:
            return "I'm not keeping a practice log this time, so I can't say yet."
        try:
            return spoken(summarize(self.store.practice(), date.today()))
        except StoreError as err:
            stderr_line(err.one_line())
            return "I couldn't read the practice log just now."

    def run(self) -> None:
        """Loop until goodbye, or until input has ended and nothing is left to do."""
        while not self.done:
            self.step()
            if self.ears.closed and not self.coach.in_exercise and not self._awaiting_speech and not self.mouth.busy():
                break
