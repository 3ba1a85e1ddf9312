"""Check guided sessions and games against the house rules: length, shape, depth order, spoken style."""

from __future__ import annotations

import logging
import re
import string

from voice_coach.content.asker import FIRST_PERSON_ONE, first_person_word
from voice_coach.content.library import DEPTHS
from voice_coach.content.sessions import (
    FORMATS,
    MAX_STEPS,
    MIN_STEPS,
    SessionBook,
    Step,
)
from voice_coach.content.validate import (
    _BLAME,
    _SUBJECTS,
    _WH_WORDS,
    _YES_NO_OPENERS,
    _norm_word,
    _sentences,
)

_LOGGER = logging.getLogger(__name__)

MIN_SESSIONS = 12
MIN_GAME_ITEMS = 30
MAX_STEP_WORDS = 22
"""A question in a session: one breath, two at most."""
MAX_LINE_WORDS = 30
"""An intro, a close or a thing to do together: two breaths at most."""
MAX_SENTENCES = 2
REQUIRED_LINES: tuple[str, ...] = (
    "intro_named", "intro_unnamed", "first", "second", "first_unnamed", "second_unnamed", "guess", "guess_unnamed",
    "reveal", "reveal_unnamed", "finish", "finish_unnamed", "together", "break_offer", "break_taken",
    "break_declined", "paused", "resumed", "not_paused", "confirm_stop", "not_stopped", "stopped", "closing",
    "finished", "deeper", "deepest", "lighter", "lightest", "skipped", "in_session", "session_help",
    "nothing_to_repeat", "starting", "game_intro",
)  # fmt: skip
"""Session line keys the session reads; each must exist."""
PLACEHOLDERS = frozenset({"first", "second", "title", "count"})

_BRITISH = re.compile(
    r"\b(colour\w*|favourit\w*|behaviour\w*|neighbour\w*|honour\w*|humour\w*|realis\w*|organis\w*|apologis\w*|"
    r"recognis\w*|centre|theatre|travell\w*|mum|mums|mummy|holidays?\b(?= abroad)|whilst|amongst|cosy|grey)\b",
    re.IGNORECASE,
)
_QUOTE_MARKS = re.compile(r"[\"“”‘«»]|(?:^|\s)'|'(?=\s|$|[,.?!])")
"""Quote marks; an apostrophe inside a word (you're, partner's) is not one."""
_DIGITS = re.compile(r"\d")
_MORE_WH = frozenset({"who'd", "who'll", "who're", "what'll", "where'd"})


def _words(text: str) -> int:
    return len(text.split())


def style_problems(text: str, limit: int) -> list[str]:
    """What breaks the spoken style in any line: length, quote marks, numerals, British spelling, blame."""
    out = []
    if _words(text) > limit:
        out.append(f"{_words(text)} words, keep it to {limit} or fewer")
    if len(_sentences(text)) > MAX_SENTENCES:
        out.append(f"{len(_sentences(text))} sentences; keep it to {MAX_SENTENCES} breaths")
    if _QUOTE_MARKS.search(text.replace("’", "'")):
        out.append("has quote marks; say it without them")
    if _DIGITS.search(text):
        out.append("has numerals; write numbers as words")
    british = _BRITISH.search(text)
    if british:
        out.append(f"'{british.group(0)}' is British spelling; use US spelling")
    blame = _BLAME.search(text)
    if blame:
        out.append(f"'{(blame.group(1) or blame.group(2)).lower()}' sounds like blame")
    return out


def question_problems(text: str) -> list[str]:
    """An open question, asked last: no why, no yes/no."""
    if not text.endswith("?"):
        return ["must end with a question mark (put the question last)"]
    if text.count("?") > 1:
        return ["asks more than one question"]
    sentences = _sentences(text)
    question = sentences[-1]
    tokens = [_norm_word(w) for w in question.split()]
    if any(_norm_word(s.split()[0]) == "why" or s.lower().startswith("how come") for s in sentences):
        return ["opens with why, which can sound like an accusation"]
    if tokens and tokens[0] in _YES_NO_OPENERS:
        return [f"yes/no question ('{question.split()[0]} ...'); ask with what, how, which, when, where or who"]
    clauses = [c.split() for c in question.split(",")]
    if any(len(c) > 1 and _norm_word(c[0]) in _YES_NO_OPENERS and _norm_word(c[1]) in _SUBJECTS for c in clauses[1:]):
        return ["ends in a yes/no question; ask what, how, which, when, where or who instead"]
    if not (_WH_WORDS | _MORE_WH).intersection(tokens):
        return ["not open-ended; ask with what, how, which, when, where or who"]
    return []


