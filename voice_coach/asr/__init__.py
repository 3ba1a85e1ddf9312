"""Speech recognizers: one small protocol, one engine per module, engine libraries imported lazily."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from voice_coach.audio.format import SPEECH, AudioFormat
from voice_coach.config import ENGINES as SETTINGS_ENGINES
from voice_coach.config import wake_phrases
from voice_coach.errors import ModelError, UsageError

ENGINES = tuple(engine for engine in SETTINGS_ENGINES if engine != "auto")
"""The engines a recognizer can be made for (the settings also allow "auto": the best one installed)."""
"""Engine names accepted by ``make_recognizer`` and ``--engine``."""


class Recognizer(Protocol):
    """Streaming speech to text: feed chunks, peek at the partial text, take the final text."""

    def accept(self, chunk: bytes) -> None:
        """Feed audio in the recognizer's format (SPEECH unless told otherwise)."""
        ...

    def partial(self) -> str:
        """Best guess so far for the current utterance ("" when nothing yet)."""
        ...

    def final(self) -> str:
        """End the utterance: return its text and start afresh."""
        ...

    def reset(self) -> None:
        """Drop the current utterance without a result."""
        ...

    def set_grammar(self, phrases: list[str] | None) -> None:
        """None: the full vocabulary; a list: only these phrases (anything else comes out as nothing/[unk])."""
        ...


def make_recognizer(
    engine: str,
    *,
    phrases: Sequence[str] = (),
    wake_words: Sequence[str] = tuple(wake_phrases()),
    background: Sequence[str] = (),
    model_path: Path | None = None,
    fmt: AudioFormat = SPEECH,
) -> Recognizer:
    """Build a recognizer.

    ``phrases`` are the sentences the coach understands (the matcher's examples); pocketsphinx builds its
    language model from them, with the words of ``background`` (other text, such as the coach's own
    content) as low-weight extras that soak up speech which is not a command. ``model_path`` is the vosk
    model folder (or the whisper model folder). Raises ModelError with an install hint when the engine's library or model is missing.
    """
    if engine == "pocketsphinx":
        from voice_coach.asr.pocketsphinx import PocketsphinxRecognizer

        return PocketsphinxRecognizer(phrases, wake_words=wake_words, fmt=fmt, background=background)
    if engine == "vosk":
        if model_path is None:
            raise ModelError("the vosk engine needs a model folder", "run `voice-coach model fetch` or pass --model PATH")
        from voice_coach.asr.vosk import VoskRecognizer

        return VoskRecognizer(model_path, wake_words=wake_words, fmt=fmt)
    if engine == "whisper":
        from voice_coach.asr.whisper import WhisperRecognizer
        from voice_coach.speech_models.whisper import find_whisper_model

        folder = model_path if model_path is not None else find_whisper_model().path
        return WhisperRecognizer(folder, phrases=phrases, wake_words=wake_words, fmt=fmt, background=background)
    if engine == "text":
        from voice_coach.asr.text import TextRecognizer

        return TextRecognizer()
    raise UsageError(f"unknown speech engine {engine!r}", f"use one of: {', '.join(ENGINES)}")


__all__ = ["ENGINES", "Recognizer", "make_recognizer"]
