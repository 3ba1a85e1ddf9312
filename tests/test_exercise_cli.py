"""The listening exercise through the real command line and the real clock, with no input at all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

TURN_S = 12.0
"""--minutes 0.2"""
TOLERANCE_S = 0.1


def test_a_typed_exercise_with_stdin_closed_runs_itself_to_the_end(env: dict[str, str], tmp_path: Path) -> None:
    events_path = tmp_path / "events.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "voice_coach", "exercise", "--minutes", "0.2", "--rounds", "1",
         "--reflect-seconds", "3", "--engine", "text", "--events", str(events_path)],
        stdin=subprocess.DEVNULL, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    events: list[dict[str, Any]] = [json.loads(line) for line in events_path.read_text(encoding="utf-8").splitlines()]
    times = [e["t"] for e in events]
    assert times == sorted(times)

    states = [e for e in events if e["type"] == "state"]
    names = [e["name"] for e in states]
    expected = ["checkin", "briefing", "handover", "gap", "speaking", "times_up", "reflection",
                "swap", "gap", "speaking", "times_up", "reflection", "closing", "finished"]  # fmt: skip
    assert [n for n in names if n in expected] == expected
    assert states[-1]["completed"] is True and states[-1]["turns_done"] == 2
    assert [s["speaker"] for s in states if s["name"] == "speaking"] == ["partner one", "partner two"]

    # Two speaking turns, each measured from its start chime to its end chime.
    chimes = [(e["t"], e["kind"]) for e in events if e["type"] == "chime"]
    assert [kind for _, kind in chimes] == ["start", "end", "start", "end"]
    for (start_t, _), (end_t, _) in zip(chimes[0::2], chimes[1::2], strict=True):
        assert abs(end_t - start_t - TURN_S) <= TOLERANCE_S, (start_t, end_t)
    for speaking, times_up in zip(
        [s for s in states if s["name"] == "speaking"], [s for s in states if s["name"] == "times_up"], strict=True
    ):
        assert abs(times_up["t"] - speaking["t"] - TURN_S) <= TOLERANCE_S
        assert abs(times_up["spoke_s"] - TURN_S) <= TOLERANCE_S

    # Every deadline fired (check-in answer, gaps, turn ends, reflections, save offer), none skipped.
    timers = [e["name"] for e in events if e["type"] == "timer"]
    for name, count in (("checkin_answer", 1), ("gap", 2), ("turn_end", 2), ("reflection_end", 2), ("save_answer", 1)):
        assert timers.count(name) == count, (name, timers)

    # Reflection prompts after each turn, then the close with its save offer; nothing said mid-turn.
    says = [e for e in events if e["type"] == "say"]
    for speaking, times_up in zip(
        [s["t"] for s in states if s["name"] == "speaking"], [s["t"] for s in states if s["name"] == "times_up"], strict=True
    ):
        assert not [s for s in says if speaking < s["t"] < times_up]
    said_in: dict[str, list[int]] = {}
    current = ""
    for event in events:
        if event["type"] == "state":
            current = event["name"]
            said_in.setdefault(current, []).append(0)
        elif event["type"] == "say" and current:
            said_in[current][-1] += 1
    assert said_in["reflection"] == [4, 4]  # say back, did I get it, what makes sense, one feeling
    assert said_in["closing"] == [3]  # thanks, no rebuttals, save offer
    assert not [e for e in events if e["type"] == "heard"]


def test_an_impossible_turn_length_is_one_line_with_the_fix(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voice_coach", "exercise", "--minutes", "30", "--engine", "text"],
        stdin=subprocess.DEVNULL, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "20" in result.stderr
