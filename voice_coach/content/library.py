"""Load practice content: files -> YAML -> dicts -> a Library, with errors naming file and line."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from voice_coach.errors import ContentError

_LOGGER = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when available: the shipped content loads about ten times faster."""

DEPTHS: tuple[str, ...] = ("light", "medium", "deep")

CATEGORIES: dict[str, str] = {
    "daily_life": "daily life",
    "memories": "memories",
    "family": "childhood and family",
    "dreams": "dreams and the future",
    "appreciation": "appreciation",
    "values": "values",
    "fun": "fun and play",
    "work_stress": "work and stress",
    "feelings": "feelings and inner world",
    "relationship": "our relationship",
    "growth": "growth and change",
    "affection": "affection and closeness",
}
"""Starter categories: id -> spoken name."""

SITUATIONS: dict[str, str] = {
    "after_argument": "making up after an argument",
    "stressful_week": "stressful weeks",
    "new_parents": "new parents",
    "long_distance": "long distance",
    "illness_grief": "illness and grief",
    "job_loss": "losing a job",
    "in_laws": "in-laws and family",
    "money": "money as a couple",
    "chores": "sharing the chores",
    "intimacy": "affection and intimacy",
}
"""Situation sets: starters for what couples go through, id -> spoken name; also starter categories."""

CATEGORIES.update(SITUATIONS)

MAX_FOLLOW_UPS = 2
"""Follow-up questions a medium or deep starter may carry."""

TOPICS: dict[str, str] = {
    "judgment_free": "a judgment-free space",
    "active_listening": "active listening",
    "open_questions": "open-ended questions",
    "vulnerability": "sharing your own vulnerability",
    "boundaries": "respecting boundaries",
    "timing": "the right time and place",
    "appreciation": "appreciating openness",
    "patience": "patience",
    "defensiveness": "avoiding defensiveness",
    "i_statements": "I statements",
    "shared_experiences": "shared experiences",
    "empathy": "empathy and validation",
    "trust": "reliability and keeping confidences",
    "problem_solving": "calm problem-solving",
    "affection": "physical affection",
    "support": "unconditional support",
}
"""Tip topics: id -> spoken name."""


@dataclass(frozen=True)
class Starter:
    """An open-ended conversation starter."""

    id: str
    text: str
    category: str
    depth: str
    source: str = ""
    """File (and line) it came from, for error messages."""
    follow_ups: tuple[str, ...] = ()
    """Questions that take the same person one step further on their answer (medium and deep only)."""


@dataclass(frozen=True)
class Tip:
    """A short spoken tip with a longer version and a small thing to try today."""

    id: str
    topic: str
    text: str
    more: str
    try_: str
    source: str = ""


@dataclass
class Library:
    """All content the coach can say."""

    starters: list[Starter] = field(default_factory=list)
    tips: list[Tip] = field(default_factory=list)
    prompts: dict[str, list[str]] = field(default_factory=dict)
    lines: dict[str, list[str]] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    """One ``file:line: reason`` per user file that could not be loaded."""
    sources: dict[str, str] = field(default_factory=dict)
    """``prompts.<key>`` / ``lines.<key>`` -> ``file:line`` where the key was first defined."""

    def starter(self, content_id: str) -> Starter | None:
        return next((s for s in self.starters if s.id == content_id), None)

    def tip(self, content_id: str) -> Tip | None:
        return next((t for t in self.tips if t.id == content_id), None)

    def line(self, key: str) -> list[str]:
        """Variants of a coach line; a missing key is a content error."""
        try:
            return self.lines[key]
        except KeyError:
            raise ContentError(f"content has no coach line '{key}'", "add it under 'lines:' in a content file") from None

    def prompt(self, key: str) -> list[str]:
        """Variants of an exercise prompt; a missing key is a content error."""
        try:
            return self.prompts[key]
        except KeyError:
            raise ContentError(f"content has no exercise prompt '{key}'", "add it under 'prompts:' in a content file") from None

    def to_json(self) -> dict[str, Any]:
        """The shape printed by ``voice-coach content --json``."""
        return {
            "starters": [{"id": s.id, "text": s.text, "category": s.category, "depth": s.depth,
                          **({"follow_ups": list(s.follow_ups)} if s.follow_ups else {})} for s in self.starters],
            "tips": [{"id": t.id, "topic": t.topic, "text": t.text, "more": t.more, "try": t.try_} for t in self.tips],
            "prompts": self.prompts,
            "lines": self.lines,
        }


