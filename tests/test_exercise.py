"""The listening exercise state machine, driven by a fake clock and instant (or timed) fake speech."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest

from voice_coach.actions import (
    Action,
    Chime,
    SaveSetting,
    Say,
    SetListenMode,
    StateChange,
    TimerEvent,
)
from voice_coach.content import load_library
from voice_coach.errors import UsageError
from voice_coach.exercise.session import Exercise, ExerciseConfig
from voice_coach.exercise.words import (
    PromptPicker,
    fill,
    spoken_amount,
    spoken_duration,
)
from voice_coach.testing.fakes import FakeClock
from voice_coach.understand.match import Match

LIBRARY = load_library()
SECRET = "my mother never once listened to me"
"""What a speaker says during a turn; it must never show up in any action."""
EPS = 1e-6


@dataclass
class Rec:
    t: float
    """Seconds since the runner started."""
    action: Action


@dataclass
class Runner:
    """Drives an Exercise like the runtime does: ticks at deadlines, reports when speech has finished."""

    config: ExerciseConfig
    seed: int = 7
    speech_s_per_word: float = 0.0
    """0 plays speech instantly; otherwise speech takes this long per word, queued one after another."""
    speech: bool = True
    """False: the runtime never reports speech_finished (the exercise's fallback must carry on)."""
    clock: FakeClock = field(default_factory=FakeClock)
    log: list[Rec] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ex = Exercise(self.config, LIBRARY, random.Random(self.seed))
        self.t0 = self.clock.now()
        self.speech_end: float | None = None

    def rel(self) -> float:
        return self.clock.now() - self.t0

    def _take(self, actions: list[Action]) -> None:
        now = self.clock.now()
        self.log.extend(Rec(now - self.t0, a) for a in actions)
        words = sum(len(a.text.split()) for a in actions if isinstance(a, Say))
        if not words or not self.speech:
            return
        if self.speech_s_per_word == 0:
            self._take(self.ex.speech_finished(now))
        else:
            self.speech_end = max(self.speech_end or now, now) + words * self.speech_s_per_word

    def start(self) -> Runner:
        self._take(self.ex.start(self.clock.now()))
        return self

    def command(self, intent: str, **slots: str | int | float) -> list[Action]:
        before = len(self.log)
        self._take(self.ex.handle(Match(intent, dict(slots), text=SECRET, addressed=True), self.clock.now()))
        return [r.action for r in self.log[before:]]

    def run_until(self, t_rel: float) -> None:
        target = self.t0 + t_rel
        for _ in range(10_000):
            due = [t for t in (self.ex.next_deadline(), self.speech_end) if t is not None]
            if not due or min(due) > target:
                break
            self.clock.set(max(min(due), self.clock.now()))
            now = self.clock.now()
            if self.speech_end is not None and self.speech_end <= now:
                self.speech_end = None
                self._take(self.ex.speech_finished(now))
            self._take(self.ex.tick(now))
        else:
            raise AssertionError("the exercise keeps firing deadlines without moving on")
        self.clock.set(max(target, self.clock.now()))

    def run_for(self, seconds: float) -> None:
        self.run_until(self.rel() + seconds)

    def run_until_state(self, name: str, limit_s: float = 20_000.0) -> float:
        """Run until the exercise enters ``name``; returns when (seconds since start)."""
        seen = len(self.log)
        while self.rel() < limit_s:
            for rec in self.log[seen:]:
                if isinstance(rec.action, StateChange) and rec.action.name == name:
                    return rec.t
            seen = len(self.log)
            due = [t for t in (self.ex.next_deadline(), self.speech_end) if t is not None]
            if not due:
                raise AssertionError(f"stuck in {self.ex.state} waiting for {name}")
            self.run_until(min(due) - self.t0)
        raise AssertionError(f"never reached {name}")

    def run_to_end(self, limit_s: float = 20_000.0) -> None:
        self.run_until_state("finished", limit_s)

    # ------------------------------------------------------------- queries
    def states(self) -> list[tuple[float, str, dict[str, object]]]:
        return [(r.t, r.action.name, r.action.detail) for r in self.log if isinstance(r.action, StateChange)]

    def times(self, name: str) -> list[float]:
        return [t for t, n, _ in self.states() if n == name]

    def of(self, kind: type) -> list[Rec]:
        return [r for r in self.log if isinstance(r.action, kind)]

    def says(self, kind: str | None = None) -> list[Rec]:
        return [r for r in self.of(Say) if kind is None or r.action.kind == kind]


def variants(key: str) -> set[str]:
    return set(LIBRARY.prompt(key))


def said(text: str, key: str) -> bool:
    """True when ``text`` is some variant of ``key`` (placeholders filled with anything)."""
    import re

    for v in LIBRARY.prompt(key):
        pattern = re.escape(v)
        pattern = re.sub(r"\\\{\w+\\\}", ".+", pattern)
        if re.fullmatch(pattern, text, flags=re.IGNORECASE):
            return True
    return False


def turns(runner: Runner) -> list[tuple[float, float]]:
    """(start chime time, end chime time) of every speaking turn."""
    starts = [r.t for r in runner.of(Chime) if r.action.kind == "start"]
    ends = [r.t for r in runner.of(Chime) if r.action.kind == "end"]
    return list(zip(starts, ends, strict=True))


def check_no_secret(runner: Runner) -> None:
    for rec in runner.log:
        assert SECRET not in repr(rec.action)
        assert "mother" not in repr(rec.action)


# ----------------------------------------------------------------- words
@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "a few seconds"),
        (5, "a few seconds"),
        (12, "about ten seconds"),
        (31, "about thirty seconds"),
        (44, "about forty seconds"),
        (50, "just under a minute"),
        (60, "about a minute"),
        (72, "about a minute"),
        (90, "about a minute and a half"),
        (110, "just under two minutes"),
        (125, "about two minutes"),
        (270, "about four and a half minutes"),
        (300, "about five minutes"),
        (1190, "just under twenty minutes"),
        (1260, "about twenty-one minutes"),
    ],
)
def test_spoken_duration_is_plain_words(seconds: float, words: str) -> None:
    assert spoken_duration(seconds) == words


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(1, "a minute"), (2, "two minutes"), (0.5, "half a minute"), (1.5, "a minute and a half"), (0.2, "twelve seconds"), (10, "ten minutes")],
)
def test_spoken_amount_is_exact(minutes: float, words: str) -> None:
    assert spoken_amount(minutes) == words


