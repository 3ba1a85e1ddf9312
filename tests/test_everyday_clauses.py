"""Everyday sentences (issue 14, batch 11 causes): a command inside a sentence said without pauses, the wake word
said after an aside, refusals told with a subject, turn language with the partner called by name, requests by
description, and the talk between the two of them that must stay theirs. Sentences of our own, none from a batch."""

from __future__ import annotations

import pytest

from voice_coach.understand.intents import Intents
from voice_coach.understand.match import Context
from voice_coach.understand.matcher import load_intents, recognize, strip_wake_word

TURN = Context(in_exercise=True, speaking_turn=True)
EXERCISE = Context(in_exercise=True)


@pytest.fixture(scope="module")
def intents() -> Intents:
    return load_intents()


@pytest.mark.parametrize(
    ("text", "ctx", "intent"),
    [
        # the wake word after an aside: the aside is read apart, the command after "coach" stands
        ("the microwave just beeped coach hold on a sec", EXERCISE, "pause"),
        ("we're both shattered coach let's call it a night", None, "goodbye"),
        ("i didn't catch that coach could you say it again", None, "repeat"),
        # no pauses: a new clause starts at a request, "so", a command verb, or a new subject and its verb
        ("coach my sister is calling so pause the timer", EXERCISE, "pause"),
        ("coach stop the timer the kids are up", EXERCISE, "stop"),
        ("coach we loved that question keep it for later", Context(last_kind="starter"), "save_favorite"),
        ("coach we're running late so talk a bit faster", None, "faster"),
        ("coach hold on someone is at the door", EXERCISE, "pause"),
        # ... but an object is no aside, and a question goes on past its first words
        ("coach pause the movie", None, None),
        ("coach how long do i boil an egg", None, None),
        # a refusal told with a subject turns its command down; beside the command asked outright it explains
        ("coach we don't want another tip", None, None),
        ("coach let's not do the listening exercise tonight", None, None),
        ("coach he's not finished yet", EXERCISE, None),
        ("coach, skip, we don't need the rules", EXERCISE, "skip"),
        # turn language: small words first, the partner called by name or endearment last
        ("um okay that's all from me, go ahead", TURN, "switch_turn"),
        ("your go sweetheart", TURN, "switch_turn"),
        ("right, i'll leave it there, the floor's yours", TURN, "switch_turn"),
        ("i'm done with the dishes you go dry", TURN, None),  # not a turn handed over
        ("coach let sam start, three minutes", None, "start_exercise"),
        # by description: the frame words ("the thing where", "the evening thing") carry nothing
        ("coach the step by step guided evening thing", None, "start_session"),
        ("coach the break for when things get heated", EXERCISE, "time_out"),
        ("coach turn your voice down a touch", None, "quieter"),
        # talk between the two of them stays theirs
        ("remember the first time we went camping together", Context(), None),
        ("did coach just say we should slow down", Context(), None),
        ("you and coach both think i interrupt", Context(), None),
    ],
)
def test_everyday_sentences(intents: Intents, text: str, ctx: Context | None, intent: str | None) -> None:
    match = recognize(text, intents, ctx)
    assert (match.intent if match else None) == intent


def test_wake_word_after_an_aside_addresses_the_coach(intents: Intents) -> None:
    assert strip_wake_word("the pan is sizzling coach speak up", intents) == (True, "speak up")
    assert strip_wake_word("what did the coach say", intents)[0] is False


def test_a_theme_said_apart_goes_to_the_session(intents: Intents) -> None:
    match = recognize("coach the guided evening thing but about money", intents, None)
    assert match is not None and (match.intent, match.slots) == ("start_session", {"topic": "money"})


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("coach don't stop the clock, just pause it", "pause"),  # asked outright after the refusal: it stands
        ("coach pause, no, don't pause", None),  # a refusal after the command takes it back
    ],
)
def test_a_command_after_its_refusal_stands(intents: Intents, text: str, intent: str | None) -> None:
    match = recognize(text, intents, EXERCISE)
    assert (match.intent if match else None) == intent
