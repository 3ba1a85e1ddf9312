"""The wake word: one object, built once from the settings and the lexicon, handed to every stage that needs it.

The recognizers' grammars, the end-of-speech judge and the barge-in spotter take its ``spoken`` forms; the
matcher and the gate use ``strip`` (which also knows what recognizers make of "coach" and the words people
put in front of it).
"""

from __future__ import annotations

from collections.abc import Sequence

from voice_coach.config import DEFAULT_WAKE_WORD, wake_phrases
from voice_coach.understand.normalize import basic_words


class WakeWords:
    """Recognises the wake word ("coach", "hey coach", and what recognisers make of it)."""

    def __init__(self, wake_words: Sequence[str], mishearings: Sequence[str], prefixes: Sequence[str]) -> None:
        self.phrases: tuple[str, ...] = tuple(" ".join(basic_words(p)) for p in wake_words if basic_words(p))
        """Every phrase that wakes the coach, as listed ("coach", "hey coach", "okay coach", ...)."""
        self.names: set[str] = set()
        self.prefixes: set[str] = {w for p in prefixes for w in basic_words(p)}
        for phrase in wake_words:
            words = basic_words(phrase)
            if words:
                self.names.add(words[-1])
                self.prefixes.update(words[:-1])
        self.exact_names = set(self.names)
        self.mishearings = sorted({w for m in mishearings for w in basic_words(m)})
        if DEFAULT_WAKE_WORD in self.names:
            self.names.update(self.mishearings)

    @property
    def word(self) -> str:
        """The wake word itself ("coach")."""
        return self.phrases[0].split()[-1] if self.phrases else DEFAULT_WAKE_WORD

    @property
    def spoken(self) -> list[str]:
        """What recognizers and the end-of-speech judge listen for: the word alone and with "hey"."""
        return wake_phrases(self.word)

    def with_word(self, word: str) -> WakeWords:
        """The same rules for another wake word (``--wake-word``); "coach" or empty keeps these."""
        words = basic_words(word)
        if not words or " ".join(words) == DEFAULT_WAKE_WORD:
            return self
        name = " ".join(words)
        return WakeWords(wake_phrases(name), self.mishearings, sorted(self.prefixes))

    def strip(self, words: list[str]) -> tuple[bool, list[str]]:
        """(addressed, rest): a wake word at the start (after up to three prefixes) or the very end."""
        for i in range(min(4, len(words))):
            if words[i] in self.names:
                return True, words[i + 1:]
            if words[i] not in self.prefixes:
                break
        if len(words) > 1 and words[-1] in self.exact_names:
            return True, words[:-1]
        return False, words

    def inside(self, words: list[str]) -> int | None:
        """Where the wake word itself is said inside a sentence, after an aside ("the pan is sizzling, coach,
        speak up"); None when it is not, or names a coach talked about ("the coach said", "my coach")."""
        for i in range(1, len(words) - 1):
            if words[i] in self.exact_names and words[i - 1] not in _NOT_CALLED and words[i + 1] not in _TOLD:
                return i
        return None

    def talked_about(self, words: list[str]) -> bool:
        """True when the wake word names a coach talked about ("what was the last thing the coach said")."""
        for i, word in enumerate(words[1:], start=1):
            if word not in self.exact_names:
                continue
            before = words[i - 1]
            story = any(v not in self.prefixes for v in words[:i - 1])  # "uh the coach, a question" calls it
            if (before in _NOT_CALLED and (story or before not in ("the", "a"))) or (
                    story and i + 1 < len(words) and words[i + 1] in _TOLD):
                return True
        return False


_NOT_CALLED = frozenset({"the", "a", "an", "our", "my", "your", "his", "her", "their", "to", "with",
                         "like", "about", "of", "for", "from", "by", "ask", "tell", "new", "old", "life",
                         "couples", "marriage", "relationship", "football", "bus", "sports", "dating", "is", "was",
                         "would", "will", "does", "did", "should", "could", "can", "and", "or", "than"})
"""Words that make the wake word after them someone or something talked about ("what the coach said")."""
_TOLD = frozenset({"says", "said", "thinks", "thought", "would", "will", "told", "tells", "wants", "meant",
                   "means", "was", "does", "did", "reckons", "likes", "knows", "has", "had", "both", "thinks",
                   "think", "gets", "keeps", "always", "seems", "sounds", "makes", "made", "asked", "asks"})
"""Words after the wake word inside a sentence that make it a coach talked about ("what would coach say")."""
