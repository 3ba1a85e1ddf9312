"""Keyword evidence beside the fuzzy score: tip or starter, longer requests, yes/no answers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process

from voice_coach.understand.intents import Intents
from voice_coach.understand.normalize import PhraseMap
from voice_coach.understand.scoring import situation_masked
from voice_coach.understand.slots import SlotReading

_LOGGER = logging.getLogger(__name__)

CONTENT = frozenset({"tip", "conversation_starter"})
# A kind named outright decides between a tip and a starter ("a tip on questions" is a tip).
_TIP_WORDS = frozenset({"tip", "advice", "advise", "suggestion", "suggestions", "hint", "hints", "pointer",
                        "pointers", "guidance", "recommendation", "wisdom", "strategy", "strategies"})
_STARTER_WORDS = frozenset({"question", "questions", "starter", "prompt", "icebreaker", "topic"})
# A question about a topic of the couple's communication asks for a tip ("when is the right time to ...").
_QUESTION_WORDS = frozenset({"how", "when", "what", "why", "where", "should", "is", "which", "any"})
# Talking about the partner (not to them) is talking to the coach: "she gets defensive".
_THIRD_PERSON = frozenset({"he", "she", "him", "her", "his", "hers", "they", "them", "their", "partner", "wife",
                           "husband", "boyfriend", "girlfriend", "spouse", "fiance", "fiancee"})
# Words that show a request is about the couple, whatever its subject.
_COUPLE = frozenset({"us", "we", "our", "ours", "ourselves", "partner", "husband", "wife", "boyfriend", "girlfriend",
                     "spouse", "fiance", "fiancee", "him", "her", "he", "she", "his", "hers", "relationship",
                     "marriage", "couple", "couples", "together", "newlyweds", "newlywed", "married", "engaged",
                     "dating", "lovers", "spouses", "partners"})
_SOMETHING = frozenset({"something", "anything"})
_SAVED_THINGS = frozenset({"ones", "one", "questions", "question", "tips", "tip", "list", "starters", "things", "please"})
_SAID_ING = frozenset({"going", "talking", "speaking", "saying", "reading", "rushing", "dragging", "getting", "being",
                       "telling", "asking", "coming", "sounding", "doing", "explaining", "moving", "everything",
                       "something", "anything", "nothing", "thing", "evening", "morning", "listening", "sharing"})
"""Words in -ing that keep a command about the coach's talking ("you're going too fast")."""
_ONE_THING = frozenset({"question", "tip", "one", "starter"})
_REFERRING = frozenset({"that", "this", "last"})
_REFUSALS = frozenset({"not", "never", "without", "skip", "pass"})
_QUALITIES = frozenset({"better", "good", "right", "open", "closed", "deeper", "more", "ended", "the", "real"})
_REQUEST_LEADS = frozenset({"give", "ask", "tell", "can", "could", "would", "got", "need", "want", "have"})
_RELATIVES = frozenset({"where", "which", "who", "whereby"})
_SUBJECT_PREPS = frozenset({"about", "on", "for", "regarding", "concerning", "around", "with"})
SOUNDS_KNOWN = 85.0
"""An unknown word this close (rapidfuzz ratio) to a known one is taken as known, misheard."""
_DEPTH_NOUNS = frozenset({"something", "one", "ones", "question", "questions", "anything", "thing"})
_SUBJECT_LEADS = (("something", "about"), ("anything", "about"), ("something", "on"), ("about",))


_RECALLING = frozenset({"remember", "wish", "wished", "had", "was", "were", "did", "cooked", "went", "loved", "used",
                        "made", "reminded", "felt", "thought", "miss", "missed", "done", "finished"})
"""Words of a memory or a wish told to the partner; without the wake word no keyword evidence makes it a request."""
_ASKING_WORDS = frozenset({"give", "ask", "tell", "how", "what", "can", "could", "any", "help", "need", "want",
                           "should", "suggest", "advice", "why", "when"})


def memory_told(words: Sequence[str], marked: list[str], intents: Intents) -> bool:
    """True for a memory or a wish told to the partner ("remember the first time we cooked together"): no request,
    whatever topic words it has (a problem told of him or her, or a kind named, is still one)."""
    said = set(words)
    return bool(_RECALLING & said) and not (_ASKING_WORDS | _THIRD_PERSON) & said and not named_kind(marked, intents)


