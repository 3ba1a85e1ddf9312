"""The one audio format type and the one converter; nothing else assumes a rate or width."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AudioFormat:
    """Raw PCM layout."""

    rate: int
    """Samples per second per channel (Hertz)."""
    width: int = 2
    """Bytes per sample (2 = signed 16-bit)."""
    channels: int = 1
    """Interleaved channels."""

    def seconds(self, n_bytes: int) -> float:
        """Duration in seconds of ``n_bytes`` of audio in this format."""
        return n_bytes / (self.rate * self.width * self.channels)


SPEECH = AudioFormat(rate=16000, width=2, channels=1)
"""What the recognizers take: 16 kHz, signed 16-bit, mono."""


def to_mono_int16(samples: np.ndarray) -> np.ndarray:
    """Any float (-1..1) or int16 array, mono or (frames, channels), as mono int16."""
    data = np.asarray(samples)
    if data.ndim == 2:
        data = data.astype(np.float32).mean(axis=1)
    if data.dtype.kind == "f":
        data = np.clip(data, -1.0, 1.0) * 32767.0
    return data.astype(np.int16)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Linear-interpolation resample of a mono int16 array (good enough for speech)."""
    if from_rate == to_rate or samples.size == 0:
        return samples.astype(np.int16)
    n_out = max(1, int(round(samples.size * to_rate / from_rate)))
    x_old = np.arange(samples.size, dtype=np.float64)
    x_new = np.linspace(0, samples.size - 1, n_out)
    return np.interp(x_new, x_old, samples.astype(np.float64)).astype(np.int16)


def convert(samples: np.ndarray, from_rate: int, to: AudioFormat = SPEECH) -> bytes:
    """Any samples at ``from_rate`` as raw bytes in format ``to`` (mono int16 only)."""
    mono = to_mono_int16(samples)
    return resample(mono, from_rate, to.rate).tobytes()