def test_fill_tidies_joins_and_capitalises() -> None:
    assert fill("About {amount} to go.", {"amount": "about two minutes"}) == "About two minutes to go."
    assert fill("About {amount} to go.", {"amount": "just under a minute"}) == "Just under a minute to go."
    assert fill("Resuming. {amount} left.", {"amount": "about a minute"}) == "Resuming. About a minute left."
    assert fill("Sure, another {minutes}.", {"minutes": "a minute"}) == "Sure, another minute."
    assert fill("You've got an extra {minutes}.", {"minutes": "a minute"}) == "You've got an extra minute."
    assert fill("{speaker}, the floor is yours.", {"speaker": "partner one"}) == "Partner one, the floor is yours."
    assert "{" not in fill("Hi {nobody}.", {})  # an unknown placeholder never crashes a session


def test_picker_never_repeats_a_variant_twice_in_a_row() -> None:
    picker = PromptPicker(LIBRARY, random.Random(3))
    lines = [picker.line("halfway") for _ in range(200)]
    assert all(a != b for a, b in zip(lines, lines[1:]))
    assert set(lines) == variants("halfway")


def test_every_prompt_key_the_exercise_uses_exists_with_three_variants() -> None:
    import inspect
    import re

    import voice_coach.exercise.base as base_module
    import voice_coach.exercise.commands as commands_module
    import voice_coach.exercise.session as exercise_module

    source = "".join(inspect.getsource(m) for m in (exercise_module, base_module, commands_module))
    keys = set(re.findall(r'_say\(\s*"(\w+)"', source)) | {"halfway", "one_minute", "handover", "swap", "checkin_first_named", "checkin_choose_first", "paused", "time_out"}
    for key in sorted(keys):
        assert len(set(LIBRARY.prompt(key))) >= 3, key


# ----------------------------------------------------------------- config
@pytest.mark.parametrize(
    "kwargs",
    [
        {"minutes": 0.1},
        {"minutes": 20.5},
        {"minutes": float("nan")},
        {"rounds": 0},
        {"rounds": 4},
        {"reflect_s": -1},
        {"gap_s": 31},
        {"names": ("Alex", "alex")},
        {"names": ("Alex", "")},
        {"names": ("Alex", "Sam"), "first": "Robin"},
        {"first": "  "},
    ],
)
def test_bad_settings_raise_usage_error_with_a_fix(kwargs: dict[str, object]) -> None:
    with pytest.raises(UsageError) as caught:
        Exercise(ExerciseConfig(**kwargs), LIBRARY, random.Random(1))  # type: ignore[arg-type]
    assert caught.value.exit_code == 2
    assert caught.value.fix
    assert "\n" not in caught.value.one_line()


def test_edge_settings_are_accepted() -> None:
    for minutes in (0.2, 20):
        assert ExerciseConfig(minutes=minutes, rounds=3).validate().turn_s == pytest.approx(minutes * 60)


@pytest.mark.parametrize(
    ("names", "first", "expected"),
    [
        (None, None, ("partner one", "partner two")),
        (None, "me", ("partner one", "partner two")),
        (None, "Sam", ("Sam", "partner")),
        (("Alex", "Sam"), None, ("Alex", "Sam")),
        (("Alex", "Sam"), "me", ("Alex", "Sam")),
        (("Alex", "Sam"), "partner", ("Sam", "Alex")),
        (("Alex", "Sam"), "sam", ("Sam", "Alex")),
    ],
)
def test_who_goes_first(names: tuple[str, str] | None, first: str | None, expected: tuple[str, str]) -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, names=names, first=first, checkin=False, reflect_s=1)).start()
    runner.run_to_end()
    speaking = [d for _, n, d in runner.states() if n == "speaking"]
    assert [d["speaker"] for d in speaking] == list(expected)
    assert [d["listener"] for d in speaking] == list(reversed(expected))
    handover = next(r.action.text for r in runner.says() if said(r.action.text, "handover"))
    assert expected[0].lower() in handover.lower()


