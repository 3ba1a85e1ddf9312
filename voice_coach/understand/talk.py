"""Who an utterance is for: the coach, or the partner (said without the wake word, or about "a coach").

Without the wake word a sentence in several pieces is a command only when every piece agrees; during a
speaking turn only the speaker handing the turn over counts; "coach Taylor always told us ..." is a
coach talked about, not this one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from voice_coach.understand.clauses import (
    MAX_CLAUSES,
    negation_length,
    only_amount,
    split,
)
from voice_coach.understand.evidence import CONTENT
from voice_coach.understand.intents import Intents
from voice_coach.understand.match import Context, Match

_LOGGER = logging.getLogger(__name__)

TURN_ACCEPT_SCORE = 88.0
"""During a speaking turn the words must be turn language this closely."""
Reader = Callable[[str, list[str], bool, Context, bool, Intents], "Match | None"]
"""The matcher's reading of some words: (as said, words, addressed, context, no dialogue state, intents)."""

_TOLD_OF = frozenset({"was", "always", "told", "said", "says", "used", "would", "never"})
_DONE_WORDS = frozenset({"done", "finished", "through", "all", "now", "talking", "speaking", "ok", "okay"})
_HANDED_OVER = Match(intent="done", score=100.0)
_INVITED = Match(intent="switch_turn", score=100.0)
_PERSONAL = frozenset({"i", "you", "me", "your", "my"})
_ASKING = frozenset({"can", "could", "would", "will", "do", "did", "thank", "have", "are", "got", "if", "should",
                     "might", "may", "what", "when", "maybe", "say", "that", "want", "to"})
"""Words before "you" in a request to the coach ("can you", "what do you suggest")."""
_THIRD = frozenset({"he", "she", "him", "her", "his", "hers", "they", "them", "their", "wife", "husband", "partner",
                    "boyfriend", "girlfriend", "spouse"})
_HANDING_OVER = frozenset({"switch_turn", "done"})


_VOCATIVES = frozenset({"love", "babe", "baby", "honey", "hun", "hon", "darling", "sweetheart", "sweetie", "dear",
                        "pet", "mate", "buddy", "dearest", "sweetpea", "handsome", "gorgeous", "beautiful", "guys"})
"""What a speaker may call the partner at the end of a sentence ("over to you, love")."""
_BEFORE_VOCATIVE = frozenset({"you", "yours", "turn", "go", "ahead", "up", "now", "over", "floor", "him", "her",
                              "them", "please", "it", "on", "off", "then", "finished", "done"})
_BEFORE_NAME = frozenset({"turn", "go", "ahead", "yours", "up"})
"""Words after which a last word is someone called ("your turn babe", "go ahead Jen"), not part of the request."""


def without_vocative(words: list[str], intents: Intents) -> list[str]:
    """Words without a partner called by name or endearment at the end ("your go, darling")."""
    if len(words) > 2 and words[-2] in _BEFORE_VOCATIVE and (words[-1] in _VOCATIVES or (
            words[-2] in _BEFORE_NAME and a_name(words[-1], intents))):
        return words[:-1]
    return words


def a_name(word: str, intents: Intents) -> bool:
    """True for a word that can only be someone's name (unknown to the matcher, letters only)."""
    return word.isalpha() and len(word) >= 3 and word not in intents.known_words


def may_command(words: list[str], intents: Intents) -> bool:
    """True when a clause has a word some command or answer uses (else it only tells the situation)."""
    used = getattr(intents, "_command_words", None)
    if used is None:
        used = frozenset().union(*intents.intent_words.values()) - {"i", "we", "you", "the", "a", "an", "it", "is",
                                                                       "are", "am", "was", "to", "of", "and", "that"}
        intents._command_words = used  # type: ignore[attr-defined]
    return any(w in used for w in words) or only_amount(words)


_LEADS = frozenset({"yeah", "yes", "um", "uh", "er", "so", "well", "and", "right", "okay", "alright", "oh"})
_INVITING = [["go", "ahead"], ["go", "on"], ["off", "you", "go"], ["go", "for", "it"], ["carry", "on"], ["take", "it", "away"]]
"""Said beside "I'm done" in a speaking turn, inviting the partner to speak."""


def _unlead(words: list[str]) -> list[str]:
    """Words without the small words a speaker starts a sentence with ("um yeah, I think that's everything")."""
    start = 0
    while start < len(words) - 1 and words[start] in _LEADS:
        start += 1
    return words[start:]


