"""The guided-session state machine, pure, on a FakeClock: turns, next, break, pause, depth, stop."""

from __future__ import annotations

import random

import pytest

from voice_coach.actions import RecordPractice, Say, StateChange
from voice_coach.content import load_library
from voice_coach.content.sessions import SessionBook, load_sessions
from voice_coach.dialogue.session_machine import GuidedSession
from voice_coach.dialogue.session_pick import choose
from voice_coach.testing.fakes import FakeClock
from voice_coach.understand.match import Match

BOOK = load_sessions()
LIBRARY = load_library()


class Run:
    """A session driven by commands, collecting what the coach says."""

    def __init__(self, session_id: str = "date_night", names: tuple[str, str] | None = ("Sam", "Alex"),
                 book: SessionBook = BOOK, kind: str = "session") -> None:
        self.clock = FakeClock()
        session = book.session(session_id)
        assert session is not None
        self.session = session
        self.machine = GuidedSession(session, book, random.Random(7), names, LIBRARY, kind)
        self.actions = self.machine.start(self.clock.now())

    def do(self, intent: str, after_s: float = 30.0, **slots: str) -> list[str]:
        self.clock.advance(after_s)
        self.actions = self.machine.handle(Match(intent, dict(slots)), self.clock.now())
        return self.said()

    def said(self) -> list[str]:
        return [a.text for a in self.actions if isinstance(a, Say)]

    def text(self) -> str:
        return " ".join(self.said())

    def record(self) -> RecordPractice:
        records = [a for a in self.actions if isinstance(a, RecordPractice)]
        assert len(records) == 1
        return records[0]


def test_it_opens_with_the_title_intro_and_first_question_named_first() -> None:
    run = Run()
    said = run.text()
    assert run.session.intro in said
    assert said.endswith(run.session.steps[0].text)  # the question comes last
    assert "Sam" in run.said()[-1] and "Alex" not in run.said()[-1]
    assert run.machine.waiting and run.machine.step_number == 1


def test_next_hands_over_then_moves_on_and_who_goes_first_alternates() -> None:
    run = Run()
    second = run.do("switch_turn")
    assert len(second) == 1 and "Alex" in second[0] and run.session.steps[0].text not in second[0]
    assert run.machine.step_number == 1
    third = run.do("done")
    assert third[-1].endswith(run.session.steps[1].text)
    assert "Alex" in third[-1] and "Sam" not in third[-1]  # step two: Alex first
    assert run.machine.step_number == 2


def test_without_names_it_says_one_of_you_and_the_other() -> None:
    run = Run(names=None)
    assert "Sam" not in run.text()
    handover = run.do("switch_turn")
    assert handover[0] in BOOK.lines["second_unnamed"]


def test_a_whole_session_runs_light_to_deep_offers_one_break_and_closes_warmly() -> None:
    run = Run()
    asked = [s.text for s in run.session.all_steps if run.said()[-1].endswith(s.text)]
    breaks = 0
    for _ in range(60):
        if run.machine.finished:
            break
        if run.machine.pending_question == "break_offer":
            breaks += 1
            run.do("no")
        else:
            run.do("switch_turn")
        asked += [s.text for s in run.session.all_steps if any(line.endswith(s.text) for line in run.said())]
    assert run.machine.finished and breaks == 1
    assert asked == [s.text for s in run.session.all_steps]
    assert run.said()[-1] in BOOK.lines["finished"]
    record = run.record()
    assert record.completed and record.kind == "session" and record.item_id == "date_night"


def test_the_break_is_offered_halfway_and_taking_it_pauses_until_resume() -> None:
    run = Run()
    half = len(run.session.all_steps) // 2
    for _ in range(2 * half):
        run.do("switch_turn")
    assert run.machine.pending_question == "break_offer" and run.said()[-1] in BOOK.lines["break_offer"]
    run.do("yes")
    assert run.machine.state == "paused" and "resume" in run.text()
    resumed = run.do("resume", after_s=600)
    assert resumed[-1].endswith(run.session.all_steps[half].text)  # the next question, not a repeat
    for _ in range(40):
        if run.machine.finished:
            break
        run.do("switch_turn", after_s=60)
    assert run.machine.finished
    # The break and the other waits are not practice time: 30 s + 600 s break + 60 s steps
    assert run.record().minutes < (30 * 2 * half + 600 + 60 * 40) / 60 - 9