# ----------------------------------------------------------------- whole sessions, no input at all
def check_turn_cues(runner: Runner, duration_s: float) -> None:
    """Every cue of every turn: when, which chime, how many words, and nothing else said in a turn."""
    cue_chimes = [r.t for r in runner.of(Chime) if r.action.kind == "cue"]
    cue_says = runner.says("cue")
    assert [r.t for r in cue_says] == cue_chimes
    expected: list[tuple[float, str]] = []
    for start, end in turns(runner):
        assert end - start == pytest.approx(duration_s, abs=EPS)
        if duration_s >= 300:
            expected.append((start + duration_s / 2, "halfway"))
        if duration_s > 65:
            expected.append((end - 60, "one_minute"))
        inside = [r for r in runner.says() if start < r.t < end]
        assert all(r.action.kind == "cue" for r in inside), inside
    assert len(cue_says) == len(expected)
    for rec, (t, key) in zip(cue_says, sorted(expected), strict=True):
        assert rec.t == pytest.approx(t, abs=EPS)
        assert said(rec.action.text, key), rec.action.text
        assert len(rec.action.text.split()) <= 4


@pytest.mark.parametrize("rounds", [1, 2, 3])
@pytest.mark.parametrize("minutes", [0.2, 1.0, 1.5, 2.0, 5.0, 7.5, 20.0])
def test_a_session_with_no_input_runs_itself_to_the_end(rounds: int, minutes: float) -> None:
    reflect_s = 90.0
    runner = Runner(ExerciseConfig(minutes=minutes, rounds=rounds, reflect_s=reflect_s)).start()
    runner.run_to_end()
    d = minutes * 60
    names = [n for _, n, _ in runner.states()]
    assert names[:3] == ["checkin", "briefing", "handover"]
    assert names.count("speaking") == 2 * rounds
    assert names.count("reflection") == 2 * rounds
    assert names.count("swap") == 2 * rounds - 1
    assert names[-2:] == ["closing", "finished"]
    assert runner.states()[-1][2] == {"completed": True, "turns_done": 2 * rounds}
    # Instant speech: check-in waits 8 s for an answer, 5 s to decide who goes first, each gap is 3 s,
    # each reflection 90 s, close 10 s.
    starts = [s for s, _ in turns(runner)]
    assert len(starts) == 2 * rounds
    for i, start in enumerate(starts):
        assert start == pytest.approx(8 + 5 + 3 + i * (d + reflect_s + 3), abs=EPS)
    assert runner.times("finished")[0] == pytest.approx(8 + 5 + 2 * rounds * (3 + d + reflect_s) + 10, abs=EPS)
    check_turn_cues(runner, d)
    # Who speaks alternates, and everyone listens as often as they speak.
    speakers = [d_["speaker"] for _, n, d_ in runner.states() if n == "speaking"]
    assert speakers == ["partner one", "partner two"] * rounds
    # Every deadline fired on time (the fake clock is exact) and every chime is one of three kinds.
    assert all(r.action.scheduled_s == r.action.actual_s for r in runner.of(TimerEvent))
    assert {r.action.kind for r in runner.of(Chime)} <= {"start", "cue", "end"}
    assert runner.ex.finished and runner.ex.next_deadline() is None


def test_listen_mode_is_commands_only_from_the_start_chime_to_the_end_of_reflection() -> None:
    runner = Runner(ExerciseConfig(minutes=0.5, rounds=1, reflect_s=20)).start()
    modes: list[tuple[float, str, bool]] = []
    while not runner.ex.finished:
        due = runner.ex.next_deadline()
        assert due is not None
        runner.run_until(due - runner.t0)
        modes.append((runner.rel(), runner.ex.state, runner.ex.speaking_turn))
    switches = [(r.t, r.action.mode) for r in runner.of(SetListenMode)]
    (s1, e1), (s2, e2) = turns(runner)
    refl_end = [t for t, n, _ in runner.states() if n in ("swap", "closing")]
    assert switches == [
        (0.0, "normal"),
        (pytest.approx(s1), "commands_only"),
        (pytest.approx(refl_end[0]), "normal"),
        (pytest.approx(s2), "commands_only"),
        (pytest.approx(refl_end[1]), "normal"),
    ]
    assert all(turn == (state in ("speaking", "reflection")) for _, state, turn in modes)


def test_waits_follow_the_end_of_speech_not_its_start() -> None:
    per_word = 0.4
    runner = Runner(ExerciseConfig(minutes=0.5, rounds=1, reflect_s=30), speech_s_per_word=per_word).start()
    runner.run_to_end()
    states = runner.states()
    handover_t = runner.times("handover")[0]
    handover_says = [r for r in runner.says() if r.t == handover_t]
    spoken = sum(len(r.action.text.split()) for r in handover_says) * per_word
    gap_t = runner.times("gap")[0]
    assert gap_t >= handover_t + spoken - EPS
    (s1, e1), _ = turns(runner)
    assert s1 == pytest.approx(gap_t + 3.0)
    # Reflection time counts from the end of its prompts: the swap comes 30 s after they finish.
    refl_t = runner.times("reflection")[0]
    prompts = sum(len(r.action.text.split()) for r in runner.says() if r.t == refl_t)
    assert runner.times("swap")[0] >= refl_t + prompts * per_word + 30 - EPS
    # The check-in waits 8 s after its question has been spoken.
    # The check-in waits 8 s after its question has been spoken, then 5 s after "decide who goes first".
    question = runner.says()[0]
    checkin_lines = [r for r in runner.says() if 0 < r.t < runner.times("briefing")[0]]
    spoken_checkin = sum(len(r.action.text.split()) for r in checkin_lines) * per_word
    assert said(checkin_lines[-1].action.text, "checkin_choose_first")
    assert runner.times("briefing")[0] == pytest.approx(len(question.action.text.split()) * per_word + 8 + spoken_checkin + 5)
    assert [n for _, n, _ in states][-1] == "finished"


