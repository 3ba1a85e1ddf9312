#!/usr/bin/env python3
"""Timer accuracy of the listening exercise on the real monotonic clock: scheduled vs actual cue times.

Runs a whole session (check-in, turns, cues, reflections, close) in a loop that sleeps until the
exercise's next deadline, like the runtime's main loop. Speech is taken as instant and questions are
answered at once (yes to "good time?", no to "save?"), so the run lasts about the turns themselves.

With --cli the same session runs through the real ``voice-coach exercise --engine text --events F``
(stdin closed, the whole runtime loop) and the figures come from its event log instead.

Usage: .venv/bin/python scripts/bench_timer.py [--minutes 20] [--rounds 1] [--reflect-seconds 90]
                                               [--block-ms 0] [--cli] [--out bench_results/timer.json]
Smoke run (about 9 s): .venv/bin/python scripts/bench_timer.py --smoke
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from voice_coach.actions import Action, Say, StateChange, TimerEvent
from voice_coach.clock import MonotonicClock
from voice_coach.content import load_library
from voice_coach.exercise.config import MINUTES_MAX, MINUTES_MIN
from voice_coach.exercise.session import Exercise, ExerciseConfig
from voice_coach.understand.match import Match

ROOT = Path(__file__).resolve().parent.parent
CUES = ("halfway", "one_minute", "turn_end")
"""The deadlines a listener hears (the chimes); the others are waits for answers and gaps."""
ANSWERS = {"checkin": "yes", "save_offer": "no"}


@dataclasses.dataclass(frozen=True)
class BenchConfig(ExerciseConfig):
    """Lets a smoke run use turns shorter than a user may choose; everything else is checked as usual."""

    def validate(self) -> BenchConfig:
        if not 0 < self.minutes <= MINUTES_MAX:
            raise SystemExit(f"--minutes must be above 0 and at most {MINUTES_MAX:g}")
        ExerciseConfig.validate(dataclasses.replace(self, minutes=max(self.minutes, MINUTES_MIN)))
        return self


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def summary(errors_ms: list[float]) -> dict[str, float | int]:
    if not errors_ms:
        return {"count": 0}
    return {
        "count": len(errors_ms),
        "p50_ms": round(percentile(errors_ms, 50), 3),
        "p95_ms": round(percentile(errors_ms, 95), 3),
        "max_ms": round(max(errors_ms), 3),
    }


def run_session(config: ExerciseConfig, block_ms: float, verbose: bool) -> dict[str, Any]:
    clock = MonotonicClock()
    exercise = Exercise(config, load_library(), random.Random(1))
    t0 = clock.now()
    timers: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    turn_start: float | None = None

    def take(actions: list[Action]) -> None:
        nonlocal turn_start
        now = clock.now()
        for action in actions:
            if isinstance(action, TimerEvent):
                timers.append(
                    {
                        "name": action.name,
                        "scheduled_s": round(action.scheduled_s - t0, 6),
                        "actual_s": round(action.actual_s - t0, 6),
                        "error_ms": round((action.actual_s - action.scheduled_s) * 1000.0, 3),
                    }
                )
            elif isinstance(action, StateChange):
                if verbose:
                    print(f"{now - t0:9.3f}s  {action.name}", file=sys.stderr)
                if action.name == "speaking":
                    turn_start = now
                elif action.name == "times_up" and turn_start is not None:
                    length_s = now - turn_start
                    turns.append({"turn": action.detail.get("turn"), "length_s": round(length_s, 6), "error_ms": round((length_s - config.turn_s) * 1000.0, 3)})
        question = exercise.pending_question
        if question in ANSWERS:
            take(exercise.handle(Match(ANSWERS[question], addressed=True), clock.now()))
        elif any(isinstance(a, Say) for a in actions):
            take(exercise.speech_finished(clock.now()))

    take(exercise.start(clock.now()))
    while not exercise.finished:
        due = exercise.next_deadline()
        if due is None:
            raise SystemExit(f"the exercise is stuck in {exercise.state} with nothing scheduled")
        delay_s = due - clock.now()
        if delay_s > 0:
            # block_ms > 0 mimics the runtime loop, which wakes for every audio block as well.
            time.sleep(min(delay_s, block_ms / 1000.0) if block_ms > 0 else delay_s)
        take(exercise.tick(clock.now()))
    return {"timers": timers, "turns": turns, "session_s": round(clock.now() - t0, 3)}


def run_cli(config: ExerciseConfig, verbose: bool) -> dict[str, Any]:
    """The session through the real command line; timers and turn lengths read from its event log."""
    with tempfile.TemporaryDirectory() as tmp:
        events_path = Path(tmp) / "events.jsonl"
        command = [sys.executable, "-m", "voice_coach", "exercise", "--minutes", f"{config.minutes:g}",
                   "--rounds", str(config.rounds), "--reflect-seconds", f"{config.reflect_s:g}",
                   "--engine", "text", "--quiet", "--events", str(events_path)]  # fmt: skip
        started = time.monotonic()
        env = {**os.environ, "VOICE_COACH_HOME": str(Path(tmp) / "home")}  # leave the user's own data alone
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False, env=env)
        if done.returncode != 0:
            raise SystemExit(f"voice-coach exercise failed ({done.returncode}): {done.stderr.strip()}")
        events = [json.loads(line) for line in events_path.read_text(encoding="utf-8").splitlines()]
    timers = [
        {"name": e["name"], "scheduled_s": e["scheduled"], "actual_s": e["actual"], "error_ms": round((e["actual"] - e["scheduled"]) * 1000.0, 3)}
        for e in events
        if e["type"] == "timer"
    ]
    turns: list[dict[str, Any]] = []
    turn_start: float | None = None
    for event in events:
        if event["type"] != "state":
            continue
        if verbose:
            print(f"{event['t']:9.3f}s  {event['name']}", file=sys.stderr)
        if event["name"] == "speaking":
            turn_start = event["t"]
        elif event["name"] == "times_up" and turn_start is not None:
            length_s = event["t"] - turn_start
            turns.append({"turn": event.get("turn"), "length_s": round(length_s, 6), "error_ms": round((length_s - config.turn_s) * 1000.0, 3)})
    return {"timers": timers, "turns": turns, "session_s": round(time.monotonic() - started, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="speaking turn length (default 20; 0.05 for a smoke run)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--reflect-seconds", type=float, default=90.0)
    parser.add_argument("--gap-seconds", type=float, default=3.0)
    parser.add_argument("--block-ms", type=float, default=0.0, help="also wake every N ms, like a loop reading audio blocks")
    parser.add_argument("--limit-ms", type=float, default=50.0, help="exit 1 when the worst cue error is above this")
    parser.add_argument("--smoke", action="store_true", help="a run of seconds: 3 s turns, 1 s reflections, 0.5 s gaps")
    parser.add_argument("--cli", action="store_true", help="run through the real voice-coach exercise command (minutes >= 0.2)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench_results" / "timer.json")
    parser.add_argument("--verbose", action="store_true", help="print each state as it starts")
    args = parser.parse_args(argv)
    if args.smoke:
        args.minutes, args.reflect_seconds, args.gap_seconds = 0.05, 1.0, 0.5

    config = BenchConfig(minutes=args.minutes, rounds=args.rounds, reflect_s=args.reflect_seconds, gap_s=args.gap_seconds)
    config.validate()
    result = run_cli(config, args.verbose) if args.cli else run_session(config, args.block_ms, args.verbose)
    timers = result["timers"]
    cue_errors = [t["error_ms"] for t in timers if t["name"] in CUES]
    all_errors = [t["error_ms"] for t in timers if t["name"] != "speech_wait"]
    report = {
        "bench": "timer",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "config": {"minutes": args.minutes, "rounds": args.rounds, "reflect_s": args.reflect_seconds, "gap_s": args.gap_seconds, "block_ms": args.block_ms, "cli": args.cli},
        "session_s": result["session_s"],
        "cue_error": summary(cue_errors),
        "all_deadlines_error": summary(all_errors),
        "turn_length_error": summary([abs(t["error_ms"]) for t in result["turns"]]),
        "turns": result["turns"],
        "timers": timers,
        "limit_ms": args.limit_ms,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    cue = report["cue_error"]
    print(f"session {result['session_s']:.1f}s, {len(result['turns'])} turns of {config.turn_s:g}s, {len(timers)} deadlines")
    if cue["count"]:
        print(f"cue error (scheduled -> handled): p50 {cue['p50_ms']:.3f} ms  p95 {cue['p95_ms']:.3f} ms  max {cue['max_ms']:.3f} ms  (n={cue['count']})")
    every = report["all_deadlines_error"]
    print(f"all deadlines: p50 {every['p50_ms']:.3f} ms  p95 {every['p95_ms']:.3f} ms  max {every['max_ms']:.3f} ms")
    for turn in result["turns"]:
        print(f"turn {turn['turn']}: {turn['length_s']:.4f}s (error {turn['error_ms']:+.3f} ms)")
    print(f"wrote {args.out}")
    worst = max(cue_errors, default=0.0)
    if worst > args.limit_ms:
        print(f"FAIL: worst cue error {worst:.3f} ms is above {args.limit_ms:g} ms", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
