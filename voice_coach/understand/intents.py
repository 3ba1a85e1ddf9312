"""Load intents/ (files -> YAML -> dict) into templates expanded for matching, with errors naming file:line.

Schema. Every ``*.yaml`` file in the intents folder may hold any of these top-level keys::

    rules:                    # shared pieces, used as <name> in any template (names are global)
      starter: "(question|conversation starter|topic)"
    intents:
      pause:                  # intent name, as the coach sees it in Match.intent
        exercise: true        # optional: an exercise command, the only kind allowed in a speaking turn
        sentences:            # templates: (a|b) alternatives, [optional], {slot}, <rule>
          - "(pause|hold on) [the (timer|clock)]"
        cues: [pause, hold on]  # optional: words that point at this intent inside a longer request
        requires: [another, next] # optional: the intent is only considered when one of these words is said
    out_of_scope:
      sentences: ["what is the weather [today]"]   # matching these means "not for the coach" (null)
    wake_words: [coach, hey coach]   # and wake_mishearings, wake_prefixes
    replace: {pause: [paws, pours]}  # canonical spelling: variants (recogniser slips, British spelling)
    drop: [um, please, can you]      # fillers removed before scoring
    drop_leading: [can we, i want to]  # framing removed from the start of an utterance only
    corrections: [no, i mean]        # self-correction markers: the kind or topic said after one wins
    slots:                           # lexicons: slot -> value -> phrases
      depth: {light: [light, easy]}
      topic: {...}                   # tip topics; category: starter categories
      speaker_me: [me, i]            # speaker_partner: [partner, my wife, ...]
      specific_categories: [money]   # categories that win over a general one said alongside
      state_categories: [new_parents]  # categories heard inside a situation clause too ("while the baby naps")
    out_of_scope_words: [weather, music]   # veto: a request with these is not for the coach
    domain_words: [open up, partner]   # show a question is about the couple even without a topic
    situations: [while, in the car]    # where the couple are: the words after these never veto a request
    coach_things: [turn, voice]        # what may follow "your" in a request to the coach; else it is partner talk
    not_slots: [listening exercise]    # phrases whose words are never slot values

Slots usable in templates: {depth}, {topic} (a tip topic or a starter category), {minutes}, {speaker}.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import voice_coach
from voice_coach.errors import ContentError
from voice_coach.understand import intent_cache
from voice_coach.understand.choices import ChoiceTable
from voice_coach.understand.intent_cache import Expanded
from voice_coach.understand.intent_files import (
    LIST_KEYS,
    IntentDef,
    intent_def,
    merge,
    parse_yaml,
)
from voice_coach.understand.normalize import (
    Normalizer,
    PhraseMap,
    basic_words,
)
from voice_coach.understand.numbers import NUMBER_WORDS, find_minutes, may_hold_amount
from voice_coach.understand.slots import SlotReader
from voice_coach.understand.templates import TemplateError, expand, parse
from voice_coach.understand.wake import WakeWords

_LOGGER = logging.getLogger(__name__)


def _intents_dir() -> Path:
    """Installed wheels ship the folder as voice_coach/intents; a checkout has it at the repo root."""
    installed = Path(voice_coach.__file__).parent / "intents"
    if installed.is_dir():
        return installed
    return Path(voice_coach.__file__).resolve().parent.parent / "intents"


INTENTS_DIR: Path = _intents_dir()
OUT_OF_SCOPE = "_out_of_scope"
"""Internal intent name of out-of-scope templates; the matcher turns it into None."""
SLOT_TOKENS: dict[str, str] = {"depth": "XDEPTH", "topic": "XTOPIC", "minutes": "XMIN", "speaker": "XWHO"}
"""Placeholder word each slot becomes, in templates and in utterances alike (upper case: it shares no
letters with the lower-case words, so only a placeholder matches a placeholder)."""
_PLACEHOLDERS = set(SLOT_TOKENS.values())
class Intents:
    """Loaded intents: expanded, normalised templates ready for fuzzy matching, plus lexicons."""

    def __init__(self, data: dict[str, Any], expanded: Expanded | None = None) -> None:
        """`expanded`: the templates as `_expand` made them for this very data before (intent_cache)."""
        lists = {key: [str(v) for v in data.get(key, [])] for key in LIST_KEYS}
        self.wake_words: list[str] = lists["wake_words"] or ["coach"]
        self.intents: dict[str, IntentDef] = data["intents"]
        self.normalizer = Normalizer({str(k): [str(v) for v in vs] for k, vs in data.get("replace", {}).items()},
                                     lists["drop"], lists["drop_leading"])
        self.wake = WakeWords(self.wake_words, lists["wake_mishearings"], lists["wake_prefixes"])
        self._not_slots = PhraseMap((self.normalizer.words(p), True) for p in lists["not_slots"])
        self._raw: dict[str, list[tuple[str, ...]]] = {}
        self.choices: list[str] = []
        self.choice_intents: list[str] = []
        if expanded is not None:
            self._raw, self.choices, self.choice_intents = expanded
        else:
            self._expand(list(self.intents.values()) + [IntentDef(OUT_OF_SCOPE, data.get("out_of_scope", []))],
                         data.get("rules", {}))
        slots = data.get("slots", {})
        self.lexicons: dict[str, dict[str, list[str]]] = {
            name: {str(k): [str(p) for p in v] for k, v in slots.get(name, {}).items()}
            for name in ("depth", "topic", "category")
        }
        vocab = self._vocabulary(lists)
        self.known_words: frozenset[str] = frozenset(vocab)
        self.spellings = sorted(w for w in vocab if len(w) >= 4 and w.isalpha())
        """Known words a misheard word may be corrected to ("pawse" -> "pause")."""
        phrases = {key: [self.normalizer.words(p) for p in lists[key]]
                   for key in ("not_slots", "corrections", "situations")}
        self.slot_reader = SlotReader(self.lexicons, [str(p) for p in slots.get("speaker_me", [])],
                                      [str(p) for p in slots.get("speaker_partner", [])], vocab,
                                      phrases["not_slots"], phrases["corrections"], phrases["situations"],
                                      [str(v) for v in slots.get("specific_categories", [])],
                                      [str(v) for v in slots.get("state_categories", [])])
        self.cues: dict[str, PhraseMap] = {
            name: PhraseMap(self._cue_forms(d.cues, dropped=name not in ("tip", "conversation_starter")))
            for name, d in self.intents.items()
        }
        self.requires: dict[str, frozenset[str]] = {
            name: frozenset(w for r in d.requires for w in self.normalizer.words(r))
            for name, d in self.intents.items() if d.requires
        }
        self.required_words = sorted(set().union(*self.requires.values()))
        self.out_of_scope_words = PhraseMap((self.normalizer.words(w), True) for w in lists["out_of_scope_words"])
        self.corrections = PhraseMap((w, True) for w in phrases["corrections"])
        self.domain_words = PhraseMap((self.normalizer.words(w), True) for w in lists["domain_words"])
        self.coach_things = frozenset(w for p in lists["coach_things"] for w in self.normalizer.words(p))
        self.exercise_intents = {name for name, d in self.intents.items() if d.exercise}
        words_of: dict[str, set[str]] = {}
        for choice, name in zip(self.choices, self.choice_intents):
            words_of.setdefault(name, set()).update(choice.split())
        self.intent_words: dict[str, frozenset[str]] = {name: frozenset(ws) for name, ws in words_of.items()}
        """Every word of each intent's templates: a word the intent knows is never "unmatched"."""
        self._tables = self._choice_tables()

    def _expand(self, intents: list[IntentDef], rules: dict[str, Any]) -> None:
        """Every template expanded (kept as written in _raw) and, once per intent, as scored: canonical
        spelling, the amount of time as its placeholder, fillers dropped, words sorted."""
        memo: dict[tuple[str, int], list[tuple[str, ...]]] = {}
        seen: set[tuple[str, str]] = set()
        canonical, drop = self.normalizer.canonical, self.normalizer.drop
        for intent in intents:
            raw = self._raw.setdefault(intent.name, [])
            for template in intent.sentences:
                try:
                    expanded = expand(parse(template), rules, SLOT_TOKENS, memo=memo)
                except TemplateError as exc:
                    raise ContentError(f"{getattr(template, 'where', '?')}: {exc}",
                                       "fix the template in intents/") from exc
                raw.extend(expanded)
                for words in expanded:
                    said = self._mark_minutes(canonical(list(words)))
                    choice = " ".join(sorted(drop(said) or said))
                    if choice and (intent.name, choice) not in seen:
                        seen.add((intent.name, choice))
                        self.choices.append(choice)
                        self.choice_intents.append(intent.name)

    def _vocabulary(self, lists: dict[str, list[str]]) -> set[str]:
        """Every word the matcher knows: templates, lexicons, fillers, wake words, numbers, out-of-scope words."""
        vocab = {w for raws in self._raw.values() for words in raws for w in words if w not in _PLACEHOLDERS}
        vocab |= {w for lex in self.lexicons.values() for ps in lex.values() for p in ps for w in basic_words(p)}
        vocab |= {w for p in lists["drop"] + self.wake_words for w in basic_words(p)}
        vocab |= NUMBER_WORDS
        vocab |= {w for p in lists["out_of_scope_words"] for w in basic_words(p)}  # "dice" is no misheard "advice"
        vocab |= self.wake.names
        return vocab

    def _cue_forms(self, cues: list[str], dropped: bool) -> list[tuple[list[str], int]]:
        """Each cue as said (and, for commands, as scored: fillers dropped), with its length in words as said."""
        forms: list[tuple[list[str], int]] = []
        for cue in cues:
            words = self.normalizer.words(cue)
            forms.append((words, len(words)))
            short = self.normalizer.drop(words)
            if dropped and len(short) > 2 and short != words:
                forms.append((short, len(short)))
        return forms

    def _mark_minutes(self, words: list[str]) -> list[str]:
        """A template's amount of time as the placeholder, as it will be in utterances ("a minute to breathe")."""
        if not may_hold_amount(words):
            return words
        masked = list(words)
        for start, end, _ in self._not_slots.find_all(words):
            masked[start:end] = ["~"] * (end - start)
        found = find_minutes(masked)
        if found is None:
            return words
        return words[:found.start] + [SLOT_TOKENS["minutes"]] + words[found.end:]

    def _choice_tables(self) -> dict[str, ChoiceTable]:
        """A table per context: "normal" (no yes/no), "pending" (all), "turn" (exercise commands only)."""
        every = ChoiceTable.build(self.choices, self.choice_intents)
        return {"normal": every.subset({"yes", "no"}, keep=False), "pending": every,
                "turn": every.subset(self.exercise_intents)}

    def choice_table(self, mode: str) -> ChoiceTable:
        """The sentences scored in a context: "normal" (no yes/no), "pending" (all), "turn" (exercise only);
        shortest first, so a scorer can look only at the lengths that could reach its cutoff."""
        return self._tables[mode]

    @classmethod
    def from_files(cls, paths: Iterable[Path], cache: bool = True) -> Intents:
        """Load and merge intent files, in the order given; with `cache`, the expanded templates are kept
        on disk for the next load of the same files (see intent_cache)."""
        merged: dict[str, Any] = {}
        texts: list[tuple[str, str]] = []
        for path in paths:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ContentError(f"{path}: cannot read ({exc})", "check the file exists and is UTF-8") from exc
            merge(merged, parse_yaml(text, str(path)), str(path))
            texts.append((path.name, text))
        name = intent_cache.key(texts) if cache else None
        if name is None:
            return cls.from_dict(merged)
        kept = intent_cache.read(name)
        loaded = cls.from_dict(merged, kept)
        if kept is None:
            intent_cache.write(name, (loaded._raw, loaded.choices, loaded.choice_intents))
        return loaded

    @classmethod
    def from_yaml(cls, text: str, source: str = "<string>") -> Intents:
        """Load intents from one YAML document."""
        return cls.from_dict(merge({}, parse_yaml(text, source), source))

    @classmethod
    def from_dict(cls, data: dict[str, Any], expanded: Expanded | None = None) -> Intents:
        """Build from merged data: intents as IntentDef (from_files/from_yaml) or as plain dicts."""
        data = dict(data)
        intents = data.get("intents") or {}
        data["intents"] = {name: d if isinstance(d, IntentDef) else intent_def(str(name), d, "<dict>")
                           for name, d in intents.items()}
        if not data["intents"]:
            raise ContentError("no intents found", f"add intent files to {INTENTS_DIR}")
        rules: dict[str, Any] = {}
        for name, template in (data.get("rules") or {}).items():
            try:
                rules[str(name)] = parse(str(template))
            except TemplateError as exc:
                raise ContentError(f"{getattr(template, 'where', '<dict>')}: rule <{name}>: {exc}",
                                   "fix the rule template") from exc
        data["rules"] = rules
        if isinstance(data.get("out_of_scope"), dict):
            data["out_of_scope"] = [str(s) for s in data["out_of_scope"].get("sentences", [])]
        return cls(data, expanded)

    def cues_words(self, intent: str) -> frozenset[str]:
        """Every word of an intent's templates (empty for an unknown intent)."""
        return self.intent_words.get(intent, frozenset())

    def examples(self) -> dict[str, list[str]]:
        """Example sentences per intent: every template expansion, with a sample slot value."""
        sample = {"XDEPTH": "deep", "XTOPIC": "listening", "XMIN": "three minutes", "XWHO": "Sam goes first"}
        out: dict[str, list[str]] = {}
        for name in self.intents:
            sentences = (" ".join(sample.get(w, w) for w in words) for words in self._raw.get(name, []))
            out[name] = list(dict.fromkeys(sentences))
        return out

    def vocabulary(self) -> set[str]:
        """Every word the matcher knows (templates, lexicons, fillers, wake words, numbers)."""
        return set(self.known_words)


def load_intents(path: Path | None = None, cache: bool = True) -> Intents:
    """Load every *.yaml under `path` (a folder, or one file); default: the shipped intents/.

    With `cache`, the expanded templates come from the XDG cache folder when these files were loaded before."""
    path = path or INTENTS_DIR
    if path.is_dir():
        files = sorted(path.glob("*.yaml"))
        if not files:
            raise ContentError(f"{path}: no *.yaml intent files", "point to the intents/ folder")
        return Intents.from_files(files, cache)
    if not path.exists():
        raise ContentError(f"{path}: not found", "point to the intents/ folder or a .yaml file")
    return Intents.from_files([path], cache)
