"""The expanded templates as one dialogue state scores them: shortest first, indexed by word, with letter counts.

Scoring compares an utterance with thousands of sentences; this table hands it only those that could reach
the score floor. Two bounds, both exact (a sentence left out could never have scored the floor):
rapidfuzz's ratio is 200 * common / (len a + len b), where `common` (the longest common subsequence) is at most
the shorter length, and at most the letters the two share, counted with repeats.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

_LOGGER = logging.getLogger(__name__)

INDEX_KEY_LETTERS = 4
"""Letters of a word that its index key keeps."""
COUNTED_OVER = 300
"""Candidates beyond this many are first checked by their letter counts (cheaper than scoring them all)."""
_MARGIN = 0.01
"""Points below the floor a letter-count bound must fall before a sentence is left out (float rounding)."""


def index_key(word: str) -> str:
    """What a word is indexed by: its first letters, so "slowly" meets "slower" and "slow"."""
    return word[:INDEX_KEY_LETTERS]


class ChoiceTable:
    """Sentences (sorted words, joined) and the intent of each, shortest first."""

    def __init__(self, choices: list[str], names: list[str]) -> None:
        self.choices = choices
        self.names = names
        self.lengths = [len(c) for c in choices]
        self._texts = np.array(choices, dtype=object)
        index: dict[str, list[int]] = {}
        for i, choice in enumerate(choices):
            for key in {w[:INDEX_KEY_LETTERS] for w in choice.split()}:
                index.setdefault(key, []).append(i)
        self.index: dict[str, np.ndarray] = {key: np.array(rows, dtype=np.int32) for key, rows in index.items()}
        """Word key (see index_key) -> positions of the sentences that use such a word, ascending."""
        self._letters, self._by_letter = _letter_counts(choices)
        self._sizes = np.array(self.lengths, dtype=np.float64)

    def candidates(self, text: str, keys: set[str] | None, floor: float) -> tuple[Sequence[int], list[str]]:
        """(positions, sentences) that may score `floor` against `text`, in table order.

        With `keys`, only sentences using a word of one of those keys.
        """
        share = floor / (200.0 - floor)
        lo = bisect.bisect_left(self.lengths, math.floor(len(text) * share))
        hi = bisect.bisect_right(self.lengths, math.ceil(len(text) / share))
        if keys is None:
            if hi - lo <= COUNTED_OVER:
                return range(lo, hi), self.choices[lo:hi]
            rows = np.flatnonzero(self._may_reach(text, floor, slice(lo, hi))) + lo
        else:
            used = np.zeros(max(0, hi - lo), dtype=bool)
            for key in keys:
                rows = self.index.get(key)
                if rows is not None:
                    used[rows[np.searchsorted(rows, lo):np.searchsorted(rows, hi)] - lo] = True
            rows = np.flatnonzero(used) + lo
            if len(rows) > COUNTED_OVER:
                rows = rows[self._may_reach(text, floor, rows)]
        return rows.tolist(), self._texts[rows].tolist()

    def _may_reach(self, text: str, floor: float, rows: slice | np.ndarray) -> np.ndarray:
        """Mask of the rows whose characters shared with `text` (counted with repeats) could give `floor`."""
        said = Counter(text)
        cols = [self._letters[c] for c in said if c in self._letters]
        sizes = self._sizes[rows]
        if not cols:
            return np.zeros(len(sizes), dtype=bool)
        wanted = np.array([said[c] for c in said if c in self._letters], dtype=self._by_letter.dtype)
        shared = np.minimum(self._by_letter[cols][:, rows], wanted[:, None]).sum(axis=0, dtype=np.int32)
        return shared >= (floor - _MARGIN) / 200.0 * (len(text) + sizes)


def _letter_counts(choices: list[str]) -> tuple[dict[str, int], np.ndarray]:
    """(row of each character, how often each character is in each sentence: a row per character)."""
    if not choices:
        return {}, np.zeros((0, 0), dtype=np.uint8)
    codes = np.frombuffer("".join(choices).encode("utf-32-le"), dtype=np.uint32)
    alphabet, column = np.unique(codes, return_inverse=True)
    sentence = np.repeat(np.arange(len(choices)), [len(c) for c in choices])
    counts = np.bincount(column * len(choices) + sentence, minlength=len(choices) * len(alphabet))
    letters = {chr(code): i for i, code in enumerate(alphabet.tolist())}
    dtype = np.uint8 if counts.max() <= np.iinfo(np.uint8).max else np.uint16
    return letters, counts.reshape(len(alphabet), len(choices)).astype(dtype)
