"""Keep a long-running coach's memory flat: large short-lived buffers go back to the system when freed."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from typing import Any

_LOGGER = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3
"""glibc's mallopt() parameter number for the size from which an allocation gets its own mapping."""
MMAP_THRESHOLD_BYTES = 256 * 1024
"""Rendered speech, audio blocks and model outputs are mostly larger than this."""


def keep_memory_flat() -> bool:
    """Fix glibc's mmap threshold so big buffers are unmapped when freed; True when applied.

    glibc raises the threshold each time a large mapped block is freed, after which buffers of that size
    come from the heap and leave it fragmented: a coach that renders hundreds of replies grew by tens of
    megabytes that way. Elsewhere (macOS, Windows, musl) this does nothing.
    """
    mallopt = _libc("mallopt")
    if mallopt is None:
        return False
    applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    _LOGGER.debug("mmap threshold fixed at %d bytes: %s", MMAP_THRESHOLD_BYTES, applied)
    return applied


def give_back_free_memory() -> bool:
    """Return the heap's free pages to the system (glibc's malloc_trim): after start-up, whose passing
    structures (content, intents, the recognizer's phrases) would otherwise stay counted in the resident size
    under the voice and the models loaded next. True when done."""
    trim = _libc("malloc_trim")
    if trim is None:
        return False
    return bool(trim(0))


def _libc(function: str) -> Any:
    """The C library's ``function``, or None where there is no such C library or function (not glibc)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), function, None) if name else None
    except OSError:
        return None
