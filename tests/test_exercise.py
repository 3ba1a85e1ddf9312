"""The listening exercise state machine, driven by a fake clock and instant (or timed) fake speech."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest

from fakes import FakeClock
from voice_coach.actions import Action, Chime, Say, SaveSetting, SetListenMode, StateChange, TimerEvent
from voice_coach.content import load_library
from voice_coach.errors import UsageError
from voice_coach.exercise import Exercise, ExerciseConfig
from voice_coach.exercise_words import PromptPicker, fill, spoken_amount, spoken_duration
from voice_coach.match import Match

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
    assert fill("{speaker}, the floor is yours.", {"speaker": "partner one"}) == "Partner one, the floor is yours."
    assert "{" not in fill("Hi {nobody}.", {})  # an unknown placeholder never crashes a session


def test_picker_never_repeats_a_variant_twice_in_a_row() -> None:
    picker = PromptPicker(LIBRARY, random.Random(3))
    lines = [picker.line("halfway") for _ in range(200)]
    assert all(a != b for a, b in zip(lines, lines[1:]))
    assert set(lines) == variants("halfway")


def test_every_prompt_key_the_exercise_uses_exists_with_three_variants() -> None:
    import inspect

    import voice_coach.exercise as exercise_module
    import voice_coach.exercise_base as base_module
    import voice_coach.exercise_commands as commands_module
    import re

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
    # Instant speech: check-in waits 8 s for an answer, each gap is 3 s, each reflection 90 s, close 10 s.
    starts = [s for s, _ in turns(runner)]
    assert len(starts) == 2 * rounds
    for i, start in enumerate(starts):
        assert start == pytest.approx(8 + 3 + i * (d + reflect_s + 3), abs=EPS)
    assert runner.times("finished")[0] == pytest.approx(8 + 2 * rounds * (3 + d + reflect_s) + 10, abs=EPS)
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
    question = runner.says()[0]
    assert runner.times("briefing")[0] == pytest.approx(len(question.action.text.split()) * per_word + 8)
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
