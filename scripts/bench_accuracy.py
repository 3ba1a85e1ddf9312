#!/usr/bin/env python3
"""Spoken command accuracy: dev-set commands synthesised (hibari at 3 speeds, 3 espeak-ng voices), clean and in
generated kitchen noise at 10 dB SNR, through the coach's own listener and recognizer, then the matcher; plain
rapidfuzz on the same transcripts as the baseline.

The recognizer is built by the same function as `voice-coach run` (voice_coach.asr.build) and hears the audio
through the app's listener (listen.MicEars: voice activity, pre-roll, end of speech), on a fake clock.
"split %": commands the listener cut into more than one utterance; "stray": actions heard in the room alone.

Usage: .venv/bin/python scripts/bench_accuracy.py [--commands 80] [--engine pocketsphinx] [--jobs 2]
                                                  [--snr-db 10] [--out bench_results/accuracy.json] [--errors]
Smoke run (seconds): .venv/bin/python scripts/bench_accuracy.py --smoke
"""

from __future__ import annotations

import argparse
import bisect
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
from benchlib import RESULTS_DIR, ROOT, VOICE_COACH, median, table, write_json  # noqa: E402

from voice_coach.testing.kitchen_noise import NOISE_MAKERS, NOISES, speech_power  # noqa: E402
from voice_coach.understand.match import Context  # noqa: E402

DEV_SET = ROOT / "tests" / "data" / "intents_dev.tsv"
HIBARI_SPEEDS = (0.85, 1.0, 1.2)
ESPEAK_VOICES = ("en-us", "en-gb", "en-us+f3")
BASELINE_CUTOFF = 75.0
"""Score (0-100) the plain nearest-example baseline needs, as in bench_intents.py."""
GAP_S = 2.0
"""Room sound after each command: longer than the listener's longest wait (1.5 s after a bare "coach")."""
WARMUP_S = 2.0
"""Room sound the listener hears before the first command (its noise floor and the recognizer settle)."""
GOAL_CLEAN = 0.95
GOAL_NOISY = 0.85


# The commands.

def pick_commands(count: int) -> list[tuple[str, str, Context]]:
    """``count`` in-scope dev-set lines (text, intent, context), taken round-robin over the intents."""
    from bench_intents import read_cases

    by_intent: dict[str, list[tuple[str, str, Context]]] = defaultdict(list)
    for text, intent, _slots, ctx, _kind in read_cases(DEV_SET):
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
#
# The audio reaches the recognizer exactly as in the app: one continuous stream per condition (the room, then
# each command followed by GAP_S of the room) goes through the coach's listener (listen.MicEars: voice
# activity, pre-roll, its end-of-speech rule judged by the matcher), which hands the recognizer only what it
# takes for speech. Every utterance it returns is put down to the command it ended after.

_WORKER: dict[str, Any] = {}


def _init_worker(engine: str, model: str | None) -> None:
    from voice_coach.testing.synth import Synth
    from voice_coach.understand.matcher import load_intents

    _WORKER["engine"] = (engine, Path(model) if model else None)
    _WORKER["synth"] = Synth(Path(tempfile.gettempdir()))  # only in-memory synthesis is used
    _WORKER["intents"] = load_intents()


def _speech(voice: str, text: str) -> Any:
    synth = _WORKER["synth"]
    kind, _, arg = voice.partition(":") if voice.startswith("espeak") else voice.partition("@")
    return synth.espeak(text, arg) if kind == "espeak" else synth.hibari(text, float(arg))