def _line_of(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 0


def _key_node(mapping: yaml.MappingNode, key: str, *, want_key: bool = False) -> yaml.Node | None:
    """The value node under ``key`` (or the key node itself, whose line is where the key is written)."""
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k if want_key else v
    return None


SESSION_KEYS = frozenset({"sessions", "format", "names", "items", "session_lines"})
"""Top-level keys read by content/sessions.py (guided sessions and games); the library skips them."""

_STARTER_KEYS = ("id", "depth", "text")
_STARTER_OPTIONAL = ("follow_ups",)
_TIP_KEYS = ("id", "text", "more", "try")


@dataclass
class _Parsed:
    """Everything one content file holds, with where each variant table key was defined."""

    starters: list[Starter] = field(default_factory=list)
    tips: list[Tip] = field(default_factory=list)
    prompts: dict[str, list[str]] = field(default_factory=dict)
    lines: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


def _items(data: dict[str, Any], root: yaml.MappingNode, key: str, source: str, shape: str) -> list[tuple[str, dict[str, Any]]]:
    """The entries of a list-valued key, each with its ``source:line``; checks the shape only."""
    node = _key_node(root, key)
    items = data[key] or []
    if not isinstance(items, list):
        raise ContentError(f"{source}:{_line_of(node)}: '{key}' must be a list", f"write each entry as '- {shape}'")
    out: list[tuple[str, dict[str, Any]]] = []
    for i, item in enumerate(items):
        line = _line_of(node.value[i]) if isinstance(node, yaml.SequenceNode) else 0
        if not isinstance(item, dict):
            raise ContentError(f"{source}:{line}: each entry under '{key}' must be a mapping", f"write it as '- {shape}'")
        out.append((f"{source}:{line}", item))
    return out


def _check_keys(where: str, item: dict[str, Any], allowed: tuple[str, ...], what: str, shape: str,
                optional: tuple[str, ...] = ()) -> None:
    unknown = sorted(str(k) for k in item if k not in allowed + optional)
    if unknown:
        raise ContentError(f"{where}: unknown key '{unknown[0]}' in a {what}", f"use only {', '.join(allowed + optional)}")
    if not all(isinstance(item.get(k), str) and item[k].strip() for k in allowed):
        raise ContentError(f"{where}: a {what} needs {', '.join(allowed[:-1])} and {allowed[-1]}", f"write it as '{shape}'")


def _follow_ups(where: str, item: dict[str, Any]) -> tuple[str, ...]:
    """A starter's own follow-up questions: one or two strings, on a medium or deep starter only."""
    if "follow_ups" not in item:
        return ()
    value = item["follow_ups"]
    if item["depth"] == "light":
        raise ContentError(f"{where}: a light starter has follow_ups", "keep follow-ups for medium and deep starters")
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_FOLLOW_UPS or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(f"{where}: follow_ups must be a list of one or two questions", 'write it as follow_ups: ["...", "..."]')
    return tuple(v.strip() for v in value)


def _parse(text: str, source: str) -> _Parsed:
    try:
        root = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)  # _LOADER is a safe loader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ContentError(f"{source}:{line}: malformed YAML: {reason}", "fix the file's indentation or quoting") from None
    parsed = _Parsed()
    if data is None:
        return parsed
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise ContentError(f"{source}:1: expected a mapping with starters, tips, prompts or lines", "see the schema in voice_coach/content/__init__.py")
    unknown = {str(k) for k in data} - {"category", "topic", "title", "starters", "tips", "prompts", "lines"} - SESSION_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise ContentError(f"{source}:{_line_of(_key_node(root, key, want_key=True))}: unknown key '{key}'", "use category, topic, title, starters, tips, prompts or lines")

    if "starters" in data:
        category = data.get("category")
        if category not in CATEGORIES:
            raise ContentError(f"{source}:{_line_of(_key_node(root, 'category')) or _line_of(_key_node(root, 'starters', want_key=True))}: unknown or missing category {category!r}", f"use one of {', '.join(CATEGORIES)}")
        shape = "{id: ..., depth: light, text: ...}"
        for where, item in _items(data, root, "starters", source, shape):
            _check_keys(where, item, _STARTER_KEYS, "starter", shape, _STARTER_OPTIONAL)
            if item["depth"] not in DEPTHS:
                raise ContentError(f"{where}: depth {item['depth']!r} is not light, medium or deep", "use light, medium or deep")
            follow_ups = _follow_ups(where, item)
            parsed.starters.append(Starter(item["id"].strip(), item["text"].strip(), category, item["depth"], where, follow_ups))
    if "tips" in data:
        topic = data.get("topic")
        if topic not in TOPICS:
            raise ContentError(f"{source}:{_line_of(_key_node(root, 'topic')) or _line_of(_key_node(root, 'tips', want_key=True))}: unknown or missing topic {topic!r}", f"use one of {', '.join(TOPICS)}")
        shape = "{id: ..., text: ..., more: ..., try: ...}"
        for where, item in _items(data, root, "tips", source, shape):
            _check_keys(where, item, _TIP_KEYS, "tip", shape)
            parsed.tips.append(Tip(item["id"].strip(), topic, item["text"].strip(), item["more"].strip(), item["try"].strip(), where))
    for key in ("prompts", "lines"):
        table = data.get(key) or {}
        node = _key_node(root, key)
        if not isinstance(table, dict) or not all(isinstance(v, list) and v and all(isinstance(s, str) for s in v) for v in table.values()):
            raise ContentError(f"{source}:{_line_of(node)}: '{key}' must map each key to a list of lines", "write it as 'name: [\"variant one\", \"variant two\"]'")
        getattr(parsed, key).update({str(k): [s.strip() for s in v] for k, v in table.items()})
        if isinstance(node, yaml.MappingNode):
            parsed.sources.update({f"{key}.{k.value}": f"{source}:{_line_of(k)}" for k, _ in node.value})
    return parsed


