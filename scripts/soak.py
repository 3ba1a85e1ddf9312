#!/usr/bin/env python3
"""Soak: the real `voice-coach run` loop for an hour on the PulseAudio rig, with periodic spoken commands.

Every --interval-s, once the coach has been quiet for a second, a command (synthesised with hibari-tts)
is played into the virtual microphone; the coach's process tree RSS is sampled throughout. Reports RSS
growth after warm-up, errors (error events, tracebacks, a dead process), warnings (counted apart), state
changes (device_lost, paused, ...), how many commands were understood, and how fast it exits on Ctrl-C.
Target: < 10 MB growth, 0 errors.

    .venv/bin/python scripts/soak.py               # one hour
    .venv/bin/python scripts/soak.py --minutes 2   # smoke run
    .venv/bin/python scripts/soak.py --typed       # commands typed on stdin instead of spoken
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from benchlib import (  # noqa: E402
    VOICE_COACH,
    audio_rig,
    cli_env,
    machine_line,
    table,
    wait_for,
    write_json,
)

COMMANDS = [
    "coach, give us a conversation starter",
    "coach, another one",
    "coach, a tip about listening",
    "coach, tell me more",
    "coach, start the listening exercise, one minute each",
    "coach, how much time is left",
    "coach, pause",
    "coach, resume",
    "coach, stop",
    "yes",
    "coach, something deep about our dreams",
    "coach, save that one",
]
"""Played in a cycle: starters, tips, follow-ups and a whole exercise with its commands."""
WARMUP_S = 120.0
"""At least this long before RSS growth is measured (models, caches and voices settle)."""
WARMUP_CYCLES = 1
"""...and at least this many cycles of COMMANDS: each kind of command's one-off allocations (the speaking-turn
grammar, the first exercise's lines) are start-up, not growth. Growth from WARMUP_S alone is reported too."""
ERROR_MARKERS = ("Traceback", "ERROR", "CRITICAL", "Exception")
WARNING_MARKERS = ("WARNING",)
QUIET_BEFORE_COMMAND_S = 1.0
"""A command is spoken once the coach has been quiet this long (as a person would wait), up to the interval."""


def tree_rss_kib(pid: int) -> tuple[int, int]:
    """(RSS of ``pid``, RSS of it and all its descendants) in KiB, from /proc."""
    def rss(p: int) -> int:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def children(p: int) -> list[int]:
        kids: list[int] = []
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
        return kids

    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss(current)
        todo += children(current)
    return rss(pid), total


def _pump(stream: IO[str], sink: list[str]) -> None:
    for line in stream:
        sink.append(line.rstrip("\n"))


def _coach_quiet(rig: Any) -> bool:
    now = time.monotonic()
    spans = rig.speaker.sound_spans(since_s=now - 30)
    return not spans or now - spans[-1][1] >= QUIET_BEFORE_COMMAND_S


def run_soak(minutes: float, interval_s: float, engine: str, typed: bool, sample_s: float,
             voice_engine: str | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="voice-coach-soak-") as folder, audio_rig() as rig:
        home = Path(folder)
        events = home / "events.jsonl"
        wavs: list[Path] = []
        if not typed:
            from voice_coach.testing.synth import Synth

            synth = Synth(home / "wav")
            wavs = [synth.wav(synth.hibari(text)) for text in COMMANDS]
        args = [*VOICE_COACH, "run", "--engine", "text" if typed else engine, "--events", str(events)]
        if voice_engine:
            args += ["--voice-engine", voice_engine]
        proc = subprocess.Popen(args, env=cli_env(rig, home), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        out_lines: list[str] = []
        err_lines: list[str] = []
        threads = [threading.Thread(target=_pump, args=(proc.stdout, out_lines), daemon=True),
                   threading.Thread(target=_pump, args=(proc.stderr, err_lines), daemon=True)]
        for thread in threads:
            thread.start()
        wait_for(lambda: events.exists() or proc.poll() is not None, 60)
        start = time.monotonic()
        end = start + minutes * 60
        samples: list[tuple[float, int, int]] = []
        sent = 0
        next_command = start + 3.0
        next_sample = start
        while time.monotonic() < end and proc.poll() is None:
            now = time.monotonic()
            if now >= next_sample:
                samples.append((now - start, *tree_rss_kib(proc.pid)))
                next_sample += sample_s
            if now >= next_command and (typed or _coach_quiet(rig) or now >= next_command + interval_s / 2):
                text = COMMANDS[sent % len(COMMANDS)]
                if typed:
                    proc.stdin.write(text + "\n")
                    proc.stdin.flush()
                else:
                    rig.play(wavs[sent % len(wavs)])
                sent += 1
                next_command = time.monotonic() + interval_s
            time.sleep(0.05)
        died = proc.poll()
        exit_s = float("nan")
        if died is None:
            samples.append((time.monotonic() - start, *tree_rss_kib(proc.pid)))
            stopped = time.monotonic()
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            exit_s = time.monotonic() - stopped
        for thread in threads:
            thread.join(timeout=2)
        records = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines() if line.strip()] \
            if events.exists() else []
    warmup_s = max(WARMUP_S, WARMUP_CYCLES * len(COMMANDS) * interval_s)
    return summarise(minutes, sent, samples, records, err_lines, died, proc.returncode, exit_s, out_lines, warmup_s)