def partner_talk(words: Sequence[str], intents: Intents) -> bool:
    """True for "your" + something of the partner's ("your day", "your mum"): words to the partner, not the coach."""
    if "each" in words:
        return False  # "ask each other about your childhoods" speaks to both
    return any(w == "your" and i + 1 < len(words) and (words[i + 1] not in intents.coach_things or _their_own(words, i + 1))
               for i, w in enumerate(words))


def _their_own(words: Sequence[str], i: int) -> bool:
    """ "your favorite memory", "what is your favorite question": the partner's favorite something, not the
    coach's saved list ("read me your favorites")."""
    return words[i] == "favorite" and i + 1 < len(words) and (
        words[i + 1] not in _SAVED_THINGS or (words[i + 1] in _ONE_THING and "what" in words[:i]))


def foreign_subject(words: list[str], reading: SlotReading, intents: Intents) -> bool:
    """True when a tip or question is asked for about something the coach has nothing on ("tips for a roast").

    The subject is what follows the kind named ("advice on buying a car"); it is foreign when it has a word
    the coach does not know and nothing shows the request is about the couple.
    """
    if reading.topic or reading.category or reading.depth or has_any(words, intents.domain_words):
        return False
    if any(w in _COUPLE for w in words):
        return False
    for i, word in enumerate(words[:-1]):
        if word in _TIP_WORDS or word in _STARTER_WORDS or (word in _SOMETHING and words[i + 1] in _SUBJECT_PREPS):
            start = i + 2 if words[i + 1] in _SUBJECT_PREPS else i + 1
            subject = [w for w in situation_masked(words, reading)[start:] if w.isalpha() and len(w) > 2]
            return any(w not in intents.known_words and not _sounds_known(w, intents) for w in subject)
    return False


def _sounds_known(word: str, intents: Intents) -> bool:
    """True when an unknown word is close to a known one (a recogniser slip, a plural)."""
    return process.extractOne(word, intents.spellings, scorer=fuzz.ratio, processor=None,
                              score_cutoff=SOUNDS_KNOWN) is not None


def request_start(words: Sequence[str]) -> int:
    """Where the request for a tip or question begins, after any story told first ("the kids are watching TV,
    can you give us a question"); 0 when no kind is named."""
    kind_at = next((i for i, w in enumerate(words) if w in _TIP_WORDS or w in _STARTER_WORDS), None)
    if kind_at is None:
        return 0
    return max((i for i in range(kind_at) if words[i] in _REQUEST_LEADS), default=0)


def has_any(words: Sequence[str], phrases: PhraseMap | None) -> bool:
    """True when any of the phrases occurs in words."""
    return (phrases is not None and phrases.may_match(words)
            and any(phrases.match_at(words, i) for i in range(len(words))))


def named_kind(marked: list[str], intents: Intents) -> str | None:
    """The kind of content named: the first one, or the last after a self-correction ("a tip, no, a question")."""
    kinds = [(i, w) for i, w in enumerate(marked) if (w in _TIP_WORDS or w in _STARTER_WORDS)
             and not any(marked[k] in _REFUSALS for k in range(max(0, i - 4), i))  # "don't give me a tip"
             and not _asking_skill(marked, i)
             and not (i > 0 and marked[i - 1] in _REFERRING)]  # "go deeper on that tip": the one just given
    if not kinds:
        return None
    word = kinds[0][1]
    if len(kinds) > 1 and any(kinds[0][0] < start < kinds[-1][0] for start, _, _ in intents.corrections.find_all(marked)):
        word = kinds[-1][1]
    return "tip" if word in _TIP_WORDS else "conversation_starter"


def _asking_skill(words: Sequence[str], i: int) -> bool:
    """True for "ask better questions": asking questions as a skill, not asking for one."""
    return (words[i] in ("question", "questions") and i >= 2 and words[i - 1] in _QUALITIES
            and words[i - 2] in ("ask", "asking", "asks"))


def content_kind(marked: list[str], reading: SlotReading, intents: Intents) -> str | None:
    """Tip or starter, by the evidence: the kind named, request cues, then which lexicon the topic is in."""
    kind = named_kind(marked, intents)
    if kind:
        return kind
    starter_cue = has_any(marked, intents.cues.get("conversation_starter"))
    tip_cue = has_any(marked, intents.cues.get("tip"))
    if starter_cue != tip_cue:
        return "conversation_starter" if starter_cue else "tip"
    if (reading.topic is None) != (reading.category is None):
        return "tip" if reading.topic else "conversation_starter"
    return None


