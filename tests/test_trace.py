"""The timing trace hooks: off by default, times and numbers only, never what anyone said."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from voice_coach import trace
from voice_coach.app.events import EventLog
from voice_coach.app.runtime import Heard, Runtime, TypedEars
from voice_coach.app.wiring import matcher
from voice_coach.content import load_library
from voice_coach.dialogue.coach import Coach
from voice_coach.speech.mouth import PrintMouth
from voice_coach.testing.fakes import FakeClock


def _hear(text: str) -> None:
    clock = FakeClock()
    coach = Coach(load_library(), None, random.Random(1))
    loop = Runtime(coach, matcher(), TypedEars(io.StringIO(""), clock), PrintMouth(lambda _: None), None,
                   EventLog(None, clock), clock)
    loop.hear(Heard(text, 0.0))


def test_tracing_is_off_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(trace.ENV_VAR, raising=False)
    trace.start()
    assert not trace.enabled()
    _hear("coach, give us a tip about listening")  # hooks are no-ops


def test_a_trace_holds_stage_times_and_never_the_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "trace.jsonl"
    monkeypatch.setenv(trace.ENV_VAR, str(path))
    monkeypatch.setattr(trace, "_out", None)
    trace.start()
    try:
        _hear("coach, give us a tip about my secret sister")
    finally:
        assert trace._out is not None
        trace._out.close()
        monkeypatch.setattr(trace, "_out", None)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["stage"] for r in lines] == ["hear", "match"]
    assert all(isinstance(r["t"], float) for r in lines) and lines[1]["dur"] >= 0
    assert "sister" not in path.read_text()
