"""Check practice content against the house rules: schema, spoken-length limits, open-endedness, coverage."""

from __future__ import annotations

import logging
import re
import string
from collections import Counter
from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz, process, utils

from voice_coach.content.library import (
    CATEGORIES,
    DEPTHS,
    TOPICS,
    Library,
    Starter,
    Tip,
)
from voice_coach.content.spoken import CommandRules, spoken_problems

_LOGGER = logging.getLogger(__name__)

MIN_STARTERS = 500
MIN_PER_DEPTH = 8
MIN_TIPS = 80
MIN_TIPS_PER_TOPIC = 5
MIN_VARIANTS = 3
MAX_STARTER_WORDS = 20
MAX_TIP_WORDS = 35
MAX_TIP_SENTENCES = 2
MAX_MORE_WORDS = 60
MAX_TRY_WORDS = 25
NEAR_DUPLICATE_SCORE = 85
"""rapidfuzz token_set_ratio (0-100) at or above which two starters, or two tips, count as one."""
MAX_OPENING_SHARE = 0.04
"""Largest share of starters allowed to begin with the same three words, so they don't sound samey."""
MIN_STARTERS_FOR_OPENING_CHECK = 100

REQUIRED_PROMPTS: tuple[str, ...] = (
    "checkin_good_time", "checkin_phones", "checkin_pause_word", "brief_speaker", "brief_listener",
    "handover", "halfway", "one_minute", "times_up", "reflect_say_back", "reflect_did_i_get_it",
    "reflect_makes_sense", "reflect_feeling", "reflect_wrap_up", "swap", "paused", "resumed", "time_out", "time_left",
    "added_time", "confirm_stop", "stopped", "not_stopped", "closing_thanks", "closing_no_rebuttals",
    "closing_save_offer",
)  # fmt: skip
"""Exercise prompt keys the exercise reads; each must exist."""

REQUIRED_LINES: tuple[str, ...] = (
    "greeting", "help", "out_of_scope", "didnt_catch", "saved_favorite", "already_favorite",
    "nothing_to_save", "favorites_intro", "favorite_intro_one", "no_favorites", "goodbye", "nothing_to_repeat", "nothing_more",
    "more_on_starter", "slower", "faster", "louder", "quieter", "at_limit", "nothing_pending",
    "category_used_up", "no_exercise", "typed_mode", "starter_swap", "ask_each_other", "ask_follow_up",
    "starter_swap_ask",
)  # fmt: skip
"""Coach line keys the coach reads; each must exist."""

PLACEHOLDERS: dict[str, frozenset[str]] = {
    "help": frozenset({"examples"}),
    "favorites_intro": frozenset({"count"}),
    "category_used_up": frozenset({"category"}),
    "handover": frozenset({"speaker"}),
    "times_up": frozenset({"speaker"}),
    "reflect_say_back": frozenset({"speaker", "listener"}),
    "reflect_did_i_get_it": frozenset({"speaker"}),
    "reflect_makes_sense": frozenset({"speaker"}),
    "reflect_feeling": frozenset({"speaker"}),
    "swap": frozenset({"speaker"}),
    "resumed": frozenset({"amount"}),
    "time_left": frozenset({"amount"}),
    "added_time": frozenset({"minutes"}),
    "try_intro": frozenset({"try"}),
    "starter_swap": frozenset({"question"}),
    "starter_swap_ask": frozenset({"question"}),
}
"""Placeholders the code fills for each key; a required key not listed here gets none."""
ANY_PLACEHOLDER = frozenset({"speaker", "listener", "amount", "minutes", "examples", "count", "category", "try", "question"})
"""Placeholders a user pack may use under a key of its own."""
MUST_HAVE_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "handover": frozenset({"speaker"}),
    "resumed": frozenset({"amount"}),
    "time_left": frozenset({"amount"}),
    "added_time": frozenset({"minutes"}),
    "favorites_intro": frozenset({"count"}),
    "category_used_up": frozenset({"category"}),
    "try_intro": frozenset({"try"}),
    "starter_swap": frozenset({"question"}),
    "starter_swap_ask": frozenset({"question"}),
}
"""Keys whose every variant must carry these, or the line would lose its point."""

_YES_NO_OPENERS = frozenset(
    "do does did is are was were am can could would will have has had should shall may might must "
    "don't doesn't didn't isn't aren't wasn't weren't can't couldn't wouldn't won't haven't hasn't "
    "hadn't shouldn't".split()
)
_SUBJECTS = frozenset("you we i it there they he she that this your".split())
_WH_WORDS = frozenset(
    "what what's what'd what're whats how how's how'd which when when's where where's who who's whose whom".split()
)
_BLAME = re.compile(r"(?:^|[,.;:!?“\"]\s*|\b(?:and|but|because|when)\s+)(you always|you never)\b|\b(your fault)\b", re.IGNORECASE)
"""Accusing phrasings: "you always/never" opening a clause, or "your fault"."""
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"])")
_STARTER_ID = re.compile(r"^[a-z_]+\.(light|medium|deep)\.[a-z0-9_]+$")
_TIP_ID = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")


