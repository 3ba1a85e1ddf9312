"""pocketsphinx's language model for the coach's phrases, built once and kept in the cache folder.

Building it (a trigram model of ~60,000 sentences, in pocketsphinx's pure-Python ArpaBoLM, and a lean
pronouncing dictionary) took 1.5-3 s of every start on a busy 2-core machine; loading the kept files takes
~0.1 s. An entry is named by a hash of everything the files are made from (the sentences, the background
words, pocketsphinx's dictionary, this module's format), so changed phrases or content simply make a new
entry; the least recently used beyond MAX_ENTRIES are deleted. A damaged entry is rebuilt by the caller.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from voice_coach.cache import cache_dir, keep_newest

_LOGGER = logging.getLogger(__name__)

FORMAT = "lm-cache-1"
"""Change when what goes into the files changes (discounting, how the dictionary is cut, ...)."""
MAX_ENTRIES = 6
DICT_FILE = "lean.dict"
ARPA_FILE = "domain.arpa"


@dataclass(frozen=True)
class Entry:
    """The kept files of one language model."""

    folder: Path

    @property
    def dictionary(self) -> Path:
        return self.folder / DICT_FILE

    @property
    def arpa(self) -> Path:
        return self.folder / ARPA_FILE


def cache_root(env: Mapping[str, str] | None = None) -> Path:
    return cache_dir("pocketsphinx", env)


def key_of(sentences: Iterable[str], background: Iterable[str], full_dictionary: str) -> str:
    """A name for the model made of ``sentences`` (weights kept: repeats count) and ``background`` words."""
    digest = hashlib.sha256()
    try:
        stat = os.stat(full_dictionary)
        source = f"{full_dictionary}|{stat.st_size}|{stat.st_mtime_ns}"
    except OSError:
        source = full_dictionary
    digest.update(f"{FORMAT}\n{source}\n".encode())
    for part in ("\n".join(sentences), "\x00", "\n".join(sorted(set(background)))):
        digest.update(part.encode("utf-8"))
    return digest.hexdigest()[:32]


def lookup(key: str, env: Mapping[str, str] | None = None) -> Entry | None:
    """The kept files for ``key`` (marked as just used), or None."""
    entry = Entry(cache_root(env) / key)
    if not (entry.dictionary.is_file() and entry.arpa.is_file()):
        return None
    try:
        os.utime(entry.folder)
    except OSError:
        pass
    return entry


def store(key: str, dictionary: str, arpa: str, env: Mapping[str, str] | None = None) -> Entry | None:
    """Keep the files for ``key`` (written aside, then renamed into place); None when the cache cannot be written."""
    root = cache_root(env)
    target = root / key
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
        try:
            (staging / DICT_FILE).write_text(dictionary, encoding="utf-8")
            (staging / ARPA_FILE).write_text(arpa, encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        _LOGGER.debug("cannot keep the language model in %s: %s", root, exc)
        return None
    _prune(root, keep=target)
    return Entry(target)


def discard(entry: Entry) -> None:
    """Delete a damaged entry."""
    shutil.rmtree(entry.folder, ignore_errors=True)


def _prune(root: Path, keep: Path) -> None:
    try:
        others = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p != keep]
    except OSError:
        return
    keep_newest(others, MAX_ENTRIES - 1)
