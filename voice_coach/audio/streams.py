"""PortAudio access (the sounddevice module) and streams that may never open or close: threads that give up on them."""

from __future__ import annotations

import atexit
import ctypes
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from voice_coach.errors import AudioError

_LOGGER = logging.getLogger(__name__)

_ALSA_QUIET: list[Any] = []


def _quiet_alsa() -> None:
    """Keep alsa-lib's own stderr chatter ("underrun occurred") off the user's terminal."""
    if _ALSA_QUIET or not sys.platform.startswith("linux"):
        return
    try:
        asound = ctypes.cdll.LoadLibrary("libasound.so.2")
    except OSError:
        return
    handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p)
    handler = handler_type(lambda *_args: None)
    asound.snd_lib_error_set_handler(handler)
    _ALSA_QUIET.append(handler)  # the C library keeps calling it: it must outlive this function


def sounddevice() -> Any:
    """The sounddevice module, or an AudioError saying how to get PortAudio."""
    try:
        import sounddevice as sd
    except (ImportError, OSError) as exc:
        raise AudioError(f"audio is unavailable ({exc})",
                         "install PortAudio (Debian: apt-get install libportaudio2) and `pip install sounddevice`") from None
    _quiet_alsa()
    return sd


# --- streams whose device died, or is dying -----------------------------------------------------

STREAM_START_TIMEOUT_S = 3.0
"""Longest wait for a stream to open and start (a healthy one takes well under 0.1 s)."""

_ABANDONED: list[threading.Thread] = []
"""Threads left inside PortAudio: while one is alive at exit, PortAudio is not terminated."""
_ABANDONED_LOCK = threading.Lock()


def _track(thread: threading.Thread) -> None:
    with _ABANDONED_LOCK:
        if not _ABANDONED:
            atexit.register(_skip_terminate_if_stuck)  # registered later, so it runs before sounddevice's handler
        _ABANDONED.append(thread)


def abandon_stream(stream: Any, what: str) -> None:
    """Close a stream whose device or sound server died, without waiting for it.

    PortAudio/ALSA can block for good closing such a stream, so the close runs on a thread of its own.
    If it is still stuck when the program exits, PortAudio is left unterminated (terminating would wait
    on the same stream forever) and the operating system reclaims it.
    """

    def close() -> None:
        try:
            stream.abort()
            stream.close()
        except Exception as exc:  # noqa: BLE001 - a dead stream may fail to close in any way; it is dropped anyway
            _LOGGER.debug("closing the dead %s stream: %s", what, exc)

    closer = threading.Thread(target=close, name=f"close-dead-{what}", daemon=True)
    _track(closer)
    closer.start()


def start_stream(make: Callable[[], Any], what: str, timeout_s: float = STREAM_START_TIMEOUT_S) -> Any:
    """Make a stream and start it on a thread of its own; TimeoutError when that has not finished in ``timeout_s``.

    Starting an output stream on a device that is going away can wait for good: ALSA's pulse plugin may
    never report that its connection failed, and PortAudio waits for the first buffer to be wanted. The
    caller moves on; a stream that starts after all is closed again, never used.
    """
    lock = threading.Lock()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            stream = make()
            stream.start()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            with lock:
                box["error"] = exc
            return
        with lock:
            if not box.get("given_up"):
                box["stream"] = stream
                return
        _LOGGER.debug("the %s stream started after it was given up: closing it", what)
        abandon_stream(stream, what)

    opener = threading.Thread(target=run, name=f"open-{what}", daemon=True)
    opener.start()
    opener.join(timeout_s)
    with lock:
        if "stream" in box:
            return box["stream"]
        if "error" in box:
            raise box["error"]
        box["given_up"] = True
    _track(opener)
    raise TimeoutError(f"starting the {what} stream took over {timeout_s:g} s")


def stuck() -> bool:
    """True while a thread is still inside PortAudio on a stream given up on (PortAudio must not be terminated)."""
    with _ABANDONED_LOCK:
        return any(thread.is_alive() for thread in _ABANDONED)


def _skip_terminate_if_stuck() -> None:
    if stuck():
        _LOGGER.debug("an audio stream is stuck in PortAudio: exiting without terminating PortAudio")
        atexit.unregister(sounddevice()._exit_handler)


class Backoff:
    """When to try reopening a lost device: 0.25, 0.5, 1, 2, 2 … s apart, so a missing device is not
    hammered, yet one that returns is found again within ``longest_s``."""

    FIRST_S = 0.25
    """First wait: a brief glitch recovers at once, a device that is gone is tried less often."""
    LONGEST_S = 2.0
    """Longest wait between attempts."""

    def __init__(self) -> None:
        self._at_s = 0.0
        self._wait_s = self.FIRST_S

    def reset(self, now_s: float = 0.0) -> None:
        """The device works again (or was just lost): the next attempt may come at once, then waits grow again."""
        self._at_s = now_s
        self._wait_s = self.FIRST_S

    def due(self, now_s: float) -> bool:
        """True when an attempt may be made now; it then counts as made and the next wait doubles."""
        if now_s < self._at_s:
            return False
        self._at_s = now_s + self._wait_s
        self._wait_s = min(self.LONGEST_S, self._wait_s * 2)
        return True

    def wait_s(self, now_s: float) -> float:
        """Seconds until the next attempt is due."""
        return max(0.0, self._at_s - now_s)
