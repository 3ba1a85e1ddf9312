#!/usr/bin/env python3
"""Copy a fresh batch (text, intent|null, slots JSON, kind) into the bench's TSV format, with the context
each line is heard in.

Usage: scripts/import_fresh.py BATCH.tsv OUT.tsv --title "Fresh batch 8: ..."

The context a line is fed with (column 4) follows from how it was said, never from what the matcher does:
- said to the coach (starts with the wake word, or a recogniser's "couch"): no dialogue state at all
  ("nostate", as `voice-coach parse` has it: every intent may match, yes/no included);
- not said to the coach and meant as nothing (partner talk, unrelated, near misses): the plain state
  (no question pending, no exercise), as the couple talk to each other; the bench measures these again
  as said during a speaking turn;
- a bare command (no wake word) is said in the state where it applies: yes/no after a yes/no question
  ("pending"), resume while the exercise is paused ("paused"), turn language during a speaking turn
  ("turn"), the other exercise commands while the exercise runs ("exercise"), another/repeat/save right
  after a conversation starter, tell me more right after a tip, everything else right after a tip
  (the follow-up window).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

WAKE_RE = re.compile(r"^\s*((hey|hi|ok|okay|um|uh)[ ,]+)?(coach|couch)\b", re.IGNORECASE)
_BY_INTENT = {
    "yes": "pending", "no": "pending",
    "resume": "paused",
    "switch_turn": "turn",
    "pause": "exercise", "time_out": "exercise", "time_left": "exercise", "add_time": "exercise",
    "done": "exercise", "repeat_rules": "exercise", "skip": "exercise",
    "another": "kind=starter,last=conversation_starter", "repeat": "kind=starter,last=conversation_starter",
    "save_favorite": "kind=starter,last=conversation_starter",
    "tell_more": "kind=tip,last=tip",
}
_FOLLOW_UP_WINDOW = "kind=tip,last=tip"


def context_for(text: str, intent: str | None) -> str:
    """The context column for one line (see the module docstring)."""
    if WAKE_RE.match(text):
        return "nostate"
    if intent is None:
        return ""
    return _BY_INTENT.get(intent, _FOLLOW_UP_WINDOW)


def slot_text(slots: dict[str, object]) -> str:
    """JSON slots as k=v pairs; the batch's "first" is the matcher's "speaker" (names capitalised)."""
    pairs = []
    for key, value in slots.items():
        if key == "first":
            key = "speaker"
            value = value if value in ("me", "partner") else str(value).capitalize()
        pairs.append(f"{key}={value}")
    return ",".join(pairs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batch", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--title", required=True, help="first header line")
    args = parser.parse_args()
    rows = []
    for n, line in enumerate(args.batch.read_text(encoding="utf-8").splitlines(), 1):
        cols = line.split("\t")
        if n == 1 and cols[:2] == ["text", "intent"] or not line.strip():
            continue
        if len(cols) != 4:
            print(f"{args.batch}:{n}: expected 4 tab-separated columns, got {len(cols)}", file=sys.stderr)
            return 2
        text, intent, slots, kind = cols
        wanted = None if intent == "null" else intent
        rows.append("\t".join([text, wanted or "NONE", slot_text(json.loads(slots)), context_for(text, wanted), kind]))
    header = [f"# {args.title}",
              "# utterance<TAB>intent or NONE<TAB>slots k=v,k=v<TAB>context: nostate, pending, exercise, paused, turn, "
              "kind=tip|starter, last=intent<TAB>kind",
              "# context per line by scripts/import_fresh.py (see its docstring); never copy these lines into intents/"]
    args.out.write_text("\n".join(header + rows) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(rows)} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
