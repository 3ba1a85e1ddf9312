"""The end-of-speech judge with the real matcher and phrases: half commands wait, certain ones end soonest."""

from __future__ import annotations

import pytest

from voice_coach.listen.endpoint import WAIT_S, Endpointer, Verdict, coach_endpointer
from voice_coach.testing.synth import ADDRESSED_COMMANDS
from voice_coach.understand.match import Context
from voice_coach.understand.matcher import Intents, load_intents, recognize


@pytest.fixture(scope="module")
def intents() -> Intents:
    return load_intents()


@pytest.fixture(scope="module")
def judge(intents: Intents) -> Endpointer:
    return coach_endpointer(intents, Context, intents.wake)


@pytest.mark.parametrize("text, verdict", [
    ("", Verdict.NOTHING),
    ("coach", Verdict.WAKE),
    ("hey coach uh", Verdict.WAKE),
    ("coach tell me", Verdict.INCOMPLETE),  # no command yet: "more" may follow
    ("coach give me a", Verdict.INCOMPLETE),  # the matcher would say add_time; a request does not end on "a"
    ("coach what can you", Verdict.INCOMPLETE),  # it starts "what can you do" and is no phrasing of its own
    ("coach a tip about", Verdict.INCOMPLETE),
    ("coach give me a tip", Verdict.COMPLETE),  # "about listening" could still follow and change it
    ("coach give us a conversation starter", Verdict.COMPLETE),
    ("coach start the exercise", Verdict.COMPLETE),  # "... two minutes each" may follow
    ("coach start the listening exercise", Verdict.COMPLETE),
    ("coach what can you do", Verdict.CERTAIN),
    ("coach a tip about empathy", Verdict.CERTAIN),
    ("coach a deep question about family", Verdict.CERTAIN),
    ("coach repeat that", Verdict.CERTAIN),
    ("coach another one", Verdict.COMPLETE),  # longer phrasings start with it ("... like that")
    ("coach give me ten", Verdict.COMPLETE),  # "... minutes" may follow
])
def test_verdicts(judge: Endpointer, text: str, verdict: Verdict) -> None:
    assert judge.judge(text) == verdict


def test_certain_commands_wait_least_and_half_ones_longest() -> None:
    assert WAIT_S[Verdict.CERTAIN] < WAIT_S[Verdict.COMPLETE] < WAIT_S[Verdict.INCOMPLETE] < WAIT_S[Verdict.WAKE]


def test_acting_on_the_start_of_a_command_does_what_the_whole_would(judge: Endpointer, intents: Intents) -> None:
    """The shortest pause may end an utterance only where nothing more would change it: every proper prefix of
    every test command (and those the latency benchmark speaks) is at most COMPLETE, unless the matcher makes
    of it exactly what it makes of the whole command ("coach, save" ... "that one")."""
    commands = list(ADDRESSED_COMMANDS) + [
        "coach, a tip about empathy", "coach, a deep question about family", "coach, what can you do",
        "coach, give me a tip about listening", "coach, add two minutes", "coach, repeat that",
        "coach, start the exercise, two minutes each, I'll go first", "coach, something to talk about",
        "coach, give me ten minutes", "coach, tell me more about that", "coach, a light question about family",
    ]
    for command in commands:
        whole = recognize(command, intents, Context())
        words = command.replace(",", "").split()
        for end in range(1, len(words)):
            prefix = " ".join(words[:end])
            if judge.judge(prefix) != Verdict.CERTAIN:
                continue
            part = recognize(prefix, intents, Context())
            assert part is not None and whole is not None, prefix
            assert (part.intent, part.slots) == (whole.intent, whole.slots), f"{prefix!r} (of {command!r})"


def test_without_fast_nothing_is_certain(judge: Endpointer) -> None:
    assert judge.judge("coach what can you do", fast=False) == Verdict.COMPLETE


def test_without_a_matcher_no_command_is_certain() -> None:
    judge = Endpointer(["coach"], {"help": ["what can you do"]})
    assert judge.judge("coach what can you do") == Verdict.COMPLETE
    assert judge.judge("coach what can you") == Verdict.INCOMPLETE
    assert Endpointer(["coach"]).judge("coach anything at all") == Verdict.COMPLETE


def test_the_verdict_is_judged_again_in_a_new_context(intents: Intents) -> None:
    context = {"ctx": Context()}
    judge = coach_endpointer(intents, lambda: context["ctx"], intents.wake)
    assert judge.judge("yes") == Verdict.INCOMPLETE  # no question pending: "yes" is nothing
    context["ctx"] = Context(pending_question="confirm_stop")
    judge.forget()
    assert judge.judge("yes").command
