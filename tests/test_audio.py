"""Audio devices, microphone, player and chimes on real streams against a private PulseAudio."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from voice_coach.asr import make_recognizer
from voice_coach.audio.chimes import CHIME_KINDS, chime_samples
from voice_coach.audio.devices import choose_device, format_devices, list_devices
from voice_coach.audio.format import SPEECH
from voice_coach.audio.mic import Microphone
from voice_coach.audio.player import Player
from voice_coach.errors import AudioError
from voice_coach.testing.audio_rig import PulseRig, pulse_rig  # noqa: F401 - fixture
from voice_coach.testing.synth import Synth, session_synth


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return session_synth(tmp_path_factory.mktemp("speech"))


def _dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[int(np.argmax(spectrum))])


def test_chimes_are_short_distinct_and_do_not_clip() -> None:
    rate = 24000
    chimes = {kind: chime_samples(kind, rate) for kind in CHIME_KINDS}
    assert set(chimes) == {"start", "cue", "end"}
    for samples in chimes.values():
        assert samples.dtype == np.int16
        assert 0.15 < samples.size / rate < 1.0
        assert 3000 < int(np.abs(samples.astype(np.int32)).max()) < 32000
    # start rises, end falls, cue is one high pitch twice: tell them apart by their first and last notes.
    first = {k: _dominant_hz(s[: int(0.08 * rate)], rate) for k, s in chimes.items()}
    last = {k: _dominant_hz(s[-int(0.08 * rate):] if k != "end" else s[-int(0.25 * rate):], rate)
            for k, s in chimes.items()}
    assert last["start"] > first["start"] * 1.3
    assert last["end"] < first["end"] / 1.3
    assert first["cue"] > max(first["start"], first["end"]) * 1.2
    assert len({s.size for s in chimes.values()}) == 3
    with pytest.raises(ValueError):
        chime_samples("fanfare", rate)


def test_devices_are_listed_and_chosen_by_name_or_index(pulse_rig: PulseRig) -> None:
    devices = list_devices()
    pulse = [d for d in devices if d.name == "pulse"]
    assert pulse and pulse[0].inputs > 0 and pulse[0].outputs > 0
    listing = format_devices(devices)
    assert "pulse" in listing and "--input-device" in listing
    assert choose_device("pulse", "input").index == pulse[0].index
    assert choose_device(str(pulse[0].index), "output").name == "pulse"
    assert choose_device("PUL", "output").name == "pulse"
    assert choose_device(None, "input").inputs > 0
    with pytest.raises(AudioError) as err:
        choose_device("no such card", "input")
    assert "voice-coach devices" in err.value.one_line()


def _hear(mic: Microphone, rig: PulseRig, wav: Path, settle_s: float = 0.6) -> bytes:
    """Play ``wav`` into the virtual microphone and return what the microphone delivered meanwhile."""
    mic.drain()
    player = rig.play_async(wav)
    blocks = []
    played_s = None
    deadline_s = time.monotonic() + 30
    while time.monotonic() < deadline_s:
        block = mic.read(0.1)
        if block is not None:
            blocks.append(block.pcm)
            # Stop on the capture time of the blocks, not the wall clock: a busy machine delivers late.
            if played_s is not None and block.end_s > played_s + settle_s:
                break
        if played_s is None and player.poll() is not None:
            played_s = time.monotonic()
    return b"".join(blocks)


@pytest.mark.parametrize("device_rate", [None, 44100])
def test_microphone_delivers_speech_the_recognizer_understands(
    pulse_rig: PulseRig, synth: Synth, device_rate: int | None
) -> None:
    recognizer = make_recognizer("pocketsphinx", phrases=["how much time is left", "give us a conversation starter"])
    mic = Microphone("pulse")
    if device_rate is not None:
        mic.rate = device_rate  # open at the device's own rate: the converter must bring it to 16 kHz
    mic.start()
    try:
        pcm = _hear(mic, pulse_rig, synth.wav(synth.hibari("coach, how much time is left").padded(0.2, 0.2)))
    finally:
        mic.close()
    assert mic.rate == (device_rate or SPEECH.rate)
    samples = np.frombuffer(pcm, dtype=np.int16)
    assert int(np.abs(samples).max()) > 3000
    recognizer.accept(pcm)
    assert recognizer.final() == "coach how much time is left"


def test_microphone_blocks_are_time_stamped_as_they_arrive(pulse_rig: PulseRig) -> None:
    mic = Microphone("pulse")
    mic.start()
    try:
        blocks = [mic.read(3.0) for _ in range(25)]
        assert mic.alive
    finally:
        mic.close()
    assert all(b is not None for b in blocks)
    stamps = [b.end_s for b in blocks if b is not None]
    assert stamps == sorted(stamps)
    assert all(len(b.pcm) == SPEECH.rate * SPEECH.width // 50 for b in blocks if b is not None)
    assert not mic.alive


def test_player_plays_and_stop_cuts_it_short(pulse_rig: PulseRig, synth: Synth) -> None:
    speech = synth.hibari("This is a long reply from the coach, with several sentences. It goes on for a "
                          "while so that there is something to interrupt. Still talking, and talking.")
    player = Player("pulse")
    rec = pulse_rig.speaker
    try:
        player.play(speech.samples, speech.rate)
        assert player.busy()
        time.sleep(1.5)
        stop_s = time.monotonic()
        player.stop()
        assert not player.busy()
        time.sleep(0.8)
        spans = rec.sound_spans(since_s=stop_s - 1.5)
        player.play(chime_samples("cue", player.rate), player.rate)
        assert player.wait(3.0)
        time.sleep(0.3)
        after = rec.sound_spans(since_s=stop_s + 0.5)
    finally:
        player.close()
    assert spans, "nothing reached the speaker"
    last_sound_s = spans[-1][1]
    # The reply had seconds to go and fell silent long before it would have ended (the time is measured
    # by scripts/bench_latency.py; here it is only printed).
    remaining_s = speech.duration_s - (stop_s - spans[0][0])
    print(f"player stop: last sound {1000 * (last_sound_s - stop_s):.0f} ms after stop()")
    assert remaining_s > 3
    assert last_sound_s - stop_s < remaining_s / 5
    assert after, "the player works again after a stop"


def test_player_queues_what_it_is_given(pulse_rig: PulseRig) -> None:
    player = Player("pulse", rate=24000)
    try:
        start_s = time.monotonic()
        player.play(chime_samples("start", 24000), 24000)
        player.play(chime_samples("end", 48000), 48000)
        assert player.wait(5.0)
        time.sleep(0.3)
        spans = pulse_rig.speaker.sound_spans(since_s=start_s, min_gap_s=0.5)
    finally:
        player.close()
    total_s = (chime_samples("start", 24000).size + chime_samples("end", 24000).size) / 24000
    # One after the other, no gap between them (a busy machine may stretch it by a block or two).
    assert spans[-1][1] - spans[0][0] == pytest.approx(total_s, abs=0.25)


def test_no_sound_server_means_a_clear_audio_error(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path), PULSE_SERVER=f"unix:{tmp_path}/nothing",
               PULSE_CLIENTCONFIG=str(tmp_path / "client.conf"))
    (tmp_path / "client.conf").write_text("autospawn = no\n")
    code = ("from voice_coach.audio.mic import Microphone\n"
            "from voice_coach.errors import AudioError\n"
            "try:\n    Microphone().start()\nexcept AudioError as e:\n    print(e.one_line())\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert out.stdout.strip().startswith("no microphone found")
    assert "--engine text" in out.stdout


def test_devices_command_lists_the_rig(pulse_rig: PulseRig, tmp_path: Path) -> None:
    env = dict(pulse_rig.env, VOICE_COACH_HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    out = subprocess.run([sys.executable, "-m", "voice_coach", "devices"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert re.search(r"^\S*\s+\d+\s+pulse\s+\(in, out;", out.stdout, re.MULTILINE), out.stdout
    assert "--input-device" in out.stdout
