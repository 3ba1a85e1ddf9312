"""Which session or game a request means: its names in the words said, else its topic, else its depth."""

from __future__ import annotations

import logging
import random

from voice_coach.content.sessions import GAME_STEPS, Game, Session, SessionBook
from voice_coach.understand.match import Match

_LOGGER = logging.getLogger(__name__)

DEPTH_SESSIONS = {"deep": "deep_tonight", "light": "fun_play"}
"""A session asked for only by depth ("something deep for tonight")."""


def _contains(words: list[str], name: list[str]) -> bool:
    return any(words[i:i + len(name)] == name for i in range(len(words) - len(name) + 1))


def named_in(words: list[str], book: SessionBook) -> Session | Game | None:
    """The session or game whose longest name is said, word for word ("date night", "guess my answer")."""
    best: tuple[int, Session | Game] | None = None
    items: list[Session | Game] = [*book.games.values(), *book.sessions]
    for item in items:
        for name in item.names:
            parts = name.replace("-", " ").replace("'", " ").split()
            if parts and _contains(words, parts) and (best is None or len(parts) > best[0]):
                best = (len(parts), item)
    return best[1] if best else None


def game_round(game: Game, rng: random.Random, avoid: set[str] | None = None) -> Session:
    """A round of a game: GAME_STEPS items not played lately where possible."""
    fresh = [s for s in game.items if s.text not in (avoid or set())]
    pool = fresh if len(fresh) >= GAME_STEPS else list(game.items)
    items = tuple(rng.sample(pool, k=min(GAME_STEPS, len(pool))))
    return Session(id=game.id, title=game.title, names=game.names, intro="", steps=items, close=None, source=game.source)


def choose(book: SessionBook, match: Match, rng: random.Random, played: set[str] | None = None) -> tuple[Session, str] | None:
    """(session, kind) for a start_session request; kind is session or game. None when the book is empty."""
    words = match.text.replace("-", " ").replace("'", " ").split()
    named = named_in(words, book)
    if isinstance(named, Game):
        return game_round(named, rng, played), "game"
    if isinstance(named, Session):
        return named, "session"
    topic, depth = match.slots.get("topic"), match.slots.get("depth")
    on_topic = [s for s in book.sessions if topic is not None and s.topic == topic]
    by_depth = book.session(DEPTH_SESSIONS.get(str(depth), "")) if depth else None
    fresh = [s for s in book.sessions if s.id not in (played or set())] or book.sessions
    pool = on_topic or ([by_depth] if by_depth else fresh)
    if not pool:
        return None
    chosen = rng.choice(pool)
    _LOGGER.debug("session chosen: %s (topic %s, depth %s)", chosen.id, topic, depth)
    return chosen, "session"
