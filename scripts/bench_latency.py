#!/usr/bin/env python3
"""Reply gap: end of the user's speech -> first sound of the coach's reply, through `voice-coach run` on a private
PulseAudio with null sinks. Both ends are taken from low-latency recordings of the two monitors (mic_feed.monitor
for the user, speaker.monitor for the coach), never from when paplay started (see DESIGN.md on the null-sink lead).

Usage: .venv/bin/python scripts/bench_latency.py [--commands 30] [--engine pocketsphinx] [--no-compare] [--screen]
                                                 [--out bench_results/latency.json]
Smoke run (seconds): .venv/bin/python scripts/bench_latency.py --smoke

Beside ours, the same run measures the loop with a fixed 0.5 s end-of-speech silence (what Rhasspy and OVOS wait
by default), through the listener's VOICE_COACH_FIXED_END_SILENCE_S setting. With --runs N each configuration is
measured N times (a fresh coach each time) and p50/p95 are the medians of the runs' figures.

The coach runs with its trace hooks on (voice_coach/trace.py), which note when each stage of the loop happened (never what
was said), so every reply gap is also split into stages: capture, quiet wait, decide (final decode), coach, handoff,
render, callback, output (see that file). Medians per stage go in the table and the JSON.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import (
    RESULTS_DIR,
    Coach,
    audio_rig,
    median,
    percentile,
    read_events,
    table,
    write_json,
)
from latency_probes import stages

from voice_coach.trace import ENV_VAR as TRACE_ENV

COMMANDS = (
    "coach, give us a conversation starter", "coach, a tip about listening", "coach, another one",
    "coach, what can you do", "coach, a light question", "coach, give me a tip", "coach, repeat that",
    "coach, a deep question about family", "coach, something to talk about", "coach, a tip about empathy",
    "coach, tell me more", "coach, a fun question",
)
"""Requests with a spoken reply that leave the coach as it was (no exercise, no goodbye)."""
FIXED_END_SILENCE_ENV = "VOICE_COACH_FIXED_END_SILENCE_S"
FIXED_END_SILENCE_S = 0.5
GOALS_MS = {"p50": 350.0, "p95": 600.0}
REPLY_TIMEOUT_S = 8.0
"""A reply that has not started this long after the user stopped counts as none."""
QUIET_S = 1.2
"""Speaker silence that means the reply is over."""
REPLY_MAX_S = 60.0


def reply_window(speaker: Any, since_s: float, timeout_s: float, whole: bool = True) -> tuple[float, float] | None:
    """(first sound, end) of the speaker's output after ``since_s``; with ``whole``, once it has been quiet QUIET_S."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        spans = speaker.sound_spans(since_s=since_s, min_gap_s=0.6)
        if spans and (not whole or time.monotonic() - spans[-1][1] >= QUIET_S):
            return spans[0][0], spans[-1][1]
        if not spans and time.monotonic() > since_s + REPLY_TIMEOUT_S:
            return None
        time.sleep(0.1)  # timing comes from the recording, so polling slowly costs no precision
    spans = speaker.sound_spans(since_s=since_s, min_gap_s=0.6)
    return (spans[0][0], spans[-1][1]) if spans else None


