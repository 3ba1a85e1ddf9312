"""The vosk engine: streaming Kaldi recognition from a model folder, with partial results and grammars."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voice_coach.asr.text import normalise
from voice_coach.audio.format import SPEECH, AudioFormat
from voice_coach.config import wake_phrases
from voice_coach.errors import ModelError

_LOGGER = logging.getLogger(__name__)

_INSTALL_HINT = "install it with `pip install vosk`"
_UNKNOWN = "[unk]"
"""vosk's word for anything outside a grammar (models without it simply ignore it)."""


def _import() -> Any:
    try:
        import vosk
    except ImportError as exc:
        raise ModelError("the vosk engine is not installed", _INSTALL_HINT) from exc
    except OSError as exc:  # the wheel's shared library failed to load
        raise ModelError(f"the vosk library cannot load ({exc})", "reinstall it: `pip install --force-reinstall vosk`") from exc
    # Kaldi logs every model detail to stderr; the user only needs our own one-line messages.
    vosk.SetLogLevel(-1)
    return vosk


def check_model_dir(path: Path) -> None:
    """ModelError unless ``path`` looks like a vosk model folder (am/ and conf/ inside)."""
    if not path.is_dir():
        raise ModelError(f"no vosk model at {path}", "run `voice-coach model fetch` or pass --model PATH")
    if not (path / "am").is_dir() or not (path / "conf").is_dir():
        raise ModelError(f"{path} is not a vosk model folder (no am/ and conf/ inside)",
                         "point --model at the unpacked model folder, or run `voice-coach model fetch`")


@functools.lru_cache(maxsize=2)
def _load_model(model_path: Path) -> Any:
    """One loaded model per folder: loading takes a second and hundreds of megabytes."""
    try:
        return _import().Model(str(model_path))
    except Exception as exc:  # noqa: BLE001 - vosk raises a bare Exception when a model fails to load
        raise ModelError(f"vosk could not load the model at {model_path} ({exc})",
                         "fetch it again with `voice-coach model fetch`") from exc


class VoskRecognizer:
    """vosk with word-level partial results; a grammar swaps in a second recognizer over the same model."""

    def __init__(self, model_path: Path, *, wake_words: Sequence[str] = tuple(wake_phrases()), fmt: AudioFormat = SPEECH) -> None:
        vosk = _import()
        check_model_dir(model_path)
        self._model = _load_model(model_path.resolve())
        self._vosk = vosk
        self._rate = float(fmt.rate)
        self._wake_words = [normalise(w) for w in wake_words]
        try:
            self._full = self._new()
        except Exception as exc:  # noqa: BLE001 - a damaged graph loads as a model but fails here, bare Exception
            raise ModelError(f"vosk could not use the model at {model_path} ({exc})",
                             "fetch it again with `voice-coach model fetch`") from exc
        self._grammars: dict[tuple[str, ...], Any] = {}
        self._active = self._full
        self._done: list[str] = []
        """Text of stretches vosk has already closed itself (it ends an utterance at a long pause)."""

    def _new(self, grammar: list[str] | None = None) -> Any:
        if grammar is None:
            rec = self._vosk.KaldiRecognizer(self._model, self._rate)
        else:
            # ensure_ascii=False: vosk reads the grammar's words literally and would miss "\\uXXXX" escapes.
            rec = self._vosk.KaldiRecognizer(self._model, self._rate, json.dumps(grammar, ensure_ascii=False))
        rec.SetWords(True)
        rec.SetPartialWords(True)
        return rec

    # Recognizer protocol

    def accept(self, chunk: bytes) -> None:
        if self._active.AcceptWaveform(chunk):
            text = _text(self._active.Result(), "text")
            if text:
                self._done.append(text)

    def partial(self) -> str:
        current = _text(self._active.PartialResult(), "partial")
        return " ".join(self._done + ([current] if current else []))

    def final(self) -> str:
        last = _text(self._active.FinalResult(), "text")
        text = " ".join(self._done + ([last] if last else []))
        self._done = []
        return text

    def reset(self) -> None:
        self._active.Reset()
        self._done = []

    def set_grammar(self, phrases: list[str] | None) -> None:
        self.reset()
        if phrases is None:
            self._active = self._full
            return
        key = tuple(phrases)
        if key not in self._grammars:
            grammar = [normalise(p) for p in phrases]
            grammar += [f"{wake} {p}" for wake in self._wake_words for p in grammar] + [_UNKNOWN]
            self._grammars[key] = self._new([g for g in dict.fromkeys(grammar) if g])
        self._active = self._grammars[key]
        self._active.Reset()


def _text(result_json: str, key: str) -> str:
    """The text field of a vosk result ([unk] stays: it marks speech outside the grammar)."""
    return " ".join(str(json.loads(result_json).get(key, "")).split())
