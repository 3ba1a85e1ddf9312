"""Spoken amounts of time."""

from __future__ import annotations

import pytest

from voice_coach.understand.numbers import find_minutes, parse_minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("three minutes", 3.0),
        ("a couple of minutes", 2.0),
        ("a couple minutes", 2.0),
        ("a few minutes", 3.0),
        ("five min", 5.0),
        ("ten", 10.0),
        ("10", 10.0),
        ("two and a half minutes", 2.5),
        ("half a minute", 0.5),
        ("half an hour", 30.0),
        ("90 seconds", 1.5),
        ("ninety seconds", 1.5),
        ("one point five", 1.5),
        ("1.5 minutes", 1.5),
        ("a minute and a half", 1.5),
        ("two minutes and thirty seconds", 2.5),
        ("twenty five minutes", 25.0),
        ("three no five minutes", 5.0),
        ("three minutes, sorry, four", 4.0),
        ("give us three i mean four minutes each", 4.0),
        ("add a minute", 1.0),
        ("one more minute", 1.0),
        ("another minute", 1.0),
        ("two more minutes", 2.0),
        ("for minutes", 4.0),
        ("a five minute round", 5.0),
    ],
)
def test_spoken_amounts(text: str, minutes: float) -> None:
    assert parse_minutes(text) == pytest.approx(minutes)


@pytest.mark.parametrize("text", ["another one", "two questions", "a couple", "", "one", "for the kids",
                                  "the first one", "tell me more", "half"])
def test_not_an_amount(text: str) -> None:
    assert parse_minutes(text) is None


def test_span_covers_every_mention() -> None:
    words = "add three no five minutes please".split()
    found = find_minutes(words)
    assert found is not None
    assert (found.minutes, found.start, found.end) == (5.0, 1, 5)
