"""The ``--events`` log: one JSON object per line, times in seconds since the session started."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from voice_coach.clock import Clock
from voice_coach.errors import UsageError

_LOGGER = logging.getLogger(__name__)


class EventLog:
    """Appends events to a file (or nowhere when no path is given); flushed line by line."""

    def __init__(self, path: Path | None, clock: Clock) -> None:
        self.clock = clock
        self.t0 = clock.now()
        self._file: IO[str] | None = None
        self.listeners: list[Callable[[str, dict[str, Any]], None]] = []
        """Also told of every event (the screen), on the loop's thread; they must return at once."""
        if path is not None:
            try:
                # backslashreplace: text decoded with surrogateescape (odd bytes in argv) must not crash the loop.
                self._file = path.open("a", encoding="utf-8", errors="backslashreplace")
            except OSError as err:
                raise UsageError(f"cannot write the events file {path} ({err.strerror})", "pass --events a path in a writable folder") from None

    def seconds(self, monotonic_s: float) -> float:
        """A monotonic clock time as seconds since the session started."""
        return round(monotonic_s - self.t0, 4)

    def write(self, type_: str, **fields: Any) -> None:
        if self._file is None and not self.listeners:
            return
        record = {"t": self.seconds(self.clock.now()), "type": type_, **fields}
        for listener in self.listeners:
            listener(type_, record)
        if self._file is None:
            return
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
