"""Loading Whisper for the whisper engine: CTranslate2's model, faster-whisper's feature extractor and tokenizer.

``import faster_whisper`` pulls in PyAV (FFmpeg's libraries, to decode audio files), tqdm and huggingface_hub:
0.6-0.8 s and ~20 MB at every start on a busy 2-core machine, for nothing the coach uses (it hands Whisper
16 kHz samples it already has). So the model is CTranslate2's own ``Whisper`` class, built with the arguments
faster-whisper's ``WhisperModel`` gives it, and faster-whisper's two pure modules (feature_extractor.py: numpy
only; tokenizer.py: tokenizers only) are loaded from its installed folder without running its ``__init__``.
``Loaded`` offers the attributes of ``WhisperModel`` the decoder uses (model, hf_tokenizer, feature_extractor,
encode), so decoding is unchanged.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from voice_coach.errors import ModelError

_LOGGER = logging.getLogger(__name__)

INSTALL_HINT = "install it with `pip install 'voice-coach[whisper]'` (or run scripts/setup)"
NOT_INSTALLED = "the whisper engine (faster-whisper) is not installed"


def installed() -> bool:
    """faster-whisper and CTranslate2 are there to import (found, not imported: that is the loader's job)."""
    try:
        return all(importlib.util.find_spec(name) is not None for name in ("faster_whisper", "ctranslate2"))
    except (ImportError, ValueError):
        return False


def _quiet_threads() -> None:
    # CTranslate2's OpenMP threads spin for a while after each decode by default; on two cores that spinning
    # starves the voice that renders the reply. Asleep at once instead (set before the library loads).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("KMP_BLOCKTIME", "0")


def _faster_whisper_module(name: str) -> ModuleType:
    """faster_whisper/<name>.py loaded on its own (it imports no other part of faster-whisper)."""
    qualified = f"voice_coach.asr._faster_whisper_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.find_spec("faster_whisper")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    path = Path(folders[0]) / f"{name}.py" if folders else None
    if path is None or not path.is_file():
        raise ModelError(NOT_INSTALLED, INSTALL_HINT)
    module_spec = importlib.util.spec_from_file_location(qualified, path)
    if module_spec is None or module_spec.loader is None:
        raise ModelError(NOT_INSTALLED, INSTALL_HINT)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[qualified] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[qualified]
        raise
    return module


def import_parts() -> tuple[Any, ModuleType, ModuleType]:
    """(ctranslate2, faster-whisper's feature_extractor module, its tokenizer module); ModelError when missing."""
    _quiet_threads()
    try:
        import ctranslate2
        import tokenizers  # noqa: F401 - the tokenizer module needs it: a missing one is the install hint too

        return ctranslate2, _faster_whisper_module("feature_extractor"), _faster_whisper_module("tokenizer")
    except (ImportError, OSError, SyntaxError) as exc:
        raise ModelError(NOT_INSTALLED, INSTALL_HINT) from exc


@dataclass
class Loaded:
    """A Whisper model ready to decode: what the decoder used of faster-whisper's ``WhisperModel``."""

    model: Any
    """ctranslate2.models.Whisper"""
    hf_tokenizer: Any
    feature_extractor: Any
    tokenizer_module: ModuleType
    _ctranslate2: Any

    def encode(self, features: Any) -> Any:
        """Run the encoder on log-mel features (80 x frames)."""
        import numpy as np

        if features.ndim == 2:
            features = np.expand_dims(features, 0)
        return self.model.encode(self._ctranslate2.StorageView.from_array(np.ascontiguousarray(features)))


def load(model_dir: Path, cpu_threads: int) -> Loaded:
    """The model in ``model_dir`` on the CPU, int8, one worker; ModelError when it will not load."""
    ctranslate2, features, tokenizer = import_parts()
    import tokenizers

    try:
        model = ctranslate2.models.Whisper(str(model_dir), device="cpu", compute_type="int8",
                                           intra_threads=cpu_threads, inter_threads=1)
        hf_tokenizer = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        extractor = features.FeatureExtractor(**_feature_settings(model_dir, features.FeatureExtractor))
    except Exception as exc:  # noqa: BLE001 - any load failure is a bad model: one line, and the caller falls back
        raise ModelError(f"faster-whisper cannot load {model_dir} ({str(exc).splitlines()[0][:120]})",
                         "run `voice-coach model fetch whisper-tiny.en` to get a good copy") from exc
    return Loaded(model, hf_tokenizer, extractor, tokenizer, ctranslate2)


_loads: dict[tuple[Path, int], Future[Loaded]] = {}
_loads_lock = threading.Lock()


def shared(model_dir: Path, cpu_threads: int) -> Loaded:
    """One load per folder for the whole process, whoever asks first (a preload, or the recognizer) does it."""
    key = (model_dir, cpu_threads)
    with _loads_lock:
        pending = _loads.get(key)
        mine = pending is None
        if pending is None:
            pending = _loads[key] = Future()
    if mine:
        try:
            pending.set_result(load(model_dir, cpu_threads))
        except BaseException as exc:  # noqa: BLE001 - kept for whoever waits, and raised to them
            pending.set_exception(exc)
    return pending.result()


def preload(model_dir: Path, cpu_threads: int) -> None:
    """Start loading on a thread of its own now, so the model is ready (or its fault known) when asked for."""
    def run() -> None:
        try:
            shared(model_dir, cpu_threads)
        except Exception as exc:  # noqa: BLE001 - the recognizer meets the same fault and reports it
            _LOGGER.debug("whisper preload failed: %s", exc)

    threading.Thread(target=run, name="whisper-preload", daemon=True).start()


def _feature_settings(model_dir: Path, extractor: Any) -> dict[str, Any]:
    """A model's preprocessor_config.json, as WhisperModel reads it (tiny.en and base.en have none)."""
    path = model_dir / "preprocessor_config.json"
    if not path.is_file():
        return {}
    import inspect
    import json

    config = json.loads(path.read_text(encoding="utf-8"))
    valid = inspect.signature(extractor.__init__).parameters
    return {k: v for k, v in config.items() if k in valid}


def suppressed_tokens(tokenizer: Any) -> list[int]:
    """Tokens Whisper may not write: faster-whisper's ``get_suppressed_tokens(tokenizer, [-1])``."""
    tokens = set(tokenizer.non_speech_tokens)
    tokens.update([tokenizer.transcribe, tokenizer.translate, tokenizer.sot, tokenizer.sot_prev, tokenizer.sot_lm,
                   tokenizer.no_speech])
    return sorted(tokens)
