"""Generated kitchen noise for the spoken-command benchmark: running water, clatter, fan hum (seeded, never stored)."""

from __future__ import annotations

from typing import Any

import numpy as np

NOISES = ("water", "clatter", "fan")


def _shaped(rng: np.random.Generator, n: int, rate: int, gain: Any) -> np.ndarray:
    """White noise shaped in the frequency domain by ``gain(freqs_hz)``."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    out = np.fft.irfft(spectrum * gain(freqs), n)
    return out / (np.std(out) + 1e-12)


def water(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """Running water: band-limited hiss (300 Hz-5 kHz) with a slow, uneven gurgle."""
    hiss = _shaped(rng, n, rate, lambda f: ((f > 300) & (f < 5000)) * (1.0 / np.sqrt(1.0 + f / 2000.0)))
    t = np.arange(n) / rate
    gurgle = 0.75 + 0.25 * np.sin(2 * np.pi * 3.7 * t + rng.uniform(0, 6)) * np.sin(2 * np.pi * 0.6 * t)
    return hiss * gurgle


def clatter(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """Dishes and cutlery: random short transients (noise bursts and metallic rings), about 3 a second."""
    out = np.zeros(n)
    count = max(1, rng.poisson(3.0 * n / rate))
    for start in rng.integers(0, n, count):
        length = int(rate * rng.uniform(0.03, 0.15))
        t = np.arange(length) / rate
        decay = np.exp(-t / rng.uniform(0.008, 0.04))
        ring = np.sin(2 * np.pi * rng.uniform(1500, 6000) * t) if rng.random() < 0.5 else rng.standard_normal(length)
        burst = rng.uniform(0.3, 1.0) * decay * ring
        end = min(n, start + length)
        out[start:end] += burst[: end - start]
    return out / (np.std(out) + 1e-12)


def fan(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """Extractor fan: mains hum and blade tones plus pink noise."""
    t = np.arange(n) / rate
    hum = sum(a * np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f, a in ((50, 1.0), (100, 0.6), (150, 0.3),
                                                                              (118, 0.5), (236, 0.2)))
    pink = _shaped(rng, n, rate, lambda f: 1.0 / np.sqrt(np.maximum(f, 20.0)))
    mix = hum / np.std(hum) + pink
    return mix / np.std(mix)


NOISE_MAKERS = {"water": water, "clatter": clatter, "fan": fan}


def speech_power(samples: np.ndarray, rate: int) -> float:
    """Mean power of the active speech (20 ms frames within 35 dB of the loudest), so pauses don't count."""
    x = samples.astype(np.float64)
    frame = max(1, rate // 50)
    frames = x[: x.size // frame * frame].reshape(-1, frame)
    power = (frames**2).mean(axis=1)
    active = power[power >= power.max() * 10 ** (-35 / 10)]
    return float(active.mean()) if active.size else 0.0


def with_noise(samples: np.ndarray, rate: int, noise: str, snr_db: float, seed: int) -> np.ndarray:
    """``samples`` (int16, already padded) with ``noise`` mixed in at ``snr_db`` below the speech."""
    rng = np.random.default_rng(seed)
    noise_signal = NOISE_MAKERS[noise](rng, samples.size, rate)
    scale = np.sqrt(speech_power(samples, rate) / 10 ** (snr_db / 10))
    mixed = samples.astype(np.float64) + noise_signal * scale
    return np.clip(mixed, -32768, 32767).astype(np.int16)
