"""Voice activity from block energy, and spotting a barge-in ("coach, stop") in recognized text."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence

import numpy as np

from voice_coach.asr.text import spoken_words
from voice_coach.audio.format import SPEECH, AudioFormat

SPEECH_FLOOR_DBFS = -45.0
"""Blocks quieter than this are never speech."""
SPEECH_ABOVE_NOISE_DB = 12.0
"""Speech starts this far above the tracked background noise."""
SPEECH_GOES_ON_ABOVE_NOISE_DB = 6.0
"""Once started, speech goes on while this far above the noise: the quieter syllables of a command said in a
noisy kitchen (10 dB above the noise) stay in it instead of cutting it in two."""
QUIETEST_WINDOW_S = 1.5
"""Speech dips below the speech level within this long (between words): unbroken "speech" this long is the room."""


class Vad:
    """Energy-based voice activity: a block is speech when it stands out from the tracked noise floor."""

    def __init__(self, fmt: AudioFormat = SPEECH) -> None:
        self.fmt = fmt
        self.noise_dbfs = -70.0
        self._started = False
        self._speech = False
        self._recent: deque[tuple[float, float]] = deque()
        """(level dBFS, seconds) of the blocks within the last QUIETEST_WINDOW_S, all taken for speech."""
        self._recent_s = 0.0

    def level_dbfs(self, pcm: bytes) -> float:
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
        if samples.size == 0:
            return -120.0
        rms = math.sqrt(float(np.mean(samples * samples))) / 32768.0
        return 20 * math.log10(rms) if rms > 1e-6 else -120.0

    def is_speech(self, pcm: bytes) -> bool:
        level = self.level_dbfs(pcm)
        if not self._started:
            # The room is what the first block hears (nobody speaks in the first 20 ms of listening): starting
            # from a guess, a loud room would be taken for speech until the floor caught up with it.
            self._started = True
            self.noise_dbfs = max(-120.0, level)
            return False
        above_db = SPEECH_GOES_ON_ABOVE_NOISE_DB if self._speech else SPEECH_ABOVE_NOISE_DB
        speech = level > max(SPEECH_FLOOR_DBFS, self.noise_dbfs + above_db)
        self._speech = speech
        if not speech:
            # Follow the room down at once, up slowly (a fan starting), never from speech itself.
            self.noise_dbfs = level if level < self.noise_dbfs else 0.98 * self.noise_dbfs + 0.02 * level
        self._raise_floor(level if speech else None, self.fmt.seconds(len(pcm)))
        return speech

    def _raise_floor(self, level: float | None, block_s: float) -> None:
        """The floor learns only from blocks it calls quiet, so a room already louder than floor + margin (water
        running when the coach starts) would be speech for ever. Unbroken "speech" for QUIETEST_WINDOW_S is
        the room itself: the floor jumps to its quietest block. ``level`` None: a quiet block (starts afresh)."""
        if level is None:
            self._recent.clear()
            self._recent_s = 0.0
            return
        self._recent.append((level, block_s))
        self._recent_s += block_s
        if self._recent_s >= QUIETEST_WINDOW_S - 1e-9:
            self.noise_dbfs = max(self.noise_dbfs, min(lv for lv, _ in self._recent))
            self._recent.clear()
            self._recent_s = 0.0


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
