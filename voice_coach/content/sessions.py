"""Guided sessions and games as data: files -> YAML -> a SessionBook, with errors naming file and line.

Schema (any content file may hold these top-level keys; the starter/tip library skips them)::

    sessions:                        # guided sessions: light -> medium -> deep, then a close
      - id: date_night
        title: a date-night session  # spoken: "Let's start a date-night session."
        names: [date night, date]    # what people call it ("a date-night session")
        topic: relationship          # optional: a starter category, so "a session about ..." finds it
        intro: Here's a date-night session...
        steps:                       # 5 to 11 questions, depths never going back up
          - depth: light
            text: What's a small thing from this week that made you grin?
        close:                       # the last step: a warm question, or a small thing to do together
          kind: question             # question or together
          text: ...
    format: guess_my_answer          # a game: guess_my_answer, finish_the_sentence or do_together
    title: guess my answer
    names: [guess my answer, guessing game]
    items: [What's your go-to comfort food?, ...]
    session_lines:                   # what the coach says while a session runs: key -> variants
      first: ["{first}, you first."]

Shipped files live in ``voice_coach/content/data``; user packs in ``<config dir>/content/*.yaml``
may add sessions, game items and lines. A bad user pack is rejected with ``file:line: reason``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from voice_coach.content.library import CATEGORIES, DATA_DIR, DEPTHS
from voice_coach.errors import ContentError

_LOGGER = logging.getLogger(__name__)

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OWN_KEYS = re.compile(r"^(sessions|format|session_lines):", re.MULTILINE)
"""A file holds sessions or games only if one of these keys opens a line: other files aren't parsed twice."""

FORMATS: dict[str, str] = {
    "guess_my_answer": "guess",
    "finish_the_sentence": "finish",
    "do_together": "together",
}
"""Game format -> the kind of step each of its items is."""
CLOSE_KINDS = ("question", "together")
STEP_KINDS = ("question", "guess", "finish", "together")
MIN_STEPS = 6
MAX_STEPS = 12
"""A session's length in steps, the close included."""
GAME_STEPS = 6
"""Items in one round of a game."""


@dataclass(frozen=True)
class Step:
    """One thing the coach puts to the couple."""

    text: str
    depth: str
    """light, medium or deep; ``close`` for a session's last step."""
    kind: str = "question"
    """question (both answer in turn), guess (one guesses, the other answers), finish (both finish it),
    together (one shared act)."""
    source: str = ""


@dataclass(frozen=True)
class Session:
    """A guided session (or one round of a game): an intro, steps, and a close."""

    id: str
    title: str
    names: tuple[str, ...]
    intro: str
    steps: tuple[Step, ...]
    close: Step | None
    topic: str | None = None
    source: str = ""

    @property
    def all_steps(self) -> tuple[Step, ...]:
        return self.steps + ((self.close,) if self.close is not None else ())


@dataclass(frozen=True)
class Game:
    """A format with its own items; a round of it is a Session of GAME_STEPS items."""

    id: str
    title: str
    names: tuple[str, ...]
    items: tuple[Step, ...]
    source: str = ""


@dataclass
class SessionBook:
    """Every guided session, game and session line the coach can use."""

    sessions: list[Session] = field(default_factory=list)
    games: dict[str, Game] = field(default_factory=dict)
    lines: dict[str, list[str]] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    """One ``file:line: reason`` per user file that could not be loaded."""
    sources: dict[str, str] = field(default_factory=dict)
    """``session_lines.<key>`` -> ``file:line`` where the key was first defined."""

    def session(self, session_id: str) -> Session | None:
        return next((s for s in self.sessions if s.id == session_id), None)

    def line(self, key: str) -> list[str]:
        try:
            return self.lines[key]
        except KeyError:
            raise ContentError(f"content has no session line '{key}'", "add it under 'session_lines:' in a content file") from None


