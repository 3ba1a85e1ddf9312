"""What the matcher hands the coach: the recognised intent, its slots, and the context it used."""

from __future__ import annotations

from dataclasses import dataclass, field

SlotValue = str | int | float


@dataclass(frozen=True)
class Match:
    """One utterance understood as an intent."""

    intent: str
    """Intent name as in intents/ (conversation_starter, tip, pause, ...)."""
    slots: dict[str, SlotValue] = field(default_factory=dict)
    """Slot values: depth, topic (content category or tip topic id), minutes (float), speaker."""
    score: float = 100.0
    """Match score, 0-100."""
    text: str = ""
    """The normalised text that was matched (never stored or logged during a speaking turn)."""
    addressed: bool = False
    """True when the utterance began with the wake word ("coach", "hey coach", ...)."""


@dataclass(frozen=True)
class Context:
    """What the coach last did, so short follow-ups resolve."""

    last_intent: str | None = None
    """The intent the coach last acted on."""
    last_kind: str | None = None
    """Kind of the last content given: starter, tip or None."""
    pending_question: str | None = None
    """Set when the coach asked a yes/no question (e.g. confirm_stop); yes/no only match then."""
    in_exercise: bool = False
    """True while the listening exercise runs: exercise commands are preferred."""
    paused: bool = False
    """True while the exercise is on hold (pause or time-out): "go on" resumes it."""
    speaking_turn: bool = False
    """True during a speaking turn: only the wake word plus an exercise command may match."""