def test_pause_resume_and_repeat_give_the_same_question_back() -> None:
    run = Run()
    question = run.said()[-1]
    assert run.do("pause")[0] in BOOK.lines["paused"]
    assert run.machine.state == "paused"
    assert run.do("conversation_starter") == [run.said()[0]] and run.said()[0] in BOOK.lines["paused"]
    resumed = run.do("resume")
    assert resumed[-1] == question and run.machine.waiting
    assert run.do("repeat") == [question]


def test_skip_and_another_move_to_the_next_question() -> None:
    run = Run()
    assert run.do("skip")[-1].endswith(run.session.steps[1].text)
    assert run.do("another")[-1].endswith(run.session.steps[2].text)


def test_go_deeper_jumps_ahead_and_stops_at_the_deep_end() -> None:
    run = Run()
    deeper = run.do("tell_more")  # "go deeper"
    step = run.session.all_steps[run.machine.step_number - 1]
    assert step.depth == "medium" and deeper[-1].endswith(step.text)
    run.do("conversation_starter", depth="deep")
    assert run.session.all_steps[run.machine.step_number - 1].depth == "deep"
    number = run.machine.step_number
    last_deep = max(i for i, s in enumerate(run.session.steps) if s.depth == "deep") + 1
    while run.machine.step_number < last_deep:
        run.do("skip")
        if run.machine.pending_question:
            run.do("no")
    assert run.do("conversation_starter", depth="deep")[0] in BOOK.lines["deepest"]
    assert run.machine.step_number >= number


def test_lighter_please_swaps_in_a_lighter_question_on_the_same_theme() -> None:
    run = Run("values")
    while run.session.all_steps[run.machine.step_number - 1].depth != "deep":
        run.do("skip")
        if run.machine.pending_question:
            run.do("no")
    said = run.do("conversation_starter", depth="light")
    assert said[0] in BOOK.lines["lighter"]
    lighter = {s.text: s for s in LIBRARY.starters}
    swapped = next(t for t in lighter if said[-1].endswith(t))
    assert lighter[swapped].depth == "light" and lighter[swapped].category == "values"
    light_run = Run("values")
    assert light_run.do("conversation_starter", depth="light")[0] in BOOK.lines["lightest"]


@pytest.mark.parametrize("answer", ["no", "resume"])
def test_stop_asks_first_and_no_carries_on(answer: str) -> None:
    run = Run()
    question = run.said()[-1]
    assert run.do("stop")[0] in BOOK.lines["confirm_stop"]
    assert run.machine.pending_question == "confirm_stop"
    assert run.do("conversation_starter")[0] in BOOK.lines["confirm_stop"]  # anything else asks again
    said = run.do(answer)
    assert said[-1] == question and run.machine.waiting


def test_stop_then_yes_ends_warmly_and_logs_an_unfinished_session() -> None:
    run = Run()
    run.do("switch_turn")
    run.do("stop")
    said = run.do("yes")
    assert said[0] in BOOK.lines["stopped"] and run.machine.finished
    record = run.record()
    assert not record.completed and record.minutes == pytest.approx(1.0)  # the open stop question is not practice time
    assert any(isinstance(a, StateChange) and a.name == "session_finished" for a in run.actions)


def test_a_stop_asked_during_a_pause_returns_to_the_pause() -> None:
    run = Run()
    run.do("pause")
    run.do("stop")
    assert run.do("no")[0] in BOOK.lines["paused"] and run.machine.state == "paused"


