"""Intent files as data: YAML parsed with file:line kept on every string, merged and schema-checked."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from voice_coach.errors import ContentError

_LOGGER = logging.getLogger(__name__)

LIST_KEYS = ("wake_words", "wake_mishearings", "wake_prefixes", "drop", "corrections", "out_of_scope_words",
             "domain_words", "not_slots", "drop_leading", "situations", "coach_things")
"""Top-level keys that hold lists of words or phrases."""


class Where(str):
    """A YAML string that remembers where it was written, for error messages."""

    where: str = "?"


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: loading is 5x faster


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader whose strings carry file:line."""

    source = "<string>"


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> Where:
    value = Where(loader.construct_scalar(node))
    value.where = f"{loader.source}:{node.start_mark.line + 1}"
    return value


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A mapping whose keys are unique: a key said twice would silently drop the first one's entries."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ContentError(f"{loader.source}:{key_node.start_mark.line + 1}: key {key!r} appears twice",
                               "merge the two entries into one")
        seen.add(key)
    return loader.construct_mapping(node)  # type: ignore[no-any-return]


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
# YAML 1.1 reads yes/no/on/off as booleans; in intent files they are words ("yes:" is an intent).
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


@dataclass
class IntentDef:
    """One intent: its templates and how it may be used."""

    name: str
    sentences: list[str]
    cues: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    exercise: bool = False


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    """Parse one YAML document into a dict whose strings know their file:line."""
    loader = _Loader(text)
    loader.source = source
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ContentError(f"{source}{line}: not valid YAML ({getattr(exc, 'problem', exc)})",
                           "fix the YAML syntax") from exc
    finally:
        loader.dispose()
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ContentError(f"{source}:1: expected a mapping of keys (intents, rules, ...)", "see the schema in intent_data.py")
    return data


_NAMED = {
    "rules": ("rules must be a mapping of name: template", "fix the rules", "rule <{}> defined twice",
              "rules are shared by all files; rename one"),
    "intents": ("intents must be a mapping of name: definition", "fix the file", "intent {!r} defined twice",
                "keep one definition per intent"),
}
"""Keys holding named entries, each name defined once across all files: (shape, its fix, twice, its fix)."""


def _merge_named(target: dict[str, Any], key: str, value: Any, where: str) -> None:
    shape, shape_fix, twice, twice_fix = _NAMED[key]
    if not isinstance(value, dict):
        raise ContentError(f"{where}: {shape}", shape_fix)
    for name, body in value.items():
        name_where = getattr(name, "where", where)
        if name in target:
            raise ContentError(f"{name_where}: {twice.format(name)}", twice_fix)
        target[str(name)] = intent_def(str(name), body, name_where) if key == "intents" else body


def merge(merged: dict[str, Any], data: dict[str, Any], source: str) -> dict[str, Any]:
    """Merge one file's data into `merged`, checking the schema as it goes."""
    known = {"rules", "intents", "out_of_scope", "replace", "slots", *LIST_KEYS}
    for key, value in data.items():
        where = getattr(key, "where", source)
        if key not in known:
            raise ContentError(f"{where}: unknown key {key!r}", f"use one of: {', '.join(sorted(known))}")
        if key in _NAMED:
            _merge_named(merged.setdefault(key, {}), key, value, where)
        elif key == "out_of_scope":
            sentences = value.get("sentences", []) if isinstance(value, dict) else None
            if not isinstance(sentences, list):
                raise ContentError(f"{where}: out_of_scope needs a list under 'sentences'", "fix the file")
            merged.setdefault("out_of_scope", []).extend(sentences)
        elif key in ("replace", "slots"):
            if not isinstance(value, dict):
                raise ContentError(f"{where}: {key} must be a mapping", "fix the file")
            merged.setdefault(key, {}).update(value)
        else:
            if not isinstance(value, list):
                raise ContentError(f"{where}: {key} must be a list", "fix the file")
            merged.setdefault(key, []).extend(value)
    return merged


def intent_def(name: str, body: Any, where: str) -> IntentDef:
    """Check one intent's definition."""
    if not isinstance(body, dict) or not isinstance(body.get("sentences"), list) or not body["sentences"]:
        raise ContentError(f"{where}: intent {name!r} needs a non-empty 'sentences' list", "add templates")
    unknown = set(body) - {"sentences", "cues", "exercise", "requires"}
    if unknown:
        raise ContentError(f"{where}: intent {name!r}: unknown key(s) {', '.join(sorted(map(str, unknown)))}",
                           "use sentences, cues, requires, exercise")
    return IntentDef(name=name, sentences=list(body["sentences"]), cues=[str(c) for c in body.get("cues", [])],
                     requires=[str(r) for r in body.get("requires", [])],
                     exercise=bool(body.get("exercise", False)))
