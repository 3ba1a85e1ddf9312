"""Sentence templates: parse "(a|b) [optional] {slot} <rule>" and expand them into word lists."""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass

_LOGGER = logging.getLogger(__name__)

MAX_EXPANSIONS = 4000
"""Most sentences one template may expand to; more means the template needs rules or fewer options."""

_TOKEN_RE = re.compile(r"[()\[\]{}<>|]|[^\s()\[\]{}<>|]+")


class TemplateError(ValueError):
    """A template that cannot be parsed or expands to too many sentences."""


@dataclass(frozen=True)
class Word:
    """A literal word."""

    text: str


@dataclass(frozen=True)
class Slot:
    """A slot reference such as {topic}."""

    name: str


@dataclass(frozen=True)
class RuleRef:
    """A reference to a shared rule such as <starter>."""

    name: str


@dataclass(frozen=True)
class Alternatives:
    """One of several sequences; an optional group has an empty sequence among them."""

    options: tuple[tuple["Node", ...], ...]


Node = Word | Slot | RuleRef | Alternatives


def parse(template: str) -> tuple[Node, ...]:
    """Parse one template into a sequence of nodes."""
    tokens = _TOKEN_RE.findall(template)
    nodes, pos = _parse_sequence(tokens, 0, closer=None)
    if pos != len(tokens):
        raise TemplateError(f"unexpected {tokens[pos]!r}")
    return nodes


def _parse_sequence(tokens: list[str], pos: int, closer: str | None) -> tuple[tuple[Node, ...], int]:
    """Parse until `closer` or a '|' (inside a group) or the end; returns nodes and position."""
    nodes: list[Node] = []
    while pos < len(tokens):
        tok = tokens[pos]
        if tok in (")", "]") or (tok == "|" and closer is not None):
            return tuple(nodes), pos
        if tok == "|":
            raise TemplateError("'|' outside ( ) or [ ]")
        if tok in ("(", "["):
            end = ")" if tok == "(" else "]"
            options: list[tuple[Node, ...]] = []
            pos += 1
            while True:
                seq, pos = _parse_sequence(tokens, pos, closer=end)
                options.append(seq)
                if pos >= len(tokens):
                    raise TemplateError(f"missing {end!r}")
                if tokens[pos] == "|":
                    pos += 1
                    continue
                if tokens[pos] != end:
                    raise TemplateError(f"expected {end!r}, found {tokens[pos]!r}")
                pos += 1
                break
            if tok == "[":
                options.append(())
            nodes.append(Alternatives(tuple(options)))
        elif tok in ("{", "<"):
            end = "}" if tok == "{" else ">"
            if pos + 2 >= len(tokens) or tokens[pos + 2] != end:
                raise TemplateError(f"expected a name then {end!r} after {tok!r}")
            name = tokens[pos + 1]
            nodes.append(Slot(name) if tok == "{" else RuleRef(name))
            pos += 3
        elif tok in ("}", ">"):
            raise TemplateError(f"unexpected {tok!r}")
        else:
            nodes.append(Word(tok.lower()))
            pos += 1
    if closer is not None:
        raise TemplateError(f"missing {closer!r}")
    return tuple(nodes), pos


def expand(
    nodes: tuple[Node, ...],
    rules: dict[str, tuple[Node, ...]],
    slot_token: dict[str, str],
    _depth: int = 0,
    memo: dict[tuple[str, int], list[tuple[str, ...]]] | None = None,
) -> list[tuple[str, ...]]:
    """Every word sequence the template can produce; slots become their placeholder token.

    `memo` keeps each rule's expansion for the next template that uses it (pass the same dict for one set of rules).
    """
    if _depth > 10:
        raise TemplateError("rules refer to each other in a loop")
    memo = {} if memo is None else memo
    parts: list[list[tuple[str, ...]]] = []
    for node in nodes:
        if isinstance(node, Word):
            parts.append([(node.text,)])
        elif isinstance(node, Slot):
            if node.name not in slot_token:
                raise TemplateError(f"unknown slot {{{node.name}}}; known: {', '.join(sorted(slot_token))}")
            parts.append([(slot_token[node.name],)])
        elif isinstance(node, RuleRef):
            if node.name not in rules:
                raise TemplateError(f"unknown rule <{node.name}>")
            key = (node.name, _depth + 1)
            if key not in memo:
                memo[key] = expand(rules[node.name], rules, slot_token, _depth + 1, memo)
            parts.append(memo[key])
        else:
            options: list[tuple[str, ...]] = []
            for option in node.options:
                options.extend(expand(option, rules, slot_token, _depth + 1, memo))
            parts.append(options)
    total = 1
    for part in parts:
        total *= max(1, len(part))
    if total > MAX_EXPANSIONS:
        raise TemplateError(f"expands to {total} sentences (limit {MAX_EXPANSIONS}); split it or use fewer options")
    return [tuple(itertools.chain.from_iterable(combo)) for combo in itertools.product(*parts)]
