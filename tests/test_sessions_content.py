"""Guided sessions and games as content: the shipped set, user packs, and every session run by typed commands."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from voice_coach.content import load_library
from voice_coach.content.session_checks import (
    MIN_GAME_ITEMS,
    MIN_SESSIONS,
    step_problems,
    validate_sessions,
)
from voice_coach.content.sessions import (
    MAX_STEPS,
    MIN_STEPS,
    Step,
    book_from_text,
    load_sessions,
)
from voice_coach.errors import ContentError
from voice_coach.store import Store
from voice_coach.testing.typed import run_typed

BOOK = load_sessions()


def test_the_shipped_sessions_and_games_pass_every_check() -> None:
    assert validate_sessions(BOOK) == []
    assert len(BOOK.sessions) >= MIN_SESSIONS
    for session in BOOK.sessions:
        assert MIN_STEPS <= len(session.all_steps) <= MAX_STEPS, session.id
        depths = [s.depth for s in session.steps]
        assert depths[0] == "light" and depths[-1] == "deep", session.id
    assert set(BOOK.games) == {"guess_my_answer", "finish_the_sentence", "do_together"}
    assert all(len(g.items) >= MIN_GAME_ITEMS for g in BOOK.games.values())


@pytest.mark.parametrize(
    ("text", "kind", "problem"),
    [
        ("Why did you say that?", "question", "why"),
        ("Do you like mornings?", "question", "yes/no"),
        ("What's your favourite colour?", "question", "British"),
        ("What did you do on the 3rd?", "question", "numerals"),
        ("What did you mean by \"fine\"?", "question", "quote"),
        ("Tell me about your day.", "question", "question mark"),
        ("The best part of today was", "finish", "ends with ..."),
        ("What's " + "very " * 25 + "good?", "question", "words"),
    ],
)
def test_the_checks_catch_what_breaks_the_spoken_style(text: str, kind: str, problem: str) -> None:
    found = step_problems(Step(text, "light", kind, "pack.yaml:3"))
    assert found and all(p.startswith("pack.yaml:3: ") for p in found)
    assert any(problem in p for p in found), found


PACK = """sessions:
  - id: garden
    title: a garden session
    names: [garden, gardening]
    intro: A session about the garden. We'll start with the easy things.
    steps:
      - depth: light
        text: Which plant in the garden makes you happiest?
      - depth: light
        text: What would you grow if space didn't matter?
      - depth: medium
        text: When do you feel most at peace outside?
      - depth: medium
        text: What did the garden you grew up with look like?
      - depth: deep
        text: What would you like to plant together that we'd see in ten years?
    close:
      kind: question
      text: What's one thing we could plant this weekend?
