"""Timing trace hooks for the latency benchmark: off unless ``VOICE_COACH_TRACE`` names a file.

Each hook notes a stage name, a monotonic time and numbers (durations, buffer sizes) as one JSON line —
never any text, so nothing a person said is written. scripts/bench_latency.py turns the lines into the
stages of a reply gap. Off (the default), a hook is one attribute test.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

ENV_VAR = "VOICE_COACH_TRACE"

_lock = threading.Lock()
_out: IO[str] | None = None


def start(path: Path | None = None) -> None:
    """Begin tracing to ``path`` (default: the file named by VOICE_COACH_TRACE; nothing when unset)."""
    global _out
    target = path or (Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else None)
    if target is not None and _out is None:
        _out = target.open("a", encoding="utf-8")


def enabled() -> bool:
    return _out is not None


def note(stage: str, t: float | None = None, **numbers: Any) -> None:
    """One trace line; safe from any thread (PortAudio's included)."""
    out = _out
    if out is None:
        return
    record = {"stage": stage, "t": time.monotonic() if t is None else t, **numbers}
    with _lock:
        out.write(json.dumps(record) + "\n")
        out.flush()


@contextmanager
def timed(stage: str) -> Iterator[None]:
    """Note ``stage`` with its start time and duration."""
    if _out is None:
        yield
        return
    start_s = time.monotonic()
    try:
        yield
    finally:
        note(stage, t=start_s, dur=time.monotonic() - start_s)


SOUND_LEVEL = 600
"""Peak int16 amplitude counted as sound (the rig's SPEECH_LEVEL): where a rendered reply's lead-in ends."""


def lead_in_s(samples: Any, rate: int) -> float:
    """Seconds of audio before the first 10 ms window that counts as sound."""
    import numpy as np

    data = np.abs(np.asarray(samples, dtype=np.int32))
    loud = np.flatnonzero(data >= SOUND_LEVEL)
    return float(loud[0] // max(1, rate // 100) * (rate // 100)) / rate if loud.size else 0.0
