"""Text normalisation for matching: case, contractions, punctuation, recogniser slips, wake words, fillers."""

from __future__ import annotations

import logging
import operator
import re
import unicodedata
from collections.abc import Iterable, Sequence

from voice_coach.understand import utterance

_LOGGER = logging.getLogger(__name__)

MAX_CHARS = 300
"""Longer input is cut here before anything else: a command is never this long, and fuzzy scoring
costs grow with length."""

_CONTRACTIONS = [
    (re.compile(r"\bcan't\b"), "can not"), (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bshan't\b"), "shall not"), (re.compile(r"\blet's\b"), "let us"),
    (re.compile(r"n't\b"), " not"), (re.compile(r"'re\b"), " are"), (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'ve\b"), " have"), (re.compile(r"'m\b"), " am"), (re.compile(r"'d\b"), " would"),
    (re.compile(r"'s\b"), " is"),
]
# Contractions as recognisers write them, without the apostrophe.
_BARE_CONTRACTIONS: dict[str, str] = {
    "whats": "what is", "thats": "that is", "lets": "let us", "im": "i am", "dont": "do not",
    "cant": "can not", "cannot": "can not", "wont": "will not", "didnt": "did not", "doesnt": "does not",
    "isnt": "is not", "arent": "are not", "youre": "you are", "theyre": "they are", "ive": "i have",
    "id": "i would", "ill": "i will", "itll": "it will", "shes": "she is", "hes": "he is",
    "weve": "we have", "wasnt": "was not", "couldnt": "could not", "wouldnt": "would not",
    "shouldnt": "should not", "havent": "have not", "hasnt": "has not", "whos": "who is",
    "theres": "there is", "heres": "here is", "hows": "how is", "wheres": "where is",
    "gonna": "going to", "wanna": "want to", "gotta": "got to", "kinda": "kind of", "sorta": "sort of",
    "youve": "you have", "youll": "you will", "weren't": "were not", "werent": "were not",
    "hadnt": "had not", "aint": "is not", "yall": "you all", "wouldve": "would have",
}
_NON_WORD_RE = re.compile(r"[^a-z0-9.' ]+")
_DOT_RE = re.compile(r"(?<![0-9])\.|\.(?![0-9])")


def sorted_words(words: Sequence[str]) -> str:
    """Words sorted and joined: comparing these is rapidfuzz's token_sort_ratio without re-sorting choices."""
    return " ".join(sorted(words))


class PhraseMap:
    """Finds known word sequences in a list of words, longest first, left to right."""

    def __init__(self, phrases: Iterable[tuple[Sequence[str], object]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], object]]] = {}
        for words, value in phrases:
            key = tuple(words)
            if key:
                self._by_first.setdefault(key[0], []).append((key, value))
        for entries in self._by_first.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        self.max_len = max((len(k) for e in self._by_first.values() for k, _ in e), default=0)
        keys = [k for e in self._by_first.values() for k, _ in e]
        self.singles = frozenset(k[0] for k in keys if len(k) == 1)
        self.pairs = frozenset(k[:2] for k in keys if len(k) > 1)
        """A phrase can only start where a one-word phrase is, or the first two words of a longer one."""

    def match_at(self, words: Sequence[str], i: int) -> tuple[int, object] | None:
        """(length, value) of the longest known phrase starting at word i."""
        for key, value in self._by_first.get(words[i], ()):
            if tuple(words[i:i + len(key)]) == key:
                return len(key), value
        return None

    def may_match(self, words: Sequence[str]) -> bool:
        """False when no known phrase can be in `words` (a quick test before scanning them)."""
        return not self.singles.isdisjoint(words) or (
            bool(self.pairs) and not self.pairs.isdisjoint(zip(words, words[1:])))

    def find_all(self, words: Sequence[str]) -> list[tuple[int, int, object]]:
        """Non-overlapping (start, end, value) hits, longest first at each position."""
        hits: list[tuple[int, int, object]] = []
        if not self.may_match(words):
            return hits
        by_first = self._by_first
        i = 0
        while i < len(words):
            hit = self.match_at(words, i) if words[i] in by_first else None
            if hit:
                hits.append((i, i + hit[0], hit[1]))
                i += hit[0]
            else:
                i += 1
        return hits


def basic_words(text: str) -> list[str]:
    """Lower-case words with accents, punctuation and contractions resolved."""
    text = text[:MAX_CHARS]
    if not text.isascii():  # (decomposing changes nothing in plain ASCII)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.lower().replace("`", "'")
    text = _NON_WORD_RE.sub(" ", text)
    if "'" in text:  # every contraction has an apostrophe
        for pattern, repl in _CONTRACTIONS:
            text = pattern.sub(repl, text)
    text = _DOT_RE.sub(" ", text.replace("'", ""))
    words: list[str] = []
    for word in text.split():
        words.extend(_BARE_CONTRACTIONS.get(word, word).split())
    return words


class Normalizer:
    """Turns raw text into the canonical words that templates are written in."""

    def __init__(self, replace: dict[str, list[str]], drop: list[str], drop_leading: list[str] | None = None) -> None:
        pairs: list[tuple[list[str], object]] = []
        for canonical, variants in replace.items():
            for variant in variants:
                pairs.append((basic_words(variant), tuple(basic_words(canonical))))
        self._replace = PhraseMap(pairs)
        self._drop = PhraseMap((self.words(phrase), True) for phrase in drop)
        self._leading = PhraseMap((self.words(phrase), True) for phrase in drop_leading or [])
        self._pairs = self._drop.pairs | self._leading.pairs
        self._first_singles = self._drop.singles | self._leading.singles
        """Dropped first words: a one-word filler, or a one-word lead-in, before anything is kept."""

    def words(self, text: str) -> list[str]:
        """Words with contractions, spelling variants and known recogniser slips resolved."""
        memo = utterance.memo("words")
        if memo is None:
            return self.canonical(basic_words(text))
        key = (id(self), text)
        if key not in memo:
            memo[key] = self.canonical(basic_words(text))
        return list(memo[key])

    def canonical(self, words: list[str]) -> list[str]:
        """Apply the replacement table to words; a word said twice in a row counts once ("wait wait")."""
        if not self._replace.may_match(words) and not any(map(operator.eq, words, words[1:])):
            return list(words)  # nothing to replace, no word said twice: most sentences
        by_first = self._replace._by_first
        out: list[str] = []
        i = 0
        while i < len(words):
            if i and words[i] == words[i - 1]:
                i += 1
                continue
            hit = self._replace.match_at(words, i) if words[i] in by_first else None
            if hit:
                out.extend(hit[1])  # type: ignore[arg-type]
                i += hit[0]
            else:
                out.append(words[i])
                i += 1
        return out

    def drop(self, words: Sequence[str]) -> list[str]:
        """Words without fillers, politeness and small words, which carry no intent."""
        if self._pairs.isdisjoint(zip(words, words[1:])):  # only one-word phrases can be there: most sentences
            start = 0
            while start < len(words) and words[start] in self._first_singles:
                start += 1
            return [w for w in words[start:] if w not in self._drop.singles]
        leading, dropped = self._leading._by_first, self._drop._by_first
        out: list[str] = []
        i = 0
        while i < len(words):
            word = words[i]
            hit = self._leading.match_at(words, i) if not out and word in leading else None
            if hit:
                i += hit[0]
                continue
            hit = self._drop.match_at(words, i) if word in dropped else None
            if hit:
                i += hit[0]
            else:
                out.append(word)
                i += 1
        return out
