"""The loop with typed input (real matcher, store, printed replies, events log), and devices coming and going."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from voice_coach.app.events import EventLog
from voice_coach.app.runtime import Heard, Runtime
from voice_coach.app.wiring import matcher
from voice_coach.content import load_library
from voice_coach.dialogue.coach import DEVICE_LINES, Coach
from voice_coach.speech.mouth import PrintMouth
from voice_coach.store import Store
from voice_coach.testing.fakes import FakeClock
from voice_coach.testing.typed import run_typed
from voice_coach.understand.match import Match


def test_a_typed_session_answers_each_request_and_logs_events(tmp_path: Path) -> None:
    library = load_library()
    out, events, store = run_typed(tmp_path, ["give us a conversation starter", "another one", "save that one", "bye"])
    starters = {s.text for s in library.starters}
    out = [line for line in out if line not in library.lines["ask_each_other"]]  # the lead before one partner's question
    assert out[0] in starters and out[1] in starters and out[0] != out[1]
    assert out[2] in library.lines["saved_favorite"]
    assert out[3] in library.lines["goodbye"]
    assert [e["intent"] for e in events if e["type"] == "intent"] == ["conversation_starter", "another", "save_favorite", "goodbye"]
    assert all(isinstance(e["t"], float) for e in events)
    assert len(store.load().favorites) == 1


def test_input_ending_ends_the_session(tmp_path: Path) -> None:
    out, _, _ = run_typed(tmp_path, ["what's the weather"])
    assert out == [out[0]] and out[0] in load_library().lines["out_of_scope"]


# --- devices going away (fakes: the flags the microphone ears and the speaker mouth report) ----------------


class DeviceEars:
    """Ears that hear nothing, with the microphone's lost flag set by the test."""

    closed = False

    def __init__(self) -> None:
        self.device_lost = False
        self.mode = "normal"

    def get(self, timeout_s: float) -> Heard | None:
        return None

    def set_mode(self, mode: str) -> None:
        self.mode = mode

    def set_muted(self, muted: bool) -> None:
        pass

    def close(self) -> None:
        pass


class DeviceMouth(PrintMouth):
    """A printing mouth with the speaker's lost flag set by the test."""

    def __init__(self, out: list[str]) -> None:
        super().__init__(out.append)
        self.lost = False

    @property
    def device_lost(self) -> bool:
        return self.lost


@dataclass
class DeviceLoop:
    loop: Runtime
    ears: DeviceEars
    mouth: DeviceMouth
    out: list[str]
    clock: FakeClock
    events_path: Path

    def states(self, name: str | None = None) -> list[dict]:
        return [s for s in states(self.events_path) if name is None or s["name"] == name]

    def run_for(self, seconds: float, step_s: float = 0.25) -> None:
        for _ in range(round(seconds / step_s)):
            self.clock.advance(step_s)
            self.loop.step()

    def into_the_turn(self) -> None:
        self.loop.execute(self.loop.coach.start_exercise(self.clock.now(), minutes=1, checkin=False))
        for _ in range(200):
            if self.states("speaking"):
                return
            self.run_for(0.25)
        raise AssertionError("the speaking turn never started")


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[DeviceLoop]:
    clock = FakeClock()
    out: list[str] = []
    ears, mouth = DeviceEars(), DeviceMouth(out)
    events_path = tmp_path / "events.jsonl"
    events = EventLog(events_path, clock)
    coach = Coach(load_library(), None, random.Random(5))
    try:
        yield DeviceLoop(Runtime(coach, matcher(), ears, mouth, None, events, clock), ears, mouth, out, clock, events_path)
    finally:
        events.close()


def states(events_path: Path) -> list[dict]:
    return [e for e in map(json.loads, events_path.read_text().splitlines()) if e["type"] == "state"]


