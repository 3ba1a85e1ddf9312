"""Spoken amounts of time ("three minutes", "a couple of minutes", "ninety seconds") as minutes."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

_LOGGER = logging.getLogger(__name__)

_SMALL: dict[str, int] = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
# Vague amounts people use for time.
_VAGUE: dict[tuple[str, ...], float] = {
    ("a", "couple", "of"): 2, ("a", "couple"): 2, ("couple", "of"): 2, ("couple",): 2,
    ("a", "few"): 3, ("few",): 3, ("several",): 3, ("a", "handful", "of"): 3,
}
_UNIT_MINUTES: dict[str, float] = {
    "minute": 1, "minutes": 1, "min": 1, "mins": 1, "minits": 1, "minuts": 1,
    "second": 1 / 60, "seconds": 1 / 60, "sec": 1 / 60, "secs": 1 / 60,
    "hour": 60, "hours": 60, "hr": 60, "hrs": 60,
}
# Words a recogniser writes for a number, trusted only right before a unit ("for minutes").
_HOMOPHONES: dict[str, int] = {"for": 4, "fore": 4, "to": 2, "too": 2, "won": 1, "tree": 3, "free": 3, "ate": 8}
# Between a number and its unit: "two more minutes", "one extra minute".
_MIDDLE = {"more", "extra", "additional", "whole", "full", "long", "short"}
_UNIT_OR_MIDDLE = set(_UNIT_MINUTES) | _MIDDLE
# After a bare number (no unit), these words still make it an amount of time: "ten each", "three no five".
_BARE_FOLLOW = {"each", "more", "apiece", "per", "please", "no", "or", "sorry", "i", "actually", "wait",
                "make", "and", "then", "for", "a", "on", "okay", "ok", "rather", "extra"}
# Before a lone "minute", these make it no amount ("the last minute", "this minute").
_NOT_ONE = {"the", "this", "that", "last", "every", "each", "per", "any", "what", "which"}
# Self-correction words between a number taken back and the one meant ("one no two minutes").
_TAKE_BACK = {"no", "sorry", "actually", "wait", "or", "rather", "mean", "nope"}
NUMBER_WORDS = frozenset(_SMALL) | frozenset(_TENS) | frozenset(_UNIT_MINUTES) | {
    "half", "couple", "few", "several", "point", "and", "a", "an", "another"}
"""Every word an amount of time may be made of."""
# Words an amount of time can start with; anything else is skipped quickly.
_STARTERS = frozenset(_SMALL) | frozenset(_TENS) | frozenset(_HOMOPHONES) | {w for p in _VAGUE for w in p[:1]} | {
    "half", "a", "an", "another"}
_AMOUNT_CUES = frozenset(_SMALL) | frozenset(_TENS) | frozenset(_UNIT_MINUTES)
"""Words without which nothing is an amount of time (digits aside)."""
_TOKEN_RE = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
_DIGITS_RE = re.compile(r"\d{1,6}(?:\.\d{1,6})?")


@dataclass(frozen=True)
class Amount:
    """An amount of time found in a list of words."""

    minutes: float
    """The value the speaker settled on (the last one said), in minutes."""
    start: int
    """Index of the first word of the first mention."""
    end: int
    """Index one past the last word of the last mention."""


def parse_minutes(text: str) -> float | None:
    """Minutes in a spoken phrase ("two and a half minutes" -> 2.5), or None when there are none."""
    found = find_minutes(_TOKEN_RE.findall(text.lower()[:2000]))
    return found.minutes if found else None


def may_hold_amount(words: list[str]) -> bool:
    """False when `words` cannot hold an amount of time: every amount has a number or a unit word in it
    (a homophone, "a", "half" or "a couple" needs a unit after it)."""
    if not _AMOUNT_CUES.isdisjoint(words):
        return True
    return not "".join(words).isalpha() and any(w[:1].isdigit() for w in words)


def find_minutes(words: list[str]) -> Amount | None:
    """The amount of time in `words`; when several are said (a self-correction), the last wins."""
    return _find_minutes(words) if may_hold_amount(words) else None


def _find_minutes(words: list[str]) -> Amount | None:
    """find_minutes without the quick test first."""
    mentions: list[tuple[float, int, int]] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word not in _STARTERS and not word[:1].isdigit():
            i += 1
            continue
        hit = _mention_at(words, i)
        if hit is None:
            i += 1
            continue
        value, end = hit
        mentions.append((value, i, end))
        i = end
    if not mentions:
        # "add minute": the recogniser dropped the "a"; a lone singular unit is one of it
        for i, word in enumerate(words):
            if word == "minute" and (i == 0 or words[i - 1] not in _NOT_ONE):
                return Amount(minutes=1.0, start=i, end=i + 1)
        return None
    value = round(mentions[-1][0], 4)
    start = mentions[0][1]
    # "add one, no, two minutes": the number taken back belongs to the amount, even one too bare to count
    if start >= 2 and words[start - 1] in _TAKE_BACK and _number_at(words, start - 2) is not None:
        start -= 2
    return Amount(minutes=value, start=start, end=mentions[-1][2])


def _mention_at(words: list[str], i: int) -> tuple[float, int] | None:
    """(minutes, end index) for an amount starting at word i, or None."""
    word = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    # "half a minute", "half an hour", "half minute"
    if word == "half":
        j = i + 1 + (nxt in ("a", "an"))
        unit = _UNIT_MINUTES.get(words[j]) if j < len(words) else None
        return (0.5 * unit, j + 1) if unit else None
    value: float | None = None
    j = i
    for phrase, amount in _VAGUE.items():
        if tuple(words[i:i + len(phrase)]) == phrase:
            value, j = float(amount), i + len(phrase)
            break
    if value is None and word in ("a", "an", "another") and nxt:
        # "a minute", "another minute", "a minute and a half"
        k = i + 1 + (words[i + 1] in _MIDDLE and i + 2 < len(words))
        if k < len(words) and words[k] in _UNIT_MINUTES:
            if _UNIT_MINUTES[words[k]] < 1 and word != "another":
                return None  # "hang on a second" is not an amount of time
            value, j = 1.0, i + 1
    if value is None:
        number = _number_at(words, i)
        if number is None:
            return None
        value, j = number
    return _with_unit(words, i, j, value)


def _with_unit(words: list[str], i: int, j: int, value: float) -> tuple[float, int] | None:
    """Apply the unit after a number (default minutes), or reject a bare number that is not time."""
    k = j
    while k < len(words) and words[k] in _MIDDLE and k + 1 < len(words) and words[k + 1] in _UNIT_OR_MIDDLE:
        k += 1
    if k < len(words) and words[k] in _UNIT_MINUTES:
        unit = _UNIT_MINUTES[words[k]]
        if unit < 1 and value <= 1:
            return None  # "one second" means "wait", not an amount of time
        value *= unit
        k += 1
        # "a minute and a half", "two minutes and thirty seconds"
        if words[k:k + 3] == ["and", "a", "half"]:
            return value + 0.5 * unit, k + 3
        if k < len(words) and words[k] == "and":
            extra = _number_at(words, k + 1)
            if extra and extra[1] < len(words) and words[extra[1]] in _UNIT_MINUTES:
                return value + extra[0] * _UNIT_MINUTES[words[extra[1]]], extra[1] + 1
        return value, k
    word = words[i]
    if word in _HOMOPHONES or word in ("a", "an", "another") or (word == "one" and j == i + 1):
        return None  # "one" alone is "another one", not a minute; homophones need a unit
    if any(words[i:i + len(p)] == list(p) for p in _VAGUE):
        return None  # "a couple" without a unit is not time
    if j < len(words) and words[j] not in _BARE_FOLLOW:
        return None  # "two questions", "three rounds"
    return value, j


def _number_at(words: list[str], i: int) -> tuple[float, int] | None:
    """A number spelled in digits or words at word i: (value, end index)."""
    if i >= len(words):
        return None
    word = words[i]
    value: float
    if word[0].isdigit():
        if not _DIGITS_RE.fullmatch(word):
            return None  # "5o", "2nd", "1.2.3": starts like a number but is not one
        value, j = float(word), i + 1
    elif word in _TENS:
        value, j = float(_TENS[word]), i + 1
        if j < len(words) and words[j] in _SMALL and 0 < _SMALL[words[j]] < 10:
            value += _SMALL[words[j]]
            j += 1
    elif word in _SMALL and word != "oh":
        value, j = float(_SMALL[word]), i + 1
    elif word in _HOMOPHONES and i + 1 < len(words) and words[i + 1] in _UNIT_MINUTES:
        value, j = float(_HOMOPHONES[word]), i + 1
    else:
        return None
    # "two and a half", "one point five", "1.5"
    if words[j:j + 3] == ["and", "a", "half"]:
        return value + 0.5, j + 3
    if words[j:j + 2] == ["and", "half"]:
        return value + 0.5, j + 2
    if j + 1 < len(words) and words[j] == "point":
        frac = words[j + 1]
        digit = int(frac) if frac.isdigit() else _SMALL.get(frac)
        if digit is not None and digit < 10:
            return value + digit / 10, j + 2
    return value, j
