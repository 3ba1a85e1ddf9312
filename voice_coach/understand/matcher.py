"""Understand an utterance: wake word, fuzzy match over expanded templates, slots, context, out-of-scope.

The core is a pure function, ``recognize(text, intents, context) -> Match | None``:
normalise the words (normalize.py), strip the wake word, read slot values (slots.py, numbers.py),
score against the expanded templates with rapidfuzz (scoring.py), weigh keyword evidence for longer
requests (evidence.py), then apply the context: yes/no only when asked, exercise commands only
during a speaking turn, short follow-ups by what the coach did last.
"""

from __future__ import annotations

import logging

from voice_coach.understand import clauses
from voice_coach.understand.asides import command_then_aside, command_then_reason
from voice_coach.understand.evidence import (
    CONTENT,
    answer,
    by_command_cues,
    by_keywords,
    content_kind,
    foreign_subject,
    has_any,
    memory_told,
    named_kind,
    partner_talk,
    request_start,
)
from voice_coach.understand.intents import (
    INTENTS_DIR,
    OUT_OF_SCOPE,
    Intents,
    load_intents,
)
from voice_coach.understand.match import Context, Match, SlotValue
from voice_coach.understand.normalize import MAX_CHARS
from voice_coach.understand.scoring import (
    correct_words,
    marked_words,
    plain_words,
    query_words,
    replace_spans,
    score_intents,
    unknown_words,
    veto_words,
)
from voice_coach.understand.slots import SlotReading, overlaps
from voice_coach.understand.talk import (
    TURN_ACCEPT_SCORE,
    a_name,
    coach_talked_about,
    may_command,
    unaddressed,
    without_vocative,
)
from voice_coach.understand.utterance import one_utterance
from voice_coach.understand.wake import WakeWords

__all__ = ["INTENTS_DIR", "Intents", "load_intents", "recognize", "strip_wake_word"]

_LOGGER = logging.getLogger(__name__)

ACCEPT_SCORE = 80.0
"""Fuzzy score (0-100) a template match needs; below it only keyword evidence can accept."""
ANSWER_SCORE = 75.0
"""Score for yes/no while the coach waits for an answer."""
EXERCISE_MARGIN = 6.0
"""In the exercise, an exercise command this close to the best match wins."""
OUT_OF_SCOPE_SCORE = 70.0
"""Matching an out-of-scope template this well means "not for the coach"."""
MAX_WORDS = 40
"""Words scored at most; commands are short and this bounds the time per utterance."""

# Commands that only mean something while the exercise runs; outside it they need the wake word or a template.
_EXERCISE_ONLY = frozenset({"switch_turn", "time_left", "add_time", "time_out", "repeat_rules", "done"})
"""Words that, right after "coach" or a name after it, make it someone talked about."""
_FIRST_SPEAKER_FRAME = frozenset({"XWHO", "XMIN", "let", "for", "this", "time", "each", "a", "turn", "per", "person",
                                  "with", "and", "then", "round", "ok", "okay", "start", "begin", "go", "it"})
"""Words that may stand around who goes first and the amount in a request to start ("me first this time")."""
"""Words of talk between the two of them, in a piece of a sentence that is no command."""
"""What a speaker says, without the wake word, to hand the turn over ("I'm done, your go")."""
_FOLLOW_UP_INTENTS = frozenset({"tell_more", "resume", "another"})
# Words that make "another" more than a named kind ("another question" is not a new starter request).
_ANOTHER_WORDS = frozenset({"another", "different", "next", "new", "else", "other", "more"})
# Short follow-ups whose meaning depends on what the coach just did.
# "One thing to try" asks for something new; "the thing to try" means the last tip's.
_SOMETHING_NEW = frozenset({"one", "something", "anything", "a"})
_SAVE_REFERENCE = frozenset({"that", "this", "it", "the", "those", "these", "last", "one", "favorite", "favorites",
                             "keeper", "save", "saved", "bookmark"})
