"""The coach's memory interface: what it remembers between sessions, as plain data (the store fills it)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Memory:
    """What the coach remembers between sessions (loaded once, then kept in step by actions)."""

    used: set[str] = field(default_factory=set)
    """Content ids given since their set was last used up."""
    favorites: list[str] = field(default_factory=list)
    """Favorite content ids, oldest first."""
    settings: dict[str, float] = field(default_factory=dict)
    """Speech settings: rate, volume."""
    last_kind: str | None = None
    last_id: str | None = None
    last_part: str | None = None
    last_depth: str | None = None
    """Depth asked for with the last item, so "another" keeps it."""
    last_topic: str | None = None
    """Category or topic asked for with the last item."""
    last_at: float | None = None
    """Wall-clock time (epoch seconds) the last item was given."""