def _handing_over(match: Match | None) -> Match | None:
    """In a turn, "you go" names who speaks: the turn passes (the exercise has started already)."""
    if match is not None and match.intent == "start_exercise" and set(match.slots) == {"speaker"}:
        return Match(intent="switch_turn", score=match.score, text=match.text, addressed=match.addressed)
    return match


def _done_speaking(words: list[str]) -> bool:
    """ "I'm done", "I'm all finished now": a speaker saying their turn is over."""
    return words[:2] == ["i", "am"] and len(words) > 2 and set(words[2:]) <= _DONE_WORDS and bool(
        set(words[2:]) & {"done", "finished", "through"})


def _to_the_partner(words: list[str]) -> bool:
    """True when "you" is someone the sentence is about ("that upset you"), not the one asked ("can you"),
    or the speaker asks the partner to talk with them ("talk to me")."""
    about_them = bool(_THIRD & set(words))  # "how do I get him to open up to me" is told to the coach
    return any((w == "you" and i > 0 and words[i - 1] not in _ASKING)
               or (w == "me" and not about_them and i > 0 and words[i - 1] in ("to", "with")) for i, w in enumerate(words))


def coach_talked_about(rest: list[str], intents: Intents) -> bool:
    """True when the words after "coach" tell of someone ("coach was right", "coach Jones never let us quit")."""
    if rest and rest[0] in _TOLD_OF and rest[0] != "never":  # "coach never mind" is said to us
        return True
    # a name or a kind of coach, then a telling verb ("coach Jones never ...", "coach travel is cheaper")
    if len(rest) < 3 or rest[0] in intents.known_words:
        return False
    return rest[1] == "is" or bool(set(rest[1:5]) & _TOLD_OF)  # "coach class on that flight was awful"


def unaddressed(whole: Match | None, original: str, words: list[str], ctx: Context, no_state: bool,
                intents: Intents, understand: Reader) -> Match | None:
    """Without the wake word, a sentence in several pieces is a command only when every piece is one:
    "keep going, I'm with you" is said to the partner. During a speaking turn, the speaker handing over
    ("I'm all talked out, your go") is switch_turn when every piece is turn language."""
    pieces = split(original, intents.normalizer.words)
    if ctx.speaking_turn:
        turn = Context(in_exercise=True)
        pieces = [p for p in pieces if intents.normalizer.drop(intents.normalizer.words(p))]  # not "right", "so"
        said = [without_vocative(_unlead(intents.normalizer.words(p)), intents) for p in pieces[:MAX_CLAUSES]]
        read = [_HANDED_OVER if _done_speaking(w) else _handing_over(understand(original, w, True, turn, False, intents))
                for w in said]
        if any(m is not None and m.intent in _HANDING_OVER for m in read):  # "I'm finished, go ahead": an invitation
            read = [_INVITED if w in _INVITING else m for w, m in zip(said, read)]
        if pieces and len(pieces) <= MAX_CLAUSES and all(
                m is not None and m.intent in _HANDING_OVER and m.score >= TURN_ACCEPT_SCORE for m in read):
            if any(m is not None and m.intent == "switch_turn" for m in read) or len(read) == 1:
                return Match(intent="switch_turn", score=min(m.score for m in read if m), text=" ".join(words))
        return None
    if whole is not None and whole.intent in CONTENT and _to_the_partner(words):
        return None  # "help me understand why that upset you": about the partner's feelings, said to them
    if whole is None or len(pieces) < 2 or (ctx.pending_question and whole.intent in ("yes", "no")):
        return whole  # (an answer leads: "no, keep going" after "shall we stop?")
    for piece in pieces[:MAX_CLAUSES]:
        piece_words = intents.normalizer.words(piece)
        if negation_length(piece_words) or only_amount(piece_words):
            continue  # "don't give me a tip, give me a question"; "start the exercise, two minutes"
        said = understand(piece, piece_words, False, ctx, no_state, intents)
        if said is not None and (said.intent in ("yes", "no") or (said.intent in CONTENT and whole.intent in CONTENT)):
            continue  # "a tip about listening, no, about trust": a correction, not a command
        if (said is None and _PERSONAL & set(piece_words)) or (said is not None and said.intent != whole.intent):
            return None  # talk between the two of them ("keep going, I'm with you"; "wait, what did you mean")
    return whole


