"""Slot readers: depth, topic and category words, amounts of time, and who speaks first."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from voice_coach.understand.normalize import PhraseMap, basic_words
from voice_coach.understand.numbers import Amount, find_minutes

_LOGGER = logging.getLogger(__name__)

# Words between a speaker and "first": "Sam will go first", "let me go first".
_SPEAKER_VERBS = {"go", "goes", "going", "will", "can", "should", "shall", "start", "starts", "speak",
                  "speaks", "talk", "talks", "is", "to", "gets", "get", "wants", "want", "may", "could",
                  "would", "be", "speaking", "talking", "starting", "begin", "begins", "gonna", "am", "are",
                  "the", "speaker", "listen", "listener", "listening"}
# After "starting with", "first speaker is", ... comes the speaker.
_SPEAKER_LEADS = [("starting", "with"), ("start", "with"), ("begin", "with"), ("beginning", "with"),
                  ("starts", "with"), ("first", "speaker", "is"), ("first", "speaker"), ("first", "is"),
                  ("first", "up", "is"), ("speaker", "is"), ("first", "will", "be"), ("first", "up"),
                  ("exercise", "with"), ("session", "with"), ("practice", "with"), ("game", "with")]
_LISTENING = {"listen", "listener", "listening"}
_AUXILIARIES = {"will", "can", "should", "shall", "to", "going", "is", "wants", "gets", "may", "could"}
_POSSESSIVES = {"your", "his", "her", "their", "them", "him"}
_STARTS = {"starts", "begins", "speaks", "goes", "start", "begin", "go"}
_NOT_NAMES = {"who", "which", "one", "someone", "somebody", "anyone", "anybody", "person", "we", "it",
              "that", "this", "what", "whoever", "exercise", "the", "a", "and", "then", "timer", "clock",
              "each", "minutes", "minute", "round", "turn", "goes", "go", "time", "now", "so", "not", "do"}
_NOT_LET = _NOT_NAMES | {"us", "me", "everyone", "everybody", "things", "him", "her", "them", "you"}
"""After "let", words that are no one's name ("let us start")."""
_ABOUT = {"about", "on", "regard", "regarding", "around", "concerning"}
_JOINERS = {"and", "or", "plus", "n"}
_NEGATIONS = {"not", "nothing", "without", "never", "less"}
_NAME_RE = re.compile(r"^[a-z][a-z\-]+$")
# Words that may sit inside a phrase without changing it.
_SOFT_ADVERBS = {"finally", "really", "actually", "just", "even", "ever", "eventually", "totally", "completely",
                 "very", "truly", "properly", "genuinely", "honestly", "sometimes", "usually", "often"}
# Before a starter category, these make it the subject not wanted ("not about work, something about family").
_NOT_THIS = {"not", "nothing", "except", "besides"}
SITUATION_WORDS = 3
"""Words after a situation lead ("while", "on the drive") that still describe the situation."""
# Words that start the request again after a situation clause ("while we cook give us a question").
_REQUEST_WORDS = frozenset({"give", "tell", "ask", "any", "something", "anything", "tip", "tips", "question", "questions",
                           "advice", "starter", "help", "suggest", "what", "how", "can", "could", "would", "please",
                           "coach", "and", "but", "so"})


def stem(word: str) -> str:
    """A crude stem, so "listening", "listens" and "listened" meet "listen", "shutting" meets "shut"."""
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith(("ies", "ied")):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    return word


@dataclass(frozen=True)
class Found:
    """A slot value and the words it was read from."""

    value: str | float
    start: int
    end: int


@dataclass(frozen=True)
class SlotReading:
    """Every slot value found in one utterance."""

    depth: Found | None
    topic: Found | None
    """A tip topic (voice_coach.content.TOPICS id)."""
    category: Found | None
    """A starter category (voice_coach.content.CATEGORIES id)."""
    minutes: Amount | None
    speaker: Found | None
    names: Found | None = None
    """Two names said together ("with Emma and Jake"): who takes part, not who goes first."""
    situations: tuple[Found, ...] = ()
    """Where the couple are ("while I cook", "on the way to my mum's"): not what they ask about."""


