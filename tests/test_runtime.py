"""The loop with typed input: real matcher, real store, printed replies, events log."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

from voice_coach.clock import MonotonicClock
from voice_coach.coach import Coach
from voice_coach.content import load_library
from voice_coach.events import EventLog
from voice_coach.mouth import PrintMouth
from voice_coach.runtime import Runtime, TypedEars, matcher
from voice_coach.store import Store


def run_typed(tmp_path: Path, lines: list[str]) -> tuple[list[str], list[dict], Store]:
    clock = MonotonicClock()
    store = Store(tmp_path / "home")
    out: list[str] = []
    coach = Coach(load_library(), store.load(), random.Random(3))
    events = EventLog(tmp_path / "events.jsonl", clock)
    loop = Runtime(coach, matcher(), TypedEars(io.StringIO("\n".join(lines) + "\n"), clock), PrintMouth(out.append),
                   store, events, clock)
    loop.run()
    events.close()
    records = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    return out, records, store


def test_a_typed_session_answers_each_request_and_logs_events(tmp_path: Path) -> None:
    library = load_library()
    out, events, store = run_typed(tmp_path, ["give us a conversation starter", "another one", "save that one", "bye"])
    starters = {s.text for s in library.starters}
    assert out[0] in starters and out[1] in starters and out[0] != out[1]
    assert out[2] in library.lines["saved_favorite"]
    assert out[3] in library.lines["goodbye"]
    assert [e["intent"] for e in events if e["type"] == "intent"] == ["conversation_starter", "another", "save_favorite", "goodbye"]
    assert all(isinstance(e["t"], float) for e in events)
    assert len(store.load().favorites) == 1


def test_input_ending_ends_the_session(tmp_path: Path) -> None:
    out, _, _ = run_typed(tmp_path, ["what's the weather"])
    assert out == [out[0]] and out[0] in load_library().lines["out_of_scope"]