"""Saving needs something to save: a word pointing at what was just given, or the word save itself."""
_FOLLOW_UPS = frozenset({"more", "next", "one more", "more please", "next one", "and", "again"})


def strip_wake_word(text: str, intents: Intents, wake: WakeWords | None = None) -> tuple[bool, str]:
    """(addressed, rest): whether the text starts with the wake word (or says it after an aside: "the pan is
    sizzling coach speak up"), and the normalised words after it."""
    wake = wake or intents.wake
    said = intents.normalizer.words(text[:MAX_CHARS] if isinstance(text, str) else "")
    addressed, rest = wake.strip(said)
    at = None if addressed else wake.inside(said)
    if at is not None and not coach_talked_about(said[at + 1:], intents):
        return True, " ".join(said[at + 1:])
    return addressed, " ".join(rest)


def recognize(text: str, intents: Intents, context: Context | None = None, wake: WakeWords | None = None) -> Match | None:
    """The intent and slots of `text`, or None when it is out of scope (or not allowed in `context`).

    `wake` is the wake word in use (default: the lexicon's, "coach").

    `context=None` means no dialogue state at all (``voice-coach parse``): every intent may match,
    yes/no included. A Context without pending_question rules yes/no out.
    """
    with one_utterance():
        return _recognize(text, intents, context, wake)


def _recognize(text: str, intents: Intents, context: Context | None, wake: WakeWords | None) -> Match | None:
    ctx = context or Context()
    original = text[:MAX_CHARS] if isinstance(text, str) else ""
    wake = wake or intents.wake
    said = intents.normalizer.words(original)
    addressed, words = wake.strip(said)
    if addressed and coach_talked_about(words, intents):
        addressed, words = False, said  # "coach Taylor always told us ...": a coach, not this one
    no_state = context is None
    pieces = clauses.split(original, intents.normalizer.words)
    if not addressed:
        at = wake.inside(said)
        if at is None or coach_talked_about(said[at + 1:], intents):
            if wake.talked_about(said):
                return None  # "what was the last thing the coach said": about the coach, to each other
            whole = _understand(original, words, addressed, ctx, no_state, intents)
            return unaddressed(whole, original, words, ctx, no_state, intents, _understand)
        # "the pan is sizzling coach speak up": the aside, then the command said to the coach
        addressed, words = True, said[:at] + said[at + 1:]
        pieces = clauses.around_wake(original, said[:at].count(said[at]), said[at], intents.normalizer.words)

    def understand(piece: str, piece_words: list[str]) -> Match | None:
        return _understand(original, piece_words, True, ctx, no_state, intents) if may_command(piece_words, intents) else None

    if ctx.pending_question and answer(words, intents):
        return _understand(original, words, addressed, ctx, no_state, intents)  # "no coach, we're good for now"
    if len(pieces) < 2 and not clauses.negation_length(words):
        whole = _understand(original, words, addressed, ctx, no_state, intents)
        weak = whole is None or (whole.intent in CONTENT and whole.score < ACCEPT_SCORE)  # content by keywords only
        pieces = clauses.implicit(words) if weak and not ctx.speaking_turn else []
        if len(pieces) < 2:
            if whole is None and addressed and not ctx.speaking_turn:
                return command_then_aside(words, ctx, no_state, intents)  # "hold on, the door"
            return whole
        if whole is not None:  # "we're in a hurry so talk faster": a plain command beats a tip read from the story
            clause = clauses.choose(lambda: whole, clauses.read(pieces, wake, intents, understand))
            return clause if clause is not None and clause.intent not in CONTENT and clause.score >= 95 else whole

    read = clauses.read(pieces, wake, intents, understand)
    chosen = clauses.choose(lambda: _understand(original, words, addressed, ctx, no_state, intents), read)
    if chosen is None and not ctx.speaking_turn and not any(clause.refusal for clause, _, _ in read):
        finer = [q for p in pieces for q in (clauses.implicit(intents.normalizer.words(p)) or [p])]
        if len(finer) > len(pieces):  # "my mum just rang, let us stop and do it another day"
            chosen = clauses.choose(lambda: None, clauses.read(finer, wake, intents, understand))
    if chosen is not None and chosen.intent in ("add_time", "start_exercise"):
        reading = intents.slot_reader.read(words, original)
        if reading.speaker is not None:  # "me first this time, four minutes": who goes first starts the exercise
            slots = {**_slots("start_exercise", reading), **(chosen.slots if chosen.intent == "start_exercise" else {})}
            return Match(intent="start_exercise", slots=slots, score=chosen.score, text=chosen.text, addressed=True)
    return chosen