def parse_text(text: str, source: str) -> tuple[list[Starter], list[Tip], dict[str, list[str]], dict[str, list[str]]]:
    """Parse one content file's text; raise ContentError(``source:line: reason``) on any problem."""
    parsed = _parse(text, source)
    return parsed.starters, parsed.tips, parsed.prompts, parsed.lines


def library_from_text(text: str, source: str) -> Library:
    """A library holding one content file's text (for checking a single pack); raises ContentError."""
    library = Library()
    _merge(library, _parse(text, source))
    return library


def _merge_file(library: Library, path: Path) -> None:
    _merge(library, _parse(path.read_text(encoding="utf-8"), str(path)))


def _merge(library: Library, parsed: _Parsed) -> None:
    library.starters.extend(parsed.starters)
    library.tips.extend(parsed.tips)
    for key, values in parsed.prompts.items():
        library.prompts.setdefault(key, []).extend(values)
    for key, values in parsed.lines.items():
        library.lines.setdefault(key, []).extend(values)
    for key, where in parsed.sources.items():
        library.sources.setdefault(key, where)


def load_library(user_dir: Path | None = None, data_dir: Path = DATA_DIR) -> Library:
    """Load the shipped content, then merge user packs; a bad user pack is rejected, the rest loads."""
    library = Library()
    for path in sorted(data_dir.glob("*.yaml")):
        _merge_file(library, path)
    if user_dir is not None and user_dir.is_dir():
        for path in sorted(user_dir.glob("*.yaml")):
            try:
                _merge_file(library, path)
            except (ContentError, OSError, UnicodeDecodeError) as err:
                message = err.message if isinstance(err, ContentError) else f"{path}:0: cannot read: {err}"
                _LOGGER.warning("skipped content pack: %s", message)
                library.rejected.append(message)
    return library
