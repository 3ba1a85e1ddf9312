#!/usr/bin/env python3
"""Speech-output figures per engine: text to first audio sample, pocketsphinx intelligibility, memory.

Usage: .venv/bin/python scripts/bench_voice.py [--runs N] [--smoke] [--out bench_results/voice.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

from voice_coach.content.library import load_library  # noqa: E402
from voice_coach.speech.voice import Voice  # noqa: E402
from voice_coach.testing.speechlib import transcribe, word_recall, words  # noqa: E402

TIP_20_WORDS = (
    "When your partner opens up, put your phone down, turn toward them, "
    "and let them finish before you say anything."
)
ENGINES = ("natural", "pyttsx3")

# Run in a fresh interpreter so the figure is the engine alone, not whatever this script loaded.
_RSS_PROBE = """
import json, os, sys
def rss_mb(pid="self"):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024
def children():
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == os.getpid():
                    out.append(pid)
        except OSError:
            pass
    return out
from voice_coach.speech.voice import Voice
before = rss_mb()
voice = Voice(sys.argv[1])
voice.render("Warm up, then speak.")
after = rss_mb()
workers = [rss_mb(pid) for pid in children()]  # pyttsx3 renders in a worker process
voice.close()
print(json.dumps({"added_rss_mb": after - before, "worker_rss_mb": sum(workers) if workers else None}))
"""


def bench_lines(n_lines: int = 10) -> list[str]:
    """Real coach lines: tips, starters spread over the categories, exercise prompts (no placeholders)."""
    library = load_library()
    tips = [tip.text for tip in library.tips[:4]]
    n_starters = (n_lines - len(tips)) // 2
    step = max(1, len(library.starters) // max(1, n_starters))
    starters = [s.text for s in library.starters[::step][:n_starters]]
    prompts = [variants[0] for variants in library.prompts.values() if "{" not in variants[0]]
    return (tips + starters + prompts)[:n_lines]


def first_audio_ms(voice: Voice, text: str, runs: int) -> tuple[float, float]:
    """Median ms from text to the first rendered sentence, and to the whole text, over ``runs``."""
    firsts, wholes = [], []
    for _ in range(runs):
        start = time.perf_counter()
        sentences = voice.sentences(text)
        next(sentences)
        firsts.append((time.perf_counter() - start) * 1000)
        for _ in sentences:
            pass
        wholes.append((time.perf_counter() - start) * 1000)
    return statistics.median(firsts), statistics.median(wholes)


def intelligibility(voice: Voice, lines: list[str]) -> dict[str, float]:
    """Word recall of pocketsphinx's general US-English model on each line, word-weighted and per line."""
    recalls = []
    for line in lines:
        rendered = voice.render(line)
        recalls.append(word_recall(line, transcribe(rendered.samples, rendered.rate)))
    n_words = [len(words(line)) for line in lines]
    weighted = sum(r * n for r, n in zip(recalls, n_words)) / sum(n_words)
    return {"word_recall": round(weighted, 3), "worst_line": round(min(recalls), 3), "best_line": round(max(recalls), 3)}


def memory(engine: str) -> dict[str, Any]:
    probe = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, engine], capture_output=True, text=True, check=True, cwd=ROOT
    )
    figures = json.loads(probe.stdout.strip().splitlines()[-1])
    return {key: (round(value, 1) if value is not None else None) for key, value in figures.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed renders per engine (median reported)")
    parser.add_argument("--smoke", action="store_true", help="a few seconds: 2 renders, 2 lines (so the script can't rot)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench_results" / "voice.json")
    args = parser.parse_args()

    if args.smoke:
        args.runs = 2
    lines = bench_lines(2 if args.smoke else 10)
    results: dict[str, Any] = {"tip": TIP_20_WORDS, "tip_words": len(words(TIP_20_WORDS)), "runs": args.runs,
                               "lines": lines, "engines": {}}
    for name in ENGINES:
        start = time.perf_counter()
        voice = Voice(name)
        load_ms = (time.perf_counter() - start) * 1000
        if voice.engine_name != name:
            print(f"{name}: not available ({voice.reason})", file=sys.stderr)
            voice.close()
            continue
        try:
            voice.render("Warm up.")
            first_ms, whole_ms = first_audio_ms(voice, TIP_20_WORDS, args.runs)
            audio_s = voice.render(TIP_20_WORDS).duration_s
            clarity = intelligibility(voice, lines)
        finally:
            voice.close()
        results["engines"][name] = {
            "load_ms": round(load_ms, 1),
            "first_audio_ms": round(first_ms, 1),
            "whole_tip_ms": round(whole_ms, 1),
            "tip_audio_s": round(audio_s, 2),
            **clarity,
            **memory(name),
        }

    print(f"20-word tip, median of {args.runs}; recall over {len(lines)} coach lines (pocketsphinx en-us)")
    header = ("engine", "load ms", "first audio ms", "whole tip ms", "audio s", "word recall", "worst", "added RSS MB", "worker RSS MB")
    print("  ".join(f"{h:>14}" for h in header))
    for name, r in results["engines"].items():
        row = (name, r["load_ms"], r["first_audio_ms"], r["whole_tip_ms"], r["tip_audio_s"], r["word_recall"],
               r["worst_line"], r["added_rss_mb"], r["worker_rss_mb"] if r["worker_rss_mb"] is not None else "-")
        print("  ".join(f"{str(v):>14}" for v in row))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
