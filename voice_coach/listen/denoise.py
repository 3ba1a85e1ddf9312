"""Steady room noise (running water, a fan) taken out of the microphone blocks before anything listens to them."""

from __future__ import annotations

import logging

import numpy as np

from voice_coach.audio.format import SPEECH, AudioFormat

_LOGGER = logging.getLogger(__name__)

FRAME_S = 0.02
"""Analysis frame; frames overlap by half, so the output lags the input by half a frame (10 ms)."""
NOISE_WINDOW_S = 1.5
"""The noise in each frequency band is the quietest it has been over this long: speech always leaves gaps."""
NOISE_BIAS = 1.5
"""The quietest smoothed power understates the mean noise power by about this much."""
OVER_SUBTRACT = 1.5
"""Take out this many times the noise estimate: the noise varies from frame to frame. Measured on bench_accuracy
(tuning slice): 1.0-1.5 with a floor of 0.2-0.35 all did about as well; 2.0 with a floor of 0.1 did worse
(hibari in running water: holes in the speech)."""
GAIN_FLOOR = 0.2
"""Least gain (power) for a band: a floor of leftover noise is gentler on the recognizer than holes."""
SMOOTHING = 0.8
"""Weight of the past in each band's smoothed power (per hop)."""
_SUB_WINDOWS = 4


class Denoiser:
    """Streaming spectral subtraction over 16-bit mono blocks; returns as many samples as it is given.

    With blocks of a steady size (the microphone's) the output is the input half a frame later; blocks of
    changing sizes can lengthen that delay (by silence put in, at most about a block).

    Per frequency band, the noise is tracked as the minimum of the smoothed power over NOISE_WINDOW_S
    (minimum statistics, split into a few sub-windows so it can rise again), and each frame keeps
    ``1 - OVER_SUBTRACT * noise / power`` of its power, never less than GAIN_FLOOR. Speech in a quiet room
    passes unchanged (no noise, gain 1), only half a frame later.
    """

    def __init__(self, fmt: AudioFormat = SPEECH) -> None:
        self.fmt = fmt
        self._frame = round(fmt.rate * FRAME_S)
        self._frame -= self._frame % 2
        self._hop = self._frame // 2
        # Square root of a periodic Hann window, on analysis and synthesis: at half overlap they add up to 1.
        self._window = np.sqrt(np.hanning(self._frame + 1)[:-1])
        self._input = np.zeros(self._frame)
        self._pending = np.zeros(0)
        """Input samples not yet a full hop."""
        self._output = np.zeros(self._frame)
        self._ready = np.zeros(0)
        """Output samples made but not yet given back (blocks that are not whole hops)."""
        self._smooth: np.ndarray | None = None
        self._window_mins: list[np.ndarray] = []
        self._current_min: np.ndarray | None = None
        self._hops_in_sub = 0
        self._hops_per_sub = max(1, round(NOISE_WINDOW_S / _SUB_WINDOWS / (self._hop / fmt.rate)))
        self._filled = 0

    def __call__(self, pcm: bytes) -> bytes:
        samples = np.frombuffer(pcm, dtype=np.int16)
        if samples.size == 0:
            return pcm
        self._pending = np.concatenate([self._pending, samples.astype(np.float64)])
        pieces = [self._ready]
        while self._pending.size >= self._hop:
            pieces.append(self._step(self._pending[: self._hop]))
            self._pending = self._pending[self._hop :]
        out = np.concatenate(pieces)
        if out.size < samples.size:  # only before the first whole hop (or with odd block sizes): silence first
            out = np.concatenate([np.zeros(samples.size - out.size), out])
        self._ready = out[samples.size :]
        return np.clip(np.rint(out[: samples.size]), -32768, 32767).astype(np.int16).tobytes()

    def _step(self, hop: np.ndarray) -> np.ndarray:
        """One hop in, one hop out (half a frame late)."""
        self._input = np.concatenate([self._input[self._hop :], hop])
        spectrum = np.fft.rfft(self._input * self._window)
        power = spectrum.real**2 + spectrum.imag**2
        self._filled = min(self._filled + 1, 2)
        if self._filled < 2:  # the first frame is half empty: it says nothing about the room
            gain = np.ones_like(power)
        else:
            gain = self._gain(power)
        frame = np.fft.irfft(spectrum * np.sqrt(gain), self._frame) * self._window
        self._output = np.concatenate([self._output[self._hop :], np.zeros(self._hop)]) + frame
        return self._output[: self._hop].copy()

    def _gain(self, power: np.ndarray) -> np.ndarray:
        self._smooth = power if self._smooth is None else SMOOTHING * self._smooth + (1 - SMOOTHING) * power
        self._current_min = self._smooth.copy() if self._current_min is None else np.minimum(self._current_min,
                                                                                             self._smooth)
        self._hops_in_sub += 1
        if self._hops_in_sub >= self._hops_per_sub:
            self._window_mins = [*self._window_mins, self._current_min][-_SUB_WINDOWS:]
            self._current_min = None
            self._hops_in_sub = 0
        mins = self._window_mins + ([self._current_min] if self._current_min is not None else [])
        noise = np.minimum.reduce(mins) * NOISE_BIAS
        return np.maximum(1.0 - OVER_SUBTRACT * noise / np.maximum(power, 1e-9), GAIN_FLOOR)