def _line_of(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 0


def _value(mapping: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(mapping, yaml.MappingNode):
        return None
    return next((v for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _text(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: {what} must be a line of text", f"write it as '{what}: ...'")
    return " ".join(value.split())


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(n, str) and n.strip() for n in value):
        raise ContentError(f"{where}: names must be a list of what people call it", "write it as 'names: [date night, date]'")
    return tuple(n.strip().lower() for n in value)


_SESSION_KEYS = ("id", "title", "names", "topic", "intro", "steps", "close")


def _session(item: Any, node: yaml.Node | None, source: str) -> Session:
    where = f"{source}:{_line_of(node)}"
    if not isinstance(item, dict):
        raise ContentError(f"{where}: each session must be a mapping", "start it with '- id: ...'")
    unknown = sorted(str(k) for k in item if k not in _SESSION_KEYS)
    if unknown:
        raise ContentError(f"{where}: unknown key '{unknown[0]}' in a session", f"use only {', '.join(_SESSION_KEYS)}")
    topic = item.get("topic")
    if topic is not None and topic not in CATEGORIES:
        raise ContentError(f"{source}:{_line_of(_value(node, 'topic'))}: unknown topic {topic!r}", f"use one of {', '.join(CATEGORIES)}")
    steps_node = _value(node, "steps")
    raw_steps = item.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ContentError(f"{source}:{_line_of(steps_node) or _line_of(node)}: a session needs a list of steps", "write each as '- depth: light' and 'text: ...'")
    steps = []
    for i, raw in enumerate(raw_steps):
        step_node = steps_node.value[i] if isinstance(steps_node, yaml.SequenceNode) else None
        at = f"{source}:{_line_of(step_node)}"
        if not isinstance(raw, dict) or set(raw) != {"depth", "text"}:
            raise ContentError(f"{at}: a step needs depth and text, nothing else", "write it as '- depth: light' and 'text: ...'")
        if raw["depth"] not in DEPTHS:
            raise ContentError(f"{at}: depth {raw['depth']!r} is not light, medium or deep", "use light, medium or deep")
        steps.append(Step(_text(raw["text"], at, "text"), raw["depth"], "question", at))
    close_node = _value(node, "close")
    close = item.get("close")
    at = f"{source}:{_line_of(close_node) or _line_of(node)}"
    if not isinstance(close, dict) or set(close) != {"kind", "text"} or close["kind"] not in CLOSE_KINDS:
        raise ContentError(f"{at}: a session needs a close with kind (question or together) and text", "write 'close:', then 'kind: question' and 'text: ...'")
    return Session(
        id=_text(item.get("id"), where, "id"),
        title=_text(item.get("title"), where, "title"),
        names=_names(item.get("names"), where),
        intro=_text(item.get("intro"), where, "intro"),
        steps=tuple(steps),
        close=Step(_text(close["text"], at, "text"), "close", close["kind"], at),
        topic=topic,
        source=where,
    )


def _game(data: dict[str, Any], root: yaml.MappingNode, source: str) -> Game:
    name = data.get("format")
    where = f"{source}:{_line_of(_value(root, 'format'))}"
    if name not in FORMATS:
        raise ContentError(f"{where}: unknown format {name!r}", f"use one of {', '.join(FORMATS)}")
    items_node = _value(root, "items")
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise ContentError(f"{source}:{_line_of(items_node) or 1}: a format needs a list of items", "write each item as '- ...'")
    steps = []
    for i, text in enumerate(items):
        at = f"{source}:{_line_of(items_node.value[i]) if isinstance(items_node, yaml.SequenceNode) else 0}"
        steps.append(Step(_text(text, at, "an item"), "light", FORMATS[name], at))
    title = _text(data.get("title"), where, "title") if "title" in data else name.replace("_", " ")
    names = _names(data["names"], where) if "names" in data else (title,)
    return Game(name, title, names, tuple(steps), where)


def _parse(text: str, source: str, book: SessionBook) -> None:
    try:
        root = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)  # _LOADER is a safe loader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        reason = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ContentError(f"{source}:{mark.line + 1 if mark else 0}: malformed YAML: {reason}", "fix the file's indentation or quoting") from None
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        return
    if "sessions" in data:
        node = _value(root, "sessions")
        if not isinstance(data["sessions"], list) or not isinstance(node, yaml.SequenceNode):
            raise ContentError(f"{source}:{_line_of(node)}: 'sessions' must be a list", "start each session with '- id: ...'")
        for item, item_node in zip(data["sessions"], node.value):
            book.sessions.append(_session(item, item_node, source))
    if "format" in data:
        game = _game(data, root, source)
        known = book.games.get(game.id)
        book.games[game.id] = game if known is None else Game(known.id, known.title, known.names + game.names, known.items + game.items, known.source)
    if "session_lines" in data:
        node = _value(root, "session_lines")
        table = data["session_lines"]
        if not isinstance(table, dict) or not all(isinstance(v, list) and v and all(isinstance(s, str) for s in v) for v in table.values()):
            raise ContentError(f"{source}:{_line_of(node)}: 'session_lines' must map each key to a list of lines", "write it as 'name: [\"variant one\", \"variant two\"]'")
        for key, variants in table.items():
            book.lines.setdefault(str(key), []).extend(" ".join(v.split()) for v in variants)
        if isinstance(node, yaml.MappingNode):
            for k, _ in node.value:
                book.sources.setdefault(f"session_lines.{k.value}", f"{source}:{_line_of(k)}")


def book_from_text(text: str, source: str) -> SessionBook:
    """A book holding one file's sessions and games (for checking a single pack); raises ContentError."""
    book = SessionBook()
    _parse(text, source, book)
    return book


def load_sessions(user_dir: Path | None = None, data_dir: Path = DATA_DIR) -> SessionBook:
    """Load the shipped sessions and games, then user packs; a bad user pack is rejected, the rest loads."""
    book = SessionBook()
    for path in sorted(data_dir.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if _OWN_KEYS.search(text):
            _parse(text, str(path), book)
    if user_dir is not None and user_dir.is_dir():
        for path in sorted(user_dir.glob("*.yaml")):
            try:
                text = path.read_text(encoding="utf-8")
                if _OWN_KEYS.search(text):
                    trial = SessionBook()
                    _parse(text, str(path), trial)  # all or nothing: a pack half loaded would be confusing
                    _parse(text, str(path), book)
            except (ContentError, OSError, UnicodeDecodeError) as err:
                message = err.message if isinstance(err, ContentError) else f"{path}:0: cannot read: {err}"
                _LOGGER.warning("skipped session pack: %s", message)
                book.rejected.append(message)
    return book