def test_the_session_finishes_even_if_speech_end_is_never_reported() -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, rounds=1, reflect_s=5), speech=False).start()
    runner.run_to_end()
    names = [n for _, n, _ in runner.states()]
    assert names.count("speaking") == 2 and names[-1] == "finished"
    assert any(r.action.name == "speech_wait" for r in runner.of(TimerEvent))
    for start, end in turns(runner):
        assert end - start == pytest.approx(12.0)


def test_checkin_off_goes_straight_to_the_rules() -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, checkin=False, reflect_s=1)).start()
    assert [n for _, n, _ in runner.states()][:3] == ["briefing", "handover", "gap"]
    assert not any(said(r.action.text, "checkin_good_time") for r in runner.says())


def test_rounds_are_announced_and_prompts_rotate() -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, rounds=3, reflect_s=1, names=("Alex", "Sam"))).start()
    runner.run_to_end()
    rounds = [r.action.text for r in runner.says() if said(r.action.text, "next_round")]
    assert len(rounds) == 2 and "two" in rounds[0].lower() and "three" in rounds[1].lower()
    for key in ("times_up", "reflect_say_back", "swap"):
        texts = [r.action.text for r in runner.says() if said(r.action.text, key)]
        assert all(a != b for a, b in zip(texts, texts[1:])), key
    say_back = [r.action.text for r in runner.says() if said(r.action.text, "reflect_say_back")]
    assert say_back[0].startswith("Sam") and say_back[1].startswith("Alex")


# ----------------------------------------------------------------- commands at awkward moments
def into_turn(minutes: float, seconds: float, turn: int = 0, **config: object) -> tuple[Runner, float]:
    """A runner ``seconds`` into speaking turn ``turn``; returns it and that turn's start time."""
    settings: dict[str, object] = {"minutes": minutes, "reflect_s": 30.0, **config}
    runner = Runner(ExerciseConfig(**settings)).start()  # type: ignore[arg-type]
    for _ in range(turn + 1):
        start = runner.run_until_state("speaking")
    runner.run_until(start + seconds)
    return runner, start


def lines_of(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Say)]


def spoke(runner: Runner) -> list[float]:
    return [float(d["spoke_s"]) for _, n, d in runner.states() if n == "times_up"]  # type: ignore[arg-type]


def test_pause_and_resume_mid_turn_keeps_the_time_left() -> None:
    runner, start = into_turn(5, 100)
    out = runner.command("pause")
    assert runner.ex.state == "paused" and not runner.ex.speaking_turn
    assert SetListenMode("normal") in out and said(lines_of(out)[0], "paused")
    assert runner.ex.next_deadline() is None  # the clock is stopped: nothing can fire
    runner.run_for(500)
    assert runner.ex.remaining_s(runner.clock.now()) == pytest.approx(200)
    assert runner.ex.state == "paused"
    resumed_at = runner.rel()
    out = runner.command("resume")
    assert said(lines_of(out)[0], "resumed") and "three and a half minutes" in lines_of(out)[0]
    assert Chime("start") in out and SetListenMode("commands_only") in out
    runner.run_until_state("reflection")
    cues = runner.says("cue")
    assert [round(r.t - resumed_at, 6) for r in cues] == [50.0, 140.0]
    assert said(cues[0].action.text, "halfway") and said(cues[1].action.text, "one_minute")
    end = [r.t for r in runner.of(Chime) if r.action.kind == "end"][0]
    assert end == pytest.approx(resumed_at + 200)
    assert spoke(runner) == [pytest.approx(300)]
    runner.run_to_end()
    check_no_secret(runner)


def test_pause_in_the_last_second_then_resume() -> None:
    runner, start = into_turn(0.2, 11.5)
    runner.command("pause")
    runner.run_for(60)
    resumed_at = runner.rel()
    out = runner.command("resume")
    assert "a few seconds" in lines_of(out)[0].lower()
    runner.run_until_state("times_up")
    end = [r.t for r in runner.of(Chime) if r.action.kind == "end"][0]
    assert end == pytest.approx(resumed_at + 0.5)
    assert spoke(runner) == [pytest.approx(12)]


def test_a_command_exactly_at_the_end_sees_the_turn_already_over() -> None:
    runner, start = into_turn(0.2, 0)
    runner.clock.set(runner.t0 + start + 12)  # no tick yet: the command arrives first
    out = runner.command("pause")
    assert [a for a in out if isinstance(a, Chime)] == [Chime("end")]
    assert runner.ex.state == "paused" and spoke(runner) == [pytest.approx(12)]
    runner.command("resume")
    assert runner.ex.state == "reflection"


def test_pause_during_the_gap_gives_a_fresh_gap_after_resuming() -> None:
    runner = Runner(ExerciseConfig(minutes=0.5)).start()
    gap_at = runner.run_until_state("gap")
    runner.run_for(2.0)
    runner.command("pause")
    runner.run_for(30)
    assert not runner.of(Chime)
    resumed_at = runner.rel()
    out = runner.command("resume")
    assert said(lines_of(out)[0], "carrying_on")
    start = runner.run_until_state("speaking")
    assert start == pytest.approx(resumed_at + 3.0)
    assert start > gap_at + 3.0
    runner.run_to_end()
    for s, e in turns(runner):
        assert e - s == pytest.approx(30)