def by_keywords(words: list[str], marked: list[str], query: list[str], reading: SlotReading, addressed: bool,
                intents: Intents) -> str | None:
    """Longer requests for content that no template covers, weighed as evidence for a tip or a starter.

    A tip needs a subject the coach knows (a tip topic or the couple's communication) unless a tip is
    named outright, so "how do I make carbonara" stays out of scope.
    """
    tip = starter = 0
    kind = named_kind(marked, intents)
    if kind == "tip":
        tip += 3
    elif kind:
        starter += 3
    about_us = reading.topic is not None or has_any(words, intents.domain_words)
    if has_any(marked, intents.cues.get("conversation_starter")) or has_any(query, intents.cues.get("conversation_starter")):
        starter += 2
    if about_us and has_any(marked, intents.cues.get("tip")):
        tip += 2
    if about_us and words[0] in _QUESTION_WORDS and not any(w in ("you", "your", "yours") for w in words):
        tip += 1
    second_person = any(w in ("you", "your", "yours") for w in words)
    if about_us and (addressed or (not second_person and any(w in _THIRD_PERSON for w in words))):
        tip += 1  # a problem told to the coach ("coach, he never opens up", "she gets defensive")
    if about_us:
        tip += 1
    if reading.topic is not None and "we" in words and not second_person:
        tip += 1  # a problem of the two of them ("we both get heated during arguments")
    if reading.category is not None:
        starter += 1
    if reading.depth is not None and any(w in _DEPTH_NOUNS for w in words):
        starter += 2  # "ask me something deep", "a light one"
    if any(tuple(words[:len(lead)]) == lead for lead in _SUBJECT_LEADS):
        tip += reading.topic is not None
        starter += reading.category is not None
    if max(tip, starter) < 2:
        return None
    if tip == starter:
        return content_kind(marked, reading, intents)
    return "tip" if tip > starter else "conversation_starter"


def by_command_cues(query: list[str], intents: Intents, unknown: Callable[[str, list[str]], int], addressed: bool,
                    prefer: frozenset[str] | set[str] = frozenset()) -> tuple[str, int] | None:
    """(command, cue length) for a command named by a cue phrase inside a longer sentence ("you're going too fast").

    The longest cue decides (commands in `prefer` first). The other words may be ones the intent does
    not know only so far: one for a cue of two words or more, three when it was said to the coach; so
    "pause the movie" or "can we pause and talk about your mother" (said to a partner) is not "pause".
    A relative clause after the cue only describes it ("that listening exercise where one person talks").
    """
    found: list[tuple[bool, int, str, int]] = []
    for name, cues in intents.cues.items():
        if name in CONTENT or name in ("yes", "no"):
            continue
        hits = cues.find_all(query)
        if hits:
            length = max(int(str(v)) for _, _, v in hits)
            found.append((name in prefer, length, name, max(end for _, end, _ in hits)))
    if not found:
        return None
    found.sort(reverse=True)
    preferred, length, name, cue_end = found[0]
    if len(found) > 1 and found[1][:2] == (preferred, length):
        return None  # two commands named equally: not sure which
    cut = next((i for i in range(cue_end, len(query)) if query[i] in _RELATIVES), len(query))
    if not addressed and any(w.endswith("ing") and w not in _SAID_ING and w not in intents.intent_words.get(name, ())
                             for w in query[:cut]):
        return None  # "you're chopping too fast": something else being done, not the coach talking
    missing = unknown(name, query[:cut])
    allowed = 3 if addressed else 1 if length >= 2 else 0
    return (name, length) if missing <= allowed else None


def answer(words: list[str], intents: Intents) -> str | None:
    """Yes or no when the reply starts with an answer word ("yeah sure why not", "no, keep going");
    the longer cue wins, so "definitely not" is no."""
    found: list[tuple[int, str]] = []
    for name in ("yes", "no"):
        cues = intents.cues.get(name)
        hit = cues.match_at(words, 0) if cues is not None and words else None
        if hit:
            found.append((hit[0], name))
    return max(found)[1] if found else None
