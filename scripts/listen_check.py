#!/usr/bin/env python3
"""Listening test of the content: speak random starters and tips with the natural voice, transcribe them
back with the best installed recognizer, and flag lines whose words don't come back.

A flagged line is hard to say or hard to hear (a misread word, a tongue-twister, a rare word the ear
won't catch). The recognizer is an open-vocabulary one, so a flag means "listen to this line", not
"this line is wrong": pocketsphinx's general model misses some words in any line.

Usage: .venv/bin/python scripts/listen_check.py [--starters 60] [--tips 20] [--seed 1]
       [--flag-below 0.6] [--category after_argument ...] [--out bench_results/listen_check.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from voice_coach.audio.format import SPEECH, convert
from voice_coach.content.library import load_library
from voice_coach.speech.voice import Voice

ROOT = Path(__file__).resolve().parent.parent
Transcriber = Callable[[np.ndarray, int], str]


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes kept ("what's"); "I" and numbers as they are spoken."""
    return re.findall(r"[a-z]+(?:'[a-z]+)?", text.lower().replace("’", "'"))


def missing_words(reference: str, heard: str) -> list[str]:
    """The reference's words that did not come back (each heard word used once)."""
    pool = words(heard)
    missing = []
    for word in words(reference):
        if word in pool:
            pool.remove(word)
        else:
            missing.append(word)
    return missing


def _pocketsphinx() -> Transcriber:
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=SPEECH.rate, loglevel="FATAL")  # the general US-English model

    def transcribe(samples: np.ndarray, rate: int) -> str:
        pad = np.zeros(int(0.3 * rate), dtype=np.int16)
        pcm = convert(np.concatenate([pad, np.asarray(samples, dtype=np.int16), pad]), rate, SPEECH)
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        return hyp.hypstr if hyp is not None else ""

    return transcribe


def _whisper() -> Transcriber:
    from faster_whisper import WhisperModel  # type: ignore[import-not-found]

    model = WhisperModel("base.en", device="cpu", compute_type="int8")

    def transcribe(samples: np.ndarray, rate: int) -> str:
        audio = convert(np.asarray(samples, dtype=np.int16), rate, SPEECH)
        floats = np.frombuffer(audio, dtype=np.int16).astype(np.float32) / 32768.0
        segments, _ = model.transcribe(floats, language="en", beam_size=1)
        return " ".join(s.text for s in segments)

    return transcribe


def best_recognizer() -> tuple[str, Transcriber]:
    """faster-whisper when installed (far better on open text), else pocketsphinx's general model."""
    try:
        return "whisper base.en", _whisper()
    except Exception as exc:  # noqa: BLE001 - not installed or no model: fall back
        print(f"whisper not available ({type(exc).__name__}); using pocketsphinx", file=sys.stderr)
    return "pocketsphinx en-us", _pocketsphinx()


def pick_lines(n_starters: int, n_tips: int, seed: int, categories: list[str]) -> list[dict[str, str]]:
    library = load_library()
    rng = random.Random(seed)
    starters = [s for s in library.starters if not categories or s.category in categories]
    if not starters:
        raise SystemExit(f"listen_check: no starters in {', '.join(categories)}; check the category names")
    chosen = rng.sample(starters, min(n_starters, len(starters)))
    tips = rng.sample(library.tips, min(n_tips, len(library.tips)))
    return ([{"id": s.id, "kind": "starter", "text": s.text} for s in chosen]
            + [{"id": t.id, "kind": "tip", "text": t.text} for t in tips])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starters", type=int, default=60)
    parser.add_argument("--tips", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--flag-below", type=float, default=0.6, help="flag a line when less than this share of its words come back")
    parser.add_argument("--category", action="append", default=[], help="only starters of this category or situation set")
    parser.add_argument("--out", type=Path, default=ROOT / "bench_results" / "listen_check.json")
    args = parser.parse_args()

    lines = pick_lines(args.starters, args.tips, args.seed, args.category)
    voice = Voice("natural")
    if voice.engine_name != "natural":
        voice.close()
        print(f"listen_check: the natural voice isn't available ({voice.reason}); run scripts/setup", file=sys.stderr)
        return 3
    name, transcribe = best_recognizer()
    start = time.perf_counter()
    try:
        for line in lines:
            rendered = voice.render(line["text"])
            heard = transcribe(rendered.samples, rendered.rate)
            missing = missing_words(line["text"], heard)
            line.update(heard=heard, missing=" ".join(missing),
                        recall=round(1 - len(missing) / max(1, len(words(line["text"]))), 3))
    finally:
        voice.close()
    flagged = [line for line in lines if float(line["recall"]) < args.flag_below]
    recall = sum(float(line["recall"]) * len(words(line["text"])) for line in lines) / sum(len(words(line["text"])) for line in lines)
    summary: dict[str, Any] = {
        "recognizer": name, "voice": "natural (hibari-tts)", "seed": args.seed, "lines": len(lines),
        "word_recall": round(recall, 3), "flag_below": args.flag_below, "flagged": len(flagged),
        "seconds": round(time.perf_counter() - start, 1), "results": lines,
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    print(f"{len(lines)} lines, natural voice -> {name}: word recall {recall:.1%}, "
          f"{len(flagged)} flagged below {args.flag_below:.0%} ({summary['seconds']} s)")
    for line in sorted(flagged, key=lambda x: float(x["recall"])):
        print(f"- {line['id']} ({float(line['recall']):.0%}): {line['text']}\n    heard: {line['heard']}\n    lost: {line['missing']}")
    print(f"details: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
