"""Understand an utterance: wake word, fuzzy match over expanded templates, slots, context, out-of-scope."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from voice_coach.intent_data import INTENTS_DIR, OUT_OF_SCOPE, SLOT_TOKENS, Intents, load_intents
from voice_coach.match import Context, Match, SlotValue
from voice_coach.normalize import MAX_CHARS, PhraseMap, WakeWords, sorted_words
from voice_coach.numbers import Amount
from voice_coach.slots import Found, SlotReading, overlaps

__all__ = ["INTENTS_DIR", "Intents", "load_intents", "recognize", "strip_wake_word"]

_LOGGER = logging.getLogger(__name__)

ACCEPT_SCORE = 80.0
"""Fuzzy score (0-100) a template match needs; below it only keyword evidence can accept."""
TURN_ACCEPT_SCORE = 88.0
"""During a speaking turn the command must be essentially the whole utterance."""
ANSWER_SCORE = 75.0
"""Score for yes/no while the coach waits for an answer."""
EXERCISE_MARGIN = 6.0
"""In the exercise, an exercise command this close to the best match wins."""
MAX_WORDS = 40
"""Words scored at most; commands are short and this bounds the time per utterance."""

_ANSWERS = frozenset({"yes", "no"})
_TIP_WORDS = frozenset({"tip", "advice", "advise", "suggestion", "suggestions", "hint", "hints", "pointer",
                        "pointers", "guidance", "recommendation", "wisdom", "strategy", "strategies"})
_STARTER_WORDS = frozenset({"question", "questions", "starter", "prompt", "icebreaker", "topic", "conversation"})
_CONTENT = frozenset({"tip", "conversation_starter"})
_QUESTION_WORDS = frozenset({"how", "when", "what", "why", "where", "should", "is", "which"})
# Short follow-ups whose meaning depends on what the coach just did.
_FOLLOW_UPS = frozenset({"more", "next", "one more", "more please", "next one", "and", "again"})


def strip_wake_word(text: str, intents: Intents) -> tuple[bool, str]:
    """(addressed, rest): whether the text starts with the wake word, and the normalised words after it."""
    addressed, rest = _wake(intents).strip(intents.normalizer.words(text))
    return addressed, " ".join(rest)


def recognize(text: str, intents: Intents, context: Context | None = None) -> Match | None:
    """The intent and slots of `text`, or None when it is out of scope (or not allowed in `context`)."""
    ctx = context or Context()
    original = text[:MAX_CHARS] if isinstance(text, str) else ""
    addressed, words = _wake(intents).strip(intents.normalizer.words(original))
    words = words[:MAX_WORDS]
    if not words:
        return None
    if ctx.speaking_turn and not addressed:
        return None  # the speaker's words are not for the coach
    reading = intents.slot_reader.read(words, original)
    marked = _mark_slots(words, reading)
    plain = _query(_replace(words, [(reading.minutes, "minutes"), (reading.speaker, "speaker")]), intents)
    slotted = _query(marked, intents)
    mode = "turn" if ctx.speaking_turn else ("pending" if ctx.pending_question else "normal")
    scores = _scores([plain, slotted], intents, mode)
    intent = _decide(scores, words, marked, reading, addressed, ctx, intents)
    if intent is None:
        if not ctx.speaking_turn:
            _LOGGER.debug("no match for %r (best %s)", plain, max(scores.items(), key=lambda kv: kv[1], default=None))
        return None
    intent = _follow_up(intent, plain, ctx)
    score = round(max(scores.get(intent, 0.0), 0.0), 1)
    return Match(intent=intent, slots=_slots(intent, reading), score=score,
                 text=" ".join(words), addressed=addressed)


def _wake(intents: Intents) -> WakeWords:
    """The wake-word recogniser, rebuilt if someone changed intents.wake_words (--wake-word)."""
    key = tuple(intents.wake_words)
    cached = getattr(intents, "_wake_cache", None)
    if cached is None or cached[0] != key:
        wake = WakeWords(list(key), sorted(intents.wake.names - intents.wake.exact_names), sorted(intents.wake.prefixes))
        intents._wake_cache = (key, wake)  # type: ignore[attr-defined]
        return wake
    return cached[1]  # type: ignore[no-any-return]


def _query(words: list[str], intents: Intents) -> str:
    """Words as scored: fillers dropped (unless nothing else is left, as in "okay")."""
    return " ".join(intents.normalizer.drop(words) or words)


def _mark_slots(words: list[str], reading: SlotReading) -> list[str]:
    """Words with every slot replaced by its placeholder, so templates match any slot value."""
    subject = reading.topic or reading.category
    if reading.topic and reading.category and overlaps(reading.topic, reading.category):
        subject = Found("", min(reading.topic.start, reading.category.start),
                        max(reading.topic.end, reading.category.end))
    elif reading.topic and reading.category:
        subject = max((reading.topic, reading.category), key=lambda f: f.end - f.start)
    return _replace(words, [(reading.minutes, "minutes"), (reading.speaker, "speaker"),
                            (subject, "topic"), (reading.depth, "depth")])


_SCORE_FLOOR = 50.0
"""Choices scoring below this are not worth ranking."""


def _replace(words: list[str], spans: Sequence[tuple[Found | Amount | None, str]]) -> list[str]:
    """Words with each span (earlier entries win overlaps) replaced by its slot placeholder."""
    taken: list[tuple[int, int, str]] = []
    for span, slot in spans:
        if span is not None and not any(span.start < end and start < span.end for start, end, _ in taken):
            taken.append((span.start, span.end, SLOT_TOKENS[slot]))
    out = list(words)
    for start, end, token in sorted(taken, reverse=True):
        out[start:end] = [token]
    return out


def _scores(queries: list[str], intents: Intents, mode: str) -> dict[str, float]:
    """Best fuzzy score per intent over both queries (token order ignored)."""
    choices, names = intents.choice_set(mode)
    scores: dict[str, float] = {}
    for query in dict.fromkeys(sorted_words(q.split()) for q in queries if q):
        for _choice, score, index in process.extract(query, choices, scorer=fuzz.ratio, processor=None,
                                                     limit=12, score_cutoff=_SCORE_FLOOR):
            name = names[index]
            if score > scores.get(name, -1.0):
                scores[name] = score
    return scores


def _decide(scores: dict[str, float], words: list[str], marked: list[str], reading: SlotReading,
            addressed: bool, ctx: Context, intents: Intents) -> str | None:
    """Pick the intent from fuzzy scores, keyword evidence and context; None for out of scope."""
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked:
        ranked = [(OUT_OF_SCOPE, 0.0)]
    best, best_score = ranked[0]
    if ctx.speaking_turn:
        ok = best in intents.exercise_intents and best_score >= TURN_ACCEPT_SCORE
        return best if ok else None
    if ctx.pending_question:
        answer = max(_ANSWERS, key=lambda a: scores.get(a, 0.0))
        if scores.get(answer, 0.0) >= max(ANSWER_SCORE, best_score - 5):
            return answer
    if ctx.in_exercise and best not in intents.exercise_intents:
        for name, score in ranked[1:]:
            if name in intents.exercise_intents and score >= best_score - EXERCISE_MARGIN and score >= ACCEPT_SCORE:
                return name
    if best == OUT_OF_SCOPE and best_score >= ACCEPT_SCORE - 10:
        return None
    vetoed = _has_any(marked, intents.out_of_scope_words)
    if best != OUT_OF_SCOPE and best_score >= ACCEPT_SCORE and (not vetoed or best_score >= 95):
        return _content_kind(marked, reading, intents) or best if best in _CONTENT else best
    if vetoed:
        return None
    return _by_keywords(words, marked, reading, addressed, intents)


def _content_kind(marked: list[str], reading: SlotReading, intents: Intents) -> str | None:
    """Tip or starter, by the evidence: the kind named first, request cues, then which lexicon the topic is in."""
    kinds = [w for w in marked if w in _TIP_WORDS or w in _STARTER_WORDS]
    if kinds:
        return "tip" if kinds[0] in _TIP_WORDS else "conversation_starter"
    starter_cue = _has_any(marked, intents.cues.get("conversation_starter"))
    tip_cue = _has_any(marked, intents.cues.get("tip"))
    if starter_cue != tip_cue:
        return "conversation_starter" if starter_cue else "tip"
    if (reading.topic is None) != (reading.category is None):
        return "tip" if reading.topic else "conversation_starter"
    return None


def _by_keywords(words: list[str], marked: list[str], reading: SlotReading, addressed: bool,
                 intents: Intents) -> str | None:
    """Longer requests for content: tip or starter words, or a question about a known topic."""
    kinds = [w for w in marked if w in _TIP_WORDS or w in _STARTER_WORDS]
    if kinds:
        return "tip" if kinds[0] in _TIP_WORDS else "conversation_starter"
    if _has_any(marked, intents.cues.get("conversation_starter")):
        return "conversation_starter"
    if reading.topic is None and not _has_any(words, intents.domain_words):
        return None
    asks = _has_any(marked, intents.cues.get("tip")) or (
        words[0] in _QUESTION_WORDS and not any(w in ("you", "your") for w in words))
    return "tip" if asks or addressed else None


def _has_any(words: Sequence[str], phrases: PhraseMap | None) -> bool:
    """True when any of the phrases occurs in words."""
    return phrases is not None and any(phrases.match_at(words, i) for i in range(len(words)))


def _follow_up(intent: str, plain: str, ctx: Context) -> str:
    """Resolve "more", "next", "again" by what the coach just did."""
    if plain not in _FOLLOW_UPS or intent not in ("tell_more", "another", "repeat", "switch_turn"):
        return intent
    if plain == "again":
        return "repeat"
    if plain in ("more", "more please", "and"):
        if ctx.in_exercise and not ctx.last_kind:
            return "add_time"
        return "another" if ctx.last_kind == "starter" else "tell_more"
    if ctx.in_exercise and not ctx.last_kind and plain in ("next", "next one"):
        return "switch_turn"
    return "another"


def _slots(intent: str, reading: SlotReading) -> dict[str, SlotValue]:
    """The slot values this intent takes."""
    slots: dict[str, SlotValue] = {}
    if intent == "conversation_starter":
        if reading.depth and not overlaps(reading.depth, reading.category):
            slots["depth"] = reading.depth.value
        if reading.category:
            slots["topic"] = reading.category.value
    elif intent == "tip":
        if reading.topic:
            slots["topic"] = reading.topic.value
    elif intent == "start_exercise":
        if reading.minutes:
            slots["minutes"] = reading.minutes.minutes
        if reading.speaker:
            slots["speaker"] = reading.speaker.value
    elif intent == "add_time":
        slots["minutes"] = reading.minutes.minutes if reading.minutes else 1.0
    return slots
