"""Intent matching: templates, slots, wake word, context, out-of-scope, robustness."""

from __future__ import annotations

import pytest

from voice_coach.match import Context
from voice_coach.matching import Intents, load_intents, recognize, strip_wake_word


@pytest.fixture(scope="module")
def intents() -> Intents:
    return load_intents()


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("coach, give us a conversation starter", "conversation_starter", {}),
        ("coach, a tip about listening", "tip", {"topic": "active_listening"}),
        ("coach, start the listening exercise, three minutes each", "start_exercise", {"minutes": 3.0}),
        ("we're bored, give us something to talk about", "conversation_starter", {}),
        ("coach how do i make him feel like i won't judge him", "tip", {"topic": "judgment_free"}),
        ("another one", "another", {}),
        ("Sam goes first", "start_exercise", {"speaker": "Sam"}),
        ("add a minute", "add_time", {"minutes": 1.0}),
    ],
)
def test_examples(intents: Intents, text: str, intent: str, slots: dict[str, object]) -> None:
    match = recognize(text, intents)
    assert match is not None
    assert (match.intent, match.slots) == (intent, slots)


@pytest.mark.parametrize("text", ["what's the weather", "tell me a joke", "what's your name",
                                  "set a timer for ten minutes for the pasta"])
def test_out_of_scope(intents: Intents, text: str) -> None:
    assert recognize(text, intents) is None


def test_wake_word(intents: Intents) -> None:
    assert strip_wake_word("Hey couch, pause!", intents) == (True, "pause")
    assert strip_wake_word("pause", intents) == (False, "pause")
    match = recognize("okay coach, pause", intents)
    assert match is not None and match.addressed


def test_yes_only_when_asked(intents: Intents) -> None:
    assert recognize("yes", intents) is None
    match = recognize("yes", intents, Context(pending_question="confirm_stop"))
    assert match is not None and match.intent == "yes"


def test_speaking_turn_needs_wake_word(intents: Intents) -> None:
    turn = Context(in_exercise=True, speaking_turn=True)
    assert recognize("how much time is left", intents, turn) is None
    match = recognize("coach, how much time is left", intents, turn)
    assert match is not None and match.intent == "time_left"
