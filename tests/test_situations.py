"""Situation sets (after an argument, new parents, money, ...) and starters' own follow-up questions."""

from __future__ import annotations

from collections import Counter

import pytest

from voice_coach.content import CATEGORIES, DEPTHS, SITUATIONS, Library, load_library
from voice_coach.content.library import library_from_text, parse_text
from voice_coach.content.validate import validate
from voice_coach.errors import ContentError

MIN_PER_SET_DEPTH = 16


@pytest.fixture(scope="module")
def shipped() -> Library:
    return load_library()


def starter_pack(depth: str, follow_ups: str) -> str:
    return f'category: fun\nstarters:\n  - {{id: fun.{depth}.01, depth: {depth}, text: "What made you laugh today?", {follow_ups}}}\n'


# ----- follow-ups --------------------------------------------------------------------------------


def test_a_starter_keeps_its_follow_ups_in_order() -> None:
    (starter,), *_ = parse_text(starter_pack("medium", 'follow_ups: ["What happened next?", "Who else was there?"]'), "pack.yaml")
    assert starter.follow_ups == ("What happened next?", "Who else was there?")


def test_follow_ups_are_optional() -> None:
    (starter,), *_ = parse_text('category: fun\nstarters:\n  - {id: fun.deep.01, depth: deep, text: "What?"}\n', "pack.yaml")
    assert starter.follow_ups == ()


@pytest.mark.parametrize("follow_ups", ['follow_ups: []', 'follow_ups: ["A?", "B?", "C?"]', 'follow_ups: "What next?"',
                                        'follow_ups: [3]', 'follow_ups: ["  "]'])
def test_follow_ups_must_be_one_or_two_questions(follow_ups: str) -> None:
    with pytest.raises(ContentError) as caught:
        parse_text(starter_pack("deep", follow_ups), "pack.yaml")
    assert caught.value.message == "pack.yaml:3: follow_ups must be a list of one or two questions"


def test_a_light_starter_may_not_have_follow_ups() -> None:
    with pytest.raises(ContentError) as caught:
        parse_text(starter_pack("light", 'follow_ups: ["What happened next?"]'), "pack.yaml")
    assert caught.value.message == "pack.yaml:3: a light starter has follow_ups"


def test_a_follow_up_obeys_the_spoken_question_rules() -> None:
    library = library_from_text(starter_pack("medium", 'follow_ups: ["What happened next?", "Did you like it?"]'), "pack.yaml")
    assert validate(library, coverage=False) == [
        "pack.yaml:3: starter 'fun.medium.01': follow-up 2: yes/no question ('Did ...'); "
        "open with what, how, which, when, where or who"
    ]


def test_follow_ups_appear_in_the_json_export(shipped: Library) -> None:
    exported = {s["id"]: s for s in shipped.to_json()["starters"]}
    starter = next(s for s in shipped.starters if s.follow_ups)
    assert exported[starter.id]["follow_ups"] == list(starter.follow_ups)


# ----- the situation sets ------------------------------------------------------------------------


def test_every_situation_is_a_starter_category_with_a_spoken_name() -> None:
    assert len(SITUATIONS) == 10
    for situation, name in SITUATIONS.items():
        assert CATEGORIES[situation] == name
        assert "_" not in name


def test_each_situation_set_has_every_depth_and_follow_ups_for_medium_and_deep(shipped: Library) -> None:
    per_cell = Counter((s.category, s.depth) for s in shipped.starters)
    for situation in SITUATIONS:
        for depth in DEPTHS:
            assert per_cell[(situation, depth)] >= MIN_PER_SET_DEPTH, (situation, depth)
    for starter in (s for s in shipped.starters if s.category in SITUATIONS):
        assert bool(starter.follow_ups) == (starter.depth != "light"), starter.id


def test_the_library_passes_a_thousand_starters(shipped: Library) -> None:
    assert len(shipped.starters) >= 1000
    assert sum(s.category in SITUATIONS for s in shipped.starters) >= 480
