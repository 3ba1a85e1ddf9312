"""The microphone: PortAudio's callback only queues blocks; the reader gets them in the recognizer's format."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from voice_coach import trace
from voice_coach.audio.devices import BLOCK_S, Device, choose_device
from voice_coach.audio.format import SPEECH, AudioFormat, convert
from voice_coach.audio.streams import abandon_stream, sounddevice
from voice_coach.errors import AudioError

_LOGGER = logging.getLogger(__name__)

MAX_QUEUED_S = 10.0
"""Audio kept when the reader falls behind; older blocks are dropped (stale speech is worthless)."""
INPUT_LATENCY_S = 0.1
"""Capture buffer: room for a busy moment (model loading, a slow decode) without losing audio; blocks then
come in pairs, about 20 ms later on average than with the smallest buffer."""
STALL_S = 1.5
"""No block for this long from a running stream means the device has gone."""


@dataclass(frozen=True)
class MicBlock:
    """One block of microphone audio."""

    pcm: bytes
    """Samples in the microphone's output format (SPEECH unless told otherwise)."""
    end_s: float
    """Monotonic time (seconds) the block's last sample was captured."""


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Hide what PortAudio's ALSA layer prints on the process's stderr while opening a device.

    While a device is missing, each retry would print half a dozen "Expression ... failed in
    pa_linux_alsa.c" lines (PortAudio's debug hook is not exported); the coach says it in one line of
    its own instead. sounddevice does the same around its own start-up.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class Microphone:
    """A running input stream on one device; any device rate comes out as ``fmt`` through one converter."""

    def __init__(self, device: str | int | None = None, fmt: AudioFormat = SPEECH) -> None:
        self._sd = sounddevice()
        self.fmt = fmt
        self.device: Device = choose_device(device, "input")
        self.rate = self._pick_rate()
        """Hertz the device is opened at (fmt.rate when the device takes it)."""
        self._blocks: queue.Queue[tuple[np.ndarray, float]] = queue.Queue(maxsize=int(MAX_QUEUED_S / BLOCK_S))
        self._stream: Any = None
        self._last_block_s = 0.0
        self._failed = False

    def _pick_rate(self) -> int:
        try:
            with _native_stderr_silenced():
                self._sd.check_input_settings(device=self.device.index, samplerate=self.fmt.rate, channels=1,
                                              dtype="int16")
            return self.fmt.rate
        except (self._sd.PortAudioError, ValueError):
            return self.device.default_rate

    def start(self) -> None:
        """Open and start the stream; AudioError when the device cannot be opened."""
        try:
            with _native_stderr_silenced():
                self._stream = self._sd.InputStream(
                    device=self.device.index, samplerate=self.rate, channels=1, dtype="int16",
                    blocksize=int(self.rate * BLOCK_S), latency=INPUT_LATENCY_S, callback=self._on_block,
                    finished_callback=self._on_finished,
                )
                self._stream.start()
        except self._sd.PortAudioError as exc:
            self._stream = None
            raise AudioError(f"cannot open the microphone {self.device.name!r} ({exc})",
                             "check `voice-coach devices` and --input-device, or use --engine text to type") from None
        self._failed = False
        self._last_block_s = time.monotonic()
        _LOGGER.info("microphone %r open at %d Hz", self.device.name, self.rate)
        trace.note("mic", latency_s=float(self._stream.latency))

    def _on_block(self, data: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        # PortAudio's thread: copy and queue, nothing else.
        now = time.monotonic()
        try:
            self._blocks.put_nowait((data[:, 0].copy(), now))
        except queue.Full:
            try:
                self._blocks.get_nowait()
            except queue.Empty:
                pass
            self._blocks.put_nowait((data[:, 0].copy(), now))
        if status:
            _LOGGER.debug("microphone status: %s", status)
            trace.note("input_status", flags=str(status))

    def _on_finished(self) -> None:
        self._failed = True

    def read(self, timeout_s: float) -> MicBlock | None:
        """The next block, or None when none arrived within ``timeout_s``."""
        try:
            samples, end_s = self._blocks.get(timeout=max(0.0, timeout_s))
        except queue.Empty:
            return None
        self._last_block_s = end_s
        return MicBlock(convert(samples, self.rate, self.fmt), end_s)

    def drain(self) -> None:
        """Drop everything captured so far."""
        try:
            while True:
                self._blocks.get_nowait()
        except queue.Empty:
            pass

    @property
    def alive(self) -> bool:
        """False when the stream ended on its own or stopped delivering (device unplugged, server gone)."""
        if self._stream is None or self._failed:
            return False
        return self._blocks.qsize() > 0 or time.monotonic() - self._last_block_s < STALL_S

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except self._sd.PortAudioError as exc:
                _LOGGER.debug("closing the microphone: %s", exc)

    def abandon(self) -> None:
        """Let go of a stream whose device or sound server died, without waiting for it to close."""
        stream, self._stream = self._stream, None
        if stream is not None:
            abandon_stream(stream, "microphone")
