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
from voice_coach.understand.matcher import Intents, load_intents, recognize, strip_wake_word

CONTENT = Path(__file__).resolve().parent.parent / "voice_coach" / "content" / "data"
PAUSED_KEYS = {"paused", "time_out", "still_paused", "mic_back_paused", "speaker_back_paused"}
"""Lines said while the exercise is on hold."""
EXERCISE_KEYS = {"in_exercise", "checkin_pause_word", "exercise_help", "minutes_out_of_range"}
"""Lines said while the exercise runs (between turns)."""


@dataclass(frozen=True)
class Heard:
    text: str
    end_s: float


def _instructions() -> list[tuple[str, str, str]]:
    """(where, line, phrase) for every "say ..." to the coach in the coach's lines and prompts."""
    found = []
    for path in sorted(CONTENT.glob("*.yaml")):
        if path.name.startswith(("starters_", "tips_")):
            continue
        for section in yaml.safe_load(path.read_text(encoding="utf-8")).values():
            for key, lines in section.items():
                for line in (v for v in lines if isinstance(v, str)):
                    found.extend((f"{path.name}:{key}", line, phrase) for phrase in instructed_phrases(line))
    return found


INSTRUCTIONS = _instructions()


def _state(where: str) -> Context:
    key = where.split(":")[1]
    if key in PAUSED_KEYS:
        return Context(in_exercise=True, paused=True, last_intent="pause")
    if key in EXERCISE_KEYS or where.startswith("prompts"):
        return Context(in_exercise=True)
    return Context(last_intent="conversation_starter", last_kind="starter")


@pytest.fixture(scope="module")
def intents() -> Intents:
    return load_intents()


def test_the_content_tells_the_couple_what_to_say() -> None:
    phrases = {phrase for _, _, phrase in INSTRUCTIONS}
    assert {"resume", "stop", "pause", "time out", "save that one", "another one",
            "start the listening exercise"} <= phrases


@pytest.mark.parametrize(("where", "line", "phrase"), INSTRUCTIONS, ids=[f"{w}:{p}" for w, _, p in INSTRUCTIONS])
def test_what_the_coach_says_to_say_is_accepted_without_the_wake_word(
        intents: Intents, where: str, line: str, phrase: str) -> None:
    meant = recognize(phrase, intents)
    assert meant is not None, f"{where}: the coach tells them to say {phrase!r}, which the matcher does not know"
    gate = WakeGate(lambda text: strip_wake_word(text, intents)[0], follow_up_s=6.0,
                    understand=lambda p: (m.intent if (m := recognize(p, intents)) else None))
    gate.coach_said(line)
    gate.reply_finished(0.0)
    heard = recognize(phrase, intents, _state(where))  # said a minute later: the follow-up window is long shut
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
