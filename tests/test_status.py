"""The live one-line status: rewritten in place on a terminal, silent otherwise."""

from __future__ import annotations

import io

from voice_coach.app.status import StatusLine, countdown


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_line_is_rewritten_in_place_and_cleared() -> None:
    term = Terminal()
    line = StatusLine(term)
    line.show("listening")
    line.show("listening")  # unchanged: nothing written
    line.show('heard: "coach another one"')
    line.clear()
    assert term.getvalue() == '\rlistening\x1b[K\rheard: "coach another one"\x1b[K\r\x1b[K'


def test_nothing_is_written_when_output_is_not_a_terminal() -> None:
    pipe = io.StringIO()
    line = StatusLine(pipe)
    line.show("listening")
    line.clear()
    assert pipe.getvalue() == ""


def test_countdown_reads_minutes_and_seconds() -> None:
    assert countdown(155.4) == "2:35"
    assert countdown(5) == "0:05"
    assert countdown(-3) == "0:00"
