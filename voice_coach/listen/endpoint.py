"""End of speech from what has been said: how long a pause must last before the words so far are acted on."""

from __future__ import annotations

import bisect
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from voice_coach import trace
from voice_coach.asr.text import spoken_words
from voice_coach.config import wake_phrases
from voice_coach.understand.wake import WakeWords

_LOGGER = logging.getLogger(__name__)

CERTAIN_SILENCE_S = 0.15
"""Quiet after a certain command (Verdict.CERTAIN) before acting on it: longer than the gaps inside fluent
speech, and nothing said after it would change what the coach does."""
END_SILENCE_S = 0.25
"""Quiet after a complete command that more words could still change ("a tip" ... "about listening")."""
INCOMPLETE_SILENCE_S = 0.8
"""Quiet after words that are not (yet) a command: the speaker may go on."""
WAKE_PAUSE_S = 1.5
"""Quiet allowed after a bare "coach": people pause before the request."""

FILLERS = frozenset({"a", "the", "uh", "um", "er", "oh", "and", "so", "okay", "ok"})
"""Words a recognizer puts after a bare wake word that do not make a request."""
CONTINUING_WORDS = frozenset({"a", "an", "the", "about", "to", "for", "of", "with", "and", "or", "on", "in", "at",
                              "my", "our", "your", "some", "how", "what", "is", "are"})
"""Words a request does not end on ("a tip about", "give me a"): unless the words so far are a phrasing of
their own, more is coming."""
CERTAIN_SCORE = 99.0
"""Lowest matcher score (0-100) of a certain command: the words match one of the coach's phrasings in full. A
looser match ("another ones", "give me attacked") is likely misheard, so what it is and what may follow are
both less sure: it gets the normal pause."""
OPEN_ENDINGS = CONTINUING_WORDS | {"go", "me", "us", "him", "her", "them"}
"""Last words after which a detail often follows ("I'll go" ... "second", "help me" ... "with listening"): a
command ending on one is never CERTAIN, even when the matcher already filled every slot."""
LOAD_WAIT_S = 5.0
"""Longest a judgement waits for the phrasings still loading at start-up (then it judges without them)."""
_SLOT = re.compile(r"\{(\w+)\}")


class Verdict(Enum):
    """What the words heard so far amount to."""

    NOTHING = "nothing"
    WAKE = "wake"
    """Only the wake word (and fillers): the request is probably still to come."""
    INCOMPLETE = "incomplete"
    """Not a command, or half of one ("coach, tell me", "coach, give me a"): wait for more."""
    COMPLETE = "complete"
    """A command that more words could still change: a detail it can take is missing ("a tip" ... "about
    listening", "start the exercise" ... "two minutes each")."""
    CERTAIN = "certain"
    """A command matched word for word, with every detail it can take (or none to take), that no longer
    phrasing the coach knows starts with ("what can you do", "a tip about empathy"): the speaker is done."""

    @property
    def command(self) -> bool:
        return self in (Verdict.COMPLETE, Verdict.CERTAIN)


WAIT_S = {Verdict.NOTHING: INCOMPLETE_SILENCE_S, Verdict.WAKE: WAKE_PAUSE_S, Verdict.INCOMPLETE: INCOMPLETE_SILENCE_S,
          Verdict.COMPLETE: END_SILENCE_S, Verdict.CERTAIN: CERTAIN_SILENCE_S}
"""Quiet (seconds) after each verdict before the utterance counts as over."""

Matcher = Callable[[str], Any]
"""Text -> the matcher's result (with ``intent``, ``slots`` and ``score``), or None when the text is no command."""
_ARTICLE = re.compile(r"(?<!\S)(?:a|an|the)(?:\s+|$)")
"""Left out when phrasings are compared: recognizers and templates disagree most on these."""


def _key(sentence: str) -> str:
    """A sentence's words without articles, single-spaced."""
    return " ".join(_ARTICLE.sub("", sentence.lower()).split())


