"""What the coach has just told the couple to say ("say resume when you're ready"): found in its own words."""

from __future__ import annotations

import logging
import re

_LOGGER = logging.getLogger(__name__)

_SAY_RE = re.compile(r"\bsay\s+(?:coach,?\s+)?([^.;?!]+)", re.IGNORECASE)
_PART_RE = re.compile(r",\s*(?:or\s+)?")
# What follows the words to say: their purpose or when to say them ("resume to carry on", "stop if ...").
_TAIL_RE = re.compile(r"(?:^|\s+)(?:to|when|whenever|if|at any|after|for|once|before|while)\b.*$", re.IGNORECASE)
# Not words to say to the coach: what to say to each other or an example ("say it to Sam", "a length like ...").
_NOT_TO_US = frozenset({"they", "he", "she", "i", "we", "people", "friends", "others", "would", "to", "did", "does"})
_NOT_COMMANDS = ("it", "that", "back", "what", "a length", "thank")


def instructed_phrases(text: str) -> list[str]:
    """The phrases the coach tells the couple to say in `text`, without the wake word, in order."""
    phrases: list[str] = []
    for found in _SAY_RE.finditer(text):
        before = text[:found.start()].split()
        if before and before[-1].lower().strip(",") in _NOT_TO_US:
            continue  # "what do you hope they say about it": someone else saying something
        said = found.group(1).strip()
        if said.lower().startswith(_NOT_COMMANDS):
            continue
        for part in _PART_RE.split(said):
            for phrase in _TAIL_RE.sub("", part.strip()).split(" or "):
                phrase = re.sub(r"^say\s+", "", phrase.strip()).removeprefix("coach").strip(" ,")
                if phrase and phrase.lower() not in (p.lower() for p in phrases):
                    phrases.append(phrase)
    return phrases
