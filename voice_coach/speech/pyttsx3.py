"""pyttsx3 engine: the platform voice, rendered in a long-lived worker process with a timeout.

pyttsx3's ``runAndWait`` can hang after repeated use, so it runs in ``voice_coach.speech.pyttsx3_worker``.
A render that times out or finds the worker dead kills it, starts a fresh one and tries once
more; a second failure raises SpeechError, so a hang never freezes the caller.
"""

from __future__ import annotations

import json
import logging
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO, Any

import numpy as np

from voice_coach.errors import SpeechError
from voice_coach.speech.types import Rendered, VoiceSettings

_LOGGER = logging.getLogger(__name__)

BASE_WPM = 175
"""Words per minute at rate 1.0 (espeak-ng's own default pace)."""

_STOP_WAIT_S = 2.0
_START_TIMEOUT_S = 10.0
"""At least this long for a worker to start: a cold first import can be slow on a busy machine."""


class _WorkerFailed(Exception):
    """The worker timed out, died or reported an error; the message says which."""


def platform_driver() -> str:
    """The pyttsx3 driver this platform uses by default (the one pyttsx3.init() picks)."""
    if sys.platform == "win32":
        return "sapi5"
    if sys.platform == "darwin":
        return "nsss"
    return "espeak"


class _Worker:
    """One worker process and the thread that reads its replies."""

    def __init__(self, args: Sequence[str]) -> None:
        self.replies: queue.Queue[tuple[dict[str, Any], bytes] | None] = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voice_coach.speech.pyttsx3_worker", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._readers = [
            threading.Thread(target=self._read_replies, name="tts-worker-out", daemon=True),
            threading.Thread(target=self._log_stderr, name="tts-worker-err", daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_replies(self) -> None:
        stdout: IO[bytes] = self.proc.stdout  # type: ignore[assignment]
        try:
            while line := stdout.readline():
                header = json.loads(line)
                n_bytes = int(header.get("n_bytes", 0))
                payload = stdout.read(n_bytes) if n_bytes else b""
                if len(payload) < n_bytes:
                    break
                self.replies.put((header, payload))
        except (ValueError, OSError) as exc:
            _LOGGER.debug("tts worker reply stream broke: %r", exc)
        finally:
            stdout.close()
        self.replies.put(None)  # end of stream: the worker died or was killed

    def _log_stderr(self) -> None:
        stderr: IO[bytes] = self.proc.stderr  # type: ignore[assignment]
        with stderr:
            for line in stderr:
                _LOGGER.debug("tts worker: %s", line.decode("utf-8", "replace").rstrip())

    def receive(self, timeout_s: float) -> tuple[dict[str, Any], bytes]:
        try:
            reply = self.replies.get(timeout=timeout_s)
        except queue.Empty:
            raise _WorkerFailed(f"no reply within {timeout_s:g} s") from None
        if reply is None:
            raise _WorkerFailed(f"worker exited (code {self.proc.poll()})")
        if not reply[0].get("ok"):
            raise _WorkerFailed(str(reply[0].get("error", "unknown error")))
        return reply

    def send(self, request: dict[str, Any]) -> None:
        try:
            self.proc.stdin.write(json.dumps(request).encode("utf-8") + b"\n")  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
        except OSError as exc:
            raise _WorkerFailed(f"worker gone ({exc})") from None

    def stop(self) -> None:
        """Close stdin so the worker exits by itself; kill it if it doesn't."""
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        try:
            self.proc.wait(timeout=_STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._join_readers()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass  # the worker was killed mid-write; nothing left to flush
        self._join_readers()

    def _join_readers(self) -> None:
        # The readers close the pipes once the worker has gone; wait so nothing is left open.
        for reader in self._readers:
            reader.join(timeout=_STOP_WAIT_S)


class Pyttsx3Engine:
    """Renders text with pyttsx3 in a worker process (espeak-ng on Linux)."""

    name = "pyttsx3"

    def __init__(self, timeout_s: float = 10.0, worker_args: Sequence[str] = ()) -> None:
        self.timeout_s = timeout_s
        self.worker_args = tuple(worker_args)
        """Extra ``tts_worker`` arguments (``--driver NAME``; tests use ``--stall-s``)."""
        self.driver = platform_driver()
        self.voice_id = ""
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        try:
            self._start()
        except _WorkerFailed as exc:
            raise SpeechError(f"pyttsx3 could not start: {exc}", fix=_fix_hint()) from None

    def _start(self) -> _Worker:
        worker = _Worker(self.worker_args)
        try:
            ready, _ = worker.receive(max(self.timeout_s, _START_TIMEOUT_S))
        except _WorkerFailed:
            worker.kill()
            raise
        self._worker = worker
        self.driver = str(ready.get("driver", self.driver))
        self.voice_id = str(ready.get("voice", ""))
        _LOGGER.debug("pyttsx3 worker %d ready (%s, %s)", worker.proc.pid, self.driver, self.voice_id)
        return worker

    def _request(self, request: dict[str, Any]) -> Rendered:
        worker = self._worker or self._start()
        worker.send(request)
        header, payload = worker.receive(self.timeout_s)
        return Rendered(samples=np.frombuffer(payload, dtype="<i2").astype(np.int16), rate=int(header["rate"]))

    def render(self, text: str, settings: VoiceSettings) -> Rendered:
        """Text as audio; one restart-and-retry on a timeout or crash, then SpeechError."""
        settings = settings.clamped()
        request = {"text": text, "rate_wpm": round(BASE_WPM * settings.rate), "volume": settings.volume}
        with self._lock:
            try:
                return self._request(request)
            except _WorkerFailed as exc:
                _LOGGER.warning("pyttsx3 render failed (%s); restarting its worker", exc)
                self._discard_worker()
            try:
                return self._request(request)
            except _WorkerFailed as exc:
                _LOGGER.warning("pyttsx3 render failed again (%s)", exc)
                self._discard_worker()
                raise SpeechError(f"pyttsx3 failed to render speech: {exc}", fix=_fix_hint()) from None

    def _discard_worker(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

    @property
    def worker_pid(self) -> int | None:
        """Process id of the current worker (None when none runs)."""
        return self._worker.proc.pid if self._worker else None

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.stop()
                self._worker = None


def _fix_hint() -> str:
    if platform_driver() == "espeak":
        return "install espeak-ng (sudo apt-get install espeak-ng) and check `voice-coach doctor`"
    return "check the system's speech voices and `voice-coach doctor`"