def test_pause_while_paused_and_resume_while_running() -> None:
    runner, _ = into_turn(2, 30)
    out = runner.command("resume")
    assert said(lines_of(out)[0], "not_paused") and runner.ex.state == "speaking"
    runner.command("pause")
    runner.run_for(5)
    out = runner.command("pause")
    assert said(lines_of(out)[0], "paused") and runner.ex.state == "paused"
    assert runner.ex.remaining_s(runner.clock.now()) == pytest.approx(90)
    runner.command("resume")
    runner.run_until_state("times_up")
    assert spoke(runner) == [pytest.approx(120)]


def test_pause_before_the_resume_line_has_finished() -> None:
    runner, _ = into_turn(2, 30)
    runner.speech_s_per_word = 1.0  # the resume line now takes a while to say
    runner.command("pause")
    runner.run_for(3)
    runner.speech_end = None
    runner.command("resume")
    assert runner.ex.state == "resuming"
    runner.run_for(1)
    runner.command("pause")  # before the start chime
    assert runner.ex.state == "paused"
    runner.run_for(100)
    assert not [r for r in runner.of(Chime) if r.action.kind == "end"]
    assert runner.ex.remaining_s(runner.clock.now()) == pytest.approx(90)


def test_time_out_stops_the_clock_and_offers_resume_or_end() -> None:
    runner, _ = into_turn(5, 200)
    out = runner.command("time_out")
    assert runner.ex.state == "time_out" and said(lines_of(out)[0], "time_out")
    runner.run_for(900)
    assert runner.ex.next_deadline() is None
    out = runner.command("stop")
    assert runner.ex.pending_question == "confirm_stop" and said(lines_of(out)[0], "confirm_stop")
    out = runner.command("yes")
    assert said(lines_of(out)[0], "stopped")
    assert runner.ex.finished and runner.states()[-1][2]["completed"] is False
    assert runner.ex.next_deadline() is None and runner.command("resume") == []


def test_stop_mid_turn_no_carries_on_with_the_same_time_left() -> None:
    runner, start = into_turn(1, 20)
    runner.command("stop")
    assert runner.ex.state == "confirm_stop" and not runner.ex.speaking_turn
    runner.run_for(3)
    out = runner.command("no")
    assert said(lines_of(out)[0], "not_stopped") and Chime("start") in out
    assert runner.ex.pending_question is None
    runner.run_until_state("times_up")
    assert spoke(runner) == [pytest.approx(60)]
    end = [r.t for r in runner.of(Chime) if r.action.kind == "end"][0]
    assert end == pytest.approx(start + 63)


def test_stop_with_no_answer_carries_on_after_eight_seconds() -> None:
    runner, start = into_turn(1, 20)
    asked_at = runner.rel()
    runner.command("stop")
    resumed = runner.run_until_state("speaking")
    assert resumed == pytest.approx(asked_at + 8)
    assert any(r.action.name == "confirm_answer" for r in runner.of(TimerEvent))
    runner.run_to_end()
    assert spoke(runner) == [pytest.approx(60), pytest.approx(60)]


def test_stop_while_paused_and_no_stays_paused() -> None:
    runner, _ = into_turn(1, 20)
    runner.command("pause")
    runner.command("stop")
    out = runner.command("no")
    assert said(lines_of(out)[0], "still_paused") and runner.ex.state == "paused"
    runner.run_for(8)
    assert runner.ex.state == "paused" and runner.ex.next_deadline() is None


def test_other_commands_during_the_stop_question_ask_it_again() -> None:
    runner, _ = into_turn(1, 20)
    runner.command("stop")
    out = runner.command("add_time", minutes=2)
    assert said(lines_of(out)[0], "confirm_stop") and runner.ex.pending_question == "confirm_stop"
    out = runner.command("time_left")
    assert "forty seconds" in lines_of(out)[0]
    runner.command("stop")  # "stop" again means yes
    assert runner.ex.finished


def test_stop_in_the_gap_then_yes() -> None:
    runner = Runner(ExerciseConfig(minutes=1)).start()
    runner.run_until_state("gap")
    runner.command("stop")
    runner.command("yes")
    assert runner.ex.finished and not runner.of(Chime)


def test_add_time_mid_turn_moves_the_end_and_warns_again() -> None:
    runner, start = into_turn(2, 70)  # the one-minute cue has fired at 60 s
    out = runner.command("add_time", minutes=2)
    assert said(lines_of(out)[0], "added_time") and "two minutes" in lines_of(out)[0].lower()
    runner.run_until_state("times_up")
    assert spoke(runner) == [pytest.approx(240)]
    cue_times = [r.t - start for r in runner.says("cue")]
    assert cue_times == [pytest.approx(60), pytest.approx(180)]
    runner.run_to_end()
    assert spoke(runner)[1] == pytest.approx(120)  # the other partner's turn keeps its own length


def test_add_time_with_no_amount_adds_a_minute_in_the_last_second() -> None:
    runner, start = into_turn(0.2, 11.9)
    out = runner.command("add_time")
    assert "minute" in lines_of(out)[0].lower()
    runner.run_until_state("times_up")
    assert spoke(runner) == [pytest.approx(72)]
    assert runner.says("cue") == []  # the one-minute mark came 0.1 s after "added a minute": no cue