def test_a_lost_speaker_pauses_the_turn_keeps_its_time_and_is_announced_back(dev: DeviceLoop) -> None:
    library = load_library()
    dev.into_the_turn()
    dev.run_for(10)
    dev.mouth.lost = True
    dev.run_for(1.0)  # a hiccup shorter than the grace is not announced
    assert not dev.states("device_lost")
    dev.run_for(1.0)
    assert [s["device"] for s in dev.states("device_lost")] == ["speaker"]
    assert any(line in library.lines["speaker_lost"] for line in dev.out), "the loss is printed"
    (paused,) = dev.states("paused")
    assert paused["was"] == "speaking" and 45 < paused["remaining_s"] < 50
    dev.run_for(120)  # long past the turn's end: the clock is stopped
    exercise = dev.loop.coach.exercise
    assert exercise is not None and exercise.state == "paused"
    dev.mouth.lost = False
    dev.loop.step()
    assert [s["device"] for s in dev.states("device_back")] == ["speaker"]
    assert dev.out[-1] in library.lines["speaker_back_paused"]
    dev.loop.hear(Heard("coach resume", dev.clock.now()))
    dev.run_for(5)
    assert [s for s in dev.states("speaking") if s.get("resumed")], "the turn goes on from where it stopped"
    left = exercise.remaining_s(dev.clock.now())
    assert left is not None and 40 < left <= paused["remaining_s"]


def test_both_devices_lost_pause_once_and_each_is_announced(dev: DeviceLoop) -> None:
    library = load_library()
    dev.into_the_turn()
    dev.ears.device_lost = True
    dev.mouth.lost = True
    dev.run_for(2.0)
    assert sorted(s["device"] for s in dev.states("device_lost")) == ["microphone", "speaker"]
    assert len(dev.states("paused")) == 1
    dev.ears.device_lost = False
    dev.loop.step()
    assert dev.out[-1] in library.lines["mic_back_paused"]
    dev.mouth.lost = False
    dev.loop.step()
    assert dev.out[-1] in library.lines["speaker_back_paused"]
    assert [s["device"] for s in dev.states("device_back")] == ["microphone", "speaker"]


def test_a_device_lost_outside_the_exercise_is_only_announced(dev: DeviceLoop) -> None:
    library = load_library()
    dev.mouth.lost = True
    dev.run_for(2.0)
    dev.mouth.lost = False
    dev.loop.step()
    assert dev.out[0] in library.lines["speaker_lost"] and dev.out[1] in library.lines["speaker_back"]
    assert [s["name"] for s in dev.states()] == ["device_lost", "device_back"]
    assert dev.loop.coach.exercise is None


def test_every_device_has_its_lines() -> None:
    library = load_library()
    for device, keys in DEVICE_LINES.items():
        for key in keys:
            assert len(library.lines.get(key, [])) >= 3, f"{device}: coach line '{key}' needs at least 3 variants"


# --- one match per utterance ------------------------------------------------------------------------------


class CountingMatcher:
    """The real matcher, counting how often the runtime asks it."""

    def __init__(self) -> None:
        self.calls = 0
        self._match = matcher()

    def __call__(self, text: str, coach: Coach) -> Match | None:
        self.calls += 1
        return self._match(text, coach)


def test_an_utterance_the_listener_matched_is_not_matched_again(tmp_path: Path) -> None:
    clock = FakeClock()
    counting = CountingMatcher()
    out: list[str] = []
    store = Store(tmp_path / "home")
    coach = Coach(load_library(), store.load(), random.Random(3))
    loop = Runtime(coach, counting, DeviceEars(), PrintMouth(out.append), store, EventLog(None, clock), clock)
    # The listener matched this text while judging the end of speech: the runtime acts on that match.
    loop.hear(Heard("coach what can you do", 1.0, matched=True, match=Match("help", addressed=True)))
    assert counting.calls == 0 and out and out[-1].startswith(tuple(line.split("{")[0] for line in load_library().lines["help"]))
    # Text the listener did not match (typed input) is matched once, by the runtime.
    loop.hear(Heard("coach, give us a tip", 2.0))
    assert counting.calls == 1