def _words(text: str) -> list[str]:
    return text.split()


def _norm_word(word: str) -> str:
    return word.replace("’", "'").strip(string.punctuation.replace("'", "") + "“”").lower()


def _sentences(text: str) -> list[str]:
    """Sentences, with a quoted example wording counted as part of the sentence around it.

    A quote ending in . ! or ? ends the outer sentence only when a capital letter follows it.
    """
    unquoted = _QUOTED.sub(lambda m: "QUOTE." if m.group(0)[-2] in ".!?" else "QUOTE", text.strip())
    return [s for s in _SENTENCE_END.split(unquoted) if s]


def _starter_problems(s: Starter) -> list[str]:
    where = f"{s.source}: starter '{s.id}'"
    out: list[str] = []
    if not _STARTER_ID.match(s.id) or not s.id.startswith(f"{s.category}.{s.depth}."):
        out.append(f"{where}: id should look like '{s.category}.{s.depth}.NN'")
    out.extend(_question_problems(where, s.text))
    for i, follow_up in enumerate(s.follow_ups, 1):
        out.extend(_question_problems(f"{where}: follow-up {i}", follow_up))
    return out


def _question_problems(where: str, text: str) -> list[str]:
    """One spoken, open-ended question of a starter or of a follow-up."""
    out: list[str] = []
    words = _words(text)
    if len(words) > MAX_STARTER_WORDS:
        out.append(f"{where}: {len(words)} words, keep it to {MAX_STARTER_WORDS} or fewer")
    if not text.endswith("?"):
        out.append(f"{where}: must end with a question mark (put the question last)")
    if text.count("?") > 1:
        out.append(f"{where}: asks more than one question; keep one idea per starter")
    sentences = _sentences(text)
    opens_with_why = any(_norm_word(x.split()[0]) == "why" or x.lower().startswith("how come") for x in sentences)
    questions = [x for x in sentences if x.endswith("?")]
    question = questions[-1] if questions else ""
    tokens = [_norm_word(w) for w in question.split()]
    clauses = [c.split() for c in question.split(",")]
    if opens_with_why:
        out.append(f"{where}: opens with 'why', which can sound like an accusation; try 'what led you to'")
    elif tokens and tokens[0] in _YES_NO_OPENERS:
        out.append(f"{where}: yes/no question ('{question.split()[0]} ...'); open with what, how, which, when, where or who")
    elif any(len(c) > 1 and _norm_word(c[0]) in _YES_NO_OPENERS and _norm_word(c[1]) in _SUBJECTS for c in clauses[1:]):
        out.append(f"{where}: ends in a yes/no question; ask what, how, which, when, where or who instead")
    elif tokens and not _WH_WORDS.intersection(tokens):
        out.append(f"{where}: not open-ended; ask with what, how, which, when, where or who")
    blame = _BLAME.search(text)
    if blame:
        phrase = (blame.group(1) or blame.group(2)).lower()
        out.append(f"{where}: '{phrase}' sounds like blame; ask about the person's own experience")
    return out


def _tip_problems(t: Tip) -> list[str]:
    where = f"{t.source}: tip '{t.id}'"
    out: list[str] = []
    if not _TIP_ID.match(t.id) or not t.id.startswith(f"{t.topic}."):
        out.append(f"{where}: id should look like '{t.topic}.NN'")
    for name, text, limit in (("text", t.text, MAX_TIP_WORDS), ("more", t.more, MAX_MORE_WORDS), ("try", t.try_, MAX_TRY_WORDS)):
        count = len(_words(text))
        if count > limit:
            out.append(f"{where}: {name} has {count} words, keep it to {limit} or fewer")
    sentences = len(_sentences(t.text))
    if sentences > MAX_TIP_SENTENCES:
        out.append(f"{where}: text has {sentences} sentences, keep it to {MAX_TIP_SENTENCES} or fewer")
    return out


def _near_duplicates(items: Sequence[Starter] | Sequence[Tip], kind: str) -> list[str]:
    """Pairs scoring at or above the cutoff, found with one vectorised cdist rather than a Python double loop."""
    if len(items) < 2:
        return []
    texts = [item.text for item in items]
    scores = process.cdist(
        texts, texts, scorer=fuzz.token_set_ratio, processor=utils.default_process,
        score_cutoff=NEAR_DUPLICATE_SCORE, dtype=np.uint8, workers=-1,
    )  # fmt: skip
    pairs = np.argwhere(np.triu(scores, k=1) >= NEAR_DUPLICATE_SCORE)
    out = []
    for i, j in pairs:
        first, second = items[int(i)], items[int(j)]
        same = utils.default_process(first.text) == utils.default_process(second.text)
        what = "duplicate" if same else f"near-duplicate (similarity {int(scores[i, j])})"
        out.append(f"{second.source}: {kind} '{second.id}' is a {what} of '{first.id}' at {first.source}; reword one of them")
    return out


