"""A starter's own follow-ups after "tell me more" / "follow up", then the same question for the other partner."""

from __future__ import annotations

import random
import subprocess
import sys

from voice_coach.actions import Say
from voice_coach.content import Library, Starter, load_library
from voice_coach.content.asker import asked_by_a_partner
from voice_coach.dialogue.coach import Coach
from voice_coach.dialogue.memory import Memory
from voice_coach.understand.intents import Intents, load_intents
from voice_coach.understand.match import Match
from voice_coach.understand.matcher import recognize

LIBRARY = load_library()


def typed(coach: Coach, intents: Intents, text: str) -> list[Say]:
    """What the coach says to one typed command, understood the way a spoken one is."""
    match = recognize(text, intents, coach.context())
    assert match is not None and match.intent is not None, f"not understood: {text!r}"
    return [a for a in coach.handle(match, now=0.0) if isinstance(a, Say)]


def small_library(*starters: Starter) -> Library:
    return Library(starters=list(starters), tips=LIBRARY.tips, prompts=LIBRARY.prompts, lines=LIBRARY.lines)


TWO = Starter("dreams.deep.01", "What would you try if you knew you'd be supported?", "dreams", "deep",
              follow_ups=("What's the first small step toward it?", "Who'd you want to tell first?"))
NONE = Starter("dreams.light.01", "What's a trip you'd love to take?", "dreams", "light")


def test_tell_me_more_gives_the_starters_follow_ups_then_the_swap_then_stops() -> None:
    coach = Coach(small_library(TWO), Memory(), random.Random(3))
    intents = load_intents()
    assert typed(coach, intents, "coach give us something deep about dreams")[0].text == TWO.text
    assert typed(coach, intents, "tell me more")[0].text == TWO.follow_ups[0]
    assert typed(coach, intents, "follow up")[0].text == TWO.follow_ups[1]
    swap = typed(coach, intents, "tell me more")[0].text
    assert TWO.text in swap and "other" in swap  # the other partner hears the same question
    assert typed(coach, intents, "repeat that")[0].text == swap
    assert typed(coach, intents, "tell me more")[0].text == TWO.follow_ups[0]  # now for the other one
    assert typed(coach, intents, "follow up")[0].text == TWO.follow_ups[1]
    assert typed(coach, intents, "tell me more")[0].text in LIBRARY.lines["nothing_more"]


def test_a_starter_without_follow_ups_keeps_the_generic_line() -> None:
    coach = Coach(small_library(NONE), Memory(), random.Random(3))
    intents = load_intents()
    typed(coach, intents, "give us a conversation starter")
    assert typed(coach, intents, "tell me more")[0].text in LIBRARY.lines["more_on_starter"]
    assert typed(coach, intents, "tell me more")[0].text in LIBRARY.lines["nothing_more"]


def test_one_follow_up_goes_straight_to_the_swap() -> None:
    one = Starter("dreams.medium.01", "What's a place you'd like to live someday?", "dreams", "medium",
                  follow_ups=("What would a normal day there look like?",))
    coach = Coach(small_library(one), Memory(), random.Random(5))
    coach.handle(Match("conversation_starter", {}), now=0.0)
    assert [a.text for a in coach.handle(Match("tell_more", {}), now=0.0) if isinstance(a, Say)] == [one.follow_ups[0]]
    swap = [a.text for a in coach.handle(Match("tell_more", {}), now=0.0) if isinstance(a, Say)]
    assert len(swap) == 1 and one.text in swap[0]


def test_every_shipped_medium_and_deep_starter_follows_up() -> None:
    missing = [s.id for s in LIBRARY.starters if s.depth != "light" and not s.follow_ups]
    assert missing == []
    assert all(not s.follow_ups for s in LIBRARY.starters if s.depth == "light")


def test_follow_up_across_processes(env: dict[str, str]) -> None:
    def ask(text: str) -> str:
        result = subprocess.run([sys.executable, "-m", "voice_coach", "ask", "--quiet", text], env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        *lead, said = result.stdout.strip().splitlines()
        assert len(lead) == int(asked_by_a_partner(said))  # one partner's question comes after a lead line
        return said

    first = ask("coach something deep about family")
    starter = next(s for s in LIBRARY.starters if s.text == first)
    assert ask("coach follow up") == starter.follow_ups[0]
    assert ask("repeat that") == starter.follow_ups[0]
