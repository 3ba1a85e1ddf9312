"""Typed text as a recognizer (the ``text`` engine), and the word normalisation every engine shares."""

from __future__ import annotations

import logging
import re

_LOGGER = logging.getLogger(__name__)

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_TOKEN = re.compile(r"\[unk\]|[^\W_]+(?:'[^\W_]+)*")


def number_words(value: int) -> list[str]:
    """0..99 as spoken words (larger numbers are spelled digit by digit, which no command needs)."""
    if value < 20:
        return [_ONES[value]]
    if value < 100:
        tens, ones = divmod(value, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    return [_ONES[int(d)] for d in str(value)]


def spoken_words(phrase: str) -> list[str]:
    """A written phrase as the lower-case words a person would say ("Add 2 minutes!" -> add two minutes)."""
    words: list[str] = []
    for token in _TOKEN.findall(phrase.lower().replace("’", "'")):
        if token.isascii() and token.isdigit():
            words += number_words(int(token))
        else:
            words.append(token)
    return words


def normalise(phrase: str) -> str:
    """``spoken_words`` joined by single spaces."""
    return " ".join(spoken_words(phrase))


class TextRecognizer:
    """Treats each chunk as UTF-8 text: the typed-input engine, and a stand-in where audio is beside the point."""

    def __init__(self) -> None:
        self._words: list[str] = []
        self._grammar: set[str] | None = None

    def accept(self, chunk: bytes) -> None:
        for word in spoken_words(chunk.decode("utf-8", errors="replace")):
            if self._grammar is not None and word not in self._grammar:
                # A restricted grammar cannot produce words outside it; vosk writes such stretches as [unk].
                word = "[unk]"
            self._words.append(word)

    def partial(self) -> str:
        return " ".join(self._words)

    def final(self) -> str:
        text = self.partial()
        self.reset()
        return text

    def reset(self) -> None:
        self._words = []

    def set_grammar(self, phrases: list[str] | None) -> None:
        self._grammar = None if phrases is None else {w for p in phrases for w in spoken_words(p)}
        self.reset()
