"""Regenerate README.md's "What you can say" block from intents/ (run after editing intents)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


from voice_coach.understand.match import Context  # noqa: E402
from voice_coach.understand.matcher import load_intents, recognize  # noqa: E402

DEV_SET = ROOT / "tests" / "data" / "intents_dev.tsv"

BEGIN, END = "<!-- intents:begin -->", "<!-- intents:end -->"

WHAT: dict[str, str] = {
    "conversation_starter": "an open-ended question to talk about (light, medium or deep; one of 12 topics or 10 situations, e.g. after a fight, new parents, money)",
    "tip": "a short tip on helping each other open up (any of 16 topics)",
    "tell_more": "the longer version of the last tip, then something to try today; after a starter, its follow-up questions, then the same question for the other of you",
    "another": "another one of the same kind",
    "repeat": "say the last thing again",
    "save_favorite": "keep the last starter or tip",
    "list_favorites": "hear what you saved",
    "help": "what you can say",
    "yes": "answer a question the coach asked",
    "no": "answer a question the coach asked",
    "goodbye": "end the session",
    "start_exercise": "the guided listening exercise (minutes each, who goes first)",
    "pause": "pause the exercise clock",
    "resume": "carry on after a pause",
    "stop": "stop speaking, or end the exercise (asks first)",
    "switch_turn": "end this speaking turn early",
    "time_left": "how long is left, in plain words",
    "add_time": "more time for this turn",
    "time_out": "stop the clock and take a breather",
    "repeat_rules": "hear the exercise rules again",
    "skip": "skip the exercise check-in",
    "done": "finish the reflection and move on",
    "start_session": "a guided session, light to deep, then a warm close; or a game: guess my answer, finish the sentence, something to do together",
    "how_are_we_doing": "the practice log: sessions and exercises this week and month, minutes spoken, streak",
    "slower": "speaking speed",
    "faster": "speaking speed",
    "louder": "speaking volume",
    "quieter": "speaking volume",
}


def pick(examples: list[str], k: int = 3) -> list[str]:
    """A few varied, readable examples: spread over the list, preferring two to eight words."""
    readable = [e for e in examples if 2 <= len(e.split()) <= 8] or examples
    step = max(1, len(readable) // k)
    chosen: list[str] = []
    for example in readable[::step]:
        if all(example.split()[:2] != c.split()[:2] for c in chosen):
            chosen.append(example)
        if len(chosen) == k:
            break
    return chosen


def spoken_examples(intents: object) -> dict[str, list[str]]:
    """Human-written dev-set utterances per intent that the matcher really resolves to it."""
    found: dict[str, list[str]] = {}
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if line.startswith("#") or len(cols) < 2 or cols[1] == "NONE":
            continue
        context = Context(pending_question="question") if cols[1] in ("yes", "no") else Context(in_exercise=True)
        if len(cols) > 3 and cols[3].strip() not in ("", "exercise", "pending"):
            continue
        match = recognize(cols[0], intents, context)  # type: ignore[arg-type]
        if match is not None and match.intent == cols[1]:
            found.setdefault(cols[1], []).append(cols[0].removeprefix("coach ").removeprefix("hey coach "))
    return found


def block() -> str:
    intents = load_intents()
    examples = intents.examples()
    spoken = spoken_examples(intents)
    rows = ["| intent | what it does | for example (after \"coach,\") | phrasings known |", "|---|---|---|---|"]
    for name, sentences in examples.items():
        quoted = ", ".join(f'"{s}"' for s in pick(spoken.get(name) or sentences))
        rows.append(f"| `{name}` | {WHAT.get(name, '')} | {quoted} | {len(sentences)} |")
    intro = ("Start with the wake word, \"coach\" (or \"hey coach\"). After each reply you have six seconds for a "
             "follow-up without it (\"another one\", \"tell me more\", \"repeat\", \"stop\"). During a speaking turn "
             "only \"coach\" plus an exercise command is heard. Generated from `intents/` by `scripts/readme_intents.py`; "
             "`voice-coach intents` lists every phrasing.")
    return "\n".join([BEGIN, intro, "", *rows, END])


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    updated = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block(), text, flags=re.DOTALL)
    readme.write_text(updated, encoding="utf-8")
    print("README.md: 'What you can say' updated" if updated != text else "README.md: already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
