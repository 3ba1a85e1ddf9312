"""Why an utterance matched or was rejected: candidates, scores, the evidence and the cutoffs (parse --explain)."""

from __future__ import annotations

import logging
from typing import Any

from voice_coach.understand import clauses, matcher
from voice_coach.understand.evidence import named_kind, partner_talk
from voice_coach.understand.intents import OUT_OF_SCOPE, Intents
from voice_coach.understand.match import Context, Match
from voice_coach.understand.scoring import (
    correct_words,
    marked_words,
    plain_words,
    query_words,
    score_intents,
)

_LOGGER = logging.getLogger(__name__)

CANDIDATES_SHOWN = 5
"""Best-scoring intents listed per reading."""


def explain(text: str, intents: Intents, context: Context | None = None) -> dict[str, Any]:
    """The matcher's reasoning about `text` as a JSON-ready dict (never call this during a speaking turn)."""
    ctx = context or Context()
    addressed, rest = matcher.strip_wake_word(text, intents)
    words = correct_words(rest.split()[:matcher.MAX_WORDS], intents)
    result = matcher.recognize(text, intents, context)
    out: dict[str, Any] = {
        "text": text,
        "intent": result.intent if result else None,
        "slots": result.slots if result else {},
        "addressed": addressed,
        "words": " ".join(words),
        "cutoffs": {"accept": matcher.ACCEPT_SCORE, "speaking_turn": matcher.TURN_ACCEPT_SCORE,
                    "out_of_scope": matcher.OUT_OF_SCOPE_SCORE, "clause_as_said": clauses.EXACT_SCORE},
        "whole": _reading(words, text, intents, ctx, context is None),
    }
    evidence = []
    if partner_talk(words, intents):
        evidence.append("'your' + something of the partner's: talk to the partner")
    kind = named_kind(marked_words(words, intents.slot_reader.read(words, text)), intents) if words else None
    if kind:
        evidence.append(f"names the kind of content: {kind}")
    said = intents.normalizer.words(text)
    pieces = clauses.split(text, intents.normalizer.words)
    at = None if intents.wake.strip(said)[0] else intents.wake.inside(said)
    if addressed and at is not None:
        evidence.append("the wake word said after an aside: the aside and the command read as clauses")
        words = said[:at] + said[at + 1:]
        pieces = clauses.around_wake(text, said[:at].count(said[at]), said[at], intents.normalizer.words)
    elif not addressed and intents.wake.talked_about(said):
        evidence.append("the coach talked about (\"the coach said\"): talk between the two of them")
    if addressed and len(pieces) < 2 and not ctx.speaking_turn and clauses.implicit(words):
        pieces = clauses.implicit(words)
        evidence.append("no pauses: clauses found where a new one starts (a request, 'so', a subject and its verb), "
                        "read when the whole sentence is no command")
    if len(pieces) > 1:
        out["clauses"] = []
        for piece in pieces[:clauses.MAX_CLAUSES]:
            piece_words = intents.normalizer.words(piece)
            neg = clauses.negation_length(piece_words)
            match = matcher._understand(piece, piece_words[neg:] if neg else piece_words, True, ctx, context is None,
                                        intents)  # as the clause is read (a refusal: what it turns down)
            out["clauses"].append({"clause": piece.strip(), "refusal": bool(neg), "reads_as" if not neg else "turns_down": _brief(match)})
        evidence.append("said in pieces: " + ("each clause read apart from the situation around it" if addressed
                                                else "without the wake word every piece must be a command"))
    if ctx.speaking_turn and not addressed:
        evidence.append("speaking turn without the wake word: only handing over the turn counts")
    out["evidence"] = evidence
    out["why"] = _why(result, out["whole"], addressed)
    return out


def _reading(words: list[str], text: str, intents: Intents, ctx: Context, no_state: bool) -> dict[str, Any]:
    """Slot values and the best-scoring intents of the whole utterance."""
    if not words:
        return {"slots_read": {}, "candidates": []}
    reading = intents.slot_reader.read(words, text)
    plain = query_words(plain_words(words, reading), intents)
    mode = "turn" if ctx.speaking_turn else ("pending" if ctx.pending_question or no_state else "normal")
    scores = score_intents([plain, query_words(marked_words(words, reading), intents)], intents, mode)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:CANDIDATES_SHOWN]
    slots = {name: getattr(reading, name).value for name in ("depth", "topic", "category", "speaker")
             if getattr(reading, name, None) is not None}
    if reading.minutes is not None:
        slots["minutes"] = reading.minutes.minutes
    return {"slots_read": slots, "candidates": [
        {"intent": "(out of scope)" if name == OUT_OF_SCOPE else name, "score": round(score, 1)}
        for name, score in ranked]}


def _brief(match: Match | None) -> dict[str, Any] | None:
    return None if match is None else {"intent": match.intent, "score": match.score}


def _why(result: Match | None, whole: dict[str, Any], addressed: bool) -> str:
    """One sentence: the deciding reason."""
    best = whole["candidates"][0] if whole["candidates"] else None
    if result is not None:
        return f"{result.intent} at {result.score:g} (accept at {matcher.ACCEPT_SCORE:g}, or by keyword or clause evidence)"
    if best is None:
        return "nothing left to match after the wake word and fillers"
    if best["intent"] == "(out of scope)":
        return f"an out-of-scope sentence fits best ({best['score']:g})"
    return (f"best candidate {best['intent']} at {best['score']:g} was not enough"
            + ("" if addressed else ", and nothing was said to the coach"))