def _stream(commands: list[np.ndarray], condition: str, snr_db: float, rate: int) -> tuple[np.ndarray, list[int]]:
    """The room (silence or one continuous noise) with every command in it, each at the same loudness (the
    median of the voice's commands, so each stands exactly ``snr_db`` above the noise); start sample of each."""
    powers = [speech_power(c, rate) for c in commands]
    target = float(np.median(powers))
    starts, at = [], int(WARMUP_S * rate)
    for c in commands:
        starts.append(at)
        at += c.size + int(GAP_S * rate)
    mix = np.zeros(at)
    for c, p, start in zip(commands, powers, starts):
        mix[start : start + c.size] += c.astype(np.float64) * np.sqrt(target / max(p, 1e-9))
    if condition != "clean":
        rng = np.random.default_rng(7 + NOISES.index(condition))
        mix += NOISE_MAKERS[condition](rng, mix.size, rate) * np.sqrt(target / 10 ** (snr_db / 10))
    return np.clip(mix, -32768, 32767).astype(np.int16), starts


def _decode_voice(job: tuple[str, list[str], list[Context], list[str], float]) -> list[dict[str, Any]]:
    """Every command in one voice, under every condition: what the listener heard after each, and timing."""
    import benchlib

    from voice_coach.app.wiring import wake_words
    from voice_coach.audio.format import SPEECH, convert
    from voice_coach.config import Settings
    from voice_coach.listen.endpoint import coach_endpointer

    voice, texts, contexts, conditions, snr_db = job
    intents = _WORKER["intents"]
    commands = [np.frombuffer(convert(s.samples, s.rate, SPEECH), dtype=np.int16)
                for s in (_speech(voice, text) for text in texts)]
    out = []
    for condition in conditions:
        samples, starts = _stream(commands, condition, snr_db, SPEECH.rate)
        starts_s = [start / SPEECH.rate for start in starts]
        now = {"index": 0}

        def on_time(t_s: float, starts_s: list[float] = starts_s, now: dict[str, int] = now) -> None:
            now["index"] = max(0, bisect.bisect_right(starts_s, t_s) - 1)

        # The end-of-command rule exactly as the loop builds it (app/wiring.py).
        endpoint = coach_endpointer(intents, lambda now=now: contexts[now["index"]], wake_words(Settings(), intents))
        recognizer = benchlib.coach_recognizer(*_WORKER["engine"], intents=intents)
        started = time.perf_counter()
        heard = benchlib.listen_to_stream(recognizer, samples.tobytes(), endpoint, on_time)
        decode_s = time.perf_counter() - started
        by_command: dict[int, list[str]] = defaultdict(list)
        stray = []
        for h in heard:
            index = bisect.bisect_right(starts_s, h.end_s) - 1
            (by_command[index].append(h.text) if index >= 0 else stray.append(h.text))
        for index in range(len(texts)):
            out.append({"voice": voice, "condition": condition, "index": index, "heard": by_command[index]})
        out.append({"voice": voice, "condition": condition, "index": -1, "heard": stray,
                    "decode_s": decode_s, "audio_s": samples.size / SPEECH.rate})
    return out


# Scoring.