"""


def test_a_user_pack_adds_a_session_that_a_request_finds(tmp_path: Path) -> None:
    (tmp_path / "garden.yaml").write_text(PACK, encoding="utf-8")
    book = load_sessions(tmp_path)
    assert book.rejected == [] and book.session("garden") is not None
    assert validate_sessions(book) == []
    out = _typed(tmp_path, ["coach let's do a garden session"], book_dir=tmp_path)[0]
    assert any("Which plant in the garden makes you happiest?" in line for line in out)


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (PACK.replace("      - depth: medium\n        text: When", "      - depth: middling\n        text: When"), "depth 'middling'"),
        (PACK.replace("    close:\n      kind: question", "    close:\n      kind: hug"), "close"),
        (PACK.replace("    names: [garden, gardening]\n", "    names: garden\n"), "names"),
        (PACK.replace("    intro:", "    outro: x\n    intro:"), "unknown key 'outro'"),
        ("format: charades\nitems: [What's this?]\n", "unknown format"),
        ("sessions:\n  - id: x\n   title: [\n", "malformed YAML"),
    ],
)
def test_a_broken_user_pack_is_rejected_with_file_line_and_reason(tmp_path: Path, broken: str, reason: str) -> None:
    (tmp_path / "broken.yaml").write_text(broken, encoding="utf-8")
    book = load_sessions(tmp_path)
    assert len(book.rejected) == 1
    message = book.rejected[0]
    assert message.startswith(f"{tmp_path / 'broken.yaml'}:") and reason in message
    assert message.split(":")[1].isdigit() and int(message.split(":")[1]) > 0
    assert len(book.sessions) == len(BOOK.sessions)  # the shipped sessions still load
    with pytest.raises(ContentError):
        book_from_text(broken, "broken.yaml")


def _typed(tmp_path: Path, lines: list[str], book_dir: Path | None = None, names: tuple[str, str] | None = None
           ) -> tuple[list[str], list[dict], Store]:
    return run_typed(tmp_path, lines, seed=5, book=load_sessions(book_dir), names=names)


def _request(name: str) -> str:
    return f"coach let's do a {name} session"


@pytest.mark.parametrize("session", BOOK.sessions, ids=lambda s: s.id)
def test_every_session_runs_end_to_end_by_typed_commands(tmp_path: Path, session: object) -> None:
    from voice_coach.content.sessions import Session

    assert isinstance(session, Session)
    request = next((_request(n) for n in session.names if _starts(n, session.id)), None)
    assert request is not None, f"no name of {session.id} starts it"
    turns = sum(2 if s.kind == "question" else 1 for s in session.all_steps)
    lines = [request] + ["next"] * (turns + 1) + ["coach how are we doing"]  # one "no" to the break: a "next"
    out, events, store = _typed(tmp_path, lines, names=("Sam", "Alex"))
    text = "\n".join(out)
    for step in session.all_steps:
        assert step.text in text, step.text
    assert any(line in BOOK.lines["finished"] for line in out)
    assert out[-1].startswith("This week you've done one session")
    finished = [e for e in events if e["type"] == "state" and e["name"] == "session_finished"]
    assert finished and finished[0]["completed"] is True and finished[0]["session"] == session.id
    rows = store.practice()
    assert [(r[0], r[1], r[4]) for r in rows] == [("session", session.id, True)]
    assert "Sam" in text and "Alex" in text


def _starts(name: str, session_id: str) -> bool:
    from voice_coach.dialogue.session_pick import choose
    from voice_coach.understand.match import Match
    from voice_coach.understand.matcher import load_intents, recognize

    match = recognize(_request(name), _INTENTS.setdefault("i", load_intents()))
    if match is None or match.intent != "start_session":
        return False
    picked = choose(BOOK, Match(match.intent, match.slots, text=match.text), random.Random(0))
    return picked is not None and picked[0].id == session_id


_INTENTS: dict[str, object] = {}


@pytest.mark.parametrize(("request_text", "game"), [("coach let's play guess my answer", "guess_my_answer"),
                                                    ("coach finish the sentence", "finish_the_sentence"),
                                                    ("coach something to do together", "do_together")])
def test_every_game_runs_a_round_by_typed_commands(tmp_path: Path, request_text: str, game: str) -> None:
    turns = 6 if game == "do_together" else 12
    out, events, store = _typed(tmp_path, [request_text] + ["next"] * turns)
    items = {s.text for s in BOOK.games[game].items}
    assert sum(any(line.endswith(item) for item in items) for line in out) == 6
    assert any(line in BOOK.lines["finished"] for line in out)
    assert [(r[0], r[1]) for r in store.practice()] == [("game", game)]


def test_goodbye_in_a_session_ends_it_and_logs_it_unfinished(tmp_path: Path) -> None:
    out, events, store = _typed(tmp_path, ["coach a session about the future", "next", "coach goodbye"])
    assert any(line in load_library().lines["goodbye"] for line in out)
    assert [(r[1], r[4]) for r in store.practice()] == [("dreams_future", False)]


def test_talk_inside_a_session_is_not_answered(tmp_path: Path) -> None:
    out, _, _ = _typed(tmp_path, ["coach let's do a date night session", "I think it was the trip to the lake"])
    after = len(_typed(tmp_path / "b", ["coach let's do a date night session"])[0])
    assert len(out) == after  # the couple's answer got no reply


def test_no_session_step_or_game_item_repeats_a_starter() -> None:
    from rapidfuzz import fuzz, process, utils

    library = load_library()
    theirs = [s.text for s in library.starters] + [f for s in library.starters for f in s.follow_ups]
    mine = [s.text for x in BOOK.sessions for s in x.all_steps] + [s.text for g in BOOK.games.values() for s in g.items]
    close = [(m, hit[0]) for m in mine
             if (hit := process.extractOne(m, theirs, scorer=fuzz.token_sort_ratio, processor=utils.default_process,
                                           score_cutoff=85))]
    assert close == []