def wait_quiet(speaker: Any, quiet_s: float, timeout_s: float) -> None:
    """Until the speaker has made no sound for ``quiet_s`` (a greeting, the end of the last reply)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        spans = speaker.sound_spans(since_s=time.monotonic() - quiet_s - 0.5)
        if not spans or time.monotonic() - spans[-1][1] >= quiet_s:
            return
        time.sleep(0.1)


STAGES = ("capture", "quiet", "decide", "coach", "handoff", "render", "callback", "output")
"""The parts a reply gap is split into (scripts/latency_probes.py); they add up to the gap."""


def measure(rig: Any, speeches: list[Any], synth: Any, engine: str, model: Path | None,
            fixed_end_silence_s: float | None, smoke: bool = False, screen: bool = False) -> dict[str, Any]:
    """Play each command into the microphone and time the reply; the coach runs once for all of them.

    ``screen``: the coach also serves its companion page (--screen), and one page follows its event stream.
    """
    gaps_ms: list[float] = []
    rows: list[dict[str, Any]] = []
    # The rig keeps a low-latency recorder on each monitor from its start (the DESIGN.md null-sink pitfall).
    mic, speaker = rig.mic_feed, rig.speaker
    with tempfile.TemporaryDirectory(prefix="voice-coach-latency-") as folder:
        trace_path = Path(folder) / "trace.jsonl"
        args = ["run", "--engine", engine] + (["--model", str(model)] if model else [])
        args += ["--screen", "--screen-port", "0"] if screen else []
        extra_env = {FIXED_END_SILENCE_ENV: f"{fixed_end_silence_s:g}"} if fixed_end_silence_s is not None else {}
        # The coach's own trace hooks (voice_coach/trace.py) note when each stage happened: times only, no text.
        extra_env[TRACE_ENV] = str(trace_path)
        coach = Coach(rig, args, Path(folder), extra_env=extra_env)
        try:
            coach.wait_listening()
            if screen:
                follow_page(coach.output())
            wait_quiet(speaker, QUIET_S, 20.0)
            for speech in speeches:
                seen = len(coach.events())
                played_s = time.monotonic()
                rig.play(synth.wav(speech))
                spoken = mic.sound_spans(since_s=played_s - 0.05)
                if not spoken:
                    raise RuntimeError("the played command never reached mic_feed.monitor")
                user_end_s = spoken[-1][1]
                # A smoke run stops at the reply's first sound; a real one lets the reply finish before the next command.
                window = reply_window(speaker, played_s, REPLY_MAX_S, whole=not smoke)
                new = coach.events()[seen:]
                intents = [e.get("intent") for e in new if e.get("type") == "intent"]
                heard = [e.get("text") for e in new if e.get("type") == "heard" and "text" in e]
                said = any(e.get("type") == "say" for e in new)
                row: dict[str, Any] = {"command": speech.text, "heard": heard[0] if heard else None,
                                       "intent": intents[0] if intents else None,
                                       "said": said, "speech_s": round(spoken[-1][1] - spoken[0][0], 3)}
                if window is not None and window[0] > user_end_s:
                    row["gap_ms"] = round(1000 * (window[0] - user_end_s), 1)
                    gaps_ms.append(row["gap_ms"])
                    split = stages(read_events(trace_path), user_end_s, window[0])
                    if split is not None:
                        row["stages"] = split
                elif window is not None:
                    row["overlap"] = True  # sound began before the user finished: not a reply to this command
                rows.append(row)
                if not smoke:
                    wait_quiet(speaker, QUIET_S, REPLY_MAX_S)
                if not coach.alive():
                    raise RuntimeError(f"voice-coach exited: {coach.output()[-600:]}")
        finally:
            coach.stop()
        trace = read_events(trace_path)
    # Glitches PortAudio reported (output underflow while playing, input overflow): lower latency must not buy clicks.
    glitches = {kind: sum(1 for r in trace if r["stage"] == f"{kind}_status" and r.get("playing", True))
                for kind in ("output", "input")}
    return {"fixed_end_silence_s": fixed_end_silence_s, "commands": len(rows), "replies": len(gaps_ms),
            "p50_ms": median(gaps_ms), "p95_ms": percentile(gaps_ms, 95),
            "min_ms": min(gaps_ms, default=float("nan")), "max_ms": max(gaps_ms, default=float("nan")),
            "stages_p50_ms": stage_medians(rows), "audio_glitches": glitches, "rows": rows}


def follow_page(output: str) -> None:
    """Follow the screen's event stream as a page would, on a thread, until the coach stops."""
    import re
    import threading
    import urllib.request

    found = re.search(r"Screen: (http://\S+)", output)
    if found is None:
        raise RuntimeError(f"the coach printed no screen address: {output[-400:]}")

    def read() -> None:
        try:
            with urllib.request.urlopen(found.group(1) + "events", timeout=600) as stream:
                while stream.readline():
                    pass
        except OSError:
            return

    threading.Thread(target=read, daemon=True).start()


