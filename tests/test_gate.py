"""The wake-word gate with the real matcher: addressed requests, the follow-up window, partners talking."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from voice_coach.listen.gate import (
    FOLLOW_UP_INTENTS,
    SPEECH_GRACE_S,
    WakeGate,
    is_own_echo,
    judge,
)
from voice_coach.understand.match import Context, Match
from voice_coach.understand.matcher import (
    Intents,
    load_intents,
    recognize,
    strip_wake_word,
)


@dataclass(frozen=True)
class Heard:
    text: str
    end_s: float


@pytest.fixture(scope="module")
def intents() -> Intents:
    return load_intents()


class Room:
    """A gate, the real matcher and a settable 'now', as the runtime wires them."""

    def __init__(self, intents: Intents) -> None:
        self.intents = intents
        self.turn = False
        self.talking = False
        self.context = Context(last_intent="conversation_starter", last_kind="starter")
        self.gate = WakeGate(lambda text: strip_wake_word(text, intents)[0], follow_up_s=6.0,
                             speaking_turn=lambda: self.turn, coach_talking=lambda: self.talking)

    def acts(self, text: str, at_s: float) -> bool:
        context = Context(**{**self.context.__dict__, "speaking_turn": self.turn, "in_exercise": self.turn})
        return self.gate(recognize(text, self.intents, context), Heard(text, at_s))


@pytest.fixture()
def room(intents: Intents) -> Room:
    return Room(intents)


def test_addressed_requests_always_act(room: Room) -> None:
    assert room.acts("coach, give us a conversation starter", 10.0)
    assert room.acts("hey coach, another one", 500.0)
    assert room.acts("another one, coach", 900.0)
    # Addressed but out of scope: the coach answers with what it can do.
    assert room.acts("coach, what's the weather like tomorrow", 1000.0)


def test_speech_without_the_wake_word_is_ignored_outside_the_window(room: Room) -> None:
    assert not room.acts("another one", 10.0)
    assert not room.acts("give us a conversation starter", 11.0)
    room.gate.reply_finished(20.0)
    assert not room.acts("another one", 20.0 + 6.0 + SPEECH_GRACE_S + 0.5)


@pytest.mark.parametrize("follow_up", ["another one", "tell me more", "repeat that", "stop"])
def test_follow_ups_work_without_the_wake_word_right_after_a_reply(room: Room, follow_up: str) -> None:
    room.gate.reply_finished(100.0)
    assert room.acts(follow_up, 103.0)
    assert room.gate.last is not None and room.gate.last.reason == "follow_up"


def test_the_window_is_used_once_and_reopens_after_the_next_reply(room: Room) -> None:
    room.gate.reply_finished(100.0)
    assert room.acts("another one", 101.0)
    assert not room.acts("another one", 102.0)  # the reply to the first has not finished yet
    room.gate.reply_finished(104.0)
    assert room.acts("tell me more", 108.0)


@pytest.mark.parametrize("sentence", [
    "can we pause and talk about your mum's visit",
    "I think we should stop at the shop on the way home",
    "tell me more about your day at work",
    "what time is dinner tonight",
    "give me a tip on the wine",
])
def test_partners_talking_in_the_window_do_nothing(room: Room, sentence: str) -> None:
    room.gate.reply_finished(100.0)
    assert not room.acts(sentence, 102.0)


def test_only_addressed_exercise_commands_pass_during_a_speaking_turn(room: Room) -> None:
    room.turn = True
    room.gate.reply_finished(100.0)  # even right after the coach spoke
    assert room.acts("coach, how much time is left", 101.0)
    assert not room.acts("how much time is left", 102.0)
    assert not room.acts("stop", 102.5)
    assert not room.acts("I wanted to stop everything and just take a pause", 103.0)
    assert not room.acts("coach, I need more time to think about my job", 104.0)


def test_while_the_coach_talks_only_a_barge_in_stop_passes(room: Room) -> None:
    room.talking = True
    assert room.acts("coach, stop", 10.0)
    assert room.gate.last is not None and room.gate.last.reason == "barge_in"
    assert not room.acts("stop", 11.0)
    assert not room.acts("coach, another one", 12.0)


def test_judge_needs_a_close_short_match_for_follow_ups() -> None:
    heard = Heard("another one", 5.0)
    assert judge(Match("another", score=95.0), heard, addressed=False, window_end_s=6.0).act
    assert not judge(Match("another", score=60.0), heard, addressed=False, window_end_s=6.0).act
    assert not judge(Match("help", score=99.0), Heard("help", 5.0), addressed=False, window_end_s=6.0).act
    assert not judge(None, heard, addressed=False, window_end_s=6.0).act
    assert not judge(Match("another", score=95.0), heard, addressed=False, window_end_s=None).act
    assert "help" not in FOLLOW_UP_INTENTS


def test_own_echo_is_recognised_by_its_words() -> None:
    said = "We're in the middle of the exercise. You can say coach, stop to end it."
    assert is_own_echo("coach stop", said)
    assert is_own_echo("say coach stop", said)
    assert not is_own_echo("coach stop", "Here is a question for you both.")
    assert not is_own_echo("", said)