def test_games_alternate_the_guesser_and_reveal_the_answer() -> None:
    game = BOOK.games["guess_my_answer"]
    picked = choose(BOOK, Match("start_session", {}, text="let us play guess my answer"), random.Random(1))
    assert picked is not None
    session, kind = picked
    assert kind == "game" and len(session.steps) == 6 and {s.text for s in session.steps} <= {s.text for s in game.items}
    machine = GuidedSession(session, BOOK, random.Random(1), ("Sam", "Alex"), LIBRARY, kind)
    first = [a.text for a in machine.start(0.0) if isinstance(a, Say)]
    assert first[-1].endswith(session.steps[0].text) and first[-1].startswith("Sam")
    reveal = [a.text for a in machine.handle(Match("switch_turn"), 1.0) if isinstance(a, Say)]
    assert reveal[0].startswith("Alex") or "Alex" in reveal[0]
    second = [a.text for a in machine.handle(Match("switch_turn"), 2.0) if isinstance(a, Say)]
    assert second[-1].startswith("Alex") and second[-1].endswith(session.steps[1].text)


@pytest.mark.parametrize(
    ("text", "slots", "expected"),
    [
        ("let us do a date night session", {}, "date_night"),
        ("something deep for tonight", {"depth": "deep"}, "deep_tonight"),
        ("a session about the future", {}, "dreams_future"),
        ("a session for after an argument", {}, "repair"),
        ("a session about what lies ahead", {"topic": "dreams"}, "dreams_future"),
    ],
)
def test_requests_find_their_session(text: str, slots: dict[str, str], expected: str) -> None:
    picked = choose(BOOK, Match("start_session", slots, text=text), random.Random(0))
    assert picked is not None and picked[0].id == expected


def test_a_lost_microphone_pauses_the_session_and_its_return_says_how_to_resume() -> None:
    from voice_coach.dialogue.coach import Coach

    coach = Coach(LIBRARY, rng=random.Random(4), book=BOOK, names=("Sam", "Alex"))
    coach.handle(Match("start_session", {}, text="let us do a date night session"), 0.0)
    lost = [a.text for a in coach.device_lost(5.0) if isinstance(a, Say)]
    assert lost[0] in LIBRARY.lines["mic_lost"] and lost[-1] in BOOK.lines["paused"]
    back = [a.text for a in coach.device_back(9.0) if isinstance(a, Say)]
    assert back[0] in LIBRARY.lines["mic_back"] and back[-1] in BOOK.lines["paused"]
    resumed = [a.text for a in coach.handle(Match("resume"), 12.0) if isinstance(a, Say)]
    assert resumed[-1].endswith(BOOK.session("date_night").steps[0].text)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("said", "intents"),
    [
        ("next", {"switch_turn", "done"}),
        ("skip this one", {"another", "skip"}),
        ("go deeper", {"tell_more"}),
        ("lighter please", {"conversation_starter"}),
        ("repeat", {"repeat"}),
        ("pause", {"pause"}),
        ("stop", {"stop"}),
        ("resume", {"resume"}),
    ],
)
def test_every_command_the_session_lines_name_works_in_a_session(said: str, intents: set[str]) -> None:
    from voice_coach.dialogue.session_machine import SESSION_INTENTS
    from voice_coach.understand.match import Context
    from voice_coach.understand.matcher import load_intents, recognize

    assert any(said in line.lower() for key in ("session_help", "in_session", "break_taken", "lightest", "intro_named",
                                                "not_paused", "paused") for line in BOOK.lines[key])
    match = recognize(said, _INTENTS.setdefault("i", load_intents()), Context(in_exercise=True))
    assert match is not None and match.intent in intents and match.intent in SESSION_INTENTS


_INTENTS: dict[str, object] = {}


def test_a_long_first_half_gets_its_break_offer_early() -> None:
    from voice_coach.dialogue.session_machine import BREAK_AFTER_S

    run = Run()
    run.do("switch_turn", after_s=BREAK_AFTER_S / 2)
    said = run.do("switch_turn", after_s=BREAK_AFTER_S / 2 + 1)  # step one took over twenty minutes
    assert run.machine.pending_question == "break_offer" and said[-1] in BOOK.lines["break_offer"]
    assert run.machine.step_number == 2 < len(run.session.all_steps) // 2
