"""Checks for the ear: what a voice reads wrongly or a listener mishears, and commands the coach won't hear.

Quote marks, digits and symbols are silent or read oddly by a voice, British and American spellings
mixed in one library sound careless, a few words have two readings (a voice picks one), and an
instruction like "say resume" must name something the coach acts on where it is said.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from voice_coach.content.library import Library

_LOGGER = logging.getLogger(__name__)

CommandReader = Callable[[str], tuple[str | None, bool]]
"""Reads one spoken phrase: (the intent it means or None, whether it starts with the wake word)."""


@dataclass(frozen=True)
class CommandRules:
    """What the coach hears, for checking "say ..." instructions in prompts and lines."""

    read: CommandReader
    bare_ok: frozenset[str]
    """Intents heard without the wake word right after the coach speaks (the follow-up window)."""
    wake_word: str = "coach"


# ----- word lists ------------------------------------------------------------------------------------

BRITISH: dict[str, str] = {
    "practise": "practice", "practising": "practicing", "practised": "practiced", "practises": "practices",
    "favourite": "favorite", "favourites": "favorites", "colour": "color", "colours": "colors",
    "behaviour": "behavior", "honour": "honor", "honouring": "honoring", "humour": "humor",
    "neighbour": "neighbor", "neighbours": "neighbors", "rumour": "rumor", "flavour": "flavor",
    "labour": "labor", "endeavour": "endeavor", "savour": "savor", "harbour": "harbor",
    "cosy": "cozy", "cosier": "cozier", "centre": "center", "theatre": "theater", "metre": "meter",
    "travelling": "traveling", "travelled": "traveled", "traveller": "traveler", "cancelled": "canceled",
    "cancelling": "canceling", "labelled": "labeled", "counselling": "counseling", "counsellor": "counselor",
    "modelling": "modeling", "fuelled": "fueled", "quarrelled": "quarreled", "signalled": "signaled",
    "judgement": "judgment", "judgements": "judgments", "acknowledgement": "acknowledgment",
    "ageing": "aging", "jewellery": "jewelry", "programme": "program", "catalogue": "catalog",
    "cheque": "check", "tyre": "tire", "pyjamas": "pajamas", "mould": "mold", "plough": "plow",
    "sceptical": "skeptical", "defence": "defense", "offence": "offense", "licence": "license",
    "whilst": "while", "amongst": "among", "learnt": "learned", "spelt": "spelled", "fulfil": "fulfill",
    "analyse": "analyze", "paralysed": "paralyzed", "grey": "gray", "mum": "mom", "mums": "moms",
    "mummy": "mommy", "sofa": "couch", "sofas": "couches", "fortnight": "two weeks", "maths": "math",
    "washing up": "doing the dishes", "washing-up": "the dishes", "queue": "line", "telly": "TV",
    "holiday photos": "vacation photos", "in hospital": "in the hospital", "at the weekend": "on the weekend",
}  # fmt: skip
"""British form -> the American one the library uses (like "favorite")."""
_ISE_STEMS = (
    "real", "recogn", "apolog", "organ", "priorit", "critic", "emphas", "sympath", "summar", "memor",
    "visual", "normal", "minim", "maxim", "util", "final", "energ", "agon", "categor", "special",
    "character", "familiar", "romantic", "scrutin", "stabil", "trivial", "personal", "verbal",
)  # fmt: skip
_ISE = re.compile(r"\b(" + "|".join(_ISE_STEMS) + r")is(e|es|ed|ing|ation|ations)\b", re.IGNORECASE)

_NOT_A_VERB = "".join(f"(?<!\\b{w} )" for w in ("being", "feel", "feeling", "felt", "so", "very", "more", "how", "stay", "sit"))
MISREAD: tuple[tuple[str, str], ...] = (
    (r"\b(?:m{2,}|hm+|mm-?hm+|uh-huh)\b", "a voice can't say it; write a word, like 'go on' or 'yeah'"),
    (r"\b(?:has|have|had|is|was|were|be|been|get|got|gets|all)\s+wound\b|\bwound\s+(?:up|down|round|around|tight)\b",
     "'wound' here rhymes with 'round', but a voice reads the injury; say 'finished' or 'wrapped up'"),
    (r"\b(?:feel|feels|felt|feeling|completely|quite|so|very|more|most|be|being|is|am|are|was|were|seem|seems"
     r"|perfectly|truly|deeply|really|totally|fairly)\s+content\b",
     "a voice reads 'content' as the noun; say 'at peace' or 'satisfied'"),
    (_NOT_A_VERB + r"\bclose (?:up|off|down|it|them|the|a|this|that)\b",
     "a voice may read the verb 'close' as the adjective; say 'shut', 'end' or 'pull back'"),
    (r"\bI[- ]statements?\b", "heard as 'eye statements'; say 'sentences that start with I'"),
    (r"(?<!\bin )\ba row\b|\brows\b", "a voice reads it as a line of things; say 'an argument'"),
)
"""Words a voice reads wrongly (pattern, why and what to say instead)."""
_MISREAD = tuple((re.compile(p, re.IGNORECASE), why) for p, why in MISREAD)

_SYMBOL = re.compile(r"[$£€%&/+#@*=<>|~^_\[\]\\]")
_DIGIT = re.compile(r"\d")
_ABBREVIATION = re.compile(r"\b(?:e\.g\.|i\.e\.|etc\.|vs\.|approx\.|mins?\b|hrs?\b)", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\w+\}")
_SAY = re.compile(r"\bsay,?\s+(?!back\b)([^.;:!?]+)", re.IGNORECASE)
"""A "say X" instruction; "say back what you heard" is paraphrasing, not words to say."""
_OR_WAKE = re.compile(r"\bor,?\s+(?:say\s+)?(coach,[^.;:!?]+)", re.IGNORECASE)
_PHRASE_END = re.compile(
    r"\s(?:when|whenever|to|if|or|at|for|after|once|then|anytime|and|until|in|so)\b.*$", re.IGNORECASE
)


# ----- one text at a time ----------------------------------------------------------------------------


def quoted_subject(text: str) -> str | None:
    """The quoted words that open a sentence (and so sound like the coach's own words), or None.

    Quoted words after an introduction ("try saying: “…”") are fine, and so is a second quote right
    after a quoted question ("ask: “Did I get it?” “Is there more?”").
    """
    in_quote = False
    at_start = True
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        opening = ch == "“" or (ch == '"' and not in_quote)
        if opening:
            if at_start:
                end = text.find("”" if ch == "“" else '"', i + 1)
                return text[i : end + 1] if end > i else text[i:]
            in_quote = True
        elif ch == "”" or ch == '"':
            in_quote = False
            # A quote that ends its own sentence ends the outer one only if a capital letter follows.
            rest = text[i + 1 :].lstrip()
            at_start = text[i - 1 : i] in (".", "!", "?") and rest[:1].isupper()
            continue
        if not in_quote:
            at_start = ch in ".!?"
    return None


SPEAKING_WORDS = frozenset({
    "say", "says", "saying", "said", "ask", "asks", "asking", "try", "trying", "like", "tell", "telling",
    "add", "adding", "reply", "answer", "check", "offer", "words", "phrase", "line", "sentence", "question",
})  # fmt: skip
"""Words that, right before a colon or dash, mark the quote after it as something to say ("you could say: …")."""
_LABELLED_QUOTE = re.compile(r"(\S+)\s*(?::|—|–|\s-)\s*([“\"][^”\"]*[”\"]?)")


def unintroduced_quotes(text: str) -> list[str]:
    """Quotes after a bare colon or dash ("own it plainly: “I'm sorry.”"), which sound like the coach's own words.

    Aloud the quote marks vanish, so "call a break: “I'm getting heated”" sounds like the coach is heated;
    a speaking word right before the colon ("try saying: …", "something like: …", "ask: …") fixes it.
    """
    out = []
    for match in _LABELLED_QUOTE.finditer(text):
        before = re.sub(r"\W+", "", match.group(1).rsplit(",", 1)[-1]).lower()
        if before not in SPEAKING_WORDS:
            out.append(match.group(2))
    return out


_SPLIT_QUOTE = re.compile(r"([“\"][^”\"]+[”\"])\s*,?\s+[a-z]")


def quotes_mid_sentence(text: str) -> list[str]:
    """Quotes that the sentence around them carries on after.

    Aloud the quote marks vanish, so the listener can't hear where 'Saying “I loved hearing about your
    afternoon” keeps the chats coming' stops quoting; and 'Saying “Let's leave it there. Thanks for
    talking” ends things well' sounds like the coach signing off. Put the quote last, after a speaking verb.
    """
    return [m.group(1) for m in _SPLIT_QUOTE.finditer(text)]


_MID_SENTENCE_CUES = SPEAKING_WORDS - {"add", "adding"}
"""Words that cue a quote inside a sentence; "add “and another thing”" still sounds like the coach adding it."""
_CUE_WORD = re.compile(r"([\w'’-]+)\W*$")


def uncued_quotes(text: str) -> list[str]:
    """Quotes inside a sentence with no speaking word right before them ("add “and another thing.”").

    Aloud the quote marks vanish, so 'swap “but” for “and”' blurs and 'It's tempting to add “and another
    thing.”' sounds like the coach adding another thing. Quotes opening a sentence or after a colon or
    dash have their own checks; a quote right after another quote continues it.
    """
    out = []
    for match in re.finditer(r"[“\"]([^”\"]*)[”\"]?", text):
        if match.group(0)[0] == '"' and text[: match.start()].count('"') % 2:
            continue  # a closing straight quote, not an opening one
        before = text[: match.start()].rstrip()
        if not before or before[-1] in ".!?:—–-”\"":
            continue
        cue = _CUE_WORD.search(before)
        if cue is None or cue.group(1).lower() not in _MID_SENTENCE_CUES:
            out.append(match.group(0))
    return out


def spelling(text: str) -> list[str]:
    """British forms in ``text`` as "British → American" hints."""
    out = []
    for british, american in BRITISH.items():
        if re.search(rf"\b{re.escape(british)}\b", text, re.IGNORECASE):
            out.append(f"'{british}' → '{american}'")
    for match in _ISE.finditer(text):
        out.append(f"'{match.group(0)}' → '{match.group(0)[:-len(match.group(2)) - 2]}iz{match.group(2)}'")
    return out


def misread(text: str) -> list[str]:
    return [f"'{m.group(0)}': {why}" for pattern, why in _MISREAD if (m := pattern.search(text))]


def symbols(text: str) -> list[str]:
    """Digits, symbols and abbreviations: a voice reads them oddly, or not at all."""
    plain = _PLACEHOLDER.sub("", text)
    out = []
    if m := _SYMBOL.search(plain):
        hint = "a money amount in words, like 'twenty dollars'" if m.group(0) in "$£€" else "the words you mean"
        out.append(f"'{m.group(0)}' is read oddly or not at all; write {hint}")
    if _DIGIT.search(plain):
        out.append("has digits; write numbers as words, like 'ten minutes'")
    if m := _ABBREVIATION.search(plain):
        out.append(f"'{m.group(0)}' is an abbreviation; say it in full")
    return out


def say_phrases(text: str) -> Iterator[str]:
    """Each phrase a line tells the couple to say: "say coach, resume when ..." gives "coach, resume"."""
    for match in _SAY.finditer(text):
        rest = match.group(1)
        parts = [p.strip() for p in rest.split(",")]
        phrase = ", ".join(parts[:2]) if parts[0].lower() == "coach" and len(parts) > 1 else parts[0]
        yield _PHRASE_END.sub("", phrase).strip(" ”\"“")
        for alt in _OR_WAKE.finditer(rest):
            yield _PHRASE_END.sub("", alt.group(1)).strip(" ”\"“")


def command_problems(text: str, rules: CommandRules, *, exercise: bool) -> list[str]:
    """A "say X" that names a command the coach won't act on where the line is spoken."""
    out = []
    for phrase in say_phrases(text):
        if not phrase:
            continue
        intent, addressed = rules.read(phrase)
        if addressed and intent is None:
            out.append(f"'say {phrase}': the coach doesn't understand that; name a command it knows")
        elif not addressed and intent is not None and (exercise or intent not in rules.bare_ok):
            where = "in the exercise" if exercise else "a moment after a reply"
            out.append(f"'say {phrase}': a bare '{phrase}' isn't heard here ({where}); say '{rules.wake_word}, {phrase}'")
    return out


# ----- the whole library -----------------------------------------------------------------------------


def _texts(library: Library) -> Iterator[tuple[str, str, str]]:
    """(where, section, text) for every line a voice reads out."""
    for s in library.starters:
        yield f"{s.source}: starter '{s.id}'", "starters", s.text
        for follow_up in getattr(s, "follow_ups", ()) or ():
            yield f"{s.source}: starter '{s.id}' follow-up", "starters", follow_up
    for t in library.tips:
        for name, text in (("text", t.text), ("more", t.more), ("try", t.try_)):
            yield f"{t.source}: tip '{t.id}' {name}", "tips", text
    for section in ("prompts", "lines"):
        table: dict[str, list[str]] = getattr(library, section)
        for key, variants in table.items():
            where = f"{library.sources.get(f'{section}.{key}', section)}: {section[:-1]} '{key}'"
            for variant in variants:
                yield where, section, variant


def spoken_problems(library: Library, commands: CommandRules | None = None) -> list[str]:
    """Every ear problem in the library as ``source:line: what: reason``."""
    out: list[str] = []
    for where, section, text in _texts(library):
        quote = quoted_subject(text)
        if quote is not None and section != "starters":
            out.append(f"{where}: {quote} opens a sentence; quote marks are silent, so introduce it (try saying: …)")
        if section != "starters":
            out.extend(
                f"{where}: {quote} follows a bare colon or dash, so it sounds like the coach's own words; "
                "put a speaking verb right before it (you could say: …)"
                for quote in unintroduced_quotes(text)
            )
            out.extend(
                f"{where}: {quote} has no speaking word before it, so aloud it blurs into the coach's own words; "
                "rephrase without quoting, or introduce it (like saying …)"
                for quote in uncued_quotes(text)
            )
            out.extend(
                f"{where}: {quote} is inside a sentence that goes on after it; aloud nobody hears where it ends, "
                "so put the quote last (try saying: …)"
                for quote in quotes_mid_sentence(text)
            )
        out.extend(f"{where}: British spelling {hint}" for hint in spelling(text))
        out.extend(f"{where}: {why}" for why in misread(text))
        out.extend(f"{where}: {why}" for why in symbols(text))
        if commands is not None and section in ("prompts", "lines"):
            out.extend(f"{where}: {why}" for why in command_problems(text, commands, exercise=section == "prompts"))
    _LOGGER.debug("spoken checks: %d problems", len(out))
    return out
