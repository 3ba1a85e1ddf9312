"""A question one partner asks the other ("... I did ...") is handed over with a spoken lead first.

Spoken bare, the "I" of a card-deck question is heard as the coach. The coach says a lead such as
"Ask each other:" on its own line first; the card, the history and favorites keep the question itself.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from voice_coach.actions import Say
from voice_coach.app.screen.view import ScreenView
from voice_coach.content import Library, Starter, load_library
from voice_coach.content.asker import asked_by_a_partner, first_person_word
from voice_coach.content.session_checks import step_problems
from voice_coach.content.sessions import Step, load_sessions
from voice_coach.dialogue.coach import Coach
from voice_coach.dialogue.memory import Memory
from voice_coach.dialogue.session_machine import GuidedSession
from voice_coach.store import Store
from voice_coach.testing.fakes import FakeClock
from voice_coach.testing.typed import run_typed
from voice_coach.understand.intents import load_intents
from voice_coach.understand.match import Match
from voice_coach.understand.matcher import recognize

LIBRARY = load_library()
LEADS = set(LIBRARY.lines["ask_each_other"])
FOLLOW_LEADS = set(LIBRARY.lines["ask_follow_up"])


@pytest.mark.parametrize(("text", "word"), [
    ("What's a small thing I did this week that you liked?", "i"),
    ("Where's your favorite place to curl up with me?", "me"),
    ("Which outfit of mine do you secretly love?", "mine"),
    ("What do you wish I’d noticed sooner?", "i'd"),  # a curly apostrophe, as writers type it
    ("What helps you believe it when I'm quiet?", "i'm"),
    ("What did my family get right about you?", "my"),
    ("What kind of parent do you hope our child sees in you?", "our"),  # the couple's, not the coach's
    ("When we fight, what are you most afraid might happen?", "we"),
    ("What's a place you'd love to visit someday?", None),
    ("Which habit of your partner's makes the two of you laugh?", None),
    ("Which idea in your mind keeps coming back?", None),  # "mind" is not "mine"
])
def test_the_rule_finds_the_askers_own_words(text: str, word: str | None) -> None:
    assert first_person_word(text) == word
    assert asked_by_a_partner(text) is (word is not None)


def _starter_says(records: list[dict]) -> list[tuple[str | None, str]]:
    """(the line said just before, the starter) for every starter the coach said."""
    says = [r for r in records if r["type"] == "say"]
    return [(says[i - 1]["text"] if i else None, r["text"]) for i, r in enumerate(says) if r["kind"] == "starter"]


def test_a_real_typed_run_leads_in_only_the_questions_a_partner_asks(tmp_path: Path) -> None:
    lines = ["coach, give us a conversation starter"] + ["coach, another one", "coach, repeat that"] * 19
    out, records, _ = run_typed(tmp_path, lines, seed=11)
    given = _starter_says(records)
    partners = [(before, text) for before, text in given if asked_by_a_partner(text)]
    coaches = [(before, text) for before, text in given if not asked_by_a_partner(text)]
    assert partners and coaches, "the run should meet both kinds of question"
    for before, text in partners:
        assert before in LEADS, f"no lead before {text!r}"
        assert out.index(text) > 0 and out[out.index(text) - 1] in LEADS  # printed (and spoken) on its own line first
    for before, text in coaches:
        assert before not in LEADS, f"a lead before the coach's own question {text!r}"
    screen = ScreenView(FakeClock().now)
    for record in records:
        screen.apply(record["type"], record)
        if record["type"] == "say" and record["kind"] == "starter":
            assert screen.snapshot()["card"]["text"] == record["text"]  # the card shows the question only
            assert not any(screen.snapshot()["card"]["text"].startswith(lead) for lead in LEADS)


def test_repeat_says_the_lead_again_and_the_history_keeps_ids(tmp_path: Path) -> None:
    mine = next(s for s in LIBRARY.starters if s.category == "appreciation" and asked_by_a_partner(s.text))
    home = Store(tmp_path / "home")
    home.remember_last("starter", mine.id, "text", None, "appreciation")  # the last process gave it
    out, records, _ = run_typed(tmp_path, ["coach, repeat that"])
    said = [r["text"] for r in records if r["type"] == "say"]
    assert said[-1] == mine.text and said[-2] in LEADS
    assert [r["kind"] for r in records if r["type"] == "say"][-2:] == ["lead", "starter"]


def test_favorites_are_read_back_with_the_lead(tmp_path: Path) -> None:
    mine = next(s for s in LIBRARY.starters if asked_by_a_partner(s.text))
    theirs = next(s for s in LIBRARY.starters if not asked_by_a_partner(s.text))
    home = Store(tmp_path / "home")
    home.add_favorite(theirs.id)
    home.add_favorite(mine.id)
    out, _, store = run_typed(tmp_path, ["coach, what are my favorites"])
    assert out.index(mine.text) > 0 and out[out.index(mine.text) - 1] in LEADS
    assert out[out.index(theirs.text) - 1] not in LEADS
    assert mine.id in store.load().favorites  # the saved item is the question, not the lead


def _typed(coach: Coach, text: str) -> list[Say]:
    match = recognize(text, load_intents(), coach.context())
    assert match is not None
    return [a for a in coach.handle(match, now=0.0) if isinstance(a, Say)]


def _small(*starters: Starter) -> Library:
    return Library(starters=list(starters), tips=LIBRARY.tips, prompts=LIBRARY.prompts, lines=LIBRARY.lines)


def test_a_partners_follow_up_gets_a_lead_and_the_swap_hands_a_partners_question_over() -> None:
    coachs = Starter("dreams.light.01", "What's a trip you'd love to take?", "dreams", "light",
                     follow_ups=("What would the first morning look like?", "How could I help make it happen?"))
    coach = Coach(_small(coachs), Memory(), random.Random(2))
    assert [s.text for s in _typed(coach, "coach, give us a conversation starter")] == [coachs.text]
    assert [s.text for s in _typed(coach, "tell me more")] == [coachs.follow_ups[0]]
    lead, follow = _typed(coach, "tell me more")
    assert lead.text in FOLLOW_LEADS and lead.kind == "lead" and follow.text == coachs.follow_ups[1]
    swap = _typed(coach, "tell me more")
    assert len(swap) == 1 and swap[0].text.endswith(coachs.text) and "Same question" in swap[0].text

    mine = Starter("relationship.light.01", "What was your first impression of me?", "relationship", "light",
                   follow_ups=("What surprised you later?",))
    coach = Coach(_small(mine), Memory(), random.Random(2))
    lead, question = _typed(coach, "coach, give us a conversation starter")
    assert lead.text in LEADS and question.text == mine.text and question.kind == "starter"
    assert [s.text for s in _typed(coach, "tell me more")] == [mine.follow_ups[0]]
    swap = _typed(coach, "tell me more")
    assert len(swap) == 1 and swap[0].text.endswith(mine.text)
    assert swap[0].text in {v.format(question=mine.text) for v in LIBRARY.lines["starter_swap_ask"]}


def test_sessions_never_ask_a_partners_question_in_turn() -> None:
    problems = step_problems(Step("What's a small thing I did this week that you liked?", "light", "question", "x.yaml:3"))
    assert any("'i' would be heard as the coach" in p for p in problems)
    assert not step_problems(Step("What's a small thing your partner did this week that you liked?", "light", "question", "x.yaml:4"))
    assert not [p for p in step_problems(Step("I feel most at home when...", "light", "finish", "x.yaml:5")) if "coach" in p]
    assert not step_problems(Step("What's one thing we could plant this weekend?", "light", "question", "x.yaml:6"))  # "we" is shared
    # "lighter please" never swaps in a question only one partner can ask
    book = load_sessions()
    session = next(s for s in book.sessions if s.topic == "relationship")
    only_mine = [s for s in LIBRARY.starters if s.category == "relationship" and asked_by_a_partner(s.text)]
    machine = GuidedSession(session, book, random.Random(1), ("Sam", "Alex"), _small(*only_mine), "session")
    machine.start(0.0)
    while session.all_steps[machine.step_number - 1].depth != "deep":
        machine.handle(Match("skip", {}), 1.0)
        if machine.pending_question:
            machine.handle(Match("no", {}), 1.0)
    said = [a.text for a in machine.handle(Match("conversation_starter", {"depth": "light"}), 2.0) if isinstance(a, Say)]
    assert said[0] in book.lines["lightest"]


def test_every_lead_hands_the_question_over_without_a_partners_words_of_its_own() -> None:
    # (the shipped library, leads included, passes the validator: tests/test_content.py)
    for key in ("ask_each_other", "ask_follow_up"):
        for lead in LIBRARY.lines[key]:
            assert not asked_by_a_partner(lead) and lead.endswith(":")  # hands over; says nothing as a partner