def _judge(found: list[str | None], want: str) -> tuple[bool, bool]:
    """(right, wrong) for the intents matched in the utterances heard after one command: right when the wanted
    one is among them and nothing else was acted on; wrong when any other action was."""
    wrong = any(f is not None and f != want for f in found)
    return (want in found and not wrong), wrong


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
    parser.add_argument("--engine", default="pocketsphinx", choices=("whisper", "pocketsphinx", "vosk"))
    parser.add_argument("--model", help="vosk model folder (an English one; default: the one voice-coach finds)")
    parser.add_argument("--offset", type=int, default=0,
                        help="skip this many commands first (a different slice, to try ideas on other than the reported "
                             "set)")
    parser.add_argument("--snr-db", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "accuracy.json")
    parser.add_argument("--wake", action="store_true",
                        help="say the wake word first (\"coach, ...\") where the dev-set line has none")
    parser.add_argument("--errors", action="store_true", help="print every miss")
    parser.add_argument("--smoke", action="store_true", help="a few seconds: 3 commands, one voice, clean + water")
    args = parser.parse_args()

    import benchlib

    from voice_coach.understand.matcher import load_intents, recognize

    model = args.model
    if args.engine == "vosk":
        model = model or benchlib.english_vosk_model()
        if model is None:
            print("bench_accuracy: no English vosk model installed; run `voice-coach model fetch` or pass --model",
                  file=sys.stderr)
            return 2
    commands = pick_commands(args.offset + (3 if args.smoke else args.commands))[args.offset:]
    voice_list = ["hibari@1.0"] if args.smoke else voices()
    conditions = ["clean", "water"] if args.smoke else ["clean", *NOISES]
    if args.wake:
        commands = [(with_wake_word(text), intent, ctx) for text, intent, ctx in commands]
    texts = [c[0] for c in commands]
    contexts = [c[2] for c in commands]

    started = time.monotonic()
    jobs = [(v, texts, contexts, conditions, args.snr_db) for v in voice_list]
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
        cell = cells[(row["voice"], row["condition"])]
        if row["index"] < 0:  # heard in the room before the first command
            acted = [(h, m.intent) for h in row["heard"] if (m := recognize(h, intents)) is not None]
            cell["stray"] += len(acted)
            misses += [f"{row['voice']:14} {row['condition']:8} the room alone heard {h!r} -> {i}" for h, i in acted]
            continue
        text, intent, ctx = commands[row["index"]]
        ours = [m.intent if (m := recognize(h, intents, ctx)) else None for h in row["heard"]]
        right, wrong = _judge(ours, intent)
        cell["n"] += 1
        cell["ours"] += right
        cell["wrong"] += wrong  # a different action, worse than none
        cell["baseline"] += _judge([baseline(h) for h in row["heard"]], intent)[0]
        cell["verbatim"] += " ".join(row["heard"]) == benchlib.spoken(text)
        cell["split"] += len(row["heard"]) > 1
        if not right:
            misses.append(f"{row['voice']:14} {row['condition']:8} {text!r} heard {' | '.join(row['heard'])!r} "
                          f"-> {ours}, want {intent}")

    def rate(keys: list[tuple[str, str]], what: str) -> float:
        n = sum(cells[k]["n"] for k in keys)
        return sum(cells[k][what] for k in keys) / n if n else float("nan")

    rows = []
    for voice in voice_list:
        clean = [(voice, "clean")]
        noisy = [(voice, c) for c in conditions if c != "clean"]
        rows.append([voice, cells[clean[0]]["n"], 100 * rate(clean, "ours"), 100 * rate(clean, "baseline"),
                     *[100 * rate([(voice, c)], "ours") for c in conditions if c != "clean"],
                     100 * rate(noisy, "ours"), 100 * rate(noisy, "baseline"), 100 * rate(clean, "verbatim"),
                     100 * rate(clean + noisy, "split"), sum(cells[k]["stray"] for k in clean + noisy)])
    noisy_names = [c for c in conditions if c != "clean"]
    headers = ["voice", "n", "clean %", "base clean %", *[f"{c} %" for c in noisy_names], "noisy %",
               "base noisy %", "verbatim clean %", "split %", "stray"]
    summary: dict[str, Any] = {}
    for family, prefix in (("hibari", "hibari"), ("espeak", "espeak")):
        keys_clean = [(v, "clean") for v in voice_list if v.startswith(prefix)]
        keys_noisy = [(v, c) for v in voice_list if v.startswith(prefix) for c in noisy_names]
        summary[family] = {"clean": rate(keys_clean, "ours"), "noisy": rate(keys_noisy, "ours"),
                           "wrong_clean": rate(keys_clean, "wrong"), "wrong_noisy": rate(keys_noisy, "wrong"),
                           "baseline_clean": rate(keys_clean, "baseline"),
                           "baseline_noisy": rate(keys_noisy, "baseline"),
                           "split": rate(keys_clean + keys_noisy, "split"),
                           "stray_actions": sum(cells[k]["stray"] for k in keys_clean + keys_noisy)}
    elapsed_s = time.monotonic() - started
    rtf = median([r["decode_s"] / r["audio_s"] for r in decoded if "decode_s" in r])

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
        "engine": args.engine, "model": model, "listener": "MicEars", "wake_word": args.wake, "commands": len(commands), "snr_db": args.snr_db,
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
