"""The dialogue state machine, driven with hand-made matches (pure logic, no audio)."""

from __future__ import annotations

import random

import pytest

from voice_coach.actions import (
    EndSession,
    ForgetUsed,
    RecordHistory,
    SaveFavorite,
    SaveSetting,
    Say,
)
from voice_coach.content import Library, Starter, Tip, load_library
from voice_coach.dialogue.coach import Coach
from voice_coach.dialogue.memory import Memory
from voice_coach.understand.match import Match


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def said(actions: list) -> list[Say]:
    return [a for a in actions if isinstance(a, Say)]


def ask(coach: Coach, intent: str, **slots: object) -> list:
    return coach.handle(Match(intent, dict(slots)), now=0.0)


def make_coach(library: Library, seed: int = 1) -> Coach:
    return Coach(library, Memory(), random.Random(seed))


def test_starter_respects_depth_and_topic(library: Library) -> None:
    coach = make_coach(library)
    for _ in range(10):
        say = said(ask(coach, "conversation_starter", depth="deep", topic="family"))[0]
        starter = library.starter(say.content_id or "")
        assert starter is not None and starter.depth == "deep" and starter.category == "family"


def test_another_gives_a_different_item_of_the_same_kind(library: Library) -> None:
    coach = make_coach(library)
    first = said(ask(coach, "tip", topic="active_listening"))[0]
    second = said(ask(coach, "another"))[0]
    assert second.content_id != first.content_id
    tip = library.tip(second.content_id or "")
    assert tip is not None and tip.topic == "active_listening"


def test_no_starter_repeats_until_the_category_is_used_up() -> None:
    starters = [Starter(f"fun.light.{i}", f"What is fun thing number {i}?", "fun", "light") for i in range(5)]
    library = load_library()
    small = Library(starters=starters, tips=library.tips, prompts=library.prompts, lines=library.lines)
    coach = make_coach(small)
    ids = [said(ask(coach, "conversation_starter", topic="fun"))[0].content_id for _ in range(5)]
    assert sorted(ids) == sorted(s.id for s in starters)
    sixth = ask(coach, "conversation_starter", topic="fun")
    assert any(isinstance(a, ForgetUsed) for a in sixth)
    texts = [s.text for s in said(sixth)]
    assert "fun and play" in texts[0]  # the couple hears the set starts again
    assert said(sixth)[-1].content_id != ids[-1]


def test_tell_more_then_try_then_nothing_more(library: Library) -> None:
    coach = make_coach(library)
    tip_say = said(ask(coach, "tip", topic="patience"))[0]
    tip = library.tip(tip_say.content_id or "")
    assert tip is not None
    assert said(ask(coach, "tell_more"))[0].text == tip.more
    assert tip.try_ in said(ask(coach, "tell_more"))[0].text
    last = said(ask(coach, "tell_more"))[0].text
    assert last in library.lines["nothing_more"]
    # "yes" to "want another?" gives another tip on the same topic
    another = said(ask(coach, "yes"))[0]
    assert library.tip(another.content_id or "") is not None


def test_repeat_says_exactly_the_last_thing(library: Library) -> None:
    coach = make_coach(library)
    first = said(ask(coach, "conversation_starter"))[0]
    assert said(ask(coach, "repeat")) == [first]
    assert said(ask(coach, "repeat")) == [first]


def test_repeat_works_from_memory_in_a_new_process(library: Library) -> None:
    tip = library.tips[0]
    memory = Memory(last_kind="tip", last_id=tip.id, last_part="more")
    coach = Coach(library, memory, random.Random(0))
    assert said(ask(coach, "repeat"))[0].text == tip.more


