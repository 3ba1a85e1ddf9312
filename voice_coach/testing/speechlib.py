"""Test helper: transcribe speech with pocketsphinx's bundled US-English model; score word recall."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

from voice_coach.audio.format import SPEECH, convert


@lru_cache(maxsize=1)
def _decoder() -> Any:
    from pocketsphinx import Decoder

    # Default config = the general US-English acoustic model, language model and dictionary.
    return Decoder(samprate=SPEECH.rate, loglevel="FATAL")


def transcribe(samples: np.ndarray, rate: int) -> str:
    """What pocketsphinx's general English model hears in ``samples`` (mono, ``rate`` Hz)."""
    # A moment of quiet around the speech, as a recognizer would hear between utterances.
    pad = np.zeros(int(0.3 * rate), dtype=np.int16)
    pcm = convert(np.concatenate([pad, np.asarray(samples, dtype=np.int16), pad]), rate, SPEECH)
    decoder = _decoder()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes kept ("what's")."""
    return re.findall(r"[a-z]+(?:'[a-z]+)?", text.lower())


def word_recall(reference: str, hypothesis: str) -> float:
    """Share of the reference's words found in the hypothesis (each heard word counts once)."""
    ref = words(reference)
    heard = words(hypothesis)
    found = 0
    for word in ref:
        if word in heard:
            heard.remove(word)
            found += 1
    return found / len(ref) if ref else 1.0
