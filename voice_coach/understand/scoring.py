"""Fuzzy scoring of an utterance against the expanded templates (rapidfuzz), with slot placeholders."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz, process

from voice_coach.understand import utterance
from voice_coach.understand.choices import index_key
from voice_coach.understand.intents import SLOT_TOKENS, Intents
from voice_coach.understand.normalize import sorted_words
from voice_coach.understand.numbers import Amount
from voice_coach.understand.slots import Found, SlotReading, overlaps

_LOGGER = logging.getLogger(__name__)

SCORE_FLOOR = 60.0
"""Choices scoring below this are not worth ranking."""
CANDIDATES = 12
"""Best choices re-checked word by word."""
UNMATCHED_WORD_PENALTY = 12.0
"""Points off for each word of the utterance that the intent never uses and nothing in the template
resembles ("i am so tired" is not "i am ready"): extra content changes the meaning even when the
characters are close."""
COVERAGE_BONUS = 8.0
"""Points added when every content word of the utterance is a word the intent's templates use."""
CORRECTION_SIMILARITY = 80.0
"""An unknown word this close to a known one is taken as that word misheard."""
MAX_CORRECTIONS = 2
"""Unknown words looked up per utterance."""
MAX_CORRECTED_WORDS = 3
"""Only utterances this short are corrected word by word."""
FUNCTION_ONLY_PENALTY = 25.0
"""Points off a near match when the utterance is nothing but small words."""
INDEXED_QUERY_WORDS = 2
"""Requests with this many content words are scored only against sentences that share a word with them."""
WORD_SIMILARITY = 75.0
"""Two words this similar (rapidfuzz ratio) count as the same word misheard."""

_PLACEHOLDERS = frozenset(SLOT_TOKENS.values())

# Words too common to carry meaning on their own; they never earn a penalty.
_FUNCTION_WORDS = frozenset(
    "i we you he she they it am is are was were be been do does did the a an to of and or for on in at "
    "with my our your his her their me us him them that this these those there can will would should "
    "could just so not out up back over all very too really here now then".split()
)


def plain_words(words: list[str], reading: SlotReading) -> list[str]:
    """Words with amounts of time and the first speaker as placeholders (topic and depth words kept);
    names of who takes part and situation clauses left out."""
    return replace_spans(words, [(reading.minutes, "minutes"), (reading.speaker, "speaker"), (reading.names, ""),
                                 *((s, "") for s in reading.situations)])


def marked_words(words: list[str], reading: SlotReading) -> list[str]:
    """Words with every slot replaced by its placeholder, so templates match any slot value."""
    subject = reading.topic or reading.category
    if reading.topic and reading.category and overlaps(reading.topic, reading.category):
        subject = Found("", min(reading.topic.start, reading.category.start),
                        max(reading.topic.end, reading.category.end))
    elif reading.topic and reading.category:
        subject = max((reading.topic, reading.category), key=lambda f: f.end - f.start)
    return replace_spans(words, [(reading.minutes, "minutes"), (reading.speaker, "speaker"), (reading.names, ""),
                                 (subject, "topic"), (reading.depth, "depth"), *((s, "") for s in reading.situations)])


def veto_words(words: list[str], reading: SlotReading) -> list[str]:
    """Words to look for out-of-scope vocabulary in: slot phrases of two words or more are masked
    ("love languages", "old times"), single words are not ("turn off the lights" is no light question);
    nor is where the couple are ("a tip while I cook")."""
    spans = [(f, slot) for f, slot in ((reading.topic, "topic"), (reading.category, "topic"), (reading.depth, "depth"))
             if f is not None and f.end - f.start > 1]
    return replace_spans(situation_masked(words, reading), spans)


def situation_masked(words: list[str], reading: SlotReading) -> list[str]:
    """Words with situation clauses ("while we cook", "on the drive home") blanked out."""
    out = list(words)
    for span in reading.situations:
        out[span.start:span.end] = ["~"] * (span.end - span.start)
    return out


def replace_spans(words: list[str], spans: Sequence[tuple[Found | Amount | None, str]]) -> list[str]:
    """Words with each span (earlier entries win overlaps) replaced by its slot placeholder; slot "" drops
    the span's words (those no earlier span holds: "with Emma and Jake, Jake first")."""
    taken: list[tuple[int, int, str]] = []
    for span, slot in spans:
        if span is None:
            continue
        start, end = span.start, span.end
        if not slot:
            for s, e, _ in taken:  # trim the part an earlier span holds
                if s <= start < e:
                    start = e
                if s < end <= e:
                    end = s
        if start < end and not any(start < e and s < end for s, e, _ in taken):
            taken.append((start, end, SLOT_TOKENS[slot] if slot else ""))
    out = list(words)
    for start, end, token in sorted(taken, reverse=True):
        out[start:end] = [token] if token else []
    return out


