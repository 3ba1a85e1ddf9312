"""Words for the listening exercise: durations in plain speech and prompt filling with rotation."""

from __future__ import annotations

import logging
import math
import random
import re
import string

from voice_coach.asr.text import number_words as spelled
from voice_coach.content import Library

_LOGGER = logging.getLogger(__name__)

def number_words(n: int) -> str:
    """0..99 as words ("twenty-one"); larger numbers as digits."""
    if n < 0 or n > 99:
        return str(n)
    return "-".join(spelled(n))


def _minutes(n: int) -> str:
    return "a minute" if n == 1 else f"{number_words(n)} minutes"


def spoken_duration(seconds: float) -> str:
    """Roughly how long is left, as a person would say it: "about two minutes", "just under a minute"."""
    s = max(0.0, seconds)
    if s < 8:
        return "a few seconds"
    if s < 45:
        return f"about {number_words(int(round(s / 10.0)) * 10)} seconds"
    whole = max(1, int(round(s / 60.0)))
    short_of_whole = whole * 60 - s
    if 0 < short_of_whole <= 15:
        return f"just under {_minutes(whole)}"
    if abs(s - whole * 60) <= 15 or s >= 600:
        # Past ten minutes halves stop mattering to anyone listening.
        return f"about {_minutes(whole)}"
    half_below = int(math.floor(s / 60.0))
    if half_below == 1:
        return "about a minute and a half"
    return f"about {number_words(half_below)} and a half minutes"


def spoken_amount(minutes: float) -> str:
    """An exact amount of time someone asked for: "a minute", "two minutes", "thirty seconds"."""
    seconds = int(round(minutes * 60))
    if seconds < 60:
        return f"{number_words(max(1, seconds))} seconds" if seconds != 30 else "half a minute"
    whole, rest = divmod(seconds, 60)
    if rest == 0:
        return _minutes(whole)
    if rest == 30:
        return "a minute and a half" if whole == 1 else f"{number_words(whole)} and a half minutes"
    return spoken_duration(seconds)


class _Blank(dict[str, str]):
    """Leaves an unknown placeholder empty (and says so in the log) instead of crashing mid-session."""

    def __missing__(self, key: str) -> str:
        _LOGGER.warning("exercise prompt uses unknown placeholder {%s}", key)
        return ""


# Content is written by people who cannot see every value a placeholder gets;
# these fix the few joins that read badly ("About about two minutes", "another a minute").
_DOUBLED_ABOUT = re.compile(r"\b[Aa]bout (?=(?:about|just|a few)\b)")
_ANOTHER_A = re.compile(r"\b(another|extra) (?:a|one) (?=minute|second)")
_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")


def fill(template: str, values: dict[str, str]) -> str:
    """Fill {placeholders}, then tidy joins and capitalise each sentence."""
    try:
        text = string.Formatter().vformat(template, (), _Blank(values))
    except (ValueError, IndexError) as err:
        _LOGGER.warning("exercise prompt %r cannot be filled: %s", template, err)
        text = template
    text = _DOUBLED_ABOUT.sub("", text)
    text = _ANOTHER_A.sub(r"\1 ", text)
    text = re.sub(r"\s{2,}", " ", text).strip()
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)


class PromptPicker:
    """Picks a variant of each prompt with the injected rng, never the same one twice in a row."""

    def __init__(self, library: Library, rng: random.Random) -> None:
        self._library = library
        self._rng = rng
        self._last: dict[str, str] = {}

    def line(self, key: str, **values: str) -> str:
        """One filled-in variant of ``key`` (ContentError when the key is missing)."""
        variants = self._library.prompt(key)
        fresh = [v for v in variants if v != self._last.get(key)] or list(variants)
        template = self._rng.choice(fresh)
        self._last[key] = template
        return fill(template, values)
