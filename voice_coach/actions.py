"""What the coach and the exercise ask the runtime to do: small frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

ChimeKind = Literal["start", "cue", "end"]
ListenMode = Literal["normal", "commands_only"]


@dataclass(frozen=True)
class Say:
    """Speak (and print) a line."""

    text: str
    kind: str = "reply"
    """What the line is: reply, starter, tip, more, favorite, prompt, cue, error, or lead (the hand-over said
    just before a question one partner asks the other, "Ask each other:"; never put on the screen's card)."""
    content_id: str | None = None
    """Id of the content item spoken, when the line is one."""


@dataclass(frozen=True)
class Chime:
    """Play a generated tone."""

    kind: ChimeKind


@dataclass(frozen=True)
class SetListenMode:
    """Switch what the recognizer listens for."""

    mode: ListenMode
    """normal: any request; commands_only: only the wake word plus an exercise command."""


@dataclass(frozen=True)
class StateChange:
    """The coach or exercise entered a new state (logged as a ``state`` event)."""

    name: str
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class TimerEvent:
    """A timer fired or was set (logged as a ``timer`` event)."""

    name: str
    scheduled_s: float
    """Monotonic clock time (seconds) the timer was due."""
    actual_s: float
    """Monotonic clock time (seconds) the timer was handled."""


@dataclass(frozen=True)
class RecordHistory:
    """Persist that a content item was given (ids only, never what people said)."""

    kind: str
    """starter or tip."""
    content_id: str


@dataclass(frozen=True)
class SaveFavorite:
    """Persist a favorite content item."""

    content_id: str


@dataclass(frozen=True)
class SaveSetting:
    """Persist a speech setting such as rate or volume."""

    key: str
    value: float


@dataclass(frozen=True)
class EndSession:
    """The user said goodbye: the loop should stop."""




@dataclass(frozen=True)
class ForgetUsed:
    """Every item of a set has been given: let these ids be picked again."""

    content_ids: tuple[str, ...]


@dataclass(frozen=True)
class RememberLast:
    """Persist what the coach last gave (kind, id, part) so follow-ups work across processes."""

    kind: str
    content_id: str
    part: str
    """text, more or try: which part of the item was said last."""
    depth: str | None = None
    """The depth asked for, so "another" keeps it."""
    topic: str | None = None
    """The category or topic asked for, so "another" keeps it."""


@dataclass(frozen=True)
class RecordPractice:
    """Log that a session, game or exercise was done: what kind, which, how long (never what was said)."""

    kind: str
    """session, game or exercise."""
    item_id: str
    """The session id, the game format, or ``listening`` for the exercise."""
    minutes: float
    """How long it ran, pauses left out."""
    completed: bool
    spoke: tuple[tuple[str, float], ...] = ()
    """Exercise only: (partner, seconds spoken) for each partner, in the order they first spoke."""


@dataclass(frozen=True)
class ReportPractice:
    """Say what the practice log holds ("coach, how are we doing?"): counts and minutes, never words."""


Action = Union[
    Say, Chime, SetListenMode, StateChange, TimerEvent, RecordHistory, SaveFavorite, SaveSetting, EndSession, ForgetUsed, RememberLast,
    RecordPractice, ReportPractice,
]
