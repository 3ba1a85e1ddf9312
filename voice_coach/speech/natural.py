"""Natural engine: the hibari-tts neural voice (its default voice ships inside the wheel)."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
from typing import Any

import numpy as np

from voice_coach.audio.format import to_mono_int16
from voice_coach.errors import SpeechError
from voice_coach.speech.types import Rendered, VoiceSettings

_LOGGER = logging.getLogger(__name__)

INSTALL_HINT = "install the natural voice: pip install 'voice-coach[natural]' (or pip install hibari-tts)"


def natural_available() -> bool:
    """True when hibari-tts can be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec("hibari") is not None
    except (ImportError, ValueError):
        return False


def _session_without_arena(model_path: str, threads: int) -> Any:
    """hibari's model in an onnxruntime session that frees what each sentence needed.

    With onnxruntime's default memory arena every new longest sentence grows the arena for good
    (about 25 MB over a few hundred replies); without it memory stays flat at the same speed.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = threads
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    return ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])


def _hibari_without_arena(hibari: Any, threads: int) -> Any:
    """``Hibari(threads=threads)`` (its default voice) holding one session, made by ``_session_without_arena``.

    Hibari's constructor makes a session with the arena, which then had to be replaced: the model was loaded
    twice at every start (~0.3 s and ~15 MB). Its attributes are set here as its constructor sets them
    (hibari 0.2; tests/test_voice.py renders with it); should that fail, the constructor is used after all.
    """
    from hibari import tts

    try:
        engine = hibari.__new__(hibari)
        engine.voice = tts.DEFAULT
        engine.model_path = tts.voice_path(tts.DEFAULT)
        with open(os.path.join(tts.ASSETS, "vocab.json"), encoding="utf-8") as vocab:
            engine.vocab = json.load(vocab)
        engine._g2p = None
        engine.sess = _session_without_arena(engine.model_path, threads)
        return engine
    except (AttributeError, OSError, ValueError) as exc:
        _LOGGER.debug("hibari built by its constructor (%s)", exc)
    engine = hibari(threads=threads)
    engine.sess = _session_without_arena(engine.model_path, threads)
    return engine


class NaturalEngine:
    """Renders text with hibari's bundled American voice, in this process (~100x real time)."""

    name = "natural"

    def __init__(self, threads: int = 1) -> None:
        try:
            from hibari import Hibari
        except ImportError as exc:
            raise SpeechError(f"the natural voice is not installed ({exc})", fix=INSTALL_HINT) from None
        try:
            self._tts: Any = _hibari_without_arena(Hibari, threads)
            # The first call loads the pronunciation lexicons (~0.2 s); pay that now, not on the first reply.
            self._tts("Ready.")
        except Exception as exc:  # any load failure means "can't speak this way": the caller falls back
            raise SpeechError(f"the natural voice failed to load: {exc!r}", fix=INSTALL_HINT) from None
        self.rate = int(self._tts.sample_rate)
        _LOGGER.debug("hibari voice %s loaded (%d Hz)", self._tts.voice, self.rate)

    def render(self, text: str, settings: VoiceSettings) -> Rendered:
        """Text as audio: hibari's own speed control (pitch kept), volume by scaling."""
        settings = settings.clamped()
        try:
            audio = np.asarray(self._tts(text, speed=settings.rate), dtype=np.float32)
        except Exception as exc:  # a failed synthesis is a speech failure; the caller falls back
            raise SpeechError(f"the natural voice failed: {exc!r}", fix=INSTALL_HINT) from None
        return Rendered(samples=to_mono_int16(audio * settings.volume), rate=self.rate)

    def close(self) -> None:
        self._tts = None