def _understand(original: str, words: list[str], addressed: bool, ctx: Context, no_state: bool,
                intents: Intents) -> Match | None:
    """The intent and slots of words (the wake word already taken off); `original` as said, for names."""
    words = correct_words(without_vocative(words[:MAX_WORDS], intents), intents)
    if not words or (ctx.speaking_turn and not addressed):
        return None  # nothing said, or the speaker's words, which are not for the coach
    reading = intents.slot_reader.read(words, original)
    if addressed and len(words) > 1 and words[-2] == "to" and a_name(words[-1], intents):
        words = words[:-1] + ["them"]  # "over to Dan", "give the floor to Alex": a person, as "them"
    marked = marked_words(words, reading)
    plain = query_words(plain_words(words, reading), intents)
    mode = "turn" if ctx.speaking_turn else ("pending" if ctx.pending_question or no_state else "normal")
    queries = [plain, query_words(marked, intents)]
    if reading.situations:  # also as said, so "what should we have for dinner" still meets its out-of-scope template
        queries.append(query_words(replace_spans(words, [(reading.minutes, "minutes")]), intents))
    scores = score_intents(queries, intents, mode)
    intent = _decide(scores, words, plain, marked, reading, addressed, ctx, intents)
    if intent == "save_favorite" and not _SAVE_REFERENCE & set(words):
        # Saving keeps what was just given ("save that", "keep this one"); "make up a question" asks for a new one.
        scores = {name: score for name, score in scores.items() if name != "save_favorite"}
        intent = _decide(scores, words, plain, marked, reading, addressed, ctx, intents)
    if intent is None and reading.speaker is not None and not ctx.speaking_turn and all(
            w in _FIRST_SPEAKER_FRAME or w in intents.cues_words("start_exercise") for w in plain):
        intent = "start_exercise"  # "let Rosa talk first for four minutes": who goes first, and how long
    if (intent in _EXERCISE_ONLY and not no_state and not (ctx.in_exercise or addressed)
            and scores.get(intent, 0.0) < ACCEPT_SCORE):
        intent = None  # "I need more time to get ready": no exercise runs, a command word alone is not enough
    if intent is None:
        if not ctx.speaking_turn:  # never log what a speaker says during their turn
            _LOGGER.debug("no match (best %s)", max(scores.items(), key=lambda kv: kv[1], default=None))
        return None
    intent = _follow_up(intent, " ".join(plain), ctx, no_state)
    score = round(min(100.0, max(scores.get(intent, 0.0), 0.0)), 1)
    return Match(intent=intent, slots=_slots(intent, reading), score=score,
                 text=" ".join(words), addressed=addressed)



