"""The live one-line status on the terminal: listening / heard … / speaking / exercise countdown."""

from __future__ import annotations

import shutil
import sys
from typing import IO


def countdown(seconds: float) -> str:
    """Seconds as m:ss."""
    whole = max(0, int(round(seconds)))
    return f"{whole // 60}:{whole % 60:02d}"


class StatusLine:
    """One line rewritten in place on a terminal; nothing at all when the stream is not a terminal."""

    def __init__(self, stream: IO[str] | None = None, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled if enabled is not None else bool(getattr(self.stream, "isatty", lambda: False)())
        self._shown = ""

    def show(self, text: str) -> None:
        if not self.enabled or text == self._shown:
            return
        width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
        self.stream.write("\r" + text[:width] + "\x1b[K")
        self.stream.flush()
        self._shown = text

    def clear(self) -> None:
        """Blank the line, so that printed replies start at the left edge."""
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = ""
