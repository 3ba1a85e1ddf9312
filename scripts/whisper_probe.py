#!/usr/bin/env python3
"""Whisper decoding options measured on the coach's commands (window, prompt, guards), decoding only.

Each dev-set command (with the wake word) is synthesised (hibari at 3 speeds, espeak voices), cut as the
listener hands it over (0.3 s before, 0.1 s after), optionally in 10 dB kitchen noise, and decoded once per
variant. Reported per variant: intent right %, wrong action %, mean decode ms. Also: what each variant makes of
room noise alone (2 s of each kitchen noise, and silence): the number of actions it would take.

Usage: .venv/bin/python scripts/whisper_probe.py [--commands 24] [--variants base,w6,w30,prompt] [--noise]
                                                 [--espeak] [--model DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_accuracy import pick_commands, with_wake_word  # noqa: E402
from voice_coach.testing.kitchen_noise import NOISE_MAKERS, NOISES, with_noise  # noqa: E402

PROMPT_TEXT = ("Coach, give us a conversation starter. Coach, pause. Coach, resume. Coach, switch turns. "
               "Coach, another one. Coach, a tip about listening.")
VARIANTS: dict[str, dict[str, object]] = {
    "raw": {"window_s": 10.0, "prompt": "", "snap": 101.0, "alias": False},
    "alias": {"window_s": 10.0, "prompt": "", "snap": 101.0},
    "snap": {"window_s": 10.0, "prompt": ""},
    "snapwake": {"window_s": 10.0, "prompt": "Coach,"},
    "snap85": {"window_s": 10.0, "prompt": "", "snap": 85.0},
    "w6snap": {"window_s": 6.0, "prompt": ""},
    "w8snap": {"window_s": 8.0, "prompt": ""},
    "snap65": {"window_s": 10.0, "prompt": "", "snap": 65.0},
    "lp22": {"window_s": 10.0, "prompt": "", "snap": 65.0, "very_low_logprob": -2.2},
    "base": {"window_s": 10.0, "prompt": ""},
    "w6": {"window_s": 6.0, "prompt": ""},
    "w8": {"window_s": 8.0, "prompt": ""},
    "w30": {"window_s": 30.0, "prompt": ""},
    "prompt": {"window_s": 10.0, "prompt": PROMPT_TEXT},
    "wake": {"window_s": 10.0, "prompt": "Coach,"},
    "nogiven": {"window_s": 10.0, "prompt": "", "given": False},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=24)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--variants", default="raw,alias,snap,snapwake")
    parser.add_argument("--noise", action="store_true", help="also in 10 dB kitchen noise (one noise per command)")
    parser.add_argument("--espeak", action="store_true", help="espeak voices instead of hibari")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()

    from voice_coach.testing.synth import Synth

    from voice_coach.audio.format import SPEECH, convert
    from voice_coach.speech_models.whisper import find_whisper_model
    from voice_coach.understand.matcher import load_intents, recognize

    intents = load_intents()
    model = args.model or find_whisper_model().path
    from voice_coach.asr.whisper import WhisperRecognizer
    from voice_coach.content import load_library

    library = load_library()

    def make(folder: Path, options: dict[str, object]) -> WhisperRecognizer:
        from voice_coach.asr.phrases import background_text, recognizer_phrases

        return WhisperRecognizer(folder, phrases=recognizer_phrases(intents), wake_words=["coach", "hey coach"],
                                 background=background_text(library), **options)  # type: ignore[arg-type]

    intents = load_intents()
    synth = Synth(Path(tempfile.gettempdir()))
    commands = pick_commands(args.offset + args.commands)[args.offset:]
    voices = [("espeak", v) for v in ("en-us", "en-gb", "en-us+f3")] if args.espeak else [
        ("hibari", s) for s in (0.85, 1.0, 1.2)]
    clips = []
    for n, (text, intent, ctx) in enumerate(commands):
        said = with_wake_word(text)
        for kind, arg in voices:
            speech = synth.espeak(said, arg) if kind == "espeak" else synth.hibari(said, arg)
            pcm = np.frombuffer(convert(speech.samples, speech.rate, SPEECH), dtype=np.int16)
            pcm = np.concatenate([np.zeros(4800, np.int16), pcm, np.zeros(1600, np.int16)])
            if args.noise:
                pcm = with_noise(pcm, SPEECH.rate, NOISES[n % len(NOISES)], 10.0, seed=n).astype(np.int16)
            clips.append((said, intent, ctx, pcm.tobytes()))
    rng = np.random.default_rng(3)
    rooms = [np.clip(NOISE_MAKERS[noise](rng, 48000, SPEECH.rate) * level, -32768, 32767).astype(np.int16)
             for noise in NOISES for level in (300.0, 3000.0)]
    print(f"{len(clips)} clips ({'espeak' if args.espeak else 'hibari'}{', 10 dB noise' if args.noise else ''})")
    for name in args.variants.split(","):
        options = dict(VARIANTS[name])
        snap = float(options.pop("snap", 75.0))  # type: ignore[arg-type]
        alias = options.pop("alias", True)
        given = bool(options.pop("given", True))
        import voice_coach.asr.whisper as engine_module

        engine_module.VERY_LOW_LOGPROB = float(options.pop("very_low_logprob", -1.6))  # type: ignore[arg-type]
        recognizer = make(model, options)
        recognizer.snap_score = snap
        recognizer.wake_prefix = given
        if not alias:
            recognizer._wake_word_first = lambda text: text  # type: ignore[method-assign]

        final_s: list[float] = []

        def hear(pcm: bytes) -> str:
            recognizer.reset()
            for at in range(0, len(pcm), 640):
                recognizer.accept(pcm[at:at + 640])
            started = time.perf_counter()
            text = recognizer.final()
            final_s.append(time.perf_counter() - started)
            return text  # type: ignore[no-any-return]

        hear(clips[0][3])  # warm-up
        right = wrong = 0
        times = []
        final_s.clear()
        for said, intent, ctx, pcm in clips:
            started = time.perf_counter()
            text = hear(pcm)
            times.append(time.perf_counter() - started)
            found = recognize(text, intents, ctx) if text else None
            if found is not None and found.intent == intent:
                right += 1
            elif found is not None:
                wrong += 1
            if args.errors and (found is None or found.intent != intent):
                print(f"  {name}: {said!r} -> {text!r} ({found.intent if found else None})")
        stray = sum(1 for room in rooms if (t := hear(room.tobytes())) and recognize(t, intents))
        final_s[:] = final_s[:len(clips)]
        print(f"{name:8} right {100 * right / len(clips):5.1f} %  wrong {100 * wrong / len(clips):4.1f} %  "
              f"final() p50 {1000 * statistics.median(final_s):.0f} ms (hear all {1000 * statistics.mean(times):.0f})  "
              f"room actions {stray}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