def test_add_time_while_paused_and_in_reflection() -> None:
    runner, _ = into_turn(1, 30)
    runner.command("pause")
    runner.command("add_time", minutes=1)
    assert runner.ex.remaining_s(runner.clock.now()) == pytest.approx(90)
    runner.command("resume")
    refl = runner.run_until_state("reflection")
    assert spoke(runner) == [pytest.approx(120)]
    runner.run_for(10)
    runner.command("add_time", minutes=0.5)
    swap = runner.run_until_state("swap")
    assert swap == pytest.approx(refl + 60)


def test_add_time_before_a_turn_lengthens_every_turn_and_waits_for_the_reply() -> None:
    runner = Runner(ExerciseConfig(minutes=1, rounds=1, reflect_s=5), speech_s_per_word=0.3).start()
    gap_at = runner.run_until_state("gap")
    runner.run_for(1)
    out = runner.command("add_time", minutes=1)
    reply_s = len(lines_of(out)[0].split()) * 0.3
    start = runner.run_until_state("speaking")
    assert start == pytest.approx(gap_at + 1 + reply_s + 3)
    runner.run_to_end()
    assert spoke(runner) == [pytest.approx(120), pytest.approx(120)]


def test_switch_mid_turn_ends_it_early() -> None:
    runner, start = into_turn(5, 42)
    out = runner.command("switch_turn")
    assert Chime("end") in out and runner.ex.state == "reflection"
    assert spoke(runner) == [pytest.approx(42)]
    runner.run_to_end()
    assert spoke(runner)[1] == pytest.approx(300)


def test_switch_in_the_last_second_and_while_paused() -> None:
    runner, _ = into_turn(0.2, 11.99)
    runner.command("switch_turn")
    assert spoke(runner) == [pytest.approx(11.99)]
    runner, _ = into_turn(1, 25)
    runner.command("pause")
    runner.run_for(40)
    out = runner.command("switch_turn")
    assert Chime("end") in out and spoke(runner) == [pytest.approx(25)]
    assert SetListenMode("commands_only") in out and runner.ex.speaking_turn


def test_switch_in_the_first_gap_lets_the_other_partner_go_first() -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, reflect_s=2, names=("Alex", "Sam"))).start()
    runner.run_until_state("gap")
    out = runner.command("switch_turn")
    assert any("Sam" in line for line in lines_of(out))
    runner.run_to_end()
    speakers = [d["speaker"] for _, n, d in runner.states() if n == "speaking"]
    assert speakers == ["Sam", "Alex"]


def test_switch_in_the_second_gap_keeps_the_turn_for_the_partner_who_has_not_spoken() -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, reflect_s=2, names=("Alex", "Sam"))).start()
    runner.run_until_state("swap")
    assert runner.ex.state == "gap"
    out = runner.command("switch_turn")
    assert said(lines_of(out)[0], "turn_is") and "Sam" in lines_of(out)[0]
    runner.run_to_end()
    assert [d["speaker"] for _, n, d in runner.states() if n == "speaking"] == ["Alex", "Sam"]


def test_switch_during_checkin_changes_who_goes_first() -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, reflect_s=2, names=("Alex", "Sam"))).start()
    out = runner.command("switch_turn")
    assert said(lines_of(out)[0], "first_changed") and "Sam" in lines_of(out)[0]
    runner.run_to_end()
    assert [d["speaker"] for _, n, d in runner.states() if n == "speaking"] == ["Sam", "Alex"]


def test_done_ends_the_reflection_and_skip_starts_a_turn_without_the_gap() -> None:
    runner, _ = into_turn(0.2, 12)
    runner.run_for(1)
    assert runner.ex.state == "reflection"
    handed = runner.rel()
    runner.command("done")
    assert runner.ex.state == "gap" and runner.times("swap")[-1] == pytest.approx(handed)
    out = runner.command("skip")
    assert Chime("start") in out and runner.ex.state == "speaking"


def test_skip_during_handover_starts_right_after_the_handover_line() -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, checkin=False), speech_s_per_word=0.5).start()
    handover_at = runner.run_until_state("handover")
    runner.command("skip")
    start = runner.run_until_state("speaking")
    assert "gap" not in [n for _, n, _ in runner.states()]
    assert start > handover_at


def test_skip_during_checkin_skips_the_checkin_and_the_rules() -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, reflect_s=1)).start()
    runner.command("skip")
    names = [n for _, n, _ in runner.states()]
    assert names == ["checkin", "handover", "gap"]
    assert runner.ex.pending_question is None
    assert not any(said(r.action.text, "brief_speaker") for r in runner.says())


def test_checkin_yes_continues_and_no_ends_kindly() -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, reflect_s=1)).start()
    assert runner.ex.pending_question == "checkin"
    runner.run_for(2)
    runner.command("yes")
    runner.run_for(6)
    assert runner.times("briefing") == [pytest.approx(2 + 5)]  # 5 s to decide who goes first
    assert any(said(r.action.text, "checkin_phones") for r in runner.says())
    runner = Runner(ExerciseConfig(minutes=0.2, reflect_s=1)).start()
    out = runner.command("no")
    assert said(lines_of(out)[0], "checkin_later")
    assert runner.ex.finished and runner.states()[-1][2]["completed"] is False