def stage_medians(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Median of each stage over the replies that have a split."""
    split = [r["stages"] for r in rows if "stages" in r]
    keys = [f"{s}_ms" for s in STAGES] + ["final_decode_ms", "match_ms", "lead_in_ms"]
    return {k: round(median([s[k] for s in split if s.get(k) is not None]), 1) for k in keys}


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs of one configuration: p50/p95 are the medians of the runs' figures; rows and stages pooled."""
    if len(runs) == 1:
        return runs[0]
    rows = [dict(row, run=i + 1) for i, run in enumerate(runs) for row in run["rows"]]
    gaps = [r["gap_ms"] for r in rows if "gap_ms" in r]
    return {"fixed_end_silence_s": runs[0]["fixed_end_silence_s"], "commands": len(rows), "replies": len(gaps),
            "p50_ms": round(median([r["p50_ms"] for r in runs]), 1),
            "p95_ms": round(median([r["p95_ms"] for r in runs]), 1),
            "min_ms": min(gaps, default=float("nan")), "max_ms": max(gaps, default=float("nan")),
            "pooled_p50_ms": median(gaps), "pooled_p95_ms": percentile(gaps, 95),
            "runs": [{k: run[k] for k in ("commands", "replies", "p50_ms", "p95_ms", "max_ms", "audio_glitches")}
                     for run in runs],
            "audio_glitches": {k: sum(run["audio_glitches"][k] for run in runs) for k in ("output", "input")},
            "stages_p50_ms": stage_medians(rows), "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=30, help="spoken commands per configuration (default 30)")
    parser.add_argument("--runs", type=int, default=1, help="runs per configuration; p50/p95 are their medians")
    parser.add_argument("--engine", default="pocketsphinx")
    parser.add_argument("--model", type=Path, help="vosk model folder (an English one)")
    parser.add_argument("--speed", type=float, default=1.0, help="hibari speaking rate of the commands")
    parser.add_argument("--no-compare", action="store_true", help="skip the fixed 0.5 s end-of-speech run")
    parser.add_argument("--screen", action="store_true",
                        help="also measure with --screen (the companion page, one page following it), interleaved")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "latency.json")
    parser.add_argument("--smoke", action="store_true", help="a few seconds: one command, no comparison")
    args = parser.parse_args()

    from voice_coach.testing.synth import Synth

    count = 1 if args.smoke else args.commands
    runs = 1 if args.smoke else max(1, args.runs)
    configs: list[tuple[str, float | None, bool]] = [("ours", None, False)]
    if not (args.smoke or args.no_compare):
        configs.append((f"fixed {FIXED_END_SILENCE_S:g} s silence", FIXED_END_SILENCE_S, False))
    if args.screen:
        configs.append(("ours + --screen, one page", None, True))
    results: dict[str, Any] = {}
    loads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="voice-coach-latency-wav-") as wav_dir, audio_rig() as rig:
        synth = Synth(Path(wav_dir))
        speeches = [synth.hibari(COMMANDS[i % len(COMMANDS)], args.speed) for i in range(count)]
        done: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in configs}
        for _ in range(runs):  # interleaved, so a busy spell on the machine does not land on one configuration
            for name, fixed, screen in configs:
                done[name].append(measure(rig, speeches, synth, args.engine, args.model, fixed, args.smoke, screen))
                loads.append(round(os.getloadavg()[0], 2))
        results = {name: combine(found) for name, found in done.items()}
    rows = [[name, r["replies"], r["commands"], r["p50_ms"], r["p95_ms"], r["min_ms"], r["max_ms"]]
            for name, r in results.items()]
    print(f"reply gap, {args.engine}: end of the user's speech -> first sound of the reply (ms)"
          + (f", median of {runs} runs" if runs > 1 else ""))
    print(table(["listener", "replies", "commands", "p50", "p95", "min", "max"], rows))
    print(f"goals: p50 <= {GOALS_MS['p50']:g} ms, p95 <= {GOALS_MS['p95']:g} ms; 1-min load average {loads}")
    print("audio glitches reported by PortAudio: " + ", ".join(f"{name} {r['audio_glitches']}" for name, r in results.items()))
    print("\nwhere the time goes (median ms per stage):")
    print(table(["listener", *STAGES, "final decode"],
                [[name, *(r["stages_p50_ms"][f"{s}_ms"] for s in STAGES), r["stages_p50_ms"]["final_decode_ms"]]
                 for name, r in results.items()]))
    slow = [r for r in results["ours"]["rows"] if r.get("gap_ms", 0) > GOALS_MS["p95"]]
    for r in slow:
        parts = ", ".join(f"{s} {r['stages'][f'{s}_ms']:g}" for s in STAGES) if "stages" in r else "no split"
        print(f"slow: {r['command']!r} heard as {r['intent']}: {r['gap_ms']:g} ms "
              f"({r.get('stages', {}).get('how', '?')}: {parts})")
    unanswered = [r["command"] for res in results.values() for r in res["rows"] if "gap_ms" not in r]
    if unanswered:
        print(f"no reply to {len(unanswered)}: {unanswered[:5]}")
    path = write_json("latency", {"engine": args.engine, "goals_ms": GOALS_MS, "smoke": args.smoke, "runs": runs,
                                  "load_avg_1m_per_run": loads, "configs": results}, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
