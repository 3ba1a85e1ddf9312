"""A whole command, then a clause about the situation ("coach, hang on, someone's at the door").

Said without a pause, the clause about the situation sinks the score of the whole sentence; the command before
it stands when it matches a template (almost) exactly and the clause starts as a new one (its own subject).
"""

from __future__ import annotations

import logging

from voice_coach.understand.evidence import CONTENT, has_any
from voice_coach.understand.intents import OUT_OF_SCOPE, Intents
from voice_coach.understand.match import Context, Match
from voice_coach.understand.scoring import query_words, score_intents

_LOGGER = logging.getLogger(__name__)

WHOLE_COMMAND_SCORE = 95.0
"""In a speaking turn, the words before a new clause must be a command this exactly."""
MAX_PREFIX_WORDS = 4
"""Longest command looked for before a new clause in a speaking turn."""

# Words that start a clause of its own after a command ("hang on, someone's at the door").
CLAUSE_STARTS = frozenset({"someone", "somebody", "i", "we", "he", "she", "they", "there", "my", "our", "phone",
                           "baby", "kids", "dog", "doorbell"})
_ASIDE_STARTS = CLAUSE_STARTS | {"door", "kettle", "doorbell", "toddler", "baby", "dinner", "food"}
"""Words that start an aside after a whole command said to the coach ("pause it, someone's here"); an object
("stop the oven", "pause the movie") is no aside."""
_QUESTION_STARTS = frozenset({"how", "what", "when", "where", "why", "who", "which", "is", "are", "do", "does", "can",
                              "could", "would", "will", "should", "remind"})
"""Words of a question or request that goes on past its first words ("how long do I ...")."""


def command_then_reason(words: list[str], intents: Intents, mode: str = "turn",
                        starts: frozenset[str] = CLAUSE_STARTS) -> str | None:
    """In a speaking turn, "coach, hang on, someone's at the door": a whole command, then a new clause.

    The clause must start with its own subject, so "switch off the tv" or "pause and talk about ..." stay
    the speaker's words.
    """
    for n in range(min(MAX_PREFIX_WORDS, len(words) - 1), 0, -1):
        if words[n] not in starts:
            continue
        scores = score_intents([query_words(words[:n], intents)], intents, mode)
        best = max(scores.items(), key=lambda kv: kv[1], default=(None, 0.0))
        if best[0] is not None and best[1] >= WHOLE_COMMAND_SCORE:
            return best[0]
    return None


def command_then_aside(words: list[str], ctx: Context, no_state: bool, intents: Intents) -> Match | None:
    """Said to the coach, a whole command and then a clause about the situation ("hold on someone is at the
    door"): the command stands when it matches a template (almost) exactly."""
    if not words or words[0] in _QUESTION_STARTS or has_any(words, intents.out_of_scope_words):
        return None  # "how long do I boil an egg": a question of its own, about something else
    mode = "pending" if ctx.pending_question or no_state else "normal"
    name = command_then_reason(words, intents, mode, _ASIDE_STARTS)
    if name is None or name in CONTENT or name == OUT_OF_SCOPE or (
            name in ("yes", "no") and not (ctx.pending_question or no_state)):
        return None
    return Match(intent=name, slots={}, score=WHOLE_COMMAND_SCORE, text=" ".join(words), addressed=True)