class Endpointer:
    """Judges the words heard so far: no command yet, half of one, a command more words could change, or one
    they could not.

    ``match`` is the intent matcher (in the coach's current context); ``slots_of`` names the details (slots)
    each intent can take; ``phrasings`` are the sentences the coach knows, per intent: words that begin a
    longer phrasing of another intent, without being a phrasing themselves, are half a command ("what can
    you" ... "do"). ``variants`` are more sentences (the same with other slot values, as the recognizer
    expects them): words that begin any phrasing or variant are never CERTAIN ("give me ten" ... "minutes").
    With only some of these the judge does what it
    can: without a matcher anything beyond the wake word is a command; without slots, phrasings or a matcher
    nothing is CERTAIN.
    """

    def __init__(self, wake_words: Sequence[str] = tuple(wake_phrases()),
                 phrasings: Mapping[str, Iterable[str]] | None = None, *, match: Matcher | None = None,
                 slots_of: Mapping[str, Iterable[str]] | None = None, variants: Iterable[str] = ()) -> None:
        self._wake = sorted({" ".join(spoken_words(w)) for w in wake_words if spoken_words(w)}, key=len, reverse=True)
        self._match = match
        self._slots_of = {intent: frozenset(slots) for intent, slots in (slots_of or {}).items()}
        self._tables = _Tables(phrasings or {}, variants)
        self._ready = threading.Event()
        self._ready.set()
        self._last: tuple[str, bool, Verdict] = ("", True, Verdict.NOTHING)
        self._found: tuple[str, Any] | None = None
        """(text, the matcher's answer for it): the match travels with the utterance, made once."""

    def learn_later(self, load: Callable[[], tuple[Mapping[str, Iterable[str]], Iterable[str]]]) -> None:
        """Take the phrasings and variants from ``load()``, run on a thread of its own (it takes a moment, which
        start-up need not wait for); judging waits for it."""
        ready = threading.Event()

        def run() -> None:
            try:
                phrasings, variants = load()
                self._tables = _Tables(phrasings, variants)
            except Exception as exc:  # noqa: BLE001 - without phrasings the judge still works, only less sharply
                _LOGGER.warning("end-of-speech phrasings unavailable: %s", exc)
            finally:
                ready.set()

        self._ready = ready
        threading.Thread(target=run, name="endpoint-phrasings", daemon=True).start()

    def request(self, text: str) -> tuple[bool, list[str]]:
        """(whether the text starts with a wake word, the words after it)."""
        words = spoken_words(text)
        for wake in self._wake:
            wake_words = wake.split()
            if words[: len(wake_words)] == wake_words:
                return True, words[len(wake_words):]
        return False, words

    def wake_only(self, text: str) -> bool:
        """Just the wake word so far ("coach", "hey coach uh")."""
        woken, rest = self.request(text)
        return woken and all(w in FILLERS for w in rest)

    def forget(self) -> None:
        """Drop the remembered verdict (a new utterance: the coach's context may have changed)."""
        self._last = ("", True, Verdict.NOTHING)
        self._found = None

    def match_of(self, text: str) -> tuple[bool, Any]:
        """(True, match or None) when the judge has matched exactly ``text``; (False, None) when it has not."""
        if self._match is not None and self._found is not None and self._found[0] == text:
            return True, self._found[1]
        return False, None

    def judge(self, text: str, fast: bool = True) -> Verdict:
        """The verdict on ``text``; with ``fast`` False never CERTAIN (COMPLETE instead)."""
        if text == self._last[0] and fast == self._last[1]:
            return self._last[2]  # judged once per new guess: the matcher costs the loop
        verdict = self._judge(text, fast)
        self._last = (text, fast, verdict)
        return verdict

    def _judge(self, text: str, fast: bool) -> Verdict:
        if not text.strip():
            return Verdict.NOTHING
        if self.wake_only(text):
            return Verdict.WAKE
        with trace.timed("match"):
            found = self._match(text) if self._match is not None else None
        self._found = (text, found)
        if self._match is not None and found is None:
            return Verdict.INCOMPLETE
        words = self.request(text)[1]
        if not self._ready.is_set():
            self._ready.wait(LOAD_WAIT_S)
        tables = self._tables
        if not tables.known or not words:
            return Verdict.COMPLETE
        rest, last = _key(" ".join(words)), words[-1]
        intent = str(getattr(found, "intent", ""))
        saturated = found is not None and self._has_every_detail(found)
        # What longer phrasings starting with these words would make of them (nothing: none starts so).
        going_on = tables.going_on(rest)
        changed = bool(going_on - {intent}) or (bool(going_on) and not saturated)
        if (last in CONTINUING_WORDS and " ".join(words) not in tables.said) or (changed and rest not in tables.known):
            return Verdict.INCOMPLETE  # half a command: "coach, what can you" is not yet "repeat"
        if (fast and saturated and not tables.begins_more(rest) and last not in OPEN_ENDINGS
                and float(getattr(found, "score", 0.0)) >= CERTAIN_SCORE):
            return Verdict.CERTAIN
        return Verdict.COMPLETE

    def _has_every_detail(self, found: Any) -> bool:
        """Every slot the match's intent can take is filled (or it takes none)."""
        takes = self._slots_of.get(str(getattr(found, "intent", "")))
        return takes is not None and takes <= set(getattr(found, "slots", {}) or {})