class SlotReader:
    """Reads slot values from normalised words, using the lexicons in intents/lexicon.yaml."""

    def __init__(self, lexicons: dict[str, dict[str, list[str]]], me: list[str], partner: list[str],
                 known_words: set[str], not_slots: list[list[str]] | None = None,
                 corrections: list[list[str]] | None = None, situations: list[list[str]] | None = None,
                 specific: Sequence[str] = (), states: Sequence[str] = ()) -> None:
        # Depth words are adjectives, matched as said ("lights" is not "light"); topics are matched by stem.
        self._maps = {
            name: PhraseMap(
                (tuple(w if name == "depth" else stem(w) for w in basic_words(phrase)), value)
                for value, phrases in values.items() for phrase in phrases
            )
            for name, values in lexicons.items()
        }
        self._who: dict[tuple[str, ...], str] = {tuple(basic_words(p)): "partner" for p in partner}
        self._who.update({tuple(basic_words(p)): "me" for p in me})
        self.known_words = known_words
        self._not_slots = PhraseMap((tuple(stem(w) for w in p), True) for p in not_slots or [])
        self._corrections = PhraseMap((tuple(stem(w) for w in p), True) for p in corrections or [])
        self._situations = PhraseMap((tuple(p), True) for p in situations or [])
        self._specific = frozenset(specific)
        """Categories that win over a general one said alongside ("my dad passed away": grief, not family)."""
        self._states = frozenset(states)
        """Categories for what the couple are going through: heard inside a situation clause too ("while we're apart")."""

    def read(self, words: list[str], original: str = "") -> SlotReading:
        """All slot values in `words` (`original` is the raw text, for the spoken case of names)."""
        stems = [stem(w) for w in words]
        masked = list(words)
        for start, end, _ in self._not_slots.find_all(stems):
            stems[start:end] = ["~"] * (end - start)  # "listening exercise" is not the listening topic
            masked[start:end] = ["~"] * (end - start)
        situations = self.situation_spans(words)
        elsewhere = list(stems)  # a category said in a situation is where they are going ("to my mum's")
        states = {i for s, e, v in self._maps["category"].find_all(stems) if v in self._states for i in range(s, e)} \
            if "category" in self._maps else set()
        for span in situations:
            for i in range(span.start, span.end):
                elsewhere[i] = stems[i] if i in states else "~"
        # adverbs never break a phrase: "when she finally opens up" is "when she opens up"
        kept = [i for i, w in enumerate(words) if w not in _SOFT_ADVERBS]
        return SlotReading(
            depth=self._depth(masked),
            topic=_back(self._best([stems[i] for i in kept], "topic"), kept),
            category=_back(self._best([elsewhere[i] for i in kept], "category"), kept),
            minutes=find_minutes(masked),
            speaker=self._speaker(words, original),
            names=self._names(words),
            situations=situations,
        )

    def situation_spans(self, words: list[str]) -> tuple[Found, ...]:
        """Situation clauses: a lead ("while", "on the drive") and up to a few words after it."""
        spans = []
        for start, end, _ in self._situations.find_all(words):
            stop = end
            while stop < len(words) and stop < end + SITUATION_WORDS and words[stop] not in _REQUEST_WORDS:
                stop += 1
            spans.append(Found("situation", start, stop))
        return tuple(spans)

    def _names(self, words: list[str]) -> Found | None:
        """The span of "[with] Emma and Jake": two words the coach does not know, joined by "and"."""
        for i in range(1, len(words) - 1):
            if words[i] == "and" and self._is_name(words[i - 1]) and self._is_name(words[i + 1]):
                start = i - 1 - (i >= 2 and words[i - 2] in ("with", "for", "between"))
                return Found(f"{words[i - 1]},{words[i + 1]}", start, i + 2)
        return None

    def _is_name(self, word: str) -> bool:
        """True for a word that can only be a name here: unknown to the coach and shaped like a name."""
        return word not in _NOT_NAMES and word not in self.known_words and bool(_NAME_RE.match(word))

    def _best(self, stems: list[str], lexicon: str, last: bool = False) -> Found | None:
        """The subject: a phrase right after "about"/"on" first, else a specific one, else the earliest; the last
        after a correction.

        ("how do I show support without fixing things" is about support; "we're stressed, a question
        about our childhood" is about family.) Hits of the same value joined by "and"/"or" make one span.
        """
        lex = self._maps.get(lexicon)
        if lex is None:
            return None
        hits = lex.find_all(stems)
        if lexicon == "category":  # "not about work": a category turned down is no subject
            hits = [h for h in hits if not any(stems[k] in _NOT_THIS for k in range(max(0, h[0] - 2), h[0]))]
        if not hits:
            return None
        corrected = len(hits) > 1 and any(hits[0][1] <= s < hits[-1][0] for s, _, _ in self._corrections.find_all(stems))
        if last or corrected:  # "about listening, no, about trust": the last one said wins
            start, end, value = hits[-1]
        else:
            start, end, value = max(hits, key=lambda h: self._rank(stems, h))
        for s, e, v in hits:
            if v == value and (s == end or (s == end + 1 and stems[end] in _JOINERS)):
                end = e
        return Found(str(value), start, end)

    def _rank(self, stems: list[str], hit: tuple[int, int, object]) -> tuple[bool, bool, bool, int]:
        """After "about" first (the earliest of those); else a specific category, what they go through before who
        is involved ("her dad died": grief, not in-laws), then the earliest."""
        about = self._after_about(stems, hit[0])
        return about, not about and hit[2] in self._specific, not about and hit[2] in self._states, -hit[0]

    @staticmethod
    def _after_about(stems: list[str], start: int) -> bool:
        """True when a lexicon hit follows "about", "on", "regarding" (words like "our", "how to" may sit between)."""
        return any(stems[k] in _ABOUT for k in range(max(0, start - 3), start + 1))  # or "about us" itself

    def _depth(self, stems: list[str]) -> Found | None:
        """Depth words; a negated one flips ("nothing too heavy" is light), both negated is medium.

        Otherwise the last one said wins ("a light, no, a deep one").
        """
        lex = self._maps["depth"]
        resolved: list[Found] = []
        negations = 0
        for start, end, value in lex.find_all(stems):
            before = [k for k in range(max(0, start - 2), start) if stems[k] in _NEGATION_STEMS]
            if before and value != "medium":
                value = "light" if value == "deep" else "deep"
                start = before[0]
                negations += 1
            resolved.append(Found(str(value), start, end))
        if not resolved:
            return None
        values = {f.value for f in resolved}
        if negations and {"light", "deep"} <= values:
            return Found("medium", resolved[0].start, resolved[-1].end)
        last = resolved[-1]
        for found in reversed(resolved[:-1]):  # "light and fun" is one span
            if found.value != last.value or not (found.end == last.start or (
                    found.end + 1 == last.start and stems[found.end] in _JOINERS)):
                break
            last = Found(last.value, found.start, last.end)
        return last

    def _speaker(self, words: list[str], original: str) -> Found | None:
        """Who goes first: "Sam goes first", "me first", "starting with my partner"."""
        for i, word in enumerate(words):
            if word == "first" and i > 0:
                j = i - 1
                while j >= 0 and words[j] in _SPEAKER_VERBS:
                    j -= 1
                found = self._who_at(words, j, original, backwards=True)
                if found:
                    start = found[1] - (found[1] > 0 and words[found[1] - 1] == "let")  # "let me go first"
                    if found[0] == "me" and words[i - 1] in _LISTENING:
                        return Found("partner", start, i + 1)  # "I'll listen first": my partner speaks first
                    return Found(found[0], start, i + 1)
        # "..., Ben starts" / "Olivia will start" / "you go" at the very end
        end = len(words) - (len(words) > 1 and words[-1] in ("speaking", "talking"))
        end -= 2 * (end > 3 and tuple(words[end - 2:end]) == ("this", "time"))  # "my husband starts this time"
        kick = end >= 3 and tuple(words[end - 2:end]) in (("kick", "off"), ("kicks", "off"))  # "he'll kick off"
        if end >= 2 and (words[end - 1] in _STARTS or kick):
            j = end - 2 - kick
            while j > 0 and words[j] in _AUXILIARIES:
                j -= 1
            found = self._who_at(words, j, original, backwards=True)
            if found is None and j > 0 and words[j - 1] == "let" and words[j].isalpha() and words[j] not in _NOT_LET:
                found = (_spoken_case(words[j], original), j, j + 1)  # "let Mark start": whoever is let start
            if found and found[0] == "partner" and words[found[1]] in _POSSESSIVES:
                found = None  # "your go" is a turn, not a speaker
            # "can I start" may mean the exercise; "I'll start" (a helper verb between) means who goes first
            if found and not (found[0] == "me" and words[end - 1] in ("start", "begin") and j == end - 2):
                return Found(found[0], found[1], len(words))
        for lead in _SPEAKER_LEADS:
            n = len(lead)
            for i in range(len(words) - n):
                if tuple(words[i:i + n]) == lead:
                    found = self._who_at(words, i + n, original, backwards=False)
                    if found:
                        keep = lead[0] in ("exercise", "session", "practice", "game")  # the exercise is still said
                        return Found(found[0], i + keep, found[2])
        return None

    def _who_at(self, words: list[str], j: int, original: str, backwards: bool) -> tuple[str, int, int] | None:
        """(speaker, start, end) for the person named at word j (looking back from j, or forward)."""
        if j < 0 or j >= len(words):
            return None
        for length in (3, 2, 1):
            start = j - length + 1 if backwards else j
            who = self._who.get(tuple(words[start:start + length])) if start >= 0 else None
            if who:
                return who, start, start + length
        word = words[j]
        if word in _NOT_NAMES or word in self.known_words or not _NAME_RE.match(word):
            return None
        return _spoken_case(word, original), j, j + 1


def _spoken_case(name: str, original: str) -> str:
    """The name as it was written if it had capitals ("McKenzie"), else capitalised ("sam" -> "Sam")."""
    match = re.search(rf"\b{re.escape(name)}\b", original, flags=re.IGNORECASE)
    if match and match.group(0) != match.group(0).lower():
        return match.group(0)
    return name.capitalize()


def _back(found: Found | None, kept: list[int]) -> Found | None:
    """A span found among the kept words, as a span of all the words."""
    if found is None:
        return None
    return Found(found.value, kept[found.start], kept[found.end - 1] + 1)


def overlaps(a: Found | Amount | None, b: Found | Amount | None) -> bool:
    """True when two slot spans share a word."""
    return a is not None and b is not None and a.start < b.end and b.start < a.end


_NEGATION_STEMS = {stem(w) for w in _NEGATIONS} | _NEGATIONS
