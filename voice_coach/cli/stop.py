"""Ctrl-C and SIGTERM: unwind, close what holds data, and be gone within a second whatever is stuck.

The 60-min soak's Ctrl-C that "hung 10 s" (exit -9) was never seen: the soak ran in the background of a
non-interactive shell, so `run` started with SIGINT ignored, Python then sets no Ctrl-C handler, and the coach
of that day handled SIGTERM only. ``install`` sets both handlers whatever the process inherited. Measured since,
three things stood between a Ctrl-C and the exit, none of which the old watchdog could see:

- The watchdog started in the Python-level handler, which only runs when the main thread is back in Python:
  a main thread busy inside a C call (a Whisper decode, a PortAudio call) postponed the watchdog itself.
  A thread now reads the signal number from the interpreter's wakeup file and arms it the moment it arrives.
- After the cleanup, the interpreter's own teardown freed the speech models through the garbage collector and
  ran their native destructors (0.1-0.4 s here, unbounded if one blocks). By then daemon threads, the
  watchdog included, can no longer run. After a stop signal the process now leaves with ``os._exit`` once
  the cleanup is done: the store commits each write and is closed, the event log is closed, output is flushed.
- The speaker's worker was awaited for up to 2 s while it rendered a sentence (see SpokenMouth.close).
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading

EXIT_GRACE_S = 0.8
"""After Ctrl-C or SIGTERM, cleanup (closing streams, the store) gets this long; then the process exits anyway."""
CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
"""The exit code for each stop signal (128 + its number, as a shell reports it)."""

_LOCK = threading.Lock()
_state: dict[str, int] = {}
"""'code': the exit code once a stop signal has arrived; 'watching': set once the wakeup reader runs."""


def install() -> None:
    """Handle Ctrl-C and SIGTERM in this process (from the main thread; more calls change nothing)."""
    signal.signal(signal.SIGTERM, on_stop_signal)
    signal.signal(signal.SIGINT, on_stop_signal)
    with _LOCK:
        if "watching" in _state:
            return
        _state["watching"] = 1
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    try:
        signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    except ValueError:  # not the main thread: the handler alone arms the watchdog
        reader.close()
        writer.close()
        return
    threading.Thread(target=_watch, args=(reader, writer), name="stop-signal", daemon=True).start()


def on_stop_signal(signum: int, frame: object) -> None:
    """Ctrl-C / SIGTERM in the main thread: unwind (the ``finally`` blocks close everything)."""
    code = CODES.get(signal.Signals(signum), 128 + signum)
    _arm(code)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(code)


def finish() -> None:
    """After the cleanup that followed a stop signal: leave now, without the interpreter's own teardown."""
    code = _state.get("code")
    if code is None:
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _arm(code: int) -> None:
    """Start the watchdog once: ``code`` is the exit code if the cleanup is not done in EXIT_GRACE_S."""
    with _LOCK:
        if "code" in _state:
            return
        _state["code"] = code
    watchdog = threading.Timer(EXIT_GRACE_S, os._exit, args=(code,))  # no flush: the main thread may hold a stream
    watchdog.daemon = True
    watchdog.start()


def _watch(reader: socket.socket, writer: socket.socket) -> None:  # writer: kept open while watched
    """The interpreter writes each signal's number here as it arrives, whatever the main thread is doing."""
    codes = {int(sig): code for sig, code in CODES.items()}
    while True:
        try:
            data = reader.recv(64)
        except OSError:
            return
        if not data:
            return
        for signum in data:
            if signum in codes:
                _arm(codes[signum])
