"""The hands-free loop's voice parts: microphone ears gated while the coach talks, barge-in, the gate, the status line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from voice_coach.app.status import StatusLine, countdown
from voice_coach.clock import Clock
from voice_coach.listen.gate import WakeGate, is_own_echo
from voice_coach.listen.mic_ears import Heard, MicEars
from voice_coach.speech.mouth import Mouth
from voice_coach.understand.match import Match

_LOGGER = logging.getLogger(__name__)


MouthLike = Mouth
"""Any mouth (speech.mouth.Mouth): spoken, printed, or a test's fake."""


class TrackedMouth:
    """A mouth that mutes the ears the moment it is given something, and remembers what it is saying."""

    def __init__(self, mouth: MouthLike, on_talk: Callable[[], None], status: StatusLine | None = None,
                 on_text: Callable[[str], None] = lambda text: None) -> None:
        self.mouth = mouth
        self.on_talk = on_talk
        self.on_text = on_text
        self.status = status
        self._texts: list[str] = []

    def say(self, text: str) -> None:
        self.on_talk()
        if self.status is not None:
            self.status.clear()  # the reply is printed on a line of its own
        self._texts.append(text)
        self.on_text(text)
        self.mouth.say(text)

    def chime(self, kind: str) -> None:
        self.on_talk()
        self.mouth.chime(kind)

    def busy(self) -> bool:
        busy = self.mouth.busy()
        if not busy:
            self._texts.clear()
        return busy

    @property
    def device_lost(self) -> bool:
        """True while the speaker is gone (the runtime pauses the coach and says so)."""
        return bool(getattr(self.mouth, "device_lost", False))

    def speaking_text(self) -> str:
        """Everything queued or playing now."""
        return " ".join(self._texts)

    def stop(self) -> None:
        self.mouth.stop()

    def close(self) -> None:
        self.mouth.close()

    def wait(self, timeout_s: float) -> bool:
        wait = getattr(self.mouth, "wait", None)
        return bool(wait(timeout_s)) if wait is not None else True


class GatedEars:
    """MicEars for the runtime: muted while the mouth is busy; the follow-up window opens when it stops.

    It wraps the mouth itself (``self.mouth``, a TrackedMouth) so that anything said mutes the microphone
    at once; the runtime speaks through that wrapped mouth.
    """

    def __init__(self, ears: MicEars, mouth: MouthLike, gate: WakeGate, clock: Clock,
                 status: StatusLine | None = None, remaining_s: Callable[[], float | None] = lambda: None) -> None:
        self.ears = ears
        self.mouth = TrackedMouth(mouth, self.talk_started, status, on_text=gate.coach_said)
        self.gate = gate
        self.clock = clock
        self.status = status
        self.remaining_s = remaining_s
        self._talking = False

    @property
    def closed(self) -> bool:
        return self.ears.closed

    @property
    def device_lost(self) -> bool:
        """True while the microphone is gone (the runtime pauses the coach and says so)."""
        return self.ears.device_lost

    def talk_started(self) -> None:
        self._talking = True
        self.ears.set_muted(True)

    def _sync(self) -> None:
        talking = self.mouth.busy()
        if talking != self._talking:
            self._talking = talking
            self.ears.set_muted(talking)
            if not talking:
                self.gate.reply_finished(self.clock.now())

    def get(self, timeout_s: float) -> Heard | None:
        self._sync()
        heard = self.ears.get(timeout_s)
        self._sync()
        self._show(heard)
        return heard

    def _show(self, heard: Heard | None) -> None:
        if self.status is None:
            return
        turn = self.ears.mode == "commands_only"
        left = self.remaining_s()
        clock = f"  [{countdown(left)} left]" if left is not None else ""
        if self.ears.activity == "mic-lost":
            line = "microphone lost, trying again…"
        elif self.mouth.device_lost:
            line = "speaker lost, replies are printed; trying again…"
        elif self._talking:
            line = 'speaking…  (say "coach, stop" to interrupt)'
        elif heard is not None and not turn:
            line = f'heard: "{heard.text}"'
        elif self.ears.activity == "hearing":
            line = "hearing…" if turn else f"hearing: {self.ears.partial_text}…"
        else:
            line = 'listening for "coach, …" commands' if turn else "listening"
        self.status.show(line + clock)

    def set_mode(self, mode: str) -> None:
        self.ears.set_mode(mode)

    def set_muted(self, muted: bool) -> None:
        self.ears.set_muted(muted)

    def close(self) -> None:
        if self.status is not None:
            self.status.clear()
        self.ears.close()


class VoiceGate:
    """The runtime's gate: the wake-word rules, the coach's own voice ignored, barge-in stops the mouth."""

    def __init__(self, gate: WakeGate, mouth: TrackedMouth) -> None:
        self.gate = gate
        self.mouth = mouth
        self.reason = ""
        """Why the last utterance was or was not acted on (for the event log)."""

    def __call__(self, match: Match | None, heard: Any) -> bool:
        if self.mouth.busy() and is_own_echo(heard.text, self.mouth.speaking_text()):
            _LOGGER.debug("gate: ignore (the coach's own voice)")
            self.reason = "own_voice"
            return False
        act = self.gate(match, heard)
        self.reason = self.gate.last.reason if self.gate.last is not None else ""
        if act and self.gate.last is not None and self.gate.last.reason == "barge_in":
            self.mouth.stop()
        return act
