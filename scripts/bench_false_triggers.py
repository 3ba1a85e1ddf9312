#!/usr/bin/env python3
"""False activations: a listening exercise whose speaking turns are filled with a synthesised (hibari) heartfelt
monologue full of command-like words, played into the virtual microphone; every action it causes is false.

Usage: .venv/bin/python scripts/bench_false_triggers.py [--minutes 30] [--engine pocketsphinx]
                                                        [--out bench_results/false_triggers.json]
Smoke run (seconds): .venv/bin/python scripts/bench_false_triggers.py --smoke
The full 30 minutes is a benchmark (run it in the background), never a test.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import RESULTS_DIR, Coach, audio_rig, table, write_json  # noqa: E402

OPENINGS = (
    "You know, I've been carrying this around all week.", "Honestly, I don't know where to start.",
    "Can I just say something without you fixing it?", "I keep going back to what happened on Sunday.",
    "It's hard for me to say this out loud.", "I want you to really hear this part.",
    "So here's the thing I haven't told anyone.", "Okay, deep breath.",
)
SENTENCES = (
    "At work I wanted to stop everything and just take a pause.",
    "There was no time to switch off, and my boss kept asking for more and more.",
    "I kept thinking, I need help, I need more time.",
    "When the meeting ran over time I couldn't stop it, I couldn't even pause to breathe.",
    "Then I had to switch to the other project and it was more of the same.",
    "I think I want to stop doing overtime, maybe it is time to switch jobs.",
    "Maybe I'll ask for help next week and take some time for us.",
    "My old football coach used to yell stop, switch, another one, and I hated it.",
    "I just wanted someone to say, tell me more, instead of telling me what to do.",
    "Every time I try to slow down, something tells me to go faster.",
    "I said no, and then I said yes, and then I said I'm done, and I wasn't.",
    "My mother would say, speak up, louder, and then, quieter, not so loud.",
    "I lay on the couch and I thought, how much time is left before I burn out.",
    "Can we pause and talk about your mum's visit, I keep putting it off.",
    "I'd love to add a minute to every evening, just one more minute with you.",
    "I want to save that feeling from last summer, I want to repeat it.",
    "It feels like I keep skipping the parts that matter and saying goodbye too early.",
    "When I'm hurt I go quiet, and then I say never mind, let's move on.",
    "I need you to wait, to hold on, not to rush me to the end.",
    "Sometimes I think we should stop, start over, and do it slower this time.",
    "The coach on that course said I should give myself a break, and I laughed.",
    "I keep asking what can I do, what else can I do, and nobody answers.",
    "Please don't switch the subject, stay with me a little longer.",
    "It's time I stopped pretending that everything is fine.",
    "My sister called again, another one of those calls, and I just froze.",
    "I was listening to my own heartbeat, counting the minutes, three minutes, five minutes.",
    "When you said that's enough, I felt like a door closed.",
    "I'm tired of saying sorry, sorry, sorry, one more time.",
    "Help me understand why I get so angry when you check your phone.",
    "If I could repeat one day, it would be the day we got the keys.",
    "I wanted to yell stop, stop it, but nothing came out.",
    "It took me a long time to admit that I need more rest.",
    "You asked me to be quiet at dinner, and I've been thinking about that ever since.",
    "Next time, I want to switch places, and you can tell me how it feels.",
    "Part of me wants to skip this conversation, and part of me knows we need it.",
    "Honestly, time out is what I needed as a kid, not a lecture.",
    "I'm done hiding it, I'm scared about the money.",
    "Tell me more about your day, I'd say, and then I'd stop listening.",
    "I want us to have more evenings like that, more walks, more time.",
    "When you pause before answering, I feel like you're judging me.",
)
CLOSINGS = (
    "That's what I wanted to say.", "I don't know, maybe that makes no sense.", "Anyway, that's where I am.",
    "I'm still figuring it out.", "Thank you for letting me say that.",
)
"""A speaking turn: nothing here is addressed to the coach; "coach", "stop", "pause" etc. appear mid-sentence."""
TURN_STATES = ("speaking",)
TURN_SLACK = 1.25
"""Turn length over monologue length: room for the pauses between sentences."""
PRIVATE_MARKERS = ("football", "heartbeat", "lecture", "overtime")
"""Monologue words the coach never says: if one shows up in the event log, the speaker's words leaked."""
FLOW_STATES = ("briefing", "handover", "gap", "speaking", "times_up", "reflection", "swap", "closing", "finished")
"""States the exercise passes through on its own; any other (paused, confirm_stop, stopped...) was caused."""