def _decide(scores: dict[str, float], words: list[str], plain: list[str], marked: list[str], reading: SlotReading,
            addressed: bool, ctx: Context, intents: Intents) -> str | None:
    """Pick the intent from fuzzy scores, keyword evidence and context; None for out of scope."""
    ranked = sorted(scores.items(), key=lambda kv: -kv[1]) or [(OUT_OF_SCOPE, 0.0)]
    best, best_score = ranked[0]
    if ctx.speaking_turn:
        ok = best in intents.exercise_intents and best_score >= TURN_ACCEPT_SCORE
        return best if ok else command_then_reason(words, intents)
    if ctx.pending_question:
        said = answer(words, intents) or max(("yes", "no"), key=lambda a: scores.get(a, 0.0))
        if answer(words, intents) or scores.get(said, 0.0) >= max(ANSWER_SCORE, best_score - 5):
            return said
    if ctx.in_exercise and best not in intents.exercise_intents:
        for name, score in ranked[1:]:
            if name in intents.exercise_intents and score >= max(best_score - EXERCISE_MARGIN, ACCEPT_SCORE):
                return name
    about_us = reading.topic is not None or has_any(words, intents.domain_words)
    if scores.get(OUT_OF_SCOPE, 0.0) >= max(best_score, OUT_OF_SCOPE_SCORE + 15 * about_us):
        return None  # an out-of-scope template fits at least as well as any intent (and well, if we are talked about)
    if partner_talk(words, intents) and not (addressed and ctx.in_exercise and best in intents.exercise_intents):
        return None  # "tell me more about your day" is said to the partner
    story = request_start(words)  # what they were doing before asking ("we've finished eating") vetoes nothing
    vetoed = has_any(veto_words(["~"] * story + words[story:], reading), intents.out_of_scope_words)
    if best != OUT_OF_SCOPE and best_score >= ACCEPT_SCORE and (not vetoed or best_score >= 95):
        if best in CONTENT or (best in _FOLLOW_UP_INTENTS and not _ANOTHER_WORDS & set(words)
                               and named_kind(marked, intents)):
            if best_score < 95 and foreign_subject(words, reading, intents):
                return None
            return content_kind(marked, reading, intents) or best  # "go on, give us a question"
        if best == "start_exercise" and ctx.in_exercise and not (reading.minutes or reading.speaker):
            return "resume"  # "back to the exercise" while it runs
        return best
    query = query_words(marked, intents)
    prefer = intents.exercise_intents if ctx.in_exercise else frozenset()
    # topic words count against a command: "stop interrupting me" is no "stop"
    command = by_command_cues(plain, intents, lambda name, ws: unknown_words(ws, name, intents), addressed, prefer)
    if vetoed:
        # "coach, pause, someone's at the door": a command to the coach in the exercise holds
        if command and addressed and command[0] in prefer:
            return command[0]
        return None
    if command and command[1] >= (3 if named_kind(marked, intents) else 2):
        return command[0]  # "you're going too fast"; but "go on, give us a question" names the kind
    content = by_keywords(words, marked, query, reading, addressed, intents)
    if content and foreign_subject(words, reading, intents):
        return None  # "any tips for a crispy roast potato"
    if content and not addressed and reading.depth is None and memory_told(words, marked, intents):
        return None  # "remember the first time we cooked together": a memory shared, no request
    return content or (command[0] if command else None)


def _follow_up(intent: str, plain: str, ctx: Context, no_state: bool = False) -> str:
    """Resolve "more", "next", "again", "skip" by what the coach just did."""
    if intent == "skip" and not ctx.in_exercise and not no_state:
        return "another"  # outside the exercise, skipping means "not this one"
    if intent == "tell_more" and not ctx.last_kind and _SOMETHING_NEW & set(plain.split()) and "try" in plain:
        return "tip"  # "give me one thing to try tonight", with nothing said before to tell more about
    if intent == "resume" and not ctx.in_exercise and ctx.last_kind:
        return "tell_more"  # "keep going" after a tip
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
    if intent in ("conversation_starter", "start_session"):  # a session's theme is a starter category
        depth, category = reading.depth, reading.category
        if depth and category and overlaps(depth, category):
            # one phrase, two readings ("light hearted" is not about the heart): the longer one wins
            if depth.end - depth.start >= category.end - category.start:
                category = None
            else:
                depth = None
        if depth:
            slots["depth"] = depth.value
        if category:
            slots["topic"] = category.value
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