def _variant_problems(library: Library, section: str, required: tuple[str, ...]) -> list[str]:
    table: dict[str, list[str]] = getattr(library, section)
    out: list[str] = []
    for key, variants in table.items():
        where = f"{library.sources.get(f'{section}.{key}', section)}: {section[:-1]} '{key}'"
        if len(variants) < MIN_VARIANTS:
            out.append(f"{where}: has {len(variants)} variant(s), write at least {MIN_VARIANTS}")
        if len(set(variants)) < len(variants):
            out.append(f"{where}: repeats a variant word for word")
        allowed = PLACEHOLDERS.get(key, frozenset() if key in required else ANY_PLACEHOLDER)
        for variant in variants:
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(variant) if name is not None}
            except ValueError:
                out.append(f"{where}: unbalanced braces in {variant!r}")
                continue
            if names - allowed:
                bad = sorted(names - allowed)[0]
                out.append(f"{where}: placeholder {{{bad}}} is not filled here; use only {sorted(allowed) or 'none'}")
            missing = MUST_HAVE_PLACEHOLDERS.get(key, frozenset()) - names
            if missing:
                out.append(f"{where}: {variant!r} leaves out {{{sorted(missing)[0]}}}")
    return out


def _coverage_problems(library: Library) -> list[str]:
    out: list[str] = []
    if len(library.starters) < MIN_STARTERS:
        out.append(f"content: {len(library.starters)} starters, need at least {MIN_STARTERS}")
    counts = Counter((s.category, s.depth) for s in library.starters)
    first_source = {}
    for s in library.starters:
        first_source.setdefault(s.category, s.source.rsplit(":", 1)[0] + ":1")
    for category in CATEGORIES:
        for depth in DEPTHS:
            have = counts[(category, depth)]
            if have < MIN_PER_DEPTH:
                where = first_source.get(category, "content")
                out.append(f"{where}: category '{category}' has {have} {depth} starters, need at least {MIN_PER_DEPTH}")
    if len(library.tips) < MIN_TIPS:
        out.append(f"content: {len(library.tips)} tips, need at least {MIN_TIPS}")
    topics = Counter(t.topic for t in library.tips)
    for topic in TOPICS:
        if topics[topic] < MIN_TIPS_PER_TOPIC:
            out.append(f"content: topic '{topic}' has {topics[topic]} tips, need at least {MIN_TIPS_PER_TOPIC}")
    for section, required in (("prompts", REQUIRED_PROMPTS), ("lines", REQUIRED_LINES)):
        for key in required:
            if key not in getattr(library, section):
                out.append(f"content: missing {section[:-1]} '{key}' (the coach needs it); add it under '{section}:'")
    if len(library.starters) >= MIN_STARTERS_FOR_OPENING_CHECK:
        openings = Counter(" ".join(_norm_word(w) for w in s.text.split()[:3]) for s in library.starters)
        limit = int(MAX_OPENING_SHARE * len(library.starters))
        for opening, count in openings.most_common():
            if count <= limit:
                break
            out.append(f"content: {count} starters open with '{opening}', more than {limit}; vary the openings")
    return out


def validate(library: Library, *, coverage: bool = True, commands: CommandRules | None = None) -> list[str]:
    """Every problem in the library as ``source:line: reason``; an empty list means it is fit to ship.

    ``coverage=False`` checks each item on its own (for a single pack) and skips the library-wide counts.
    ``commands``: what the coach hears, to check every "say ..." in prompts and lines (None skips that).
    """
    problems: list[str] = list(library.rejected)
    seen: dict[str, str] = {}
    for item in [*library.starters, *library.tips]:
        if item.id in seen:
            problems.append(f"{item.source}: duplicate id '{item.id}' (first used at {seen[item.id]})")
        else:
            seen[item.id] = item.source
    for s in library.starters:
        problems.extend(_starter_problems(s))
    for t in library.tips:
        problems.extend(_tip_problems(t))
    problems.extend(_near_duplicates(library.starters, "starter"))
    problems.extend(_near_duplicates(library.tips, "tip"))
    problems.extend(_variant_problems(library, "prompts", REQUIRED_PROMPTS))
    problems.extend(_variant_problems(library, "lines", REQUIRED_LINES))
    problems.extend(spoken_problems(library, commands))
    if coverage:
        problems.extend(_coverage_problems(library))
    _LOGGER.debug("validated %d starters, %d tips: %d problems", len(library.starters), len(library.tips), len(problems))
    return problems
