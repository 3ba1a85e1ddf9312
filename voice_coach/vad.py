"""Voice activity from block energy, and spotting a barge-in ("coach, stop") in recognized text."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from voice_coach.asr.text import spoken_words
from voice_coach.audio_format import SPEECH, AudioFormat

SPEECH_FLOOR_DBFS = -45.0
"""Blocks quieter than this are never speech."""
SPEECH_ABOVE_NOISE_DB = 12.0
"""Speech stands this far above the tracked background noise."""


class Vad:
    """Energy-based voice activity: a block is speech when it stands out from the tracked noise floor."""

    def __init__(self, fmt: AudioFormat = SPEECH) -> None:
        self.fmt = fmt
        self.noise_dbfs = -70.0

    def level_dbfs(self, pcm: bytes) -> float:
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
        if samples.size == 0:
            return -120.0
        rms = math.sqrt(float(np.mean(samples * samples))) / 32768.0
        return 20 * math.log10(rms) if rms > 1e-6 else -120.0

    def is_speech(self, pcm: bytes) -> bool:
        level = self.level_dbfs(pcm)
        speech = level > max(SPEECH_FLOOR_DBFS, self.noise_dbfs + SPEECH_ABOVE_NOISE_DB)
        if not speech:
            # Follow the room down at once, up slowly (a fan starting), never from speech itself.
            self.noise_dbfs = level if level < self.noise_dbfs else 0.98 * self.noise_dbfs + 0.02 * level
        return speech


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
