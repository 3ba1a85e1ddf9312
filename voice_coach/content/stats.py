"""Counts over the content library (starters by category and depth, tips by topic, prompt variants) for `content --stats`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from voice_coach.content.library import CATEGORIES, DEPTHS, SITUATIONS, TOPICS, Library

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class CategoryCount:
    """Starters in one category or situation set."""

    category: str
    name: str
    situation: bool
    """True for a situation set (after an argument, money, ...), False for an everyday category."""
    by_depth: dict[str, int]
    """Depth (light, medium, deep) -> starters."""
    follow_ups: int

    @property
    def total(self) -> int:
        return sum(self.by_depth.values())


@dataclass(frozen=True)
class TopicCount:
    """Tips on one topic, and how many of them carry a "tell me more" and a "try this"."""

    topic: str
    name: str
    tips: int
    with_more: int
    with_try: int


@dataclass(frozen=True)
class ContentStats:
    """Everything `content --stats` reports."""

    categories: list[CategoryCount]
    topics: list[TopicCount]
    prompts: dict[str, int]
    """Exercise prompt key -> number of spoken variants."""
    coach_lines: int
    """Coach line keys (greetings, confirmations, ...)."""

    @property
    def starters(self) -> int:
        return sum(c.total for c in self.categories)

    @property
    def follow_ups(self) -> int:
        return sum(c.follow_ups for c in self.categories)

    @property
    def tips(self) -> int:
        return sum(t.tips for t in self.topics)

    def subtotal(self, situation: bool) -> dict[str, int]:
        """Starters per depth over the everyday categories (False) or the situation sets (True), plus total."""
        rows = [c for c in self.categories if c.situation == situation]
        out = {depth: sum(c.by_depth[depth] for c in rows) for depth in DEPTHS}
        out["total"] = sum(c.total for c in rows)
        out["follow_ups"] = sum(c.follow_ups for c in rows)
        return out

    def to_json(self) -> dict[str, Any]:
        """The shape printed by ``voice-coach content --stats --json``."""
        return {
            "starters": {
                "total": self.starters,
                "follow_ups": self.follow_ups,
                "everyday": self.subtotal(False),
                "situations": self.subtotal(True),
                "by_category": {
                    c.category: {"name": c.name, "situation": c.situation, **c.by_depth, "total": c.total,
                                 "follow_ups": c.follow_ups}
                    for c in self.categories
                },
            },
            "tips": {
                "total": self.tips,
                "with_more": sum(t.with_more for t in self.topics),
                "with_try": sum(t.with_try for t in self.topics),
                "by_topic": {t.topic: {"name": t.name, "tips": t.tips, "with_more": t.with_more, "with_try": t.with_try}
                             for t in self.topics},
            },
            "prompts": {"keys": len(self.prompts), "variants": sum(self.prompts.values()), "by_key": self.prompts},
            "coach_lines": self.coach_lines,
        }


def _ordered(known: dict[str, str], found: set[str]) -> list[str]:
    """Known ids in their spoken order first, then any a user pack added, sorted."""
    return [k for k in known if k in found] + sorted(found - known.keys())


def content_stats(library: Library) -> ContentStats:
    """Count the library's starters, follow-ups, tips and prompt variants."""
    categories = []
    for category in _ordered(CATEGORIES, {s.category for s in library.starters}):
        rows = [s for s in library.starters if s.category == category]
        categories.append(CategoryCount(
            category=category, name=CATEGORIES.get(category, category.replace("_", " ")),
            situation=category in SITUATIONS,
            by_depth={depth: sum(1 for s in rows if s.depth == depth) for depth in DEPTHS},
            follow_ups=sum(len(s.follow_ups) for s in rows),
        ))
    topics = []
    for topic in _ordered(TOPICS, {t.topic for t in library.tips}):
        rows = [t for t in library.tips if t.topic == topic]
        topics.append(TopicCount(
            topic=topic, name=TOPICS.get(topic, topic.replace("_", " ")), tips=len(rows),
            with_more=sum(1 for t in rows if t.more.strip()), with_try=sum(1 for t in rows if t.try_.strip()),
        ))
    prompts = {key: len(variants) for key, variants in sorted(library.prompts.items())}
    _LOGGER.debug("stats: %d categories, %d topics, %d prompt keys", len(categories), len(topics), len(prompts))
    return ContentStats(categories=categories, topics=topics, prompts=prompts, coach_lines=len(library.lines))


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _starter_table(stats: ContentStats, situation: bool) -> list[str]:
    title = "situation set" if situation else "category"
    out = [_row([title, *DEPTHS, "total", "follow-ups"]), _row(["---", *("---:" for _ in DEPTHS), "---:", "---:"])]
    for c in (c for c in stats.categories if c.situation == situation):
        out.append(_row([c.name, *(c.by_depth[d] for d in DEPTHS), c.total, c.follow_ups]))
    sub = stats.subtotal(situation)
    out.append(_row(["**all**", *(sub[d] for d in DEPTHS), sub["total"], sub["follow_ups"]]))
    return out


def format_stats(stats: ContentStats) -> str:
    """Markdown tables (paste-ready for the README): starters, tips, exercise prompts."""
    everyday, situations = stats.subtotal(False), stats.subtotal(True)
    lines = [
        f"{stats.starters} conversation starters ({everyday['total']} everyday, {situations['total']} in situation sets), "
        f"{stats.follow_ups} follow-ups; {stats.tips} tips; {len(stats.prompts)} exercise prompts with "
        f"{sum(stats.prompts.values())} variants; {stats.coach_lines} coach lines.",
        "",
        "Everyday starters",
        "",
        *_starter_table(stats, False),
        "",
        "Situation sets",
        "",
        *_starter_table(stats, True),
        "",
        "Tips",
        "",
        _row(["topic", "tips", "with more", "with try"]),
        _row(["---", "---:", "---:", "---:"]),
        *(_row([t.name, t.tips, t.with_more, t.with_try]) for t in stats.topics),
        _row(["**all**", stats.tips, sum(t.with_more for t in stats.topics), sum(t.with_try for t in stats.topics)]),
        "",
        "Exercise prompts",
        "",
        _row(["prompt", "variants"]),
        _row(["---", "---:"]),
        *(_row([key, count]) for key, count in stats.prompts.items()),
    ]
    return "\n".join(lines)
