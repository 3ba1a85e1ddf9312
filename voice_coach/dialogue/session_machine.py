"""A guided session (or a round of a game): a pure state machine fed commands, with an injected clock.

Timeline: intro -> step 1 (first answers, "next", second answers, "next") -> ... -> a break offered
halfway -> ... -> the close -> finished. Who answers first alternates step by step. Nothing is timed
out: the couple talk as long as they like and say "next". ``now`` (monotonic seconds) only measures
how long the session ran, without its pauses, for the practice log.
"""

from __future__ import annotations

import logging

from voice_coach.actions import Action, RecordPractice, Say
from voice_coach.content.asker import asked_by_a_partner
from voice_coach.content.library import DEPTHS
from voice_coach.content.sessions import Step
from voice_coach.dialogue.session_commands import (
    FIRST_KEYS,
    NEXT_INTENTS,
    SECOND_KEYS,
    SKIP_INTENTS,
    SessionCommands,
)
from voice_coach.understand.match import Match

_LOGGER = logging.getLogger(__name__)

SESSION_INTENTS = frozenset(
    NEXT_INTENTS | SKIP_INTENTS | {"pause", "time_out", "resume", "stop", "yes", "no", "repeat", "repeat_rules", "help",
                    "conversation_starter", "start_session", "start_exercise", "tell_more", "time_left", "add_time"}
)
"""Intents a running session answers itself; the coach handles the rest (settings, goodbye, the log)."""
BREAK_AFTER_S = 20 * 60.0
"""A break is offered halfway through, or at the first step boundary after this long, whichever is first."""


class GuidedSession(SessionCommands):
    """One run of a session; every method takes ``now`` and returns the actions to take."""

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
    # ----------------------------------------------------------------- timeline
    def _next(self, now: float) -> None:
        if self._turn == 0 and self._steps[self._index].kind in ("question", "guess", "finish"):
            self._turn = 1
            self._prompt = self._line(SECOND_KEYS[self._steps[self._index].kind], step=self._index, turn=1)
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
            self._prompt = f"{self._line(FIRST_KEYS[step.kind], step=self._index, turn=0)} {step.text}"
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
        # Both partners answer a session step in turn, so a question one partner asks the other ("... I ...") can't be one.
        pool = [s for s in self._library.starters if _rank(s.depth) < rank and s.text not in used
                and (self.session.topic is None or s.category == self.session.topic) and not asked_by_a_partner(s.text)]
        if not pool:
            return None
        chosen = self._rng.choice(pool)
        step = Step(chosen.text, chosen.depth, "question", chosen.source)
        self._steps[self._index] = step
        self._turn = 0
        return step

    def _finish(self, now: float, completed: bool) -> None:
        if self._frozen is not None:
            self._paused_s += max(0.0, now - self._frozen.paused_at)
            self._frozen = None
        minutes = max(0.0, now - self._started_s - self._paused_s) / 60.0
        self._enter("finished", session=self.session.id, completed=completed, steps_done=self._index)
        self._out.append(RecordPractice(self.kind, self.session.id, round(minutes, 3), completed))


def _rank(depth: str) -> int:
    return DEPTHS.index(depth) if depth in DEPTHS else len(DEPTHS)
