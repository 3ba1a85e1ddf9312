"""An interruptible player that notices a lost speaker and reopens it."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np

from voice_coach import trace
from voice_coach.audio.devices import BLOCK_S, choose_device
from voice_coach.audio.format import AudioFormat, convert
from voice_coach.audio.streams import Backoff, abandon_stream, sounddevice, start_stream
from voice_coach.errors import AudioError

_LOGGER = logging.getLogger(__name__)


OUTPUT_LATENCY_S = 0.05
"""Output buffer: enough to ride out a busy moment without clicks, short enough for a quick stop()."""
PLAYER_STALL_S = 1.5
"""An output stream whose callback has not run for this long has lost its device (it asks even while silent)."""


class Player:
    """Plays mono sound on an output device; ``stop()`` silences it within one block.

    One output stream stays open, fed from a buffer by PortAudio's callback, so a reply starts without
    the cost of opening a device. When the stream dies (device unplugged, sound server gone) the player
    counts as lost until ``check()`` has reopened it and the new stream asks for audio. Everything but
    ``stop()`` and ``device_lost`` belongs to one thread (the mouth's worker).
    """

    def __init__(self, device: str | int | None = None, rate: int | None = None) -> None:
        self._sd = sounddevice()
        self.device = choose_device(device, "output")
        self.rate = rate or self.device.default_rate
        """Hertz the stream runs at; everything played is converted to it."""
        self._fmt = AudioFormat(rate=self.rate)
        self._lock = threading.Lock()
        self._buffer = np.zeros(0, dtype=np.int16)
        self._pos = 0
        self._idle = threading.Event()
        self._trace_armed = False
        """Trace only: note the next callback that copies newly queued sound."""
        self._idle.set()
        self._stream: Any = None
        self._opened_s = 0.0
        self._last_fill_s = time.monotonic()
        self._lost = False
        self._closed = False
        self._reopen = Backoff()
        # Open now: a fresh stream takes a moment before its first sound, which a reply should not wait for.
        self._open()

    def _open(self) -> None:
        blocksize = int(self.rate * BLOCK_S)
        try:
            self._stream = start_stream(
                lambda: self._sd.OutputStream(device=self.device.index, samplerate=self.rate, channels=1, dtype="int16",
                                              blocksize=blocksize, latency=OUTPUT_LATENCY_S, callback=self._fill,
                                              finished_callback=self._idle.set),
                "speaker")
        except (self._sd.PortAudioError, TimeoutError) as exc:
            self._stream = None
            self._lost = True
            raise AudioError(f"cannot play on {self.device.name!r} ({exc})",
                             "check `voice-coach devices` and --output-device") from None
        self._opened_s = self._last_fill_s = time.monotonic()

    def _fill(self, out: np.ndarray, frames: int, when: Any, status: Any) -> None:
        # PortAudio's thread: copy the next block and nothing else.
        self._last_fill_s = time.monotonic()
        with self._lock:
            chunk = self._buffer[self._pos : self._pos + frames]
            self._pos += chunk.size
            finished = self._pos >= self._buffer.size
        out[: chunk.size, 0] = chunk
        out[chunk.size :, 0] = 0
        if finished:
            self._idle.set()
        if trace.enabled():
            self._trace_fill(when, status, chunk.size > 0)

    def _trace_fill(self, when: Any, status: Any, copied: bool) -> None:
        """Trace: an underflow while sound plays (a click), and the first callback to copy newly queued sound."""
        if status:
            trace.note("output_status", flags=str(status), playing=not self._idle.is_set())
        if self._trace_armed and copied:
            self._trace_armed = False
            try:
                dac_s: float | None = float(when.outputBufferDacTime - when.currentTime)
            except (AttributeError, TypeError):
                dac_s = None
            trace.note("fill", t=self._last_fill_s, dac_s=dac_s if dac_s and dac_s > 0 else None)

    @property
    def device_lost(self) -> bool:
        """True from the moment the output stream died until a reopened one asks for audio."""
        return self._lost

    def check(self) -> bool:
        """Notice a dead stream and, while the speaker is lost, try to reopen it; True when sound can be queued.

        Reopening backs off (streams.Backoff). Call it now and then while idle, from the thread that plays.
        """
        if self._closed:
            return False
        if self._stream is not None and self._gone():
            self._drop_stream()
        if self._stream is None:
            if not self._reopen.due(time.monotonic()):
                return False
            try:
                self._open()
            except AudioError as err:
                _LOGGER.info("speaker still unavailable: %s", err.one_line())
                return False
        if self._lost and self._last_fill_s > self._opened_s:
            # Back only once the new stream has asked for audio: one that opens and stalls is not a speaker.
            self._lost = False
            self._reopen.reset()
            _LOGGER.info("the speaker is back")
        return True

    def play(self, samples: np.ndarray, rate: int) -> None:
        """Start playing ``samples`` (mono, ``rate`` Hz) after whatever is playing now; returns at once.

        AudioError when there is no working stream and none can be opened.
        """
        if self._closed:
            raise AudioError("the speaker is closed", "nothing to do: the coach is exiting")
        data = np.frombuffer(convert(samples, rate, self._fmt), dtype=np.int16)
        if data.size == 0:
            return
        if self._stream is not None and self._gone():
            self._drop_stream()  # its device went away while idle; this reply gets a fresh stream
        if self._stream is None:
            self._open()
        with self._lock:
            rest = self._buffer[self._pos :]
            self._buffer = np.concatenate([rest, data]) if rest.size else data
            self._pos = 0
            self._idle.clear()
        if trace.enabled():
            self._trace_armed = True
            trace.note("play", latency_s=float(self._stream.latency) if self._stream is not None else None)

    def busy(self) -> bool:
        if self._idle.is_set():
            return False
        if self._gone():
            self._drop_stream()
            return False
        return True

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until playback ends (or ``timeout_s``); True when it has ended (or the device went away)."""
        deadline_s = None if timeout_s is None else time.monotonic() + timeout_s
        while not self._idle.wait(0.1 if deadline_s is None else max(0.0, min(0.1, deadline_s - time.monotonic()))):
            if self._gone():
                self._drop_stream()
                return True
            if deadline_s is not None and time.monotonic() >= deadline_s:
                return False
        if self._stream is not None and self._gone():
            self._drop_stream()  # it ended on its own (finished_callback): its device went away
            return True
        if self._stream is not None:
            # The last block is still in the device's buffer when the callback hands it over.
            time.sleep(float(self._stream.latency))
        return True

    def _gone(self) -> bool:
        """True when the stream stopped asking for audio: its device or the sound server went away."""
        stream = self._stream
        return stream is None or not stream.active or time.monotonic() - self._last_fill_s > PLAYER_STALL_S

    def _drop_stream(self) -> None:
        """Forget a dead stream (what was queued is lost); ``check()`` or the next play() opens a fresh one."""
        stream, self._stream = self._stream, None
        self.stop()
        if stream is None:
            return
        if not self._lost:
            _LOGGER.warning("the speaker stopped playing (device or sound server gone); will reopen it")
        self._lost = True
        self._reopen.reset(time.monotonic() + Backoff.FIRST_S)
        abandon_stream(stream, "speaker")

    def stop(self) -> None:
        """Cut playback now: the next block PortAudio asks for is silence."""
        with self._lock:
            self._buffer = np.zeros(0, dtype=np.int16)
            self._pos = 0
        self._idle.set()

    def close(self) -> None:
        """Close the stream; one whose device died is abandoned instead (closing it could block for good).

        Callable from another thread than the one that plays: afterwards nothing plays or reopens the stream.
        """
        self._closed = True
        self.stop()
        dead = self._stream is not None and self._gone()
        stream, self._stream = self._stream, None
        if stream is None:
            return
        if dead:
            abandon_stream(stream, "speaker")
            return
        try:
            stream.abort()  # nothing is left to play: no need to wait for the device's buffer to drain
            stream.close()
        except self._sd.PortAudioError as exc:
            _LOGGER.debug("closing the output stream: %s", exc)
