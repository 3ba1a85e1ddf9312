"""The expanded templates kept on disk between runs, so loading the intents skips expanding them.

Expanding every template and normalising each sentence is most of the time loading takes. The result depends
only on the intent files and on the matcher's code, so it is kept under the XDG cache folder, named by a hash
of both: change a file (or the code) and the name changes, the sentences are expanded again and the new
result is kept. The file holds plain data only (marshal: lists, tuples, strings), never code. Anything wrong
with it (missing, cut short, written by another Python) means expanding again; failing to write it is no error.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import voice_coach
from voice_coach.cache import cache_dir as _cache_dir
from voice_coach.cache import keep_newest

_LOGGER = logging.getLogger(__name__)

FORMAT = 1
"""Raise when what is kept changes shape."""
KEEP = 8
"""Cache files kept at most (one per set of intent files: checkouts and tests each have their own)."""
_CODE = Path(__file__).resolve().parent

Expanded = tuple[dict[str, list[tuple[str, ...]]], list[str], list[str]]
"""(every template's sentences per intent as written, the sentences as scored, the intent of each)."""


def cache_dir() -> Path:
    """<XDG cache folder>/voice-coach/intents."""
    return _cache_dir("intents")


def key(files: Iterable[tuple[str, str]]) -> str | None:
    """Hash of the intent files (name and text, in load order) and of the matcher's code; None (no caching)
    when the code's source cannot be read (an install without .py files)."""
    sources = sorted(_CODE.glob("*.py"))
    if not sources:
        return None
    digest = hashlib.sha256(f"{FORMAT} {sys.version_info[:2]} {marshal.version} {voice_coach.__version__}".encode())
    for name, text in files:
        digest.update(f"\0file {name}\0".encode())
        digest.update(text.encode("utf-8"))
    for source in sources:
        digest.update(f"\0code {source.name}\0".encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def read(name: str) -> Expanded | None:
    """The kept expansion for this key, or None (not kept yet, or unreadable)."""
    path = cache_dir() / f"{name}.marshal"
    try:
        stored, raw, choices, intents = marshal.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, TypeError) as exc:
        _LOGGER.debug("intent cache %s unreadable (%s): expanding again", path, exc)
        return None
    if stored != name or not (isinstance(raw, dict) and isinstance(choices, list) and isinstance(intents, list)
                              and len(choices) == len(intents)):
        _LOGGER.debug("intent cache %s does not match: expanding again", path)
        return None
    return raw, choices, intents


def write(name: str, expanded: Expanded) -> None:
    """Keep the expansion under this key (written whole, then renamed: a reader never sees half a file)."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=folder, prefix=".intents-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(marshal.dumps((name, *expanded)))
            os.replace(tmp, folder / f"{name}.marshal")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        keep_newest(folder.glob("*.marshal"), KEEP)
    except (OSError, ValueError) as exc:
        _LOGGER.debug("intent cache not written to %s: %s", folder, exc)
