"""A command inside a longer sentence: each clause scored apart from the situation around it.

"coach, the pasta's boiling over, hold the timer": the clause about the pasta sinks the score of the
whole sentence although "hold the timer" is a plain command. Said to the coach, a sentence is also
read clause by clause (split where the speaker paused: commas, full stops, "but"), and a clause that
turns a command down ("don't stop", "not pause") rules that command out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from voice_coach.understand.evidence import has_any
from voice_coach.understand.intents import Intents
from voice_coach.understand.match import Match, SlotValue
from voice_coach.understand.numbers import NUMBER_WORDS
from voice_coach.understand.wake import WakeWords

_LOGGER = logging.getLogger(__name__)

EXACT_SCORE = 95.0
"""A clause matching a template this well stands as said, even when it starts with "not" ("not now")."""
TIE_MARGIN = 5.0
"""Clauses scoring this close to the best count as equally good; the last of them is the command."""
EXACT_MARGIN = 5.0
"""A clause starting with "not" that matches a template exactly stands when what it turns down fits this much worse."""
MAX_CLAUSES = 5
"""Clauses read at most; a command is short and this bounds the time per utterance."""

_SPLIT_RE = re.compile(r"[,;:!?]+|\.(?![0-9])|\s+-+\s+|\s+but\s+|\s+and then\s+")
_SLOTTED = frozenset({"tip", "conversation_starter", "start_exercise", "add_time"})
"""Commands whose slots may be spread over the clauses ("a question about values, a deep one")."""
_HOLDS = frozenset({"stop", "pause", "switch_turn", "time_out"})
_CARRY_ON = frozenset({"resume", "no", "yes"})
_AMOUNT_WORDS = frozenset({"minute", "minutes", "min", "mins", "each", "a", "and", "half", "per", "person",
                           "turn", "apiece", "of", "an", "no", "or", "actually", "sorry", "mean", "i", "make", "it"})
_LEADS = frozenset({"please", "just", "so", "oh", "ok", "okay", "well", "um", "uh", "but", "and", "no", "now"})
_NEGATIONS = (("do", "not"), ("not",), ("never",), ("no", "do", "not"), ("did", "not", "mean"), ("no", "more"))
_WHO = frozenset({"we", "i", "she", "he", "they"})
_WANTING = frozenset({"want", "need", "wanna", "fancy", "feel", "like", "care"})
"""After "we don't", what turns a command down ("we don't want another question"); "I don't understand" does not."""
_AUX = frozenset({"do", "does", "are", "is", "am", "will", "would", "did", "really", "definitely", "just"})


@dataclass(frozen=True)
class Clause:
    """One clause: its words, and whether it turns a command down."""

    words: list[str]
    refusal: bool
    foreign: bool = False
    told: bool = False
    """The refusal is told with a subject ("we don't need the check in"): it explains, so it rules out only
    a command no other clause asks for outright ("skip, we don't need the check in")."""
    """It names something the coach has nothing to do with ("set a timer for the cookies")."""


def split(text: str, to_words: Callable[[str], list[str]]) -> list[str]:
    """The pieces of a sentence between pauses (as written or transcribed), empty ones left out."""
    return [p for p in (piece.strip() for piece in _SPLIT_RE.split(text)) if p and to_words(p)]


def around_wake(text: str, before: int, name: str, to_words: Callable[[str], list[str]]) -> list[str]:
    """The pieces of a sentence with the wake word said inside it: the aside before it, the command after it
    (`before`: how often `name` was said earlier, as a coach talked about)."""
    found = list(re.finditer(rf"\b{re.escape(name)}\b", text, flags=re.IGNORECASE))
    if len(found) <= before:
        return split(text, to_words)
    at = found[before]
    return split(text[:at.start()], to_words) + split(text[at.end():], to_words)


_SUBJECTS = frozenset({"i", "we", "he", "she", "they", "it", "there", "someone", "somebody", "you"})
_OWNERS = frozenset({"the", "my", "our", "his", "her", "their", "your"})
_VERBS = frozenset({"is", "are", "was", "were", "will", "have", "has", "had", "just", "got", "would", "am", "did",
                    "need", "needs", "went", "do", "can", "could", "keep", "keeps", "already", "still", "really"})
_OPENERS = (("can", "you"), ("could", "you"), ("can", "we"), ("could", "we"), ("would", "you"), ("will", "you"),
            ("let", "us"), ("so",), ("because",), ("cause",), ("do", "not"), ("please",), ("then",),
            ("now",), ("just",), ("thanks",), ("thank", "you"))
_COMMANDING = frozenset({"keep", "save", "give", "tell", "stop", "pause", "skip", "repeat", "say", "speak", "talk",
                         "turn", "hold", "hang", "start", "end", "carry", "continue", "resume", "move", "swap", "switch",
                         "slow", "speed", "read", "remind", "ask", "go"})
"""Verbs a command starts with; before one, a new clause starts ("we loved that question keep it for later")."""
_BEFORE_VERB = frozenset({"i", "we", "you", "he", "she", "they", "to", "not", "never", "always", "can", "could",
                          "will", "would", "should", "let", "us", "me", "please", "just", "and", "or", "then", "so",
                          "do", "did", "does", "must", "might", "may", "also", "still", "really", "it", "who", "that",
                          "which", "lets", "gonna", "wanna", "need", "want", "time", "please"})
"""Words after which a command verb goes on the same clause ("we need to stop", "you keep talking")."""
_NOT_SO = frozenset({"not", "too", "is", "are", "was", "and", "or", "so", "just", "said", "think", "do", "what", "how",
                     "when", "where", "why", "who", "which", "if", "that", "should", "would", "could", "can", "will",
                     "does", "did", "know", "thought", "whether", "than"})
"""Words after which "so", "just", "now", ... go on the same clause ("not so fast", "right now")."""


def implicit(words: list[str]) -> list[str]:
    """A sentence said without pauses split where a new clause starts ("my phone is ringing can you pause it",
    "hold the clock the kettle is going"): before a request ("can you", "let us", "so"), or a new subject and
    its verb; [] when there is no such place."""
    cuts = [0]
    for i in range(1, len(words)):
        if i - cuts[-1] < 2 or words[i - 1] in _NOT_SO:
            continue
        opener = any(tuple(words[i:i + len(o)]) == o for o in _OPENERS) or (
            words[i] in _COMMANDING and words[i - 1] not in _BEFORE_VERB) or (
            words[i] == "and" and i + 1 < len(words) and words[i + 1] in _COMMANDING | {"do", "come", "try", "pick"})
        subject = (words[i] in _SUBJECTS and i + 1 < len(words) and words[i + 1] in _VERBS) or (
            words[i] in _OWNERS and i + 2 < len(words) and words[i + 2] in _VERBS)
        if opener or subject:
            cuts.append(i)
    if len(cuts) < 2:
        return []
    return [" ".join(words[a:b]) for a, b in zip(cuts, [*cuts[1:], len(words)])]


def negation_length(words: list[str]) -> int:
    """Words up to the end of a leading negation ("do not", "please don't", "but never"); 0 without one."""
    start = 0
    while start < len(words) - 1 and words[start] in _LEADS:
        start += 1
    if words[start:start + 2] == ["let", "us"] and words[start + 2:start + 3] == ["not"] and len(words) > start + 3:
        return start + 3  # "let's not do the exercise"
    if start < len(words) - 2 and words[start] in _WHO:  # "we don't want another question", "she's not done yet"
        aux = start + 1
        while aux < min(len(words) - 1, start + 3) and words[aux] in _AUX:
            aux += 1
        if aux > start + 1 and words[aux] == "not" and len(words) > aux + 1 and (
                words[aux + 1] in _WANTING or words[aux - 1] in ("are", "is", "am")):
            return aux + 1
    for at in range(start + 1):  # "no more time" is a negation as said, "no, don't stop" after the "no"
        for lead in _NEGATIONS:
            if tuple(words[at:at + len(lead)]) == lead and len(words) > at + len(lead):
                return at + len(lead)
    return 0


def read(pieces: list[str], wake: WakeWords, intents: Intents,
         understand: Callable[[str, list[str]], Match | None]) -> list[tuple[Clause, Match | None, Match | None]]:
    """Each clause with its reading as said and, for a refusal, the reading of what it turns down."""
    out: list[tuple[Clause, Match | None, Match | None]] = []
    for n, piece in enumerate(pieces[:MAX_CLAUSES]):
        words = intents.normalizer.words(piece)
        if n == 0:
            words = wake.strip(words)[1]
        if not intents.normalizer.drop(words):
            continue  # nothing but the wake word or politeness ("..., please")
        neg = negation_length(words)
        clause = Clause(words, neg > 0, has_any(words, intents.out_of_scope_words),
                        told=neg > 0 and words[0] in _WHO | {"let"})
        out.append((clause, understand(piece, words), understand(piece, words[neg:]) if neg else None))
    return out


def choose(whole_reading: Callable[[], Match | None],
           clauses: list[tuple[Clause, Match | None, Match | None]]) -> Match | None:
    """The command of a sentence from its whole reading and its clauses' readings.

    Each clause comes with its reading as said and, for a refusal, the reading of what it turns down.
    The command is the clause that matches best (the later one on a near tie: the preamble comes first);
    its slots come from the whole reading when that agrees, else from the clauses of the same command.
    With no clause a command by itself, the whole reading stands unless a refusal ruled it out.
    The whole reading (the costly one, of the longest text) is made only when needed.
    """
    refused: set[str] = set()
    explained: set[str] = set()
    found: list[Match] = []
    after: set[int] = set()  # matches said after a refusal of their own command ("don't stop the timer, just pause")
    for clause, as_said, turned_down in clauses:
        if clause.refusal and not _stands(as_said, turned_down):
            if turned_down is not None:
                (explained if clause.told else refused).add(turned_down.intent)
            continue
        if as_said is not None:
            found.append(as_said)
            if as_said.intent in refused:
                after.add(id(as_said))
    refused |= explained - {m.intent for m in found}
    found = [m for m in found if m.intent not in refused or id(m) in after]
    if refused & _HOLDS and {m.intent for m in found} <= _CARRY_ON:
        return None  # "no, don't stop, keep the clock running": nothing is to change
    amounts = [m for m in found if any(m is said and only_amount(c.words) for c, said, _ in clauses)]
    if found and len(amounts) == len(found) and any(c.foreign for c, _, _ in clauses):
        return None  # "set a timer for the cookies, twelve minutes": the amount belongs to what is no command
    if len(amounts) < len(found):
        # an amount on its own ("..., twelve minutes") only completes another clause's command
        found = [m for m in found if not any(m is a for a in amounts)]
        found += [Match("start_exercise", {"minutes": a.slots["minutes"]}, 0.0) for a in amounts
                  if "minutes" in a.slots and any(m.intent == "start_exercise" for m in found)]
    if not found:
        if refused:
            return None
        whole = whole_reading()
        return whole if whole is None or whole.intent not in refused else None
    if any(m.intent not in _CARRY_ON for m in found):  # "the exercise where ..., let's do that": the command
        found = [m for m in found if m.intent not in ("yes", "no")] or found
    top = max(m.score for m in found)
    best = [m for m in found if m.score >= top - TIE_MARGIN][-1]  # the command comes after the preamble
    # (completing amounts score 0: never chosen)
    intents = {m.intent for m in found}
    best = _together(best, found, intents)
    if best.intent == "add_time" and "start_exercise" in intents:
        # "Sam can start, four minutes": an amount said on its own goes with the command that takes it
        best = next(m for m in found if m.intent == "start_exercise")
        found = [Match("start_exercise", {"minutes": m.slots["minutes"]}, m.score) if m.intent == "add_time"
                 and "minutes" in m.slots else m for m in found]
    if best.intent == "add_time" and amounts:  # "she needs more time on her turn, two minutes"
        best = Match("add_time", {"minutes": amounts[-1].slots.get("minutes", 1.0)}, best.score, best.text, True)
        found = [best]
    elif best.intent in _SLOTTED:
        whole = whole_reading()
        if whole is not None and whole.intent == best.intent:
            if best.intent == "start_exercise" and "minutes" not in whole.slots and amounts:
                return Match(whole.intent, {**whole.slots, "minutes": amounts[-1].slots["minutes"]}, whole.score,
                             whole.text, True)  # "partner goes first, four minutes a turn"
            return whole  # slots are read best over the whole sentence
    slots: dict[str, SlotValue] = {}
    for match in found:  # "start the exercise, two minutes, Maria goes first": slots from every clause
        if match.intent == best.intent or (best.intent == "start_session" and match.intent == "conversation_starter"):
            slots.update(match.slots)  # "the guided evening, but about money": a theme said apart
    return Match(intent=best.intent, slots=slots, score=best.score, text=best.text, addressed=True)


_TOGETHER = (  # (what was said last, said beside it) -> what the two mean together
    (("done", "goodbye", "stop"), "switch_turn", "switch_turn"),  # "we're swapping, I'm done": handing over
    (("start_exercise",), "switch_turn", "switch_turn"),  # "cut my turn short, he can start"
    (("skip",), "done", "done"),  # "done reflecting, move on"
    (("skip",), "goodbye", "done"),  # "we're done, move on": done with this part, not with the coach
    (("pause",), "time_out", "time_out"),  # "we need a break, stop the clock"
    (("conversation_starter",), "start_session", "start_session"),  # "a guided evening, something light"
)


def _together(best: Match, found: list[Match], intents: set[str]) -> Match:
    """Two commands said side by side that mean one of them ("I'm done, your turn" hands the turn over)."""
    near = {m.intent for m in found if m.score >= best.score - TIE_MARGIN}  # "I'll listen first, she talks" is a start
    for said_last, beside, meant in _TOGETHER:
        if best.intent in said_last and beside in (near if meant == "switch_turn" else intents) and not (
                meant == "switch_turn" and "minutes" in best.slots):
            return next((m for m in found if m.intent == meant), Match(meant, {}, best.score, best.text, True))
    return best


def only_amount(words: list[str]) -> bool:
    """True for a clause that is nothing but an amount of time ("four minutes", "two minutes each")."""
    return (any(w in ("minute", "minutes", "min", "mins") for w in words)
            and all(w in NUMBER_WORDS or w in _AMOUNT_WORDS for w in words))


def _stands(as_said: Match | None, turned_down: Match | None) -> bool:
    """True when a clause starting with "not" is a command as said ("not so fast", "not now"), not a refusal
    of one ("don't stop" is no "no")."""
    if as_said is None or as_said.score < EXACT_SCORE:
        return False
    if turned_down is None:
        return True
    if as_said.score >= 99.5 and turned_down.score <= as_said.score - EXACT_MARGIN:
        return True  # "not such a rush" is a phrase of its own, matched whole
    return as_said.intent != turned_down.intent or as_said.intent == "no"  # "not now": no, not a refused no