def _slope_per_hour(samples: list[tuple[float, int, int]]) -> float:
    """Least-squares trend of RSS (KiB per hour): a leak shows as a steady slope, noise does not."""
    if len(samples) < 3:
        return 0.0
    mean_t = sum(s[0] for s in samples) / len(samples)
    mean_rss = sum(s[1] for s in samples) / len(samples)
    spread = sum((s[0] - mean_t) ** 2 for s in samples)
    return 3600 * sum((s[0] - mean_t) * (s[1] - mean_rss) for s in samples) / spread if spread else 0.0


def summarise(minutes: float, sent: int, samples: list[tuple[float, int, int]], records: list[dict[str, Any]],
              err_lines: list[str], died: int | None, returncode: int, exit_s: float,
              out_lines: list[str], warmup_s: float = WARMUP_S) -> dict[str, Any]:
    warm = [s for s in samples if s[0] >= min(warmup_s, minutes * 60 / 2)] or samples
    first, last = (warm[0], warm[-1]) if warm else ((0.0, 0, 0), (0.0, 0, 0))
    early = next((s for s in samples if s[0] >= min(WARMUP_S, minutes * 60 / 2)), first)
    errors = [f"event: {r.get('message', r)}" for r in records if r.get("type") == "error"]
    errors += [f"stderr: {line}" for line in err_lines if any(m in line for m in ERROR_MARKERS)]
    warnings = [line for line in err_lines if any(m in line for m in WARNING_MARKERS)]
    states: dict[str, int] = {}
    for r in records:
        if r.get("type") == "state":
            states[str(r.get("name"))] = states.get(str(r.get("name")), 0) + 1
    if died is not None:
        errors.append(f"the coach exited by itself with code {died}")
    intents = [r for r in records if r.get("type") == "intent"]
    return {
        "minutes": minutes,
        "commands_sent": sent,
        "intents_heard": len(intents),
        "understood": sum(1 for r in intents if r.get("intent")),
        "replies": sum(1 for r in records if r.get("type") == "say"),
        "printed_lines": len(out_lines),
        "rss_start_mib": round(first[1] / 1024, 1),
        "rss_end_mib": round(last[1] / 1024, 1),
        "warmup_s": warmup_s,
        "rss_growth_mib": round((last[1] - first[1]) / 1024, 2),
        "rss_growth_from_warmup_s_mib": round((last[1] - early[1]) / 1024, 2),
        "rss_slope_mib_per_hour": round(_slope_per_hour(warm) / 1024, 2),
        "tree_rss_growth_mib": round((last[2] - first[2]) / 1024, 2),
        "rss_peak_mib": round(max((s[1] for s in samples), default=0) / 1024, 1),
        "errors": errors,
        "warnings": warnings,
        "states": states,
        "exit_code_on_ctrl_c": returncode if died is None else None,
        "exit_s_on_ctrl_c": round(exit_s, 3),
        "rss_samples": [(round(t, 1), rss, tree) for t, rss, tree in samples],
        "stderr_tail": err_lines[-20:],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=60.0, help="how long to run (default 60)")
    parser.add_argument("--interval-s", type=float, default=20.0, help="seconds between commands (default 20)")
    parser.add_argument("--sample-s", type=float, default=10.0, help="seconds between RSS samples (default 10)")
    parser.add_argument("--engine", default="pocketsphinx", help="recognizer for the spoken loop (default pocketsphinx)")
    parser.add_argument("--typed", action="store_true", help="type the commands on stdin instead of speaking them")
    parser.add_argument("--voice-engine", help="speech output engine for the coach (auto, natural, pyttsx3)")
    parser.add_argument("--out", type=Path, help="where to write the JSON result (default bench_results/soak.json)")
    args = parser.parse_args(argv)
    result = run_soak(args.minutes, args.interval_s, args.engine, args.typed, args.sample_s, args.voice_engine)
    result["mode"] = "typed" if args.typed else f"spoken ({args.engine})"
    path = write_json("soak", result, args.out)
    print(f"soak: {args.minutes:g} min, {result['mode']}, {machine_line()}; growth measured from "
          f"{result['warmup_s']:g} s (one cycle of commands)")
    print(table(
        ["commands", "intents", "understood", "replies", "RSS start MiB", "RSS end MiB", "growth MiB",
         f"growth from {WARMUP_S:g} s", "trend MiB/h", "tree growth MiB", "errors", "warnings", "Ctrl-C exit"],
        [[result["commands_sent"], result["intents_heard"], result["understood"], result["replies"],
          result["rss_start_mib"], result["rss_end_mib"], result["rss_growth_mib"],
          result["rss_growth_from_warmup_s_mib"], result["rss_slope_mib_per_hour"], result["tree_rss_growth_mib"],
          len(result["errors"]), len(result["warnings"]), f"{result['exit_code_on_ctrl_c']} in {result['exit_s_on_ctrl_c']:.2f} s"]],
    ))
    for error in result["errors"][:10]:
        print(f"  error: {error}")
    for warning in sorted(set(result["warnings"]))[:5]:
        print(f"  warning ({result['warnings'].count(warning)}x): {warning}")
    print("states: " + ", ".join(f"{k} {v}" for k, v in sorted(result["states"].items())))
    print(f"written to {path}")
    ok = not result["errors"] and result["rss_growth_mib"] < 10 and result["exit_code_on_ctrl_c"] == 130
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