def test_save_and_list_favorites(library: Library) -> None:
    coach = make_coach(library)
    assert said(ask(coach, "save_favorite"))[0].text in library.lines["nothing_to_save"]
    starter = said(ask(coach, "conversation_starter"))[0]
    actions = ask(coach, "save_favorite")
    assert SaveFavorite(starter.content_id or "") in actions
    assert said(ask(coach, "save_favorite"))[0].text in library.lines["already_favorite"]
    listed = said(ask(coach, "list_favorites"))
    assert listed[0].text in library.lines["favorite_intro_one"] and listed[-1].text == starter.text
    second = [s for s in said(ask(coach, "another")) if s.kind == "starter"][0]
    ask(coach, "save_favorite")
    listed = said(ask(coach, "list_favorites"))
    assert "2" in listed[0].text and listed[-1].text == starter.text and second.text in [s.text for s in listed]


def test_help_reads_at_most_three_examples(library: Library) -> None:
    coach = make_coach(library)
    text = said(ask(coach, "help"))[0].text
    examples = [e for e in library.lines["help_examples"] if f'"{e}"' in text]
    assert 1 <= len(examples) <= 3


def test_out_of_scope_is_varied_and_never_an_action(library: Library) -> None:
    coach = make_coach(library)
    replies = [coach.handle(None, 0.0) for _ in range(6)]
    assert all(len(r) == 1 and isinstance(r[0], Say) for r in replies)
    texts = [r[0].text for r in replies]
    assert all(t in library.lines["out_of_scope"] for t in texts)
    assert all(a != b for a, b in zip(texts, texts[1:]))  # never the same line twice in a row


def test_speech_settings_step_and_stop_at_limits(library: Library) -> None:
    coach = make_coach(library)
    values = []
    for _ in range(10):
        values += [a.value for a in ask(coach, "slower") if isinstance(a, SaveSetting)]
    assert values == [0.85, 0.7, 0.6]  # clamped to the lowest rate, then no further
    assert said(ask(coach, "slower"))[0].text in library.lines["at_limit"]
    assert [a for a in ask(coach, "louder") if isinstance(a, SaveSetting)] == []  # already loudest


def test_yes_without_a_question_does_nothing_harmful(library: Library) -> None:
    coach = make_coach(library)
    assert said(ask(coach, "yes"))[0].text in library.lines["nothing_pending"]


def test_goodbye_ends_the_session(library: Library) -> None:
    coach = make_coach(library)
    actions = ask(coach, "goodbye")
    assert isinstance(actions[-1], EndSession)
    assert said(actions)[0].text in library.lines["goodbye"]


def test_history_records_ids_not_words(library: Library) -> None:
    coach = make_coach(library)
    actions = coach.handle(Match("tip", {"topic": "trust"}, text="my secret words"), 0.0)
    records = [a for a in actions if isinstance(a, RecordHistory)]
    assert records and all("secret" not in repr(r) for r in records)


def test_exercise_commands_outside_the_exercise_are_explained(library: Library) -> None:
    coach = make_coach(library)
    assert said(ask(coach, "pause"))[0].text in library.lines["no_exercise"]


def test_tips_cover_a_requested_topic_without_repeats(library: Library) -> None:
    coach = make_coach(library)
    pool = [t.id for t in library.tips if t.topic == "boundaries"]
    got = [said(ask(coach, "tip", topic="boundaries"))[0].content_id for _ in pool]
    assert sorted(got) == sorted(pool)


def test_unknown_tip_is_not_given_for_empty_library() -> None:
    library = load_library()
    empty = Library(starters=[], tips=[], prompts=library.prompts, lines=library.lines)
    coach = make_coach(empty)
    assert said(ask(coach, "tip"))[0].text in library.lines["out_of_scope"]
    assert isinstance(Tip, type)


def test_every_line_the_coach_says_exists_with_variants(library: Library) -> None:
    import re
    from pathlib import Path

    import voice_coach.dialogue.coach as coach_module
    import voice_coach.dialogue.content_giver as giver_module

    source = Path(coach_module.__file__).read_text() + Path(giver_module.__file__).read_text()
    keys = set(re.findall(r'\.(?:_say|say)\("([a-z_]+)"', source)) | {"slower", "faster", "louder", "quieter", "help_examples"}
    for key in sorted(keys):
        assert len(library.lines.get(key, [])) >= 3, f"coach line '{key}' needs at least 3 variants"
