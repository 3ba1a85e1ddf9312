"""Gives starters and tips without repeats, their longer parts, and favorites; keeps Memory in step."""

from __future__ import annotations

import random
from typing import Any, Protocol

from voice_coach.actions import (
    Action,
    ForgetUsed,
    RecordHistory,
    RememberLast,
    SaveFavorite,
    Say,
)
from voice_coach.content import CATEGORIES, Library, Starter, Tip
from voice_coach.dialogue.memory import Memory
from voice_coach.dialogue.picker import pick_unused


class SayLine(Protocol):
    """Picks a variant of a coach line and fills it in."""

    def __call__(self, key: str, kind: str = "reply", content_id: str | None = None, **fill: Any) -> Say: ...


class Giver:
    """The content side of the dialogue: which item, which part of it, and what was saved."""

    def __init__(self, library: Library, memory: Memory, rng: random.Random, say: SayLine) -> None:
        self.library = library
        self.memory = memory
        self.rng = rng
        self.say = say

    def starter(self, depth: str | None, topic: str | None) -> list[Action]:
        pool = [s for s in self.library.starters if (depth is None or s.depth == depth) and (topic is None or s.category == topic)]
        if not pool:
            pool = [s for s in self.library.starters if topic is None or s.category == topic] or self.library.starters
        if not pool:
            return [self.say("out_of_scope")]
        return self._give("starter", pool, depth, topic, CATEGORIES.get(topic or "", "these"))

    def tip(self, topic: str | None) -> list[Action]:
        pool = [t for t in self.library.tips if topic is None or t.topic == topic] or self.library.tips
        if not pool:
            return [self.say("out_of_scope")]
        return self._give("tip", pool, None, topic, "tips" if topic is None else "these tips")

    def _give(self, kind: str, pool: list[Starter] | list[Tip], depth: str | None, topic: str | None, set_name: str) -> list[Action]:
        item, used_up = pick_unused(pool, self.memory.used, self.rng, avoid=self.memory.last_id)
        actions: list[Action] = []
        if used_up:
            ids = tuple(i.id for i in pool)
            self.memory.used.difference_update(ids)
            actions += [ForgetUsed(ids), self.say("category_used_up", category=set_name)]
        self.memory.used.add(item.id)
        self.memory.last_kind, self.memory.last_id, self.memory.last_part = kind, item.id, "text"
        self.memory.last_depth, self.memory.last_topic = depth, topic
        return actions + [
            Say(item.text, kind=kind, content_id=item.id),
            RecordHistory(kind, item.id),
            RememberLast(kind, item.id, "text", depth, topic),
        ]

    def another(self) -> list[Action]:
        if self.memory.last_kind == "tip":
            return self.tip(self.memory.last_topic)
        if self.memory.last_kind == "starter":
            return self.starter(self.memory.last_depth, self.memory.last_topic)
        return self.starter(None, None)

    def tell_more(self) -> list[Action] | None:
        """The next part of the last item; None when there is no more to it."""
        kind, content_id, part = self.memory.last_kind, self.memory.last_id, self.memory.last_part
        tip = self.library.tip(content_id) if kind == "tip" and content_id else None
        if tip is not None and part == "text":
            return self._part(tip.id, "more", Say(tip.more, kind="more", content_id=tip.id))
        if tip is not None and part == "more":
            return self._part(tip.id, "try", self.say("try_intro", kind="more", content_id=tip.id, **{"try": tip.try_}))
        starter = self.library.starter(content_id) if kind == "starter" and content_id else None
        if starter is not None and starter.follow_ups:
            return self._starter_step(starter, part)
        if kind == "starter" and content_id and part == "text":
            return self._part(content_id, "more", self.say("more_on_starter", kind="more", content_id=content_id))
        if kind is None:
            return [self.say("nothing_to_repeat")]
        return None

    def _starter_step(self, starter: Starter, part: str | None) -> list[Action] | None:
        """A starter's own follow-ups for whoever answered, then the same question for the other, then theirs."""
        steps = _starter_steps(starter)
        names = [name for name, _ in steps]
        if part == "text":
            at = 0
        elif part in names:
            at = names.index(part) + 1
        else:
            return None
        if at >= len(steps):
            return None
        name, text = steps[at]
        if name == "swap":
            return self._part(starter.id, name, self.say("starter_swap", kind="more", content_id=starter.id, question=starter.text))
        return self._part(starter.id, name, Say(text, kind="more", content_id=starter.id))

    def _part(self, content_id: str, part: str, say: Say) -> list[Action]:
        kind = self.memory.last_kind or "tip"
        self.memory.last_part = part
        return [say, RememberLast(kind, content_id, part, self.memory.last_depth, self.memory.last_topic)]

    def repeat_last(self) -> list[Action]:
        """The last item again, from memory (a new process, e.g. two ``ask`` calls)."""
        text = self._last_item_text()
        if text is None:
            return [self.say("nothing_to_repeat")]
        return [Say(text, kind=self.memory.last_kind or "reply", content_id=self.memory.last_id)]

    def _last_item_text(self) -> str | None:
        """The last item's text from memory (repeat in a new process, e.g. two ``ask`` calls)."""
        content_id, part = self.memory.last_id, self.memory.last_part
        if content_id is None:
            return None
        tip = self.library.tip(content_id)
        if tip is not None:
            return {"more": tip.more, "try": tip.try_}.get(part or "text", tip.text)
        starter = self.library.starter(content_id)
        if starter is None:
            return None
        return dict(_starter_steps(starter)).get(part or "text") or starter.text

    def save_favorite(self) -> list[Action]:
        content_id = self.memory.last_id
        if content_id is None:
            return [self.say("nothing_to_save")]
        if content_id in self.memory.favorites:
            return [self.say("already_favorite")]
        self.memory.favorites.append(content_id)
        return [SaveFavorite(content_id), self.say("saved_favorite")]

    def list_favorites(self) -> list[Action]:
        texts = [t for t in (self._item_text(i) for i in reversed(self.memory.favorites)) if t]
        if not texts:
            return [self.say("no_favorites")]
        return [self.say("favorites_intro", count=str(len(texts)))] + [Say(t, kind="favorite") for t in texts[:3]]

    def _item_text(self, content_id: str) -> str | None:
        tip = self.library.tip(content_id)
        if tip is not None:
            return tip.text
        starter = self.library.starter(content_id)
        return starter.text if starter else None


def _starter_steps(starter: Starter) -> list[tuple[str, str]]:
    """(part, text) after a starter: its follow-ups, the turn swap (text filled in later), the follow-ups again."""
    mine = [(f"follow{i}", text) for i, text in enumerate(starter.follow_ups, 1)]
    theirs = [(f"other{i}", text) for i, text in enumerate(starter.follow_ups, 1)]
    return mine + [("swap", "")] + theirs if mine else []