def monologue(rng: random.Random) -> list[str]:
    """An endless-enough supply of utterances: an opening, a few sentences, sometimes a closing."""
    out = [rng.choice(OPENINGS)]
    for _ in range(600):
        out.append(rng.choice(SENTENCES))
        if rng.random() < 0.12:
            out += [rng.choice(CLOSINGS), rng.choice(OPENINGS)]
    return out


def current_state(events: list[dict[str, Any]]) -> str | None:
    states = [e.get("name") for e in events if e.get("type") == "state"]
    return states[-1] if states else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="monologue played during speaking turns")
    parser.add_argument("--engine", default="pocketsphinx")
    parser.add_argument("--model", type=Path, help="vosk model folder")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "false_triggers.json")
    parser.add_argument("--smoke", action="store_true", help="one sentence into a short turn, prompts printed")
    args = parser.parse_args()

    from voice_coach.testing.synth import Synth

    minutes = 0.2 if args.smoke else args.minutes
    # One round is two turns; longer runs take more rounds (a turn is at most 20 minutes).
    # Turns are made TURN_SLACK longer than the speech they must hold (breaths between sentences take time too);
    # the run ends once ``minutes`` of monologue have been played. One round is two turns of at most 20 minutes.
    rounds = 1 if minutes * TURN_SLACK <= 40 else min(3, int(minutes * TURN_SLACK // 40) + 1)
    turns = 1 if args.smoke else 2 * rounds
    turn_minutes = min(20.0, max(0.2, round(minutes * TURN_SLACK / turns, 2)))
    exercise = ["exercise", "--engine", args.engine, "--minutes", f"{turn_minutes:g}", "--rounds", str(rounds),
                "--no-checkin", "--reflect-seconds", "5"] + (["--model", str(args.model)] if args.model else [])
    if args.smoke:
        exercise.append("--quiet")  # the coach's prompts printed, not spoken: straight into the turn
    lines = monologue(random.Random(args.seed))
    if args.smoke:
        lines = sorted(SENTENCES, key=len)[:1]
    played_s = 0.0
    played_lines = 0
    turns_seen = 0
    false_events: list[dict[str, Any]] = []
    private_leaks = 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="voice-coach-false-") as folder, audio_rig() as rig:
        synth = Synth(Path(folder) / "wav")
        coach = Coach(rig, exercise, Path(folder))
        try:
            coach.wait_listening()
            budget_s = turn_minutes * 60 * turns + 30 * turns + 120  # the turns, the prompts between them, slack
            in_turn = False
            while time.monotonic() - started < budget_s and coach.alive():
                events = coach.events()
                state = current_state(events)
                if state == "speaking" and not in_turn:
                    turns_seen += 1
                in_turn = state == "speaking"
                if state == "finished" or played_s >= minutes * 60 or (args.smoke and (played_lines >= 1 or (turns_seen and not in_turn))):
                    break
                if not in_turn:
                    time.sleep(0.2)
                    continue
                speech = synth.hibari(lines[played_lines % len(lines)])
                before = time.monotonic()
                rig.play(synth.wav(speech))
                if current_state(coach.events()) == "speaking":
                    played_s += time.monotonic() - before
                played_lines += 1
                time.sleep(random.Random(played_lines).uniform(0.2, 0.9))  # a breath between sentences
            events = coach.events()
        finally:
            coach.stop()
    state = None
    for event in events:
        kind = event.get("type")
        if kind == "state":
            state = event.get("name")
            if state not in FLOW_STATES:
                false_events.append(event)
        elif kind == "intent":
            false_events.append(event)
        private_leaks += (kind == "heard" and state in TURN_STATES) or any(
            marker in json.dumps(event).lower() for marker in PRIVATE_MARKERS)
    actions = [e for e in false_events if e.get("type") == "intent"]
    print(table(["monologue min", "sentences", "turns", "false actions", "unexpected states", "words leaked"],
                [[f"{played_s / 60:.1f}", played_lines, turns_seen, len(actions),
                  len(false_events) - len(actions), private_leaks]]))
    print("goal: 0 false actions")
    for event in false_events[:10]:
        print(f"  {event}")
    path = write_json("false_triggers", {
        "engine": args.engine, "monologue_minutes": played_s / 60, "sentences": played_lines, "turns": turns_seen,
        "false_actions": len(actions), "unexpected_states": len(false_events) - len(actions),
        "private_leaks": private_leaks, "events": false_events, "smoke": args.smoke, "goal": 0,
        "elapsed_s": time.monotonic() - started,
    }, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
