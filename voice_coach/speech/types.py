"""Speech-output types shared by the engines: rendered audio, voice settings, the engine protocol."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from voice_coach.config import SPEECH_LIMITS

RATE_MIN, RATE_MAX, RATE_STEP = SPEECH_LIMITS["rate"]
VOLUME_MIN, VOLUME_MAX, VOLUME_STEP = SPEECH_LIMITS["volume"]


@dataclass(frozen=True)
class Rendered:
    """Speech audio ready to play."""

    samples: np.ndarray
    """Mono signed 16-bit samples."""
    rate: int
    """Samples per second (Hertz)."""

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.samples.size / self.rate if self.rate else 0.0


@dataclass(frozen=True)
class VoiceSettings:
    """How fast and how loud the coach speaks."""

    rate: float = 1.0
    """Relative speaking speed, RATE_MIN..RATE_MAX (1.0 = the engine's normal pace)."""
    volume: float = 1.0
    """Relative loudness, VOLUME_MIN..VOLUME_MAX (1.0 = full)."""

    def clamped(self) -> VoiceSettings:
        """The same settings pulled into the allowed ranges (rounded so repeated steps don't drift)."""
        return VoiceSettings(
            rate=round(min(RATE_MAX, max(RATE_MIN, float(self.rate))), 2),
            volume=round(min(VOLUME_MAX, max(VOLUME_MIN, float(self.volume))), 2),
        )

    def slower(self) -> VoiceSettings:
        """One step slower (clamped)."""
        return replace(self, rate=self.rate - RATE_STEP).clamped()

    def faster(self) -> VoiceSettings:
        """One step faster (clamped)."""
        return replace(self, rate=self.rate + RATE_STEP).clamped()

    def quieter(self) -> VoiceSettings:
        """One step quieter (clamped)."""
        return replace(self, volume=self.volume - VOLUME_STEP).clamped()

    def louder(self) -> VoiceSettings:
        """One step louder (clamped)."""
        return replace(self, volume=self.volume + VOLUME_STEP).clamped()


class TtsEngine(Protocol):
    """One text-to-speech engine; ``render`` raises SpeechError when it cannot speak."""

    name: str

    def render(self, text: str, settings: VoiceSettings) -> Rendered:
        """Text (one sentence or more) as audio."""
        ...

    def close(self) -> None:
        """Release the engine (worker process, model)."""
        ...


# A sentence ends at . ! ? or … (optionally followed by a closing quote or bracket) before
# whitespace and a capital, digit or opening quote; "e.g. this" stays one sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[A-Z0-9\"“‘(])")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, so the first can play while the rest render."""
    out: list[str] = []
    for line in text.splitlines():
        out.extend(part.strip() for part in _SENTENCE_END.split(line))
    return [part for part in out if any(ch.isalnum() for ch in part)]


LEAD_IN_S = 0.03
"""Quiet kept before the first sound: engines pad ~0.3 s, which would only delay the reply."""
TAIL_S = 0.25
"""Quiet kept after the last sound: a natural pause between sentences, no longer."""
_QUIET = 64
"""Sample magnitude below which audio counts as silence (about -54 dBFS)."""


def trim_silence(rendered: Rendered, lead_in_s: float = LEAD_IN_S, tail_s: float = TAIL_S) -> Rendered:
    """The same audio with leading and trailing silence cut to ``lead_in_s`` and ``tail_s``."""
    loud = np.flatnonzero(np.abs(rendered.samples.astype(np.int32)) > _QUIET)
    if loud.size == 0:
        return rendered
    start = max(0, int(loud[0]) - int(lead_in_s * rendered.rate))
    end = min(rendered.samples.size, int(loud[-1]) + 1 + int(tail_s * rendered.rate))
    return Rendered(samples=rendered.samples[start:end], rate=rendered.rate)
