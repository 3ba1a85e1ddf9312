"""Run the coach on typed lines, as `voice-coach run --typed` does: the replies, the events and the store."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

from voice_coach.app.events import EventLog
from voice_coach.app.runtime import Runtime, TypedEars
from voice_coach.app.wiring import matcher
from voice_coach.clock import MonotonicClock
from voice_coach.content import load_library
from voice_coach.content.sessions import SessionBook
from voice_coach.dialogue.coach import Coach
from voice_coach.speech.mouth import PrintMouth
from voice_coach.store import Store


def run_typed(tmp_path: Path, lines: list[str], *, seed: int = 3, book: SessionBook | None = None,
              names: tuple[str, str] | None = None) -> tuple[list[str], list[dict], Store]:
    """Each line typed in turn until the input ends: (replies, event records, the store left behind)."""
    clock = MonotonicClock()
    store = Store(tmp_path / "home")
    out: list[str] = []
    coach = Coach(load_library(), store.load(), random.Random(seed), book=book, names=names)
    events = EventLog(tmp_path / "events.jsonl", clock)
    loop = Runtime(coach, matcher(), TypedEars(io.StringIO("\n".join(lines) + "\n"), clock), PrintMouth(out.append),
                   store, events, clock)
    loop.run()
    events.close()
    records = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    return out, records, store
