"""Where utterances come from: the Heard record, the Ears protocol, and typed input."""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO, Protocol

from voice_coach.clock import Clock, MonotonicClock
from voice_coach.understand.match import Match

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Heard:
    """One utterance from the ears."""

    text: str
    end_s: float
    """Monotonic time (seconds) the speech ended."""
    matched: bool = False
    """True when the listener already matched ``text`` (judging its end): ``match`` is then the answer."""
    match: Match | None = None
    """The matcher's answer, made once by the listener; the runtime uses it instead of matching again."""


class Ears(Protocol):
    """Where utterances come from (typed lines or the microphone)."""

    closed: bool
    """True once no more input can arrive (stdin closed)."""

    def get(self, timeout_s: float) -> Heard | None: ...
    def set_mode(self, mode: str) -> None: ...
    def set_muted(self, muted: bool) -> None: ...
    def close(self) -> None: ...


class TypedEars:
    """Typed requests, one per line, read on a thread so the loop keeps time."""

    def __init__(self, stream: IO[str] | None = None, clock: Clock | None = None, prompt: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stdin
        self.clock = clock or MonotonicClock()
        self.closed = False
        self.prompt = prompt
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, name="typed-input", daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.stream:
                self._lines.put(line.rstrip("\n"))
        except (OSError, ValueError, UnicodeDecodeError) as err:
            _LOGGER.debug("typed input ended: %s", err)
        self._lines.put(None)

    def get(self, timeout_s: float) -> Heard | None:
        if self.closed:
            time.sleep(max(0.0, timeout_s))  # input has ended: wait out the timeout, or the loop spins a core
            return None
        try:
            line = self._lines.get(timeout=max(0.0, timeout_s))
        except queue.Empty:
            return None
        if line is None:
            self.closed = True
            return None
        return Heard(line, self.clock.now()) if line.strip() else None

    def set_mode(self, mode: str) -> None:
        pass

    def set_muted(self, muted: bool) -> None:
        pass

    def close(self) -> None:
        self.closed = True
