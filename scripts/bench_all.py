#!/usr/bin/env python3
"""Run every scripts/bench_*.py one after another and write the README's Performance table from their results.

Usage: .venv/bin/python scripts/bench_all.py [--quick] [--only NAME,...] [--skip NAME,...] [--readme-only]
  --quick        smaller runs (about 15 minutes instead of about 80)
  --readme-only  no runs: rebuild the README block from bench_results/*.json
The table goes into README.md between <!-- perf:begin --> and <!-- perf:end --> (nothing else is touched).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchlib import RESULTS_DIR, ROOT, machine_line  # noqa: E402

README = ROOT / "README.md"
BEGIN, END = "<!-- perf:begin -->", "<!-- perf:end -->"
FULL: dict[str, list[str]] = {
    "footprint": ["--runs", "3"],
    "latency": ["--commands", "30"],
    "accuracy": ["--commands", "80"],
    "accuracy_wake": ["--commands", "80", "--wake"],
    "false_triggers": ["--minutes", "30"],
    "timer": ["--minutes", "20"],
    "intents": [],
    "voice": [],
    "screen": ["--runs", "3"],
}
QUICK: dict[str, list[str]] = {
    "footprint": ["--runs", "1"],
    "latency": ["--commands", "30"],
    "accuracy": ["--commands", "40"],
    "accuracy_wake": ["--commands", "40", "--wake"],
    "false_triggers": ["--minutes", "5"],
    "timer": ["--minutes", "2", "--reflect-seconds", "5"],
    "intents": [],
    "voice": ["--runs", "3"],
    "screen": ["--events", "30", "--runs", "1", "--idle-seconds", "10"],
}
"""Load-sensitive benchmarks (footprint, latency) first; never two at once."""
SCRIPT = {"accuracy_wake": "accuracy"}
OUT_FLAG = {"intents": "--json"}


def run(name: str, args: list[str]) -> bool:
    script = ROOT / "scripts" / f"bench_{SCRIPT.get(name, name)}.py"
    out = RESULTS_DIR / f"{name}.json"
    command = [sys.executable, str(script), *args, OUT_FLAG.get(name, "--out"), str(out)]
    print(f"== {name}: {' '.join(command[1:])}", flush=True)
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT)
    print(f"== {name}: exit {done.returncode} after {time.monotonic() - started:.0f} s", flush=True)
    return done.returncode == 0


_SOURCE = {"dir": RESULTS_DIR, "smoke": False}
"""Where results are read from, and whether smoke-run results count (only for --smoke)."""


def load(name: str) -> dict[str, Any] | None:
    path = Path(_SOURCE["dir"]) / f"{name}.json"  # type: ignore[arg-type]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return None if data.get("smoke") and not _SOURCE["smoke"] else data


def _pct(x: float | None) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f} %"


def _num(x: float | None, unit: str, digits: int = 0) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f} {unit}"


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("pass" if ok else "**miss**")


Row = tuple[str, str, str, bool | None]
WHY = {
    "Reply gap": "**Reply gap** — after the last word the listener waits 0.15 s of quiet for a command matched "
                 "word for word with every detail given (and no longer phrasing it could grow into), 0.25 s when "
                 "more words could still change it, 0.8 s after half a command; the final text is decoded during "
                 "the wait. Matching and the coach then take ~1 ms, the first sentence's voice ~30 ms and sound "
                 "output ~100 ms (30 ms lead-in, device buffer). pocketsphinx mishears most benchmark requests "
                 "slightly ('a tip' → 'add tip'), so most took the 0.25 s path. Closing it: a better recognizer; "
                 "a 5 ms lead-in and a 25 ms output buffer (−40 ms p50 measured, but more underruns on a busy "
                 "machine, so not taken).",
    "Spoken command accuracy": "**Spoken commands** — the recognizer is the limit, not the matcher: as text the same "
                               "commands are understood 100 %, and plain rapidfuzz on the same transcripts scores "
                               "within a few points of ours. pocketsphinx (the built-in engine; no English vosk "
                               "model was installed for these runs) mishears short one-word commands and "
                               "robotic voices, and breaks down in speech-band noise (running water). Closing it: "
                               "the English vosk model (`voice-coach model fetch`), noise suppression before "
                               "recognition, a small grammar for one-word follow-ups.",
    "Peak RSS": "**Memory** — the default voice (hibari-tts, a neural model) is loaded into the coach's process; "
                "with the pyttsx3 voice the same engine stays under the goal (comparison row). Closing it: load the "
                "natural voice in its own worker process, or only when first needed.",
    "Start-up": "**Start-up** — loading the voice and the speech model (the Korean vosk model is 253 MB on disk, "
                "the small English one about 40 MB) and building pocketsphinx's language model from every example "
                "sentence; on a busy machine that crosses 2 s. Closing it: load the voice after the microphone is "
                "already listening, and cache the built language model.",
    "False actions": "**False actions** — see the events listed in bench_results/false_triggers.json.",
}
"""Why a goal can be missed, shown under the table for the rows that miss."""


def _wrong(summary: dict[str, Any], condition: str) -> str:
    value = summary.get(f"wrong_{condition}")
    return "" if value is None else f"; a wrong action: {_pct(value)}"


def accuracy_rows(data: dict[str, Any] | None, label: str) -> list[Row]:
    if data is None:
        return [(f"Spoken command accuracy, {label}", "≥ 95 % clean, ≥ 85 % at 10 dB", "not measured", None)]
    rows: list[Row] = []
    for family, voices in (("hibari", "hibari-tts, 3 speeds"), ("espeak", "espeak-ng, 3 voices")):
        s = data["summary"][family]
        rows.append((f"Spoken command accuracy, {label}, clean, {voices} ({data['commands']} dev-set commands, "
                     f"{data['engine']})",
                     "≥ 95 %", f"{_pct(s['clean'])} (plain rapidfuzz: {_pct(s['baseline_clean'])}){_wrong(s, 'clean')}",
                     s["clean"] >= data["goals"]["clean"]))
        rows.append((f"… same with kitchen noise at {data['snr_db']:g} dB SNR (water, clatter, fan)", "≥ 85 %",
                     f"{_pct(s['noisy'])} (plain rapidfuzz: {_pct(s['baseline_noisy'])}){_wrong(s, 'noisy')}",
                     s["noisy"] >= data["goals"]["noisy"]))
    return rows


def table_rows() -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    dates: list[str] = []
    lat = load("latency")
    if lat:
        dates.append(lat["date"])
        ours = lat["configs"].get("ours", {})
        fixed = next((v for k, v in lat["configs"].items() if k != "ours"), None)
        compare = f"; fixed 0.5 s silence: {_num(fixed['p50_ms'], 'ms')} / {_num(fixed['p95_ms'], 'ms')}" if fixed else ""
        ok = ours.get("replies", 0) > 0 and ours["p50_ms"] <= lat["goals_ms"]["p50"] and ours["p95_ms"] <= lat["goals_ms"]["p95"]
        rows.append((f"Reply gap p50 / p95, end of speech → first reply sound ({lat['engine']}, "
                     f"{ours.get('replies', 0)} of {ours.get('commands', 0)} commands answered)",
                     "≤ 350 / ≤ 600 ms", f"{_num(ours.get('p50_ms'), 'ms')} / {_num(ours.get('p95_ms'), 'ms')}{compare}",
                     ok))
    else:
        rows.append(("Reply gap p50 / p95", "≤ 350 / ≤ 600 ms", "not measured", None))
    for name, label in (("accuracy", "commands as written"), ("accuracy_wake", "“coach, …” commands")):
        data = load(name)
        if data:
            dates.append(data["date"])
        if data or name == "accuracy":
            rows += accuracy_rows(data, label)
    ft = load("false_triggers")
    if ft:
        dates.append(ft["date"])
        rows.append((f"False actions during speaking turns ({ft['monologue_minutes']:.0f} min of monologue full of "
                     f"command words, {ft['engine']})", "0", f"{ft['false_actions']}"
                     + (f" (+{ft['unexpected_states']} unexpected states)" if ft["unexpected_states"] else ""),
                     ft["false_actions"] == 0 and ft["unexpected_states"] == 0))
    else:
        rows.append(("False actions during speaking turns", "0", "not measured", None))
    fp = load("footprint")
    if fp:
        dates.append(fp["date"])
        for config, r in fp["engines"].items():
            if "+" in config:  # a comparison point, not a product configuration
                rows.append((f"… {r['label']} (comparison)", "–", f"start-up {_num(r['startup_s'], 's', 1)}, "
                             f"idle CPU {_num(r['idle_cpu_pct'], '%', 1)}, peak RSS {_num(r['rss_mb'], 'MB')}", None))
                continue
            rows.append((f"Start-up to “listening”, {r['label']}", "≤ 2 s", _num(r["startup_s"], "s", 1),
                         r["startup_s"] <= 2.0))
            rows.append((f"Idle listening CPU, {r['label']}", "≤ 10 % of a core", _num(r["idle_cpu_pct"], "%", 1),
                         r["idle_cpu_pct"] <= 10.0))
            korean = "Korean" in r["label"]
            goal_mb = r.get("rss_goal_mb") or 400.0
            rows.append((f"Peak RSS, {r['label']}" + (" — not the small English model the goal is for" if korean else ""),
                         f"≤ {goal_mb:.0f} MB" + (" (small model)" if config == "vosk" else ""),
                         _num(r["rss_mb"], "MB"), None if korean else r["rss_mb"] <= goal_mb))
    else:
        rows.append(("Start-up, idle CPU, peak RSS", "≤ 2 s, ≤ 10 %, ≤ 250 MB", "not measured", None))
    timer = load("timer")
    if timer:
        cue = timer.get("cue_error", {})
        minutes = timer.get("config", {}).get("minutes")
        rows.append((f"Exercise cue error over a {minutes:g}-minute turn, real clock (worst of {cue.get('count')})",
                     "≤ 50 ms", _num(cue.get("max_ms"), "ms", 1), cue.get("max_ms", 1e9) <= 50.0))
    intents = load("intents")
    if intents:
        files = intents.get("files", {})
        shown = [n for n in ("intents_holdout.tsv", "intents_fresh.tsv") if n in files] or list(files)[:1]
        for name in shown:
            ours, base = files[name]["ours"], files[name]["baseline"]
            rows.append((f"Intent accuracy, {name} ({ours['in_scope']} in scope; out-of-scope rejected: "
                         f"{_pct(ours['oos_rejection'])})", "≥ 97 %",
                         f"{_pct(ours['intent_accuracy'])} (plain rapidfuzz: {_pct(base['intent_accuracy'])})",
                         ours["intent_accuracy"] >= 0.97))
        if shown:
            p95_us = max(files[n]["ours"]["p95_us"] for n in shown)
            rows.append(("Matcher time per utterance (p95)", "≤ 1 ms", _num(p95_us / 1000, "ms", 2), p95_us <= 1000))
    soak = load("soak")
    if soak and "warmup_s" in soak:
        clean = not soak["errors"] and soak.get("exit_code_on_ctrl_c") == 130
        rows.append((f"Soak (`scripts/soak.py`, not run by bench_all), {soak['minutes']:g} min of `run` with a spoken command every 20 s ({soak['mode']}): "
                     f"RSS growth after one cycle of commands ({soak['warmup_s']:g} s); errors",
                     "< 10 MB; 0; exit 130",
                     f"{soak['rss_growth_mib']:+.1f} MB (from 2 min: {soak['rss_growth_from_warmup_s_mib']:+.1f} MB; "
                     f"trend {soak['rss_slope_mib_per_hour']:+.1f} MB/h); {len(soak['errors'])} errors, "
                     f"{soak['understood']} of {soak['commands_sent']} commands understood; Ctrl-C: exit "
                     f"{soak.get('exit_code_on_ctrl_c')} in {soak.get('exit_s_on_ctrl_c', 0):.1f} s",
                     clean and soak["rss_growth_mib"] < 10))
    voice = load("voice")
    if voice:
        for engine, r in voice.get("engines", {}).items():
            rows.append((f"Speech output {engine}: text → first audio", "–", _num(r.get("first_audio_ms"), "ms"), None))
    screen = load("screen")
    if screen:
        update, added = screen["update_ms"], screen["added"]
        rows.append(("Companion screen: coach event → page updated, p95 (headless Chromium)", "≤ 100 ms",
                     f"{_num(update['p95'], 'ms')} (p50 {_num(update['p50'], 'ms')})", update["p95"] <= 100.0))
        rows.append(("Companion screen: added idle CPU / added RSS / typed reply time, one page open",
                     "≤ 1 % of a core / ≤ 20 MB / unchanged",
                     f"{added['idle_cpu_pct']:.1f} % / {added['rss_mb']:.1f} MB / {added['reply_ms']:+.1f} ms",
                     added["idle_cpu_pct"] <= 1.0 and added["rss_mb"] <= 20.0))
    return rows, dates


def block() -> str:
    rows, dates = table_rows()
    lines = [BEGIN, "", "| What | Goal | Measured | |", "|---|---|---|---|"]
    lines += [f"| {what} | {goal} | {measured} | {_verdict(ok)} |" for what, goal, measured, ok in rows]
    when = max(dates) if dates else "never"
    loads = [d["load_avg_1m"] for n in ("latency", "footprint", "accuracy", "false_triggers")
             if (d := load(n)) and "load_avg_1m" in d]
    busy = (f" The machine was shared with other work while measuring (1-minute load average "
            f"{min(loads):.1f}–{max(loads):.1f} on 2 cores), which mostly affects start-up times."
            if loads and max(loads) >= 1.0 else "")
    lines += ["", f"Measured {when} on a {machine_line()}, by `scripts/bench_all.py` (each figure a median "
              f"over its runs or commands; details in `bench_results/*.json`).{busy}"]
    missed = [what for what, _goal, _measured, ok in rows if ok is False]
    if missed:
        lines += ["", f"**Goals missed: {len(missed)}** (the rows marked miss). Why, and what would close them:", ""]
        lines += [f"- {note}" for prefix, note in WHY.items() if any(what.startswith(prefix) for what in missed)]
    lines += ["", END]
    return "\n".join(lines)


def write_readme() -> None:
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"bench_all: README.md has no {BEGIN} … {END} block under ## Performance")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(head + block() + tail, encoding="utf-8")
    print(f"updated the Performance block in {README}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated names, e.g. latency,footprint")
    parser.add_argument("--skip", default="")
    parser.add_argument("--readme-only", action="store_true")
    parser.add_argument("--no-readme", action="store_true", help="run, but leave README.md alone")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="where the results are (default bench_results/)")
    parser.add_argument("--smoke", action="store_true",
                        help="no runs, no README: print the block built from --results, smoke-run results included")
    args = parser.parse_args()
    _SOURCE.update(dir=args.results, smoke=args.smoke)
    if args.smoke:
        print(block())
        return 0
    plan = QUICK if args.quick else FULL
    only = {n for n in args.only.split(",") if n}
    skip = {n for n in args.skip.split(",") if n}
    failed = []
    if not args.readme_only:
        for name, bench_args in plan.items():
            if (only and name not in only) or name in skip:
                continue
            if not run(name, bench_args):
                failed.append(name)
    if not args.no_readme:
        write_readme()
    print(block())
    if failed:
        print(f"bench_all: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
