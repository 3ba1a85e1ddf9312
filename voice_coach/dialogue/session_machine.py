"""A guided session (or a round of a game): a pure state machine fed commands, with an injected clock.

Timeline: intro -> step 1 (first answers, "next", second answers, "next") -> ... -> a break offered
halfway -> ... -> the close -> finished. Who answers first alternates step by step. Nothing is timed
out: the couple talk as long as they like and say "next". ``now`` (monotonic seconds) only measures
how long the session ran, without its pauses, for the practice log.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from voice_coach.actions import Action, RecordPractice, Say, StateChange
from voice_coach.content import Library
from voice_coach.content.library import DEPTHS
from voice_coach.content.sessions import Session, SessionBook, Step
from voice_coach.understand.match import Match
from voice_coach.dialogue.picker import VariantPicker

_LOGGER = logging.getLogger(__name__)

NEXT_INTENTS = frozenset({"switch_turn", "done"})
"""What moves a session to the next turn: "next", "next one", "we're done", "your turn"."""
SKIP_INTENTS = frozenset({"another", "skip"})
"""What moves it to the next question: "another one", "next question", "skip this one"."""
SESSION_INTENTS = frozenset(
    NEXT_INTENTS | SKIP_INTENTS | {"pause", "time_out", "resume", "stop", "yes", "no", "repeat", "repeat_rules", "help",
                    "conversation_starter", "start_session", "start_exercise", "tell_more", "time_left", "add_time"}
)
"""Intents a running session answers itself; the coach handles the rest (settings, goodbye, the log)."""
BREAK_AFTER_S = 20 * 60.0
"""A break is offered halfway through, or at the first step boundary after this long, whichever is first."""


@dataclass
class _Frozen:
    """What a pause or a stop question put aside."""

    state: str
    paused_at: float
    back_to_pause: bool = False


class GuidedSession:
    """One run of a session; every method takes ``now`` and returns the actions to take."""

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

    # ----------------------------------------------------------------- public API
    @property
    def state(self) -> str:
        return self._state

    @property
    def finished(self) -> bool:
        return self._state == "finished"

    @property
    def waiting(self) -> bool:
        """True while the couple answer and the coach waits for "next"."""
        return self._state == "answering"

    @property
    def pending_question(self) -> str | None:
        return self._state if self._state in ("break_offer", "confirm_stop") else None

    @property
    def step_number(self) -> int:
        """1-based number of the step under way."""
        return self._index + 1

    @property
    def step_count(self) -> int:
        return len(self._steps)

    def next_deadline(self) -> float | None:
        return None

    def start(self, now: float) -> list[Action]:
        self._started_s = now
        if self.kind == "game":
            self._say("game_intro", title=self.session.title)
        else:
            self._say("starting", title=self.session.title)
            self._out.append(Say(self.session.intro, "prompt"))
            self._say("intro_named" if self._names else "intro_unnamed", **self._who())
        self._enter("session_started", session=self.session.id, steps=len(self._steps))
        self._ask(now)
        return self._flush()

    def handle(self, match: Match, now: float) -> list[Action]:
        """React to one command; ``match.text`` is never read."""
        intent = match.intent
        state = self._state
        if state in ("idle", "finished"):
            return []
        if state == "confirm_stop":
            self._answer_stop(intent, now)
        elif state == "break_offer":
            self._answer_break(intent, now)
        elif state == "paused":
            self._while_paused(intent, now)
        else:
            self._while_answering(match, now)
        return self._flush()

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

    # ----------------------------------------------------------------- timeline
    def _next(self, now: float) -> None:
        if self._turn == 0 and self._steps[self._index].kind in ("question", "guess", "finish"):
            self._turn = 1
            self._prompt = self._line(_SECOND_KEYS[self._steps[self._index].kind], step=self._index, turn=1)
            self._out.append(Say(self._prompt, "prompt"))
            self._enter("answering", step=self.step_number, turn=2)
            return
        self._advance(now)

    def _advance(self, now: float) -> None:
        """On to the next step, offering a break once halfway (or after a long while)."""
        self._index += 1
        self._turn = 0
        self._asked = False
        if self._index >= len(self._steps):
            self._say("finished")
            self._finish(now, completed=True)
            return
        halfway = self._index >= len(self._steps) // 2
        long_run = now - self._started_s - self._paused_s >= BREAK_AFTER_S
        if not self._break_offered and self.kind == "session" and (halfway or long_run):
            self._break_offered = True
            self._say("break_offer")
            self._enter("break_offer", step=self.step_number)
            return
        self._ask(now)

    def _ask(self, now: float) -> None:
        step = self._steps[self._index]
        closing = step.depth == "close" and self.kind == "session"
        if closing:
            self._say("closing")
        if closing and step.kind == "together":
            self._prompt = step.text  # the close says who starts itself
        else:
            self._prompt = f"{self._line(_FIRST_KEYS[step.kind], step=self._index, turn=0)} {step.text}"
        self._out.append(Say(self._prompt, "prompt"))
        self._asked = True
        self._state = "answering"
        self._enter("answering", step=self.step_number, turn=1, depth=step.depth)

    def _change_depth(self, depth: str, now: float) -> None:
        """"Go deeper" jumps ahead to the next deeper step; "lighter please" swaps in a lighter question."""
        current = self._steps[self._index]
        rank = _rank(current.depth)
        wanted = _rank(depth) if depth in DEPTHS else None
        if wanted is None or self.kind != "session":
            self._say("skipped")  # "another question" in a session, or any depth in a game: the next one
            self._advance(now)
        elif wanted > rank:
            ahead = next((i for i in range(self._index + 1, len(self._steps)) if _rank(self._steps[i].depth) > rank), None)
            if ahead is None:
                self._say("deepest")
                return
            self._say("deeper")
            self._index, self._turn = ahead, 0
            self._ask(now)
        elif wanted < rank:
            if self._lighter_step(current) is None:
                self._say("lightest")
                return
            self._say("lighter")
            self._ask(now)
        elif rank in (0, len(DEPTHS) - 1):
            self._say("lightest" if rank == 0 else "deepest")
        else:
            self._say("skipped")  # the depth they are at already: another one
            self._advance(now)

    def _lighter_step(self, current: Step) -> Step | None:
        rank = min(_rank(current.depth), len(DEPTHS) - 1)
        if self._library is None or rank == 0:
            return None
        used = {s.text for s in self._steps}
        pool = [s for s in self._library.starters if _rank(s.depth) < rank and s.text not in used
                and (self.session.topic is None or s.category == self.session.topic)]
        if not pool:
            return None
        chosen = self._rng.choice(pool)
        step = Step(chosen.text, chosen.depth, "question", chosen.source)
        self._steps[self._index] = step
        self._turn = 0
        return step

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
        self._enter("answering", step=self.step_number, turn=self._turn + 1, resumed=True)

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

    def _finish(self, now: float, completed: bool) -> None:
        if self._frozen is not None:
            self._paused_s += max(0.0, now - self._frozen.paused_at)
            self._frozen = None
        minutes = max(0.0, now - self._started_s - self._paused_s) / 60.0
        self._enter("finished", session=self.session.id, completed=completed, steps_done=self._index)
        self._out.append(RecordPractice(self.kind, self.session.id, round(minutes, 3), completed))

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


_FIRST_KEYS = {"question": "first", "guess": "guess", "finish": "finish", "together": "together"}
_HAS_UNNAMED = frozenset({"first", "second", "guess", "reveal", "finish"})
_SECOND_KEYS = {"question": "second", "guess": "reveal", "finish": "second"}


def _rank(depth: str) -> int:
    return DEPTHS.index(depth) if depth in DEPTHS else len(DEPTHS)
