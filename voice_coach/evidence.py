"""Keyword evidence beside the fuzzy score: tip or starter, longer requests, yes/no answers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from voice_coach.intent_data import Intents
from voice_coach.normalize import PhraseMap
from voice_coach.slots import SlotReading

_LOGGER = logging.getLogger(__name__)

CONTENT = frozenset({"tip", "conversation_starter"})
# A kind named outright decides between a tip and a starter ("a tip on questions" is a tip).
_TIP_WORDS = frozenset({"tip", "advice", "advise", "suggestion", "suggestions", "hint", "hints", "pointer",
                        "pointers", "guidance", "recommendation", "wisdom", "strategy", "strategies"})
_STARTER_WORDS = frozenset({"question", "questions", "starter", "prompt", "icebreaker", "topic", "conversation"})
# A question about a topic of the couple's communication asks for a tip ("when is the right time to ...").
_QUESTION_WORDS = frozenset({"how", "when", "what", "why", "where", "should", "is", "which", "any"})
_SUBJECT_LEADS = (("something", "about"), ("anything", "about"), ("something", "on"), ("about",))


def has_any(words: Sequence[str], phrases: PhraseMap | None) -> bool:
    """True when any of the phrases occurs in words."""
    return phrases is not None and any(phrases.match_at(words, i) for i in range(len(words)))


def content_kind(marked: list[str], reading: SlotReading, intents: Intents) -> str | None:
    """Tip or starter, by the evidence: the kind named first, request cues, then which lexicon the topic is in."""
    kinds = [w for w in marked if w in _TIP_WORDS or w in _STARTER_WORDS]
    if kinds:
        return "tip" if kinds[0] in _TIP_WORDS else "conversation_starter"
    starter_cue = has_any(marked, intents.cues.get("conversation_starter"))
    tip_cue = has_any(marked, intents.cues.get("tip"))
    if starter_cue != tip_cue:
        return "conversation_starter" if starter_cue else "tip"
    if (reading.topic is None) != (reading.category is None):
        return "tip" if reading.topic else "conversation_starter"
    return None


def by_keywords(words: list[str], marked: list[str], reading: SlotReading, addressed: bool,
                intents: Intents) -> str | None:
    """Longer requests for content that no template covers: named kinds, request cues, a question on a topic."""
    kinds = [w for w in marked if w in _TIP_WORDS or w in _STARTER_WORDS]
    if kinds:
        return "tip" if kinds[0] in _TIP_WORDS else "conversation_starter"
    if has_any(marked, intents.cues.get("conversation_starter")):
        return "conversation_starter"
    if reading.topic is None and reading.category is None and not has_any(words, intents.domain_words):
        return None
    about_us = reading.topic is not None or has_any(words, intents.domain_words)
    if any(tuple(words[:len(lead)]) == lead for lead in _SUBJECT_LEADS):
        return content_kind(marked, reading, intents) or ("tip" if about_us else None)
    second_person = any(w in ("you", "your") for w in words)
    asks = has_any(marked, intents.cues.get("tip")) or (words[0] in _QUESTION_WORDS and not second_person)
    return "tip" if about_us and (asks or addressed) else None


def by_command_cues(query: list[str], intents: Intents, unknown: Callable[[str], int]) -> str | None:
    """A command named by one of its cue phrases inside a longer sentence ("you're going too fast").

    The longest cue decides; a one-word cue only counts when every other word is one the intent knows,
    so "can you stop doing that" (said to a partner) is not "stop".
    """
    best: list[tuple[int, str]] = []
    for name, cues in intents.cues.items():
        if name in CONTENT or name in ("yes", "no"):
            continue
        hits = cues.find_all(query)
        if hits:
            best.append((max(int(str(v)) for _, _, v in hits), name))
    if not best:
        return None
    best.sort(reverse=True)
    length, name = best[0]
    if len(best) > 1 and best[1][0] == length:
        return None  # two commands named equally: not sure which
    missing = unknown(name)
    return name if missing == 0 or (length >= 2 and missing <= 1) else None


def answer(words: list[str], intents: Intents) -> str | None:
    """Yes or no when the reply starts with an answer word ("yeah sure why not", "no, keep going")."""
    for name in ("yes", "no"):
        cues = intents.cues.get(name)
        if cues is not None and cues.match_at(words, 0):
            return name
    return None
