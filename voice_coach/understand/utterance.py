"""Work shared while one utterance is read: its clauses and the whole sentence ask for the same words and
scores several times over, so each is worked out once per utterance (and forgotten after it: nothing is
kept between utterances, so each costs what it costs the first time)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

_LOGGER = logging.getLogger(__name__)

_STATE = threading.local()
"""The memo of the utterance being read in this thread, or None between utterances."""


@contextlib.contextmanager
def one_utterance() -> Iterator[None]:
    """Share work while reading one utterance (nested uses join the outer one)."""
    if getattr(_STATE, "memo", None) is not None:
        yield
        return
    _STATE.memo = {}
    try:
        yield
    finally:
        _STATE.memo = None


def memo(kind: str) -> dict[Any, Any] | None:
    """This utterance's memo for one kind of work, or None outside one_utterance."""
    shared: dict[str, dict[Any, Any]] | None = getattr(_STATE, "memo", None)
    return None if shared is None else shared.setdefault(kind, {})
