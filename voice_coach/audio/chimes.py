"""Chimes: short generated bell tones that mark the start, a cue and the end of a speaking turn."""

from __future__ import annotations

import numpy as np

_CHIMES: dict[str, tuple[tuple[float, float], ...]] = {
    # (frequency Hz, seconds) per note; rising = start, a double high ping = cue, falling = end.
    "start": ((523.25, 0.12), (783.99, 0.22)),
    "cue": ((1046.5, 0.09), (0.0, 0.06), (1046.5, 0.09)),
    "end": ((783.99, 0.14), (659.25, 0.14), (523.25, 0.30)),
}
CHIME_KINDS = tuple(_CHIMES)


def chime_samples(kind: str, rate: int) -> np.ndarray:
    """A short generated tone sequence for ``kind`` (start, cue, end) as mono int16 at ``rate`` Hz."""
    if kind not in _CHIMES:
        raise ValueError(f"unknown chime {kind!r}; expected one of {', '.join(CHIME_KINDS)}")
    parts = []
    for freq_hz, length_s in _CHIMES[kind]:
        n = int(rate * length_s)
        t = np.arange(n) / rate
        if freq_hz <= 0:
            parts.append(np.zeros(n))
            continue
        # A soft attack and an exponential decay: no click, sounds like a bell rather than a beep.
        envelope = np.minimum(1.0, t / 0.008) * np.exp(-t * 6.0)
        tone = np.sin(2 * np.pi * freq_hz * t) + 0.3 * np.sin(4 * np.pi * freq_hz * t)
        parts.append(0.35 * envelope * tone / 1.3)
    return (np.concatenate(parts) * 32767).astype(np.int16)
