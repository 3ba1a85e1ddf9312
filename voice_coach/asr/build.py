"""The recognizer and the end-of-command rule exactly as the hands-free loop builds them.

One place, so the loop (app/wiring.py) and the benchmarks (scripts/bench_accuracy.py) cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voice_coach.asr import Recognizer, make_recognizer
from voice_coach.asr.phrases import background_text, recognizer_phrases
from voice_coach.content import Library


def coach_recognizer(engine: str, intents: Any, library: Library, *, wake_words: Sequence[str],
                     model_path: Path | None = None) -> Recognizer:
    """``engine`` listening for the matcher's phrases (slot values varied), the coach's own words as background."""
    return make_recognizer(engine, phrases=recognizer_phrases(intents), wake_words=wake_words,
                           background=background_text(library), model_path=model_path)