def test_pause_during_checkin_then_resume_carries_on() -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, reflect_s=1)).start()
    runner.command("pause")
    runner.run_for(100)
    assert runner.ex.state == "paused"
    resumed_at = runner.rel()
    runner.command("resume")
    runner.run_for(6)
    assert runner.times("briefing") == [pytest.approx(resumed_at + 5)]  # 5 s to decide who goes first
    runner.run_to_end()
    assert spoke(runner) == [pytest.approx(12), pytest.approx(12)]


def close_of(**answers: str) -> Runner:
    runner = Runner(ExerciseConfig(minutes=0.2, reflect_s=1, checkin=False)).start()
    runner.run_until_state("closing")
    assert runner.ex.pending_question == "save_offer"
    return runner


def test_closing_yes_saves_the_settings() -> None:
    runner = close_of()
    out = runner.command("yes")
    assert SaveSetting("exercise_minutes", 0.2) in out and SaveSetting("exercise_rounds", 1.0) in out
    assert said(lines_of(out)[0], "save_done") and "twelve seconds" in lines_of(out)[0]
    assert runner.ex.finished and runner.states()[-1][2]["completed"] is True


def test_closing_no_and_no_answer_finish_without_saving() -> None:
    runner = close_of()
    out = runner.command("no")
    assert said(lines_of(out)[0], "save_declined") and runner.ex.finished and not runner.of(SaveSetting)
    runner = close_of()
    offered = runner.rel()
    assert runner.run_until_state("finished") == pytest.approx(offered + 10)
    assert not runner.of(SaveSetting)
    runner = close_of()
    runner.command("stop")
    assert runner.ex.finished and not runner.of(SaveSetting)


def test_time_left_everywhere() -> None:
    runner = Runner(ExerciseConfig(minutes=5, reflect_s=90)).start()
    out = runner.command("time_left")
    assert said(lines_of(out)[0], "turn_length") and "five minutes" in lines_of(out)[0]
    start = runner.run_until_state("speaking")
    runner.run_until(start + 181)
    out = runner.command("time_left")
    assert said(lines_of(out)[0], "time_left") and "two minutes" in lines_of(out)[0].lower()
    assert not [a for a in out if isinstance(a, (Chime, SetListenMode, StateChange))]
    runner.command("pause")
    runner.run_for(1000)
    assert "two minutes" in lines_of(runner.command("time_left"))[0].lower()
    runner.command("resume")
    runner.run_until_state("reflection")
    runner.run_for(30)
    assert "minute" in lines_of(runner.command("time_left"))[0].lower()
    runner.run_until_state("closing")
    assert said(lines_of(runner.command("time_left"))[0], "no_turn")


def test_rules_and_help_mid_turn_do_not_move_the_clock() -> None:
    runner, start = into_turn(1, 10)
    out = runner.command("repeat_rules")
    assert said(lines_of(out)[0], "brief_speaker") and said(lines_of(out)[1], "brief_listener")
    out = runner.command("help")
    assert said(lines_of(out)[0], "exercise_help")
    runner.run_until_state("times_up")
    assert spoke(runner) == [pytest.approx(60)]


def test_yes_no_and_unknown_commands_mid_turn_say_nothing() -> None:
    runner, _ = into_turn(1, 10)
    for intent in ("yes", "no", "conversation_starter", "tip", "goodbye"):
        assert runner.command(intent) == []
    assert runner.ex.state == "speaking"


def test_commands_before_start_and_after_the_end_do_nothing() -> None:
    ex = Exercise(ExerciseConfig(minutes=0.2), LIBRARY, random.Random(1))
    assert ex.handle(Match("pause"), 0.0) == [] and ex.tick(5.0) == [] and ex.next_deadline() is None
    runner = close_of()
    runner.command("no")
    for intent in ("pause", "resume", "stop", "switch_turn", "time_left", "add_time", "yes"):
        assert runner.command(intent) == []
    assert runner.ex.start(runner.clock.now()) == []


ALL_COMMANDS = (
    "pause", "resume", "time_left", "add_time", "repeat_rules", "help", "switch_turn", "time_out",
    "resume", "skip", "done", "yes", "no", "stop", "no", "stop", "yes",
)  # fmt: skip


@pytest.mark.parametrize("offset_s", [0.0, 1.5, 6.0, 11.9, 12.0, 40.0])
def test_any_command_sequence_keeps_the_speakers_words_out_and_ends_cleanly(offset_s: float) -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, rounds=2, reflect_s=3), speech_s_per_word=0.05).start()
    runner.run_until(8 + offset_s)
    for intent in ALL_COMMANDS:
        runner.command(intent, minutes=1)
        runner.run_for(0.7)
        assert runner.ex.next_deadline() is not None or runner.ex.state in ("paused", "time_out") or runner.ex.finished
    runner.run_for(10_000)
    assert runner.ex.finished
    check_no_secret(runner)
    assert runner.of(SetListenMode)[-1].action.mode == "normal"


# ----------------------------------------------------------------- pacing of the spoken script
REFLECT_KEYS = ("reflect_say_back", "reflect_did_i_get_it", "reflect_makes_sense", "reflect_feeling", "reflect_wrap_up")


