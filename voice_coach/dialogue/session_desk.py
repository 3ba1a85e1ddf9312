"""The coach's side of guided sessions: start one, hand it its commands, and log practice (never words)."""

from __future__ import annotations

import logging
import random

from voice_coach.actions import Action, RecordPractice, Say, StateChange
from voice_coach.content import Library
from voice_coach.content.sessions import SessionBook
from voice_coach.dialogue.session_machine import SESSION_INTENTS, GuidedSession
from voice_coach.dialogue.session_pick import choose, named_in
from voice_coach.understand.match import Match

_LOGGER = logging.getLogger(__name__)

class SessionDesk:
    """Holds the running session (if any) and what the practice log needs from the exercise."""

    def __init__(self, book: SessionBook, library: Library, rng: random.Random, names: tuple[str, str] | None = None) -> None:
        self.book = book
        self.library = library
        self.rng = rng
        self.names = names
        """The partners' names (settings, --names, or the last exercise); None: "one of you", "the other"."""
        self.session: GuidedSession | None = None
        self._played: set[str] = set()
        self._exercise_start: float | None = None
        self._spoke: dict[str, float] = {}

    @property
    def running(self) -> GuidedSession | None:
        return self.session if self.session is not None and not self.session.finished else None

    @property
    def waiting(self) -> bool:
        """A session waits for "next": the gate lets a bare "next" through."""
        running = self.running
        return bool(running and running.waiting)

    def start(self, match: Match, now: float) -> list[Action]:
        picked = choose(self.book, match, self.rng, self._played)
        if picked is None:
            return []
        session, kind = picked
        self._played.update({session.id} if kind == "session" else {s.text for s in session.steps})
        self.session = GuidedSession(session, self.book, self.rng, self.names, self.library, kind)
        return self.session.start(now)

    def named_request(self, words: str, addressed: bool) -> Match | None:
        """ "a garden session": a session named by a user pack, which the intents know nothing of."""
        said = words.replace("-", " ").split()
        if self.running is not None or "session" not in said or named_in(said, self.book) is None:
            return None
        return Match("start_session", {}, 80.0, words, addressed)

    def handle(self, match: Match | None, now: float) -> list[Action] | None:
        """Actions when the running session takes this utterance; None when the coach should answer it."""
        running = self.running
        if running is None:
            return None
        if match is None:
            return []  # the couple talking to each other: never answered
        if match.intent in SESSION_INTENTS:
            return running.handle(match, now)
        return None

    def end(self, now: float) -> list[Action]:
        """Goodbye in the middle of a session: end it quietly (it is logged as not completed)."""
        running = self.running
        if running is None:
            return []
        actions = running.handle(Match("stop", {}), now) + running.handle(Match("yes", {}), now)
        return [a for a in actions if not isinstance(a, Say)]

    # ----- the exercise, as the practice log sees it -------------------------------------------
    def watch_exercise(self, actions: list[Action], now: float) -> list[Action]:
        """Add a RecordPractice when the exercise finishes: its length and each partner's speaking time."""
        extra: list[Action] = []
        for action in actions:
            if not isinstance(action, StateChange):
                continue
            if action.name in ("checkin", "briefing", "handover") and self._exercise_start is None:
                self._exercise_start, self._spoke = now, {}
            elif action.name == "times_up":
                who = str(action.detail.get("speaker", "?"))
                self._spoke[who] = self._spoke.get(who, 0.0) + float(action.detail.get("spoke_s", 0.0))  # type: ignore[arg-type]
            elif action.name == "finished" and self._exercise_start is not None:
                minutes = max(0.0, now - self._exercise_start) / 60.0
                completed = bool(action.detail.get("completed"))
                extra.append(RecordPractice("exercise", "listening", round(minutes, 3), completed,
                                            tuple((who, round(s, 1)) for who, s in self._spoke.items())))
                self._exercise_start = None
        return actions + extra
