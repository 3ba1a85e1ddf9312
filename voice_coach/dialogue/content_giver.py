"""Gives starters and tips without repeats, their longer parts, and favorites; keeps Memory in step.

A question one partner asks the other ("What's a small thing I did ...?") is handed over with a lead
spoken as its own line first ("Ask each other:"), so its "I" is the asker, not the coach; the card
and the history keep the question itself.
"""

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
from voice_coach.content.asker import asked_by_a_partner
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
            *self._spoken(item.text, kind, item.id, "ask_each_other" if kind == "starter" else None),
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
        return self._part(starter.id, name, *self._starter_part(starter, name, text, "more"))

    def _starter_part(self, starter: Starter, name: str, text: str, kind: str) -> list[Say]:
        """A follow-up (after a lead when a partner asks it), or the swap line (which hands a partner's question over itself)."""
        if name == "swap":
            key = "starter_swap_ask" if asked_by_a_partner(starter.text) else "starter_swap"
            return [self.say(key, kind=kind, content_id=starter.id, question=starter.text)]
        return self._spoken(text, kind, starter.id, "ask_follow_up")

    def _spoken(self, text: str, kind: str, content_id: str | None, lead: str | None) -> list[Say]:
        """The line, after a lead (coach line ``lead``) when it is a question one partner asks the other."""
        said = Say(text, kind=kind, content_id=content_id)
        if lead is None or not asked_by_a_partner(text):
            return [said]
        return [self.say(lead, kind="lead", content_id=content_id), said]

    def _part(self, content_id: str, part: str, *said: Say) -> list[Action]:
        kind = self.memory.last_kind or "tip"
        self.memory.last_part = part
        return [*said, RememberLast(kind, content_id, part, self.memory.last_depth, self.memory.last_topic)]

    def repeat_last(self) -> list[Action]:
        """The last item again, from memory (a new process, e.g. two ``ask`` calls), with its lead."""
        said = self._last_item_says()
        if not said:
            return [self.say("nothing_to_repeat")]
        return list(said)

    def _last_item_says(self) -> list[Say]:
        """The last item's line(s) from memory (repeat in a new process, e.g. two ``ask`` calls)."""
        content_id, part = self.memory.last_id, self.memory.last_part
        kind = self.memory.last_kind or "reply"
        if content_id is None:
            return []
        tip = self.library.tip(content_id)
        if tip is not None:
            return [Say({"more": tip.more, "try": tip.try_}.get(part or "text", tip.text), kind=kind, content_id=content_id)]
        starter = self.library.starter(content_id)
        if starter is None:
            return []
        steps = dict(_starter_steps(starter))
        if part in steps:
            return self._starter_part(starter, part, steps[part], "more")
        return self._spoken(starter.text, "starter", starter.id, "ask_each_other")

    def save_favorite(self) -> list[Action]:
        content_id = self.memory.last_id
        if content_id is None:
            return [self.say("nothing_to_save")]
        if content_id in self.memory.favorites:
            return [self.say("already_favorite")]
        self.memory.favorites.append(content_id)
        return [SaveFavorite(content_id), self.say("saved_favorite")]

    def list_favorites(self) -> list[Action]:
        """The three latest saved items read back; a partner's question gets its lead, as when it was first given."""
        items = [i for i in (self._item(c) for c in reversed(self.memory.favorites)) if i is not None]
        if not items:
            return [self.say("no_favorites")]
        intro = self.say("favorite_intro_one") if len(items) == 1 else self.say("favorites_intro", count=str(len(items)))
        actions: list[Action] = [intro]
        for content_id, text, lead in items[:3]:
            actions += self._spoken(text, "favorite", content_id, lead)
        return actions

    def _item(self, content_id: str) -> tuple[str, str, str | None] | None:
        """(id, text, lead key) of a saved item; tips never take a lead."""
        tip = self.library.tip(content_id)
        if tip is not None:
            return content_id, tip.text, None
        starter = self.library.starter(content_id)
        return (content_id, starter.text, "ask_each_other") if starter else None


def _starter_steps(starter: Starter) -> list[tuple[str, str]]:
    """(part, text) after a starter: its follow-ups, the turn swap (text filled in later), the follow-ups again."""
    mine = [(f"follow{i}", text) for i, text in enumerate(starter.follow_ups, 1)]
    theirs = [(f"other{i}", text) for i, text in enumerate(starter.follow_ups, 1)]
    return mine + [("swap", "")] + theirs if mine else []