def step_problems(step: Step) -> list[str]:
    limit = MAX_LINE_WORDS if step.kind == "together" or step.depth == "close" else MAX_STEP_WORDS
    out = style_problems(step.text, limit)
    if step.kind == "finish":
        if not step.text.endswith("...") or "?" in step.text:
            out.append("a sentence to finish ends with ... and asks nothing")
    else:
        out.extend(question_problems(step.text))
        # The coach asks each of you in turn, so an "I" can only be the coach ("we" it may share with you).
        mine = first_person_word(step.text, FIRST_PERSON_ONE) if step.kind in ("question", "guess") else None
        if mine is not None:
            out.append(f"'{mine}' would be heard as the coach, who asks each of you in turn; say 'your partner' instead")
    return [f"{step.source}: {problem}: {step.text}" for problem in out]


def _session_problems(book: SessionBook) -> list[str]:
    out: list[str] = []
    seen: dict[str, str] = {}
    for session in book.sessions:
        where = f"{session.source}: session '{session.id}'"
        if session.id in seen:
            out.append(f"{where}: duplicate id (first used at {seen[session.id]})")
        seen.setdefault(session.id, session.source)
        count = len(session.all_steps)
        if not MIN_STEPS <= count <= MAX_STEPS:
            out.append(f"{where}: {count} steps with the close, keep it between {MIN_STEPS} and {MAX_STEPS}")
        order = [DEPTHS.index(s.depth) for s in session.steps]
        if order != sorted(order):
            out.append(f"{where}: steps go back to a lighter depth; order them light, medium, deep")
        if order and (order[0] != 0 or order[-1] != len(DEPTHS) - 1):
            out.append(f"{where}: start with a light step and reach a deep one")
        out.extend(f"{where}: intro: {p}" for p in style_problems(session.intro, MAX_LINE_WORDS))
        for step in session.all_steps:
            out.extend(step_problems(step))
    return out


def _line_problems(book: SessionBook) -> list[str]:
    out = []
    for key, variants in book.lines.items():
        where = f"{book.sources.get(f'session_lines.{key}', 'session_lines')}: session line '{key}'"
        for variant in variants:
            try:
                names = {n for _, n, _, _ in string.Formatter().parse(variant) if n is not None}
            except ValueError:
                out.append(f"{where}: unbalanced braces in {variant!r}")
                continue
            if names - PLACEHOLDERS:
                out.append(f"{where}: placeholder {{{sorted(names - PLACEHOLDERS)[0]}}} is not filled; use {sorted(PLACEHOLDERS)}")
            out.extend(f"{where}: {p}" for p in style_problems(variant, MAX_LINE_WORDS) if "quote" not in p or "{" not in variant)
    return out


def validate_sessions(book: SessionBook, *, coverage: bool = True) -> list[str]:
    """Every problem as ``source:line: reason``; empty when the sessions and games are fit to ship."""
    problems = list(book.rejected) + _session_problems(book) + _line_problems(book)
    for game in book.games.values():
        texts: dict[str, str] = {}
        for step in game.items:
            problems.extend(step_problems(step))
            if step.text.lower() in texts:
                problems.append(f"{step.source}: repeats the item at {texts[step.text.lower()]}")
            texts.setdefault(step.text.lower(), step.source)
    if coverage:
        if len(book.sessions) < MIN_SESSIONS:
            problems.append(f"content: {len(book.sessions)} sessions, need at least {MIN_SESSIONS}")
        for name in FORMATS:
            have = len(book.games[name].items) if name in book.games else 0
            if have < MIN_GAME_ITEMS:
                problems.append(f"content: format '{name}' has {have} items, need at least {MIN_GAME_ITEMS}")
        problems.extend(f"content: missing session line '{key}'; add it under 'session_lines:'"
                        for key in REQUIRED_LINES if key not in book.lines)
    _LOGGER.debug("validated %d sessions, %d games: %d problems", len(book.sessions), len(book.games), len(problems))
    return problems