class _Tables:
    """The coach's phrasings as the judge looks them up (articles left out)."""

    def __init__(self, phrasings: Mapping[str, Iterable[str]], variants: Iterable[str]) -> None:
        # Phrasings come from our own templates (plain lower-case words): no need for the slower spoken_words.
        tagged = [(sentence, intent) for intent, sentences in phrasings.items() for sentence in sentences]
        self.said = {" ".join(sentence.lower().split()) for sentence, _ in tagged}
        """The phrasings word for word (articles kept)."""
        self.phrasings = sorted({(key, intent) for key, intent in ((_key(s), i) for s, i in tagged) if key})
        """(phrasing, intent), sorted: the phrasings that begin with some words are a range."""
        self.known = {key for key, _ in self.phrasings}
        self.variants = sorted(self.known | {_key(v) for v in set(variants)})
        """Phrasings and variants, sorted."""

    def going_on(self, rest: str) -> set[str]:
        """The intents of the phrasings that begin with ``rest`` and go on."""
        start = rest + " "
        intents = set()
        for key, intent in self.phrasings[bisect.bisect_left(self.phrasings, (start, "")):]:
            if not key.startswith(start):
                break
            intents.add(intent)
        return intents

    def begins_more(self, rest: str) -> bool:
        """Some phrasing or variant begins with ``rest`` and goes on."""
        start = rest + " "
        at = bisect.bisect_left(self.variants, start)
        return at < len(self.variants) and self.variants[at].startswith(start)


def coach_endpointer(intents: Any, context: Callable[[], Any], wake: WakeWords) -> Endpointer:
    """The end-of-speech judge for the coach's intents, matching in ``context()`` (the coach's state now)."""
    from voice_coach.asr.phrases import recognizer_phrases
    from voice_coach.understand.matcher import recognize, strip_wake_word

    def match(text: str) -> Any:
        _, rest = strip_wake_word(text, intents, wake)
        return recognize(text, intents, context(), wake) if rest else None

    slots_of = {name: {slot for sentence in definition.sentences for slot in _SLOT.findall(str(sentence))}
                for name, definition in intents.intents.items()}
    judge = Endpointer(wake.spoken, match=match, slots_of=slots_of)
    judge.learn_later(lambda: (intents.examples(), recognizer_phrases(intents)))
    return judge
