"""What each spoken command does in a guided session: the command half of GuidedSession (pure, no clock of its own)."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from voice_coach.actions import Action, Say, StateChange
from voice_coach.content import Library
from voice_coach.content.sessions import Session, SessionBook, Step
from voice_coach.dialogue.picker import VariantPicker
from voice_coach.understand.match import Match

_LOGGER = logging.getLogger(__name__)

NEXT_INTENTS = frozenset({"switch_turn", "done"})
"""What moves a session to the next turn: "next", "next one", "we're done", "your turn"."""
SKIP_INTENTS = frozenset({"another", "skip"})
"""What moves it to the next question: "another one", "next question", "skip this one"."""


@dataclass
class _Frozen:
    """What a pause or a stop question put aside."""

    state: str
    paused_at: float
    back_to_pause: bool = False


class SessionCommands:
    """State, the spoken commands and the small helpers of a session; the flow they steer lives in GuidedSession."""

    def __init__(self, session: Session, book: SessionBook, rng: random.Random,
                 names: tuple[str, str] | None = None, library: Library | None = None, kind: str = "session") -> None:
        self.session = session
        self.kind = kind
        """session or game: what the practice log calls it."""
        self._book = book
        self._library = library
        self._rng = rng
        self._variants = VariantPicker(rng)
        self._names = names
        self._steps: list[Step] = list(session.all_steps)
        self._index = 0
        self._turn = 0
        self._state = "idle"
        self._frozen: _Frozen | None = None
        self._break_offered = False
        self._started_s = 0.0
        self._paused_s = 0.0
        self._asked = False
        """False between a step's end and the next question (a break offer sits there)."""
        self._prompt = ""
        """What the couple were last asked to do (said again on repeat and after a pause)."""
        self._out: list[Action] = []

    def remind(self) -> list[Action]:
        """What to say to get going again, when paused (after a device came back)."""
        if self._state == "paused":
            self._say("paused")
        return self._flush()

    # The flow steps the commands call; GuidedSession defines them.
    def _next(self, now: float) -> None:
        raise NotImplementedError

    def _advance(self, now: float) -> None:
        raise NotImplementedError

    def _ask(self, now: float) -> None:
        raise NotImplementedError

    def _change_depth(self, depth: str, now: float) -> None:
        raise NotImplementedError

    def _finish(self, now: float, completed: bool) -> None:
        raise NotImplementedError

    # ----------------------------------------------------------------- commands
    def _while_answering(self, match: Match, now: float) -> None:
        intent = match.intent
        if intent in NEXT_INTENTS:
            self._next(now)
        elif intent in SKIP_INTENTS:
            self._say("skipped")
            self._advance(now)
        elif intent == "conversation_starter":
            self._change_depth(str(match.slots.get("depth") or ""), now)
        elif intent == "tell_more":  # "go deeper" is also "tell me more"; a session's way to say more is to go deeper
            self._change_depth("deep", now)
        elif intent in ("pause", "time_out"):
            self._pause(now)
        elif intent == "stop":
            self._ask_stop(now)
        elif intent == "repeat":
            self._repeat()
        elif intent in ("help", "repeat_rules"):
            self._say("session_help")
        elif intent == "resume":
            self._say("not_paused")
        else:
            self._say("in_session")

    def _while_paused(self, intent: str, now: float) -> None:
        if intent in ("resume", *NEXT_INTENTS, *SKIP_INTENTS):
            self._resume(now)
        elif intent == "stop":
            self._ask_stop(now)
        elif intent == "help":
            self._say("session_help")
        else:
            self._say("paused")

    def _answer_break(self, intent: str, now: float) -> None:
        if intent in ("yes", "pause", "time_out"):
            self._say("break_taken")
            self._freeze(now, "answering")
            self._enter("paused", reason="break")
        elif intent == "stop":
            self._ask_stop(now)
        else:  # "no", "next", or anything else: carry on
            self._say("break_declined")
            self._state = "answering"
            self._ask(now)

    def _answer_stop(self, intent: str, now: float) -> None:
        frozen = self._frozen
        if intent in ("yes", "stop"):
            self._say("stopped")
            self._finish(now, completed=False)
        elif intent in ("no", "resume", *NEXT_INTENTS, *SKIP_INTENTS):
            if frozen is not None and frozen.back_to_pause:
                self._enter("paused")
                self._say("paused")
                return
            self._say("not_stopped")
            self._thaw(now)
            self._carry_on(now)
        else:
            self._say("confirm_stop")

    def _pause(self, now: float) -> None:
        self._freeze(now, "answering")
        self._enter("paused")
        self._say("paused")

    def _resume(self, now: float) -> None:
        self._thaw(now)
        self._say("resumed")
        self._carry_on(now)

    def _ask_stop(self, now: float) -> None:
        back = self._state == "paused"
        if not back:
            self._freeze(now, "answering")
        elif self._frozen is not None:
            self._frozen.back_to_pause = True
        self._enter("confirm_stop")
        self._say("confirm_stop")

    def _freeze(self, now: float, state: str) -> None:
        if self._frozen is None:
            self._frozen = _Frozen(state, now)

    def _thaw(self, now: float) -> None:
        frozen, self._frozen = self._frozen, None
        if frozen is not None:
            self._paused_s += max(0.0, now - frozen.paused_at)
        self._state = "answering"
        self._enter("answering", step=self._index + 1, turn=self._turn + 1, resumed=True)

    def _carry_on(self, now: float) -> None:
        """After a pause or an open stop question: the question they were on, or the next one if none was asked."""
        if self._asked:
            self._repeat()
        else:
            self._ask(now)

    def _repeat(self) -> None:
        if self._prompt:
            self._out.append(Say(self._prompt, "prompt"))
        else:
            self._say("nothing_to_repeat")

    # ----------------------------------------------------------------- helpers
    def _who(self, step: int = 0, turn: int = 0) -> dict[str, str]:
        names = self._names or ("one of you", "the other")
        first, second = names if step % 2 == 0 else (names[1], names[0])
        return {"first": first, "second": second}

    def _line(self, key: str, step: int, turn: int) -> str:
        if not self._names and key in _HAS_UNNAMED:
            key = f"{key}_unnamed"
        return self._pick(key).format(**self._who(step, turn))

    def _pick(self, key: str) -> str:
        return self._variants.pick(f"session.{key}", self._book.line(key))

    def _say(self, key: str, **values: str) -> None:
        text = self._pick(key)
        self._out.append(Say(text.format(**values) if values else text, "prompt"))

    def _enter(self, name: str, **detail: object) -> None:
        _LOGGER.debug("session state %s -> %s", self._state, name)
        self._state = name
        self._out.append(StateChange(f"session_{name}" if not name.startswith("session_") else name, detail))

    def _flush(self) -> list[Action]:
        out, self._out = self._out, []
        return out


FIRST_KEYS = {"question": "first", "guess": "guess", "finish": "finish", "together": "together"}
_HAS_UNNAMED = frozenset({"first", "second", "guess", "reveal", "finish"})
SECOND_KEYS = {"question": "second", "guess": "reveal", "finish": "second"}
