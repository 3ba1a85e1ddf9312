"""What the recognizers should expect to hear: phrases from the matcher's intents, words from the content."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from voice_coach.content import Library

TURN_ANSWERS = ("yes", "no", "goodbye")
"""Heard during a speaking turn besides the exercise commands (intents marked ``exercise: true``): answers to
"end the exercise?" and a goodbye."""
MAX_COMMAND_WORDS = 6
"""Longest phrasing in the speaking-turn grammar: commands are short, and a small grammar leaves stray speech
little to fit."""
DURATIONS = ("a minute", "one minute", "two minutes", "three minutes", "four minutes", "five minutes",
             "six minutes", "ten minutes", "fifteen minutes", "a couple of minutes", "half a minute",
             "thirty seconds", "a few minutes", "one more minute", "two more minutes")
"""Spoken lengths put into the phrases where the examples carry their one sample ("three minutes")."""
SHORT_PHRASE_WEIGHT = 5
"""Short commands ("stop", "another one") count this many times: people say them most, and briefly."""


def background_text(library: Library) -> list[str]:
    """Everything the coach itself says: words for the recognizer to put stray speech into."""
    texts = [s.text for s in library.starters]
    texts += [part for t in library.tips for part in (t.text, t.more, t.try_)]
    texts += [v for variants in library.lines.values() for v in variants]
    texts += [v for variants in library.prompts.values() for v in variants]
    return texts


def recognizer_phrases(intents: Any, only: Sequence[str] | None = None,
                       short_weight: int = SHORT_PHRASE_WEIGHT) -> list[str]:
    """Sentences for the recognizer's language model: every example, with slot samples varied.

    The matcher's examples carry one sample per slot ("three minutes", "deep", "listening"); a
    language model only learns the words it sees, so each such sentence also appears with the next
    value in turn from the slot lexicons.
    """
    examples: dict[str, list[str]] = intents.examples()
    lexicons: dict[str, dict[str, list[str]]] = getattr(intents, "lexicons", {})
    values = {
        "three minutes": list(DURATIONS),
        "deep": [p for ps in lexicons.get("depth", {}).values() for p in ps],
        "listening": [p for ps in lexicons.get("topic", {}).values() for p in ps]
        + [p for ps in lexicons.get("category", {}).values() for p in ps],
    }
    turn = dict.fromkeys(values, 0)
    phrases: list[str] = []
    for intent, sentences in examples.items():
        if only is not None and intent not in only:
            continue
        for sentence in sentences:
            weight = short_weight if len(sentence.split()) <= 2 else 1
            phrases += [sentence] * weight
            for sample, options in values.items():
                if not options or f" {sample} " not in f" {sentence} ":
                    continue
                if sample == "listening" and intent not in ("tip", "conversation_starter"):
                    continue  # "listening exercise" is not a topic
                if sample == "three minutes" and len(sentence.split()) <= 4:
                    chosen = options  # short commands ("add three minutes"): every length
                else:
                    chosen = [options[turn[sample] % len(options)]]
                    turn[sample] += 1
                phrases += [f" {sentence} ".replace(f" {sample} ", f" {o} ").strip() for o in chosen]
    return phrases


def command_phrases(intents: Any) -> list[str]:
    """The speaking-turn grammar: the exercise commands' shorter phrasings, lengths varied."""
    phrases = recognizer_phrases(intents, only=sorted(intents.exercise_intents | set(TURN_ANSWERS)), short_weight=1)
    return [p for p in phrases if len(p.split()) <= MAX_COMMAND_WORDS]
