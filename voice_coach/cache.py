"""The cache folder: files the coach can always make again (expanded intents, a language model), kept to start faster."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from voice_coach.config import APP, xdg_dir


def cache_dir(name: str, env: Mapping[str, str] | None = None) -> Path:
    """<XDG cache folder>/voice-coach/<name>."""
    return xdg_dir("XDG_CACHE_HOME", ".cache", env) / APP / name


def keep_newest(entries: Iterable[Path], keep: int) -> None:
    """Delete all but the ``keep`` most recently modified of ``entries`` (files or folders); errors are ignored."""
    try:
        ordered = sorted(entries, key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in ordered[keep:]:
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