def correct_words(words: list[str], intents: Intents) -> list[str]:
    """In a short command, unknown words become the known word they most resemble ("pawse" -> "pause").

    Longer sentences are left alone: they carry names and everyday words that only look like ours.
    """
    known = intents.known_words
    if len(words) > MAX_CORRECTED_WORDS:
        return words
    out = list(words)
    budget = MAX_CORRECTIONS
    for i, word in enumerate(words):
        if word in known or len(word) < 4 or not word.isalpha():
            continue
        budget -= 1
        if budget < 0:
            break
        # a slip keeps the word's length or loses a syllable ("pawse" is "pause", "empty" may be "empathy"),
        # but it does not grow one: "waiter" is no "wait"
        close = process.extract(word, intents.spellings, scorer=fuzz.ratio, processor=None,
                                score_cutoff=CORRECTION_SIMILARITY, limit=3)
        best = next((c for c in close if -1 <= len(c[0]) - len(word) <= 2), None)
        if best is not None:
            out[i] = best[0]
    return out


def query_words(words: list[str], intents: Intents) -> list[str]:
    """Words as scored: fillers dropped (unless nothing else is left, as in "okay")."""
    return intents.normalizer.drop(words) or words


def score_intents(queries: list[list[str]], intents: Intents, mode: str) -> dict[str, float]:
    """Best score per intent over the queries: token-sorted ratio, less a penalty per unmatched word."""
    memo = utterance.memo("scores")
    scores: dict[str, float] = {}
    for query in {tuple(q) for q in queries if q}:
        if memo is None:
            found = _score_query(query, intents, mode)
        else:  # a clause and the whole sentence often ask for the same words
            key = (id(intents), mode, query)
            found = memo[key] if key in memo else memo.setdefault(key, _score_query(query, intents, mode))
        for name, score in found:
            if score > scores.get(name, -1.0):
                scores[name] = score
    return scores


def _score_query(query: tuple[str, ...], intents: Intents, mode: str) -> list[tuple[str, float]]:
    """(intent, score) of the best sentences for one query, best first."""
    table = intents.choice_table(mode)
    content = [w for w in query if w not in _FUNCTION_WORDS and w not in _PLACEHOLDERS]
    text = sorted_words(query)
    keys = None
    if len(content) >= INDEXED_QUERY_WORDS:
        # a request of several words: only sentences sharing the start of one of its words (or a slot)
        # come close enough to count
        keys = {index_key(w) for w in content} | (_PLACEHOLDERS & set(query))
    positions, texts = table.candidates(text, keys, SCORE_FLOOR)
    found = process.extract(text, texts, scorer=fuzz.ratio, processor=None, limit=CANDIDATES, score_cutoff=SCORE_FLOOR)
    barred: set[str] | None = None
    similar: dict[tuple[str, str], bool] = {}
    out: list[tuple[str, float]] = []
    for choice, score, index in found:
        name = table.names[positions[index]]
        if name in intents.requires:
            barred = _barred(query, intents) if barred is None else barred
            if name in barred:
                continue
        if content:
            missing = _unmatched(content, choice.split(), intents.intent_words[name], similar)
            # every word is one this intent uses: a new arrangement of its own words ("not that one, another")
            if missing:
                score -= UNMATCHED_WORD_PENALTY * missing
            elif len(content) > 1 and all(w in intents.intent_words[name] for w in content):
                score += COVERAGE_BONUS
        elif score < 100:
            score -= FUNCTION_ONLY_PENALTY  # "the", "it is": small words must match exactly
        out.append((name, score))
    return out


def _barred(query: tuple[str, ...], intents: Intents) -> set[str]:
    """Intents that need a word (see Intents.requires) of which the utterance has none, nor one sounding close."""
    needed = intents.required_words
    heard: set[str] = set()
    if needed:
        close = process.cdist(list(query), needed, scorer=fuzz.ratio, processor=None, dtype=np.float64)
        heard = {needed[j] for j in np.flatnonzero((close >= WORD_SIMILARITY).any(axis=0))}
    return {name for name, words in intents.requires.items() if words.isdisjoint(heard)}


def unknown_words(words: list[str], intent: str, intents: Intents) -> int:
    """Content words the intent's templates never use."""
    known = intents.intent_words.get(intent, frozenset())
    return sum(1 for w in words if w not in _FUNCTION_WORDS and w not in _PLACEHOLDERS and w not in known)


def _unmatched(content: list[str], choice: list[str], known: frozenset[str],
               similar: dict[tuple[str, str], bool]) -> int:
    """How many content words of the utterance are unknown to the intent and resemble no word of the template.

    `similar` remembers word pairs already compared (the candidates of one utterance share many words)."""
    missing = 0
    for word in content:
        if word in known:
            continue
        for other in choice:
            if other in _FUNCTION_WORDS:
                continue
            alike = similar.get((word, other))
            if alike is None:
                alike = similar[(word, other)] = fuzz.ratio(word, other) >= WORD_SIMILARITY
            if alike:
                break
        else:
            missing += 1
    return missing
