#!/usr/bin/env python3
"""Spoken command accuracy: dev-set commands synthesised (hibari at 3 speeds, 3 espeak-ng voices), clean and in
generated kitchen noise at 10 dB SNR, through the recognizer, then the matcher; plain rapidfuzz as the baseline.

Usage: .venv/bin/python scripts/bench_accuracy.py [--commands 80] [--engine pocketsphinx] [--jobs 2]
                                                  [--snr-db 10] [--out bench_results/accuracy.json] [--errors]
Smoke run (seconds): .venv/bin/python scripts/bench_accuracy.py --smoke
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import RESULTS_DIR, ROOT, VOICE_COACH, median, table, write_json  # noqa: E402
from kitchen_noise import NOISE_MAKERS, NOISES, speech_power, with_noise  # noqa: E402

from voice_coach.match import Context  # noqa: E402

DEV_SET = ROOT / "tests" / "data" / "intents_dev.tsv"
HIBARI_SPEEDS = (0.85, 1.0, 1.2)
ESPEAK_VOICES = ("en-us", "en-gb", "en-us+f3")
BASELINE_CUTOFF = 75.0
"""Score (0-100) the plain nearest-example baseline needs, as in bench_intents.py."""
CHUNK_S = 0.02
"""Audio is fed in 20 ms blocks, as the microphone delivers it."""
PAD_BEFORE_S = 0.3
PAD_AFTER_S = 0.4
WARMUP_S = 2.0
"""Room sound a recognizer hears before the first command of a block."""
GOAL_CLEAN = 0.95
GOAL_NOISY = 0.85


# The commands.

def pick_commands(count: int) -> list[tuple[str, str, Context]]:
    """``count`` in-scope dev-set lines (text, intent, context), taken round-robin over the intents."""
    from bench_intents import read_cases

    by_intent: dict[str, list[tuple[str, str, Context]]] = defaultdict(list)
    for text, intent, _slots, ctx in read_cases(DEV_SET):
        if intent is not None:
            by_intent[intent].append((text, intent, ctx))
    picked: list[tuple[str, str, Context]] = []
    depth = 0
    while len(picked) < count and any(depth < len(v) for v in by_intent.values()):
        for items in by_intent.values():
            if depth < len(items) and len(picked) < count:
                picked.append(items[depth])
        depth += 1
    return picked


def with_wake_word(text: str) -> str:
    """``text`` addressed to the coach, as most real commands are."""
    return text if text.lower().startswith(("coach", "hey coach")) else f"coach {text}"


def voices() -> list[str]:
    return [f"hibari@{s}" for s in HIBARI_SPEEDS] + [f"espeak:{v}" for v in ESPEAK_VOICES]


# Decoding (one worker process per voice; the recognizer and the neural voice load once per process).

_WORKER: dict[str, Any] = {}


def _init_worker(engine: str, model: str | None) -> None:
    from synth import Synth

    _WORKER["engine"] = (engine, Path(model) if model else None)
    _WORKER["synth"] = Synth(Path(tempfile.gettempdir()))  # only in-memory synthesis is used


def _speech(voice: str, text: str) -> Any:
    synth = _WORKER["synth"]
    kind, _, arg = voice.partition(":") if voice.startswith("espeak") else voice.partition("@")
    return synth.espeak(text, arg) if kind == "espeak" else synth.hibari(text, float(arg))


def _feed(recognizer: Any, pcm: bytes) -> str:
    from voice_coach.audio_format import SPEECH

    chunk = int(SPEECH.rate * CHUNK_S) * SPEECH.width
    for at in range(0, len(pcm), chunk):
        recognizer.accept(pcm[at : at + chunk])
    return str(recognizer.final())


def _decode_voice(job: tuple[str, list[str], list[str], float]) -> list[dict[str, Any]]:
    """Every command in one voice, under every condition: transcripts and decode times.

    Each condition is a block, as in a room where the noise goes on: a fresh recognizer first hears
    WARMUP_S of the room alone, so its running normalisation has settled, then every command in turn.
    """
    import benchlib
    from voice_coach.audio_format import SPEECH, convert

    voice, texts, conditions, snr_db = job
    out = []
    speeches = [_speech(voice, text).padded(PAD_BEFORE_S, PAD_AFTER_S) for text in texts]
    for condition in conditions:
        recognizer = benchlib.recognizer(*_WORKER["engine"])
        rate = speeches[0].rate
        room = np.zeros(int(WARMUP_S * rate), dtype=np.int16)
        if condition != "clean":
            level = np.sqrt(median_speech_power(speeches) / 10 ** (snr_db / 10))
            room = np.clip(NOISE_MAKERS[condition](np.random.default_rng(7), room.size, rate) * level,
                           -32768, 32767).astype(np.int16)
        _feed(recognizer, convert(room, rate, SPEECH))
        for index, speech in enumerate(speeches):
            samples = speech.samples if condition == "clean" else with_noise(
                speech.samples, speech.rate, condition, snr_db, seed=index * 31 + NOISES.index(condition))
            pcm = convert(samples, speech.rate, SPEECH)
            start = time.perf_counter()
            heard = _feed(recognizer, pcm)
            out.append({"voice": voice, "condition": condition, "index": index, "heard": heard,
                        "decode_s": time.perf_counter() - start, "audio_s": speech.duration_s})
    return out


def median_speech_power(speeches: list[Any]) -> float:
    """Median speech power of the commands (sets the warm-up noise level)."""
    return float(np.median([speech_power(s.samples, s.rate) for s in speeches]))


# Scoring.

def baseline_matcher() -> Any:
    """Plain nearest example: rapidfuzz extractOne over `voice-coach intents --json`, no normalisation or slots."""
    from rapidfuzz import fuzz, process

    examples = json.loads(subprocess.run([*VOICE_COACH, "intents", "--json"], capture_output=True, text=True,
                                         check=True, cwd=ROOT).stdout)
    flat = [e for name in examples for e in examples[name]]
    owner = [name for name in examples for _ in examples[name]]

    def match(text: str) -> str | None:
        best = process.extractOne(text, flat, scorer=fuzz.WRatio, score_cutoff=BASELINE_CUTOFF)
        return owner[best[2]] if best else None

    return match


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=80, help="in-scope dev-set commands (default 80)")
    parser.add_argument("--engine", default="pocketsphinx", choices=("pocketsphinx", "vosk"))
    parser.add_argument("--model", help="vosk model folder (an English one; default: the one voice-coach finds)")
    parser.add_argument("--snr-db", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "accuracy.json")
    parser.add_argument("--wake", action="store_true",
                        help="say the wake word first (\"coach, ...\") where the dev-set line has none")
    parser.add_argument("--errors", action="store_true", help="print every miss")
    parser.add_argument("--smoke", action="store_true", help="a few seconds: 3 commands, one voice, clean + water")
    args = parser.parse_args()

    import benchlib
    from voice_coach.matching import load_intents, recognize

    model = args.model
    if args.engine == "vosk":
        model = model or benchlib.english_vosk_model()
        if model is None:
            print("bench_accuracy: no English vosk model installed; run `voice-coach model fetch` or pass --model",
                  file=sys.stderr)
            return 2
    commands = pick_commands(3 if args.smoke else args.commands)
    voice_list = ["hibari@1.0"] if args.smoke else voices()
    conditions = ["clean", "water"] if args.smoke else ["clean", *NOISES]
    if args.wake:
        commands = [(with_wake_word(text), intent, ctx) for text, intent, ctx in commands]
    texts = [c[0] for c in commands]

    started = time.monotonic()
    jobs = [(v, texts, conditions, args.snr_db) for v in voice_list]
    if args.jobs > 1 and not args.smoke:
        with multiprocessing.get_context("spawn").Pool(args.jobs, _init_worker, (args.engine, model)) as pool:
            decoded = [row for rows in pool.imap(_decode_voice, jobs) for row in rows]
    else:
        _init_worker(args.engine, model)
        decoded = [row for job in jobs for row in _decode_voice(job)]

    intents = load_intents()
    baseline = baseline_matcher()
    text_right = sum(1 for text, intent, ctx in commands if (m := recognize(text, intents, ctx)) and m.intent == intent)
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses = []
    for row in decoded:
        text, intent, ctx = commands[row["index"]]
        match = recognize(row["heard"], intents, ctx)
        ours = match.intent if match else None
        cell = cells[(row["voice"], row["condition"])]
        cell["n"] += 1
        cell["ours"] += ours == intent
        cell["wrong"] += ours is not None and ours != intent  # a different action, worse than none
        cell["baseline"] += baseline(row["heard"]) == intent
        cell["verbatim"] += row["heard"] == benchlib.spoken(text)
        if ours != intent:
            misses.append(f"{row['voice']:14} {row['condition']:8} {text!r} heard {row['heard']!r} -> {ours}, want {intent}")

    def rate(keys: list[tuple[str, str]], what: str) -> float:
        n = sum(cells[k]["n"] for k in keys)
        return sum(cells[k][what] for k in keys) / n if n else float("nan")

    rows = []
    for voice in voice_list:
        clean = [(voice, "clean")]
        noisy = [(voice, c) for c in conditions if c != "clean"]
        rows.append([voice, cells[clean[0]]["n"], 100 * rate(clean, "ours"), 100 * rate(clean, "baseline"),
                     *[100 * rate([(voice, c)], "ours") for c in conditions if c != "clean"],
                     100 * rate(noisy, "ours"), 100 * rate(noisy, "baseline"), 100 * rate(clean, "verbatim")])
    noisy_names = [c for c in conditions if c != "clean"]
    headers = ["voice", "n", "clean %", "base clean %", *[f"{c} %" for c in noisy_names], "noisy %",
               "base noisy %", "verbatim clean %"]
    summary: dict[str, Any] = {}
    for family, prefix in (("hibari", "hibari"), ("espeak", "espeak")):
        keys_clean = [(v, "clean") for v in voice_list if v.startswith(prefix)]
        keys_noisy = [(v, c) for v in voice_list if v.startswith(prefix) for c in noisy_names]
        summary[family] = {"clean": rate(keys_clean, "ours"), "noisy": rate(keys_noisy, "ours"),
                           "wrong_clean": rate(keys_clean, "wrong"), "wrong_noisy": rate(keys_noisy, "wrong"),
                           "baseline_clean": rate(keys_clean, "baseline"),
                           "baseline_noisy": rate(keys_noisy, "baseline")}
    elapsed_s = time.monotonic() - started
    rtf = median([r["decode_s"] / r["audio_s"] for r in decoded])

    said = "with the wake word" if args.wake else "as written"
    print(f"spoken command accuracy, {args.engine}, {len(commands)} commands {said}, noise at {args.snr_db:g} dB SNR")
    print(table(headers, rows))
    for family, figures in summary.items():
        print(f"{family}: clean {figures['clean']:.1%} (goal {GOAL_CLEAN:.0%}), noisy {figures['noisy']:.1%} "
              f"(goal {GOAL_NOISY:.0%}); baseline {figures['baseline_clean']:.1%} / {figures['baseline_noisy']:.1%}; "
              f"a wrong action {figures['wrong_clean']:.1%} / {figures['wrong_noisy']:.1%}")
    print(f"matcher on the written text: {text_right}/{len(commands)}; decoding real-time factor {rtf:.2f}; "
          f"{elapsed_s:.0f} s")
    if args.errors:
        print("\n".join(misses))
    path = write_json("accuracy", {
        "engine": args.engine, "model": model, "wake_word": args.wake, "commands": len(commands), "snr_db": args.snr_db,
        "voices": voice_list, "conditions": conditions, "smoke": args.smoke,
        "summary": summary, "goals": {"clean": GOAL_CLEAN, "noisy": GOAL_NOISY},
        "text_accuracy": text_right / len(commands), "real_time_factor": rtf, "elapsed_s": elapsed_s,
        "cells": {f"{v}|{c}": dict(cell) for (v, c), cell in cells.items()},
        "misses": misses,
    }, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
