"""The screen's side of the coach's loop: events out to the pages, button presses in as typed commands.

Everything here runs on the loop's own thread and takes microseconds: ``poll`` (once per loop step)
reads the mouth and the exercise clock and publishes only what changed; a button press becomes the
wake word plus the command's words, handed to the runtime exactly like an utterance, so it goes
through the same matcher, gate and coach as speech (one command path).
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from typing import Any

from voice_coach.app.screen.view import COMMAND_PHRASES, PAGE_EVENTS
from voice_coach.clock import Clock
from voice_coach.errors import UsageError
from voice_coach.listen.ears import Heard

_LOGGER = logging.getLogger(__name__)

CLOCK_SLACK_S = 0.1
"""The exercise clock is re-sent when it drifts this far from what the pages were told (added time)."""
PAUSED_STATES = ("paused", "time_out")


class ScreenBridge:
    """Joins one running coach to one screen server."""

    def __init__(self, server: Any, coach: Any, ears: Any, mouth: Any, clock: Clock, wake: str,
                 open_key: str | None = None) -> None:
        self.server = server
        self.coach = coach
        self.mouth = mouth
        self.clock = clock
        self.wake = wake
        self.ears = ScreenEars(ears, self, clock, open_key)
        """The runtime's ears with this screen's buttons in front."""
        self._activity: str | None = None
        self._told: tuple[float, bool, float] | None = None
        """(remaining_s, running, when) as last sent to the pages."""
        self._last_remaining: float | None = None

    def on_event(self, type_: str, record: dict[str, Any]) -> None:
        """The event log's listener: only whitelisted events (never 'heard' or 'intent') go on."""
        if type_ in PAGE_EVENTS:
            self.server.publish(type_, {k: v for k, v in record.items() if k not in ("t", "type")})

    def sentence_started(self, index: int) -> None:
        """The mouth (on its own thread) started sentence ``index`` of its current reply."""
        self.server.publish("sentence", {"index": index})

    def take_command(self) -> str | None:
        """The next button press as words to hear ("coach pause"), or None."""
        try:
            name = self.server.commands.get_nowait()
        except queue.Empty:
            return None
        return f"{self.wake} {COMMAND_PHRASES[name]}".strip()

    def thinking(self) -> None:
        """An utterance (or a button) is being understood and acted on."""
        self._set_activity("thinking")

    def poll(self) -> None:
        exercise = self.coach.exercise if self.coach.in_exercise else None
        state = exercise.state if exercise is not None else None
        if state in PAUSED_STATES:
            activity = "paused"
        elif self.mouth.busy():
            activity = "speaking"
        else:
            activity = "listening"
        self._set_activity(activity)
        self._poll_clock(exercise)

    def resend_clock(self) -> None:
        """Tell the pages the clock again at the next poll (after the clock jumped, as a fake one does)."""
        self._told = None

    def _set_activity(self, name: str) -> None:
        if name != self._activity:
            self._activity = name
            self.server.publish("activity", {"name": name})

    def _poll_clock(self, exercise: Any) -> None:
        now = self.clock.now()
        remaining = exercise.remaining_s(now) if exercise is not None else None
        previous, self._last_remaining = self._last_remaining, remaining
        if remaining is None:
            if self._told is not None:
                self._told = None
                self.server.publish("clock", {"remaining_s": None})
            return
        running = previous is not None and remaining < previous
        if self._told is not None:
            told_s, told_running, told_at = self._told
            expected = told_s - (now - told_at) if told_running else told_s
            if running == told_running and abs(remaining - expected) <= CLOCK_SLACK_S:
                return
        self._told = (remaining, running, now)
        self.server.publish("clock", {"remaining_s": remaining, "running": running})

    def close(self) -> None:
        self.server.stop()


class ScreenEars:
    """The runtime's ears with the screen's buttons in front: a press is heard like a spoken command."""

    def __init__(self, ears: Any, bridge: ScreenBridge, clock: Clock, open_key: str | None = None) -> None:
        self.ears = ears
        self.bridge = bridge
        self.clock = clock
        self.open_key = open_key
        """A typed line that opens the page in a browser instead of being a request (typed mode on a terminal)."""

    @property
    def closed(self) -> bool:
        return bool(self.ears.closed)

    @property
    def device_lost(self) -> bool:
        return bool(getattr(self.ears, "device_lost", False))

    def get(self, timeout_s: float) -> Heard | None:
        self.bridge.poll()
        words = self.bridge.take_command()
        heard = Heard(words, self.clock.now()) if words is not None else self.ears.get(timeout_s)
        if heard is not None and self.open_key is not None and heard.text.strip().lower() == self.open_key:
            open_page(self.bridge.server.url)
            return None
        if heard is not None:
            self.bridge.thinking()
        return heard

    def set_mode(self, mode: str) -> None:
        self.ears.set_mode(mode)

    def set_muted(self, muted: bool) -> None:
        self.ears.set_muted(muted)

    def close(self) -> None:
        self.ears.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ears, name)


def open_page(url: str) -> None:
    """Open the page in the default browser, off the loop's thread (a browser can take seconds to start)."""
    import webbrowser

    threading.Thread(target=webbrowser.open, args=(url,), name="open-screen", daemon=True).start()


def start_screen(settings: Any, coach: Any, ears: Any, mouth: Any, clock: Clock, events: Any, wake: str,
                 typed: bool) -> ScreenBridge:
    """Serve the page for this coach and wrap its ears; prints the address. Raises UsageError (port busy...)."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401

        from voice_coach.app.screen.server import ScreenServer
    except ImportError:
        raise UsageError("the screen needs its web server packages", "run scripts/setup, or pip install 'voice-coach[screen]'") from None
    speaker = getattr(mouth, "mouth", mouth)  # the voice loop's TrackedMouth wraps the one that speaks
    paced = hasattr(speaker, "on_sentence")
    server = ScreenServer(settings.screen_host, settings.screen_port, paced=paced, now=clock.now)
    server.start()
    terminal = sys.stdin.isatty() and sys.stderr.isatty()
    bridge = ScreenBridge(server, coach, ears, mouth, clock, wake, open_key="o" if terminal and typed else None)
    if paced:
        speaker.on_sentence = bridge.sentence_started
    events.listeners.append(bridge.on_event)
    if terminal and not typed:
        threading.Thread(target=_open_on_key, args=(server.url,), name="screen-key", daemon=True).start()
    hint = "  (type o and press Enter to open it)" if terminal else ""
    print(f"Screen: {server.url}{hint}", file=sys.stderr, flush=True)
    if server.wide:
        print("On a tablet, use this computer's address in place of the host above "
              "(the link's token is needed; it changes each start).", file=sys.stderr, flush=True)
    return bridge


def _open_on_key(url: str) -> None:
    """Voice mode on a terminal: a line of 'o' opens the page (stdin is not read for requests then)."""
    try:
        for line in sys.stdin:
            if line.strip().lower() == "o":
                open_page(url)
    except (OSError, ValueError):
        return