def reflection_lines(runner: Runner, start: float, end: float) -> list[tuple[float, str]]:
    """(time, key) of every reflection prompt spoken between ``start`` and ``end``."""
    out = []
    for rec in runner.says():
        if start <= rec.t < end:
            key = next((k for k in REFLECT_KEYS if said(rec.action.text, k)), None)
            if key is not None:
                out.append((rec.t, key))
    return out


def test_reflection_cues_come_one_at_a_time_with_a_wrap_up_before_the_swap() -> None:
    runner, _ = into_turn(1, 0, reflect_s=90, names=("Alex", "Sam"))
    refl = runner.run_until_state("reflection")
    swap = runner.run_until_state("swap")
    assert swap == pytest.approx(refl + 90)
    lines = reflection_lines(runner, refl, swap)
    assert [key for _, key in lines] == list(REFLECT_KEYS)
    times = [t - refl for t, _ in lines]
    assert times == [pytest.approx(x) for x in (0, 31.5, 49.5, 67.5, 75)]
    # Each cue leaves the listener time to do it before the next one.
    assert all(b - a >= 7.5 for a, b in zip(times, times[1:]))
    # The check-back names the partner who just spoke (Alex), whom the listener is answering.
    check_back = next(r.action.text for r in runner.says() if said(r.action.text, "reflect_did_i_get_it"))
    assert "Alex" in check_back


def test_a_pause_in_the_reflection_keeps_the_cues_still_to_come() -> None:
    runner, _ = into_turn(1, 0, reflect_s=90)
    refl = runner.run_until_state("reflection")
    runner.run_until(refl + 40)
    runner.command("pause")
    runner.run_for(300)
    assert reflection_lines(runner, refl + 40, runner.rel()) == []  # nothing spoken while paused
    resumed = runner.rel()
    runner.command("resume")
    swap = runner.run_until_state("swap")
    assert swap == pytest.approx(resumed + 50)
    keys = [key for _, key in reflection_lines(runner, resumed, swap)]
    assert keys == ["reflect_makes_sense", "reflect_feeling", "reflect_wrap_up"]


def test_ending_the_reflection_early_drops_its_cues_and_added_time_moves_the_wrap_up() -> None:
    runner, _ = into_turn(1, 0, reflect_s=90, rounds=2)
    refl = runner.run_until_state("reflection")
    runner.run_until(refl + 35)
    runner.command("done")
    second = runner.run_until_state("reflection")
    assert [key for _, key in reflection_lines(runner, refl + 35, second)] == []
    runner.run_until(second + 70)
    runner.command("add_time", minutes=1)
    swap_or_close = runner.run_until_state("swap")
    wrap = [t for t, key in reflection_lines(runner, second, swap_or_close) if key == "reflect_wrap_up"]
    assert swap_or_close == pytest.approx(second + 150) and wrap == [pytest.approx(second + 135)]


def test_a_short_reflection_reads_its_prompts_together() -> None:
    runner, _ = into_turn(0.2, 0, reflect_s=20)
    refl = runner.run_until_state("reflection")
    swap = runner.run_until_state("swap")
    lines = reflection_lines(runner, refl, swap)
    assert [key for _, key in lines] == list(REFLECT_KEYS[:4]) and {t for t, _ in lines} == {refl}


def test_deciding_who_goes_first_gets_quiet_time_before_the_rules() -> None:
    runner = Runner(ExerciseConfig(minutes=0.2, reflect_s=1)).start()
    runner.run_until_state("briefing")
    chose = next(r.t for r in runner.says() if said(r.action.text, "checkin_choose_first"))
    briefing = runner.times("briefing")[0]
    assert briefing == pytest.approx(chose + 5)
    assert not [r for r in runner.says() if chose < r.t < briefing]
    # With names and who goes first already known, there is nothing to decide.
    named = Runner(ExerciseConfig(minutes=0.2, reflect_s=1, names=("Alex", "Sam"))).start()
    named.run_until_state("briefing")
    assert not any(said(r.action.text, "checkin_choose_first") for r in named.says())
    # Skipping ahead while they decide never brings the rules back later.
    runner = Runner(ExerciseConfig(minutes=0.2, reflect_s=1)).start()
    runner.run_for(9)
    runner.command("skip")
    runner.run_to_end()
    assert "briefing" not in [n for _, n, _ in runner.states()]


@pytest.mark.parametrize("answer", ["yes", "no", "stop", None])
def test_the_closing_ends_on_each_other_not_on_a_settings_question(answer: str | None) -> None:
    runner = close_of()
    if answer is None:
        runner.run_to_end()
    else:
        runner.command(answer)
    assert runner.ex.finished
    last = runner.says()[-1].action.text
    assert said(last, "closing_no_rebuttals") and not last.endswith("?")
    closing = [r.action.text for r in runner.says() if r.t >= runner.times("closing")[0]]
    assert said(closing[0], "closing_thanks") and said(closing[1], "closing_save_offer")


def test_the_listener_hears_up_front_what_they_will_do_and_no_line_assumes_evening() -> None:
    for line in LIBRARY.prompt("brief_listener"):
        assert "what you heard" in line or "what they said" in line, line
    closing = ("closing_thanks", "closing_save_offer", "closing_no_rebuttals", "save_done", "save_declined", "stopped")
    for key in closing:
        assert not any(word in line.lower() for line in LIBRARY.prompt(key) for word in ("tonight", "evening")), key
    for line in LIBRARY.prompt("swap"):
        assert "all the time you need" not in line and "chime" in line  # timed, and the chime starts it
