"""Every instruction the coach speaks ("say resume when you're ready") works in the state where it is said,
without the wake word and however long the couple take: the real content, the real matcher, the gate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from voice_coach.listen.gate import WakeGate
from voice_coach.listen.instructions import instructed_phrases
from voice_coach.understand.match import Context
from voice_coach.understand.matcher import (
    Intents,
    load_intents,
    recognize,
    strip_wake_word,
)

CONTENT = Path(__file__).resolve().parent.parent / "voice_coach" / "content" / "data"
PAUSED_KEYS = {"paused", "time_out", "still_paused", "mic_back_paused", "speaker_back_paused", "break_taken"}
"""Lines said while the exercise is on hold."""
EXERCISE_KEYS = {"in_exercise", "checkin_pause_word", "exercise_help", "minutes_out_of_range"}
"""Lines said while the exercise runs (between turns)."""


@dataclass(frozen=True)
class Heard:
    text: str
    end_s: float


def _instructions() -> list[tuple[str, str, str]]:
    """(where, line, phrase) for every "say ..." to the coach in the coach's lines, prompts and sessions."""
    found: list[tuple[str, str, str]] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, str):
            found.extend((where, node, phrase) for phrase in instructed_phrases(node))
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{where.split(':')[0]}:{key}")
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    for path in sorted(CONTENT.glob("*.yaml")):
        if not path.name.startswith(("starters_", "tips_")):
            walk(yaml.safe_load(path.read_text(encoding="utf-8")), f"{path.name}:")
    return found


def _commands(found: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The instructions to say something to the coach: phrases the matcher knows as a command. The rest
    ("say one thing you're thankful for about the other") is what the couple say to each other."""
    intents = load_intents()
    return [(where, line, phrase) for where, line, phrase in found if recognize(phrase, intents) is not None]


INSTRUCTIONS = _commands(_instructions())


def _state(where: str) -> Context:
    key = where.split(":")[1]
    if key in PAUSED_KEYS:
        return Context(in_exercise=True, paused=True, last_intent="pause")
    if key in EXERCISE_KEYS or where.startswith(("prompts", "sessions", "formats")):
        return Context(in_exercise=True)  # (a guided session runs like the exercise: no last content)
    return Context(last_intent="conversation_starter", last_kind="starter")


@pytest.fixture(scope="module")
def intents() -> Intents:
    return load_intents()


def test_the_content_tells_the_couple_what_to_say() -> None:
    phrases = {phrase for _, _, phrase in INSTRUCTIONS}
    assert {"resume", "stop", "pause", "time out", "save that one", "another one",
            "start the listening exercise", "next"} <= phrases
    every = {phrase for _, _, phrase in _instructions()}
    assert {"resume", "stop"} <= every - {p for p in every if len(p.split()) > 3} <= phrases | {
        p for p in every if len(p.split()) > 1}, "a one-word instruction the matcher does not know"


@pytest.mark.parametrize(("where", "line", "phrase"), INSTRUCTIONS, ids=[f"{w}:{p}" for w, _, p in INSTRUCTIONS])
def test_what_the_coach_says_to_say_is_accepted_without_the_wake_word(
        intents: Intents, where: str, line: str, phrase: str) -> None:
    state = _state(where)
    meant = recognize(phrase, intents, state)
    assert meant is not None, f"{where}: the coach tells them to say {phrase!r}, which it does not understand then"
    gate = WakeGate(lambda text: strip_wake_word(text, intents)[0], follow_up_s=6.0,
                    understand=lambda p: (m.intent if (m := recognize(p, intents, state)) else None))
    gate.coach_said(line)
    gate.reply_finished(0.0)
    heard = recognize(phrase, intents, state)  # said a minute later: the follow-up window is long shut
    assert heard is not None and heard.intent == meant.intent, where
    assert gate(heard, Heard(phrase, 60.0)), f"{where}: {phrase!r} ignored ({gate.last})"


def test_an_instruction_is_not_a_licence_for_anything(intents: Intents) -> None:
    gate = WakeGate(lambda text: strip_wake_word(text, intents)[0], follow_up_s=6.0,
                    understand=lambda p: (m.intent if (m := recognize(p, intents)) else None))
    gate.coach_said("Paused. Say resume when you're ready.")
    paused = Context(in_exercise=True, paused=True)
    assert not gate(recognize("stop", intents, paused), Heard("stop", 60.0))  # not what they were told to say
    assert not gate(recognize("resume the story you were telling me about your sister", intents, paused),
                    Heard("resume the story you were telling me about your sister", 61.0))
    assert gate(recognize("resume", intents, paused), Heard("resume", 62.0))
    assert not gate(recognize("resume", intents, paused), Heard("resume", 63.0))  # acted on: told once, used once
