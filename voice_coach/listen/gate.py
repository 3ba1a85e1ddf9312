"""The wake-word gate: which utterances the coach acts on (pure logic, times passed in)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from voice_coach.asr.text import spoken_words
from voice_coach.listen.instructions import instructed_phrases
from voice_coach.understand.match import Match

_LOGGER = logging.getLogger(__name__)

FOLLOW_UP_INTENTS = frozenset({"another", "tell_more", "repeat", "stop", "yes", "no"})
"""What works without the wake word right after a reply ("another one", "tell me more", "repeat", "stop";
yes/no only match when the coach has just asked something)."""
FOLLOW_UP_MAX_WORDS = 5
"""A follow-up is short; a longer sentence that merely contains one is the couple talking."""
FOLLOW_UP_MIN_SCORE = 85.0
"""Without the wake word the match must be close (matcher scores are 0-100)."""
SPEECH_GRACE_S = 1.5
"""A follow-up begun inside the window may end this long after it closes (we only know when speech ended)."""
BARGE_IN_INTENTS = frozenset({"stop", "pause"})
SESSION_NEXT_INTENTS = frozenset({"switch_turn", "done", "another"})
"""While a guided session waits for the couple, a bare "next" ("next one", "we're done") needs no wake word."""
"""What may interrupt the coach while it is talking (always with the wake word)."""


class HeardLike(Protocol):
    """An utterance: its text and when it ended (runtime.Heard)."""

    @property
    def text(self) -> str: ...

    @property
    def end_s(self) -> float: ...


@dataclass(frozen=True)
class Verdict:
    """The gate's decision and the reason (reasons are logged; the words never are)."""

    act: bool
    reason: str


def judge(
    match: Match | None,
    heard: HeardLike,
    *,
    addressed: bool,
    speaking_turn: bool = False,
    coach_talking: bool = False,
    window_end_s: float | None = None,
    instructed: frozenset[str] = frozenset(),
    session_waiting: bool = False,
) -> Verdict:
    """Decide whether to act on one utterance.

    ``addressed``: the utterance starts (or ends) with the wake word. ``speaking_turn``: a partner is
    speaking in the exercise. ``coach_talking``: the coach's own speech is playing (barge-in only).
    ``window_end_s``: when the follow-up window after the last reply closes (None: no window).
    ``instructed``: the intents the coach last told the couple to say ("say resume when you're ready"):
    said on their own, without the wake word, they are acted on however long the couple take.
    ``session_waiting``: a guided session waits for "next" (which then works without the wake word).
    """
    if coach_talking:
        if addressed and match is not None and match.intent in BARGE_IN_INTENTS:
            return Verdict(True, "barge_in")
        return Verdict(False, "coach_talking")
    if speaking_turn:
        # Only "coach, <exercise command>"; the speaker's own words never reach the coach.
        if addressed and match is not None:
            return Verdict(True, "addressed")
        return Verdict(False, "speaking_turn")
    if addressed:
        # Addressed but not understood still gets an answer ("I can help with ...").
        return Verdict(True, "addressed")
    if (match is not None and match.intent in instructed and match.score >= FOLLOW_UP_MIN_SCORE
            and len(spoken_words(heard.text)) <= FOLLOW_UP_MAX_WORDS):
        return Verdict(True, "instructed")
    if (session_waiting and match is not None and match.intent in SESSION_NEXT_INTENTS
            and len(spoken_words(heard.text)) <= FOLLOW_UP_MAX_WORDS and match.score >= FOLLOW_UP_MIN_SCORE):
        return Verdict(True, "session_next")
    if window_end_s is None or heard.end_s > window_end_s + SPEECH_GRACE_S:
        return Verdict(False, "not_addressed")
    if match is None or match.intent not in FOLLOW_UP_INTENTS:
        return Verdict(False, "not_a_follow_up")
    if len(spoken_words(heard.text)) > FOLLOW_UP_MAX_WORDS or match.score < FOLLOW_UP_MIN_SCORE:
        return Verdict(False, "not_a_follow_up")
    return Verdict(True, "follow_up")


class WakeGate:
    """Holds the follow-up window and applies ``judge``; callable as the runtime's gate."""

    def __init__(
        self,
        is_addressed: Callable[[str], bool],
        follow_up_s: float = 6.0,
        speaking_turn: Callable[[], bool] = lambda: False,
        coach_talking: Callable[[], bool] = lambda: False,
        understand: Callable[[str], str | None] = lambda phrase: None,
        session_waiting: Callable[[], bool] = lambda: False,
    ) -> None:
        self.is_addressed = is_addressed
        self.follow_up_s = follow_up_s
        self.speaking_turn = speaking_turn
        self.coach_talking = coach_talking
        self.session_waiting = session_waiting
        self.window_end_s: float | None = None
        self.last: Verdict | None = None
        self.understand = understand
        """The intent of a phrase the coach tells the couple to say (the matcher, with no dialogue state)."""
        self.instructed: frozenset[str] = frozenset()

    def coach_said(self, text: str) -> None:
        """The coach is saying `text`: what it tells the couple to say works without the wake word from now on
        (until the coach tells them something else to say, or the gate acts on one of them)."""
        intents = {self.understand(phrase) for phrase in instructed_phrases(text)} - {None}
        if intents:
            self.instructed = frozenset(i for i in intents if i is not None)

    def reply_finished(self, now_s: float) -> None:
        """The coach stopped talking: follow-ups work without the wake word until ``now_s + follow_up_s``."""
        self.window_end_s = now_s + self.follow_up_s

    def __call__(self, match: Match | None, heard: HeardLike) -> bool:
        addressed = match.addressed if match is not None else self.is_addressed(heard.text)
        verdict = judge(match, heard, addressed=addressed, speaking_turn=self.speaking_turn(),
                        coach_talking=self.coach_talking(), window_end_s=self.window_end_s,
                        instructed=self.instructed, session_waiting=self.session_waiting())
        self.last = verdict
        _LOGGER.debug("gate: %s (%s)", "act" if verdict.act else "ignore", verdict.reason)
        if verdict.act:
            # What comes next is a new exchange: its own reply opens a fresh window.
            self.window_end_s = None
            if verdict.reason == "instructed":
                self.instructed = frozenset()
        return verdict.act


def is_own_echo(heard_text: str, speaking_text: str) -> bool:
    """True when what was heard is a stretch of what the coach is saying (it heard itself)."""
    heard = spoken_words(heard_text)
    said = spoken_words(speaking_text)
    if not heard:
        return False
    return any(said[i : i + len(heard)] == heard for i in range(len(said) - len(heard) + 1))
