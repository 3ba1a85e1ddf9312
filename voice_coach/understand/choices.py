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
CHECK_COST = 80
"""Scoring a sentence costs about as much as checking the letter counts of this many characters times sentences."""
_MARGIN = 0.01
"""Points below the floor a letter-count bound must fall before a sentence is left out (float rounding)."""


def index_key(word: str) -> str:
    """What a word is indexed by: its first letters, so "slowly" meets "slower" and "slow"."""
    return word[:INDEX_KEY_LETTERS]


class ChoiceTable:
    """Sentences (sorted words, joined) and the intent of each, shortest first (see `build`)."""

    def __init__(self, choices: list[str], names: list[str], pairs: np.ndarray, keys: dict[int, str],
                 letters: dict[str, tuple[int, int]], planes: np.ndarray) -> None:
        self.choices = choices
        self.names = names
        self.lengths = [len(c) for c in choices]
        self._texts = np.array(choices, dtype=object)
        self._sizes = np.array(self.lengths, dtype=np.float64)
        self._pairs, self._keys = pairs, keys  # (key code, position) of every indexed word, ascending
        starts = np.flatnonzero(np.diff(pairs[:, 0])) + 1 if len(pairs) else np.zeros(0, dtype=np.int64)
        rows = np.split(np.ascontiguousarray(pairs[:, 1]), starts) if len(pairs) else []
        self.index: dict[str, np.ndarray] = {keys[k]: r for k, r in zip(pairs[np.r_[0, starts], 0].tolist(), rows)} \
            if len(pairs) else {}
        """Word key (see index_key) -> positions of the sentences that use such a word, ascending."""
        self._letters, self._planes = letters, planes
        self._scaled_by: tuple[float, np.ndarray] = (0.0, self._sizes * 0.0)

    @classmethod
    def build(cls, choices: list[str], names: list[str]) -> ChoiceTable:
        """The table of sentences (each its words sorted and joined) and their intents, shortest first."""
        order = sorted(range(len(choices)), key=lambda i: len(choices[i]))
        choices, names = [choices[i] for i in order], [names[i] for i in order]
        letters, column, sizes = _characters(choices)
        keys, pairs = _word_keys(letters, column, sizes)
        return cls(choices, names, pairs, keys, *_planes(letters, _letter_counts(column, sizes, len(letters))))

    def subset(self, names: set[str] | frozenset[str], keep: bool = True) -> ChoiceTable:
        """The sentences of these intents (or, with keep=False, of all others), in the same order."""
        mask = np.array([(name in names) == keep for name in self.names], dtype=bool)
        kept = np.flatnonzero(mask)
        position = np.cumsum(mask) - 1
        pairs = self._pairs[mask[self._pairs[:, 1]]]
        pairs = np.stack([pairs[:, 0], position[pairs[:, 1]]], axis=1)
        rows = kept.tolist()
        return ChoiceTable([self.choices[i] for i in rows], [self.names[i] for i in rows], pairs, self._keys,
                           self._letters, self._planes[:, kept])

    def candidates(self, text: str, keys: set[str] | None,
                   floor: float) -> tuple[Sequence[int] | np.ndarray, list[str]]:
        """(positions, sentences) that may score `floor` against `text`, in table order.

        With `keys`, only sentences using a word of one of those keys.
        """
        share = floor / (200.0 - floor)
        lo = bisect.bisect_left(self.lengths, math.floor(len(text) * share))
        hi = bisect.bisect_right(self.lengths, math.ceil(len(text) / share))
        if keys is None:
            if hi - lo <= COUNTED_OVER:
                return range(lo, hi), self.choices[lo:hi]
            rows = np.flatnonzero(self._may_reach(text, floor, lo, hi)) + lo
        else:
            used = np.zeros(max(0, hi - lo), dtype=bool)
            for key in keys:
                at = self.index.get(key)
                if at is not None:
                    used[at[at.searchsorted(lo):at.searchsorted(hi)] - lo] = True
            if np.count_nonzero(used) > max(COUNTED_OVER, (hi - lo) * len(text) // CHECK_COST):
                # checking the letters of every sentence in range costs less than scoring these
                used &= self._may_reach(text, floor, lo, hi)
            rows = np.flatnonzero(used) + lo
        return rows, self._texts[rows].tolist()  # (positions stay an array: only the best few are looked up)

    def _may_reach(self, text: str, floor: float, lo: int, hi: int) -> np.ndarray:
        """Mask of the sentences lo..hi whose characters shared with `text` (counted with repeats) could give `floor`.

        A character said q times is shared min(q, c) times with a sentence holding it c times: the sum of
        [c >= t] for t = 1..q, the rows of the planes table, so the bound is a sum of rows."""
        planes: list[int] = []
        for char, said in Counter(text).items():
            first, most = self._letters.get(char, (0, 0))
            planes.extend(range(first, first + min(said, most)))
        counted = np.uint8 if len(planes) <= np.iinfo(np.uint8).max else np.uint16
        shared = self._planes[planes, lo:hi].view(np.uint8).sum(axis=0, dtype=counted)
        share = (floor - _MARGIN) / 200.0
        return shared >= share * len(text) + self._scaled(share)[lo:hi]

    def _scaled(self, share: float) -> np.ndarray:
        """Each sentence's length times `share` (kept: scoring always asks with the same floor)."""
        if self._scaled_by[0] != share:
            self._scaled_by = (share, share * self._sizes)
        return self._scaled_by[1]


def _characters(choices: list[str]) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """(number of each character used, the number of each character of the sentences one after
    another, the length of each sentence)."""
    codes = np.frombuffer("".join(choices).encode("utf-32-le"), dtype=np.uint32)
    sizes = np.array([len(c) for c in choices], dtype=np.int64)
    if not len(codes):
        return {}, np.zeros(0, dtype=np.int64), sizes
    present = np.flatnonzero(np.bincount(codes))
    number = np.zeros(int(present[-1]) + 1, dtype=np.int64)
    number[present] = np.arange(len(present))
    return {chr(code): i for i, code in enumerate(present.tolist())}, number[codes], sizes


def _letter_counts(column: np.ndarray, sizes: np.ndarray, letters: int) -> np.ndarray:
    """How often each character is in each sentence: a row per character, a column per sentence."""
    sentence = np.repeat(np.arange(len(sizes)), sizes)
    counts = np.bincount(column * len(sizes) + sentence, minlength=len(sizes) * letters)
    return counts.reshape(letters, len(sizes))


def _planes(numbers: dict[str, int], counts: np.ndarray) -> tuple[dict[str, tuple[int, int]], np.ndarray]:
    """({character: (its first plane, how many)}, planes): plane t of a character marks the sentences that
    hold it at least t times, for t = 1 up to the most any sentence holds."""
    letters: dict[str, tuple[int, int]] = {}
    rows: list[np.ndarray] = []
    for char, number in numbers.items():
        most = int(counts[number].max(initial=0))
        letters[char] = (len(rows), most)
        rows.extend(counts[number] >= t for t in range(1, most + 1))
    return letters, np.array(rows, dtype=bool).reshape(len(rows), counts.shape[1])


def _word_keys(letters: dict[str, int], column: np.ndarray, sizes: np.ndarray) -> tuple[dict[int, str], np.ndarray]:
    """({key code: index key}, (key code, sentence) of every word of the sentences, each pair once, ascending).

    A word's key (its first INDEX_KEY_LETTERS characters) is coded as a number, character by character.
    No sentence is empty, none starts or ends with a space or has two together (they are words joined)."""
    if not len(column):
        return {}, np.zeros((0, 2), dtype=np.int64)
    base = len(letters) + 1
    ends = np.cumsum(sizes)
    spaces = np.flatnonzero(column == letters.get(" ", -1))
    starts = _sorted_once(np.concatenate([ends - sizes, spaces + 1]))
    stops = _sorted_once(np.concatenate([spaces, ends]))
    word_end = stops[np.searchsorted(stops, starts, side="right")]
    code = np.zeros(len(starts), dtype=np.int64)
    for offset in reversed(range(INDEX_KEY_LETTERS)):
        at = starts + offset
        code = code * base + np.where(at < word_end, column[np.minimum(at, len(column) - 1)] + 1, 0)
    sentence = np.repeat(np.arange(len(sizes)), sizes)[starts]
    flat = _sorted_once(code * len(sizes) + sentence)
    pairs = np.stack([flat // len(sizes), flat % len(sizes)], axis=1)
    chars = {i + 1: c for c, i in letters.items()}
    keys = {}
    for value in _sorted_once(pairs[:, 0]).tolist():
        key, rest = "", value
        while rest:
            key, rest = key + chars[rest % base], rest // base
        keys[value] = key
    return keys, pairs


def _sorted_once(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (np.unique, without its cost)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values
