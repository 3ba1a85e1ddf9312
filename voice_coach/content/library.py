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
            "starters": [{"id": s.id, "text": s.text, "category": s.category, "depth": s.depth} for s in self.starters],
            "tips": [{"id": t.id, "topic": t.topic, "text": t.text, "more": t.more, "try": t.try_} for t in self.tips],
            "prompts": self.prompts,
            "lines": self.lines,
        }


def _line_of(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 0


def _key_node(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def parse_text(text: str, source: str) -> tuple[list[Starter], list[Tip], dict[str, list[str]], dict[str, list[str]]]:
    """Parse one content file's text; raise ContentError(``source:line: reason``) on any problem."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ContentError(f"{source}:{line}: malformed YAML: {reason}", "fix the file's indentation or quoting") from None
    if data is None:
        return [], [], {}, {}
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise ContentError(f"{source}:1: expected a mapping with starters, tips, prompts or lines", "see the schema in voice_coach/content/__init__.py")
    unknown = set(data) - {"category", "topic", "title", "starters", "tips", "prompts", "lines"}
    if unknown:
        key = sorted(unknown)[0]
        raise ContentError(f"{source}:{_line_of(_key_node(root, key))}: unknown key '{key}'", "use category, topic, title, starters, tips, prompts or lines")

    starters: list[Starter] = []
    tips: list[Tip] = []
    if "starters" in data:
        category = data.get("category")
        if category not in CATEGORIES:
            raise ContentError(f"{source}:{_line_of(_key_node(root, 'category'))}: unknown or missing category {category!r}", f"use one of {', '.join(CATEGORIES)}")
        node = _key_node(root, "starters")
        items = data["starters"] or []
        if not isinstance(items, list):
            raise ContentError(f"{source}:{_line_of(node)}: 'starters' must be a list", "write each starter as '- {id: ..., depth: ..., text: ...}'")
        for i, item in enumerate(items):
            line = _line_of(node.value[i]) if isinstance(node, yaml.SequenceNode) else 0
            where = f"{source}:{line}"
            if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item.get(k) for k in ("id", "depth", "text")):
                raise ContentError(f"{where}: a starter needs id, depth and text", "write it as '{id: ..., depth: light, text: ...}'")
            if item["depth"] not in DEPTHS:
                raise ContentError(f"{where}: depth {item['depth']!r} is not light, medium or deep", "use light, medium or deep")
            starters.append(Starter(item["id"], item["text"].strip(), category, item["depth"], where))
    if "tips" in data:
        topic = data.get("topic")
        if topic not in TOPICS:
            raise ContentError(f"{source}:{_line_of(_key_node(root, 'topic'))}: unknown or missing topic {topic!r}", f"use one of {', '.join(TOPICS)}")
        node = _key_node(root, "tips")
        items = data["tips"] or []
        if not isinstance(items, list):
            raise ContentError(f"{source}:{_line_of(node)}: 'tips' must be a list", "write each tip as '- {id: ..., text: ..., more: ..., try: ...}'")
        for i, item in enumerate(items):
            line = _line_of(node.value[i]) if isinstance(node, yaml.SequenceNode) else 0
            where = f"{source}:{line}"
            if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item.get(k) for k in ("id", "text", "more", "try")):
                raise ContentError(f"{where}: a tip needs id, text, more and try", "write it as '{id: ..., text: ..., more: ..., try: ...}'")
            tips.append(Tip(item["id"], topic, item["text"].strip(), item["more"].strip(), item["try"].strip(), where))
    variants: list[dict[str, list[str]]] = []
    for key in ("prompts", "lines"):
        table = data.get(key) or {}
        node = _key_node(root, key)
        if not isinstance(table, dict) or not all(isinstance(v, list) and v and all(isinstance(s, str) for s in v) for v in table.values()):
            raise ContentError(f"{source}:{_line_of(node)}: '{key}' must map each key to a list of lines", "write it as 'name: [\"variant one\", \"variant two\"]'")
        variants.append({k: [s.strip() for s in v] for k, v in table.items()})
    return starters, tips, variants[0], variants[1]


def _merge_file(library: Library, path: Path) -> None:
    starters, tips, prompts, lines = parse_text(path.read_text(encoding="utf-8"), str(path))
    library.starters.extend(starters)
    library.tips.extend(tips)
    for key, values in prompts.items():
        library.prompts.setdefault(key, []).extend(values)
    for key, values in lines.items():
        library.lines.setdefault(key, []).extend(values)


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
