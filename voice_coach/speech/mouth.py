"""Where replies go: printed always, spoken through the voice and the player when there is one."""

from __future__ import annotations

import logging
import queue
import sys
import threading
from typing import Any, Callable, Protocol

from voice_coach import trace
from voice_coach.errors import AudioError, SpeechError

_LOGGER = logging.getLogger(__name__)

OUTPUT_CHECK_S = 0.1
"""How often an idle mouth checks its speaker (a lost one is noticed, and retried, even when nothing is said)."""
CLOSE_WAIT_S = 0.2
"""On close, how long the worker gets to leave the player (a stopped sound ends within one block). A sentence
still being rendered is not waited for: it is never played, as the player is closed by then."""


class Mouth(Protocol):
    """Speech and chime output; ``say`` and ``chime`` never block the loop."""

    def say(self, text: str) -> None: ...
    def chime(self, kind: str) -> None: ...
    def busy(self) -> bool: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


def print_line(text: str) -> None:
    print(text, flush=True)


class PrintMouth:
    """Prints replies; chimes are shown as a short mark."""

    def __init__(self, out: Callable[[str], None] = print_line, show_chimes: bool = True) -> None:
        self.out = out
        self.show_chimes = show_chimes

    def say(self, text: str) -> None:
        self.out(text)

    def chime(self, kind: str) -> None:
        if self.show_chimes:
            self.out(f"♪ ({kind} chime)")

    def busy(self) -> bool:
        return False

    @property
    def device_lost(self) -> bool:
        """Printing never loses its device."""
        return False

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


class SpokenMouth:
    """Prints each reply, then renders and plays it on a worker thread so the loop stays free."""

    def __init__(self, voice: Any, player: Any, chime_samples: Callable[[str, int], Any], out: Callable[[str], None] = print_line) -> None:
        self.voice = voice
        self.player = player
        self.chime_samples = chime_samples
        self.out = out
        self._jobs: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._pending = 0
        """Jobs queued or playing; guarded by _lock."""
        self._lock = threading.Lock()
        self._interrupt = threading.Event()
        self.on_sentence: Callable[[int], None] | None = None
        """Told (on the worker thread) as each sentence of a reply starts playing: captions follow the voice."""
        self._thread = threading.Thread(target=self._run, name="mouth", daemon=True)
        self._thread.start()

    def say(self, text: str) -> None:
        trace.note("say")
        self.out(text)
        self._enqueue(("say", text))

    def chime(self, kind: str) -> None:
        self._enqueue(("chime", kind))

    def _enqueue(self, job: tuple[str, str]) -> None:
        with self._lock:
            self._pending += 1
        self._jobs.put(job)

    def busy(self) -> bool:
        with self._lock:
            return self._pending > 0

    @property
    def device_lost(self) -> bool:
        """True while the speaker is gone (replies are printed only; the runtime pauses the coach and says so)."""
        return bool(getattr(self.player, "device_lost", False))

    def stop(self) -> None:
        """Barge-in: drop queued speech and stop what is playing."""
        self._interrupt.set()
        try:
            while True:
                if self._jobs.get_nowait() is not None:
                    with self._lock:
                        self._pending -= 1
        except queue.Empty:
            pass
        self.player.stop()

    def wait(self, timeout_s: float) -> bool:
        """Block until everything queued has played; False on timeout."""
        done = threading.Event()

        def idle() -> None:
            while self.busy() and not done.is_set():
                done.wait(0.02)

        waiter = threading.Thread(target=idle, daemon=True)
        waiter.start()
        waiter.join(timeout_s)
        done.set()
        return not self.busy()

    def close(self) -> None:
        """Stop talking and close the speaker at once (Ctrl-C must not wait for the voice to finish a sentence)."""
        self.stop()
        self._jobs.put(None)
        self._thread.join(timeout=CLOSE_WAIT_S)
        close = getattr(self.player, "close", None)
        if close is not None:
            close()  # a worker still rendering finds the player closed: what it renders is dropped

    def _run(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=OUTPUT_CHECK_S)
            except queue.Empty:
                self._check_output()
                continue
            if job is None:
                return
            self._interrupt.clear()
            kind, value = job
            try:
                if not self._check_output():
                    _LOGGER.debug("speaker unavailable: %s not played", kind)
                elif kind == "chime":
                    rate = getattr(self.player, "rate", 24000)
                    self.player.play(self.chime_samples(value, rate), rate)
                    self.player.wait()
                else:
                    self._speak(value)
            except SpeechError as err:
                _LOGGER.warning("speech failed, text printed only: %s", err.one_line())
            except AudioError as err:
                _LOGGER.info("speaker unavailable, text printed only: %s", err.one_line())
            except Exception as err:  # noqa: BLE001 - playback must never take the loop down
                _LOGGER.warning("audio output failed (%s); text printed only", err)
            finally:
                with self._lock:
                    self._pending -= 1

    def _check_output(self) -> bool:
        """Let the player notice a dead speaker and retry a lost one; True when sound can be played."""
        check = getattr(self.player, "check", None)
        if check is None:
            return True
        try:
            return bool(check())
        except Exception as err:  # noqa: BLE001 - a failing check means: nothing to play on, try later
            _LOGGER.debug("checking the speaker: %s", err)
            return False

    def _speak(self, text: str) -> None:
        for index, rendered in enumerate(self.voice.sentences(text)):
            if self._interrupt.is_set() or not self._check_output():
                return  # a speaker that died mid-reply: the rest is printed only
            if self.on_sentence is not None:
                self.on_sentence(index)
            self.player.play(rendered.samples, rendered.rate)
            self.player.wait()


def stderr_line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
