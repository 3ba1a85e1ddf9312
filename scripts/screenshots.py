#!/usr/bin/env python3
"""Screenshots of the companion page in each state, at phone and tablet sizes (for the README).

Usage: .venv/bin/python scripts/screenshots.py [--out scripts/screenshots]

A real coach (real content, real exercise) on a fake clock, so a ten-minute turn can be shown at its halfway
and last-minute cues without waiting; its events reach the real screen server exactly as in `voice-coach run
--screen`, and headless Chromium (the system's /usr/bin/chromium, via Playwright) takes the pictures.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
from voice_coach.testing.screen_rig import chromium  # noqa: E402

SIZES = {"phone": (390, 844), "tablet": (1180, 820)}


class Mouth:
    """Whether the coach is talking, set by each step."""

    talking = False

    def busy(self) -> bool:
        return self.talking


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "scripts" / "screenshots")
    args = parser.parse_args()

    from voice_coach.actions import Say, StateChange, TimerEvent
    from voice_coach.app import wiring
    from voice_coach.app.screen.bridge import ScreenBridge
    from voice_coach.app.screen.server import ScreenServer
    from voice_coach.config import Settings
    from voice_coach.dialogue.coach import Coach
    from voice_coach.testing.fakes import FakeClock
    from voice_coach.understand.match import Match

    clock = FakeClock()
    coach = Coach(wiring.load_content(Settings()), rng=random.Random(11))
    mouth = Mouth()
    server = ScreenServer("127.0.0.1", 0, now=clock.now)
    server.start()
    bridge = ScreenBridge(server, coach, None, mouth, clock, "coach")

    def act(actions: list[Any], talking: bool = False) -> None:
        for action in actions:
            if isinstance(action, Say):
                bridge.on_event("say", {"text": action.text, "kind": action.kind})
            elif isinstance(action, StateChange):
                bridge.on_event("state", {"name": action.name, **action.detail})
            elif isinstance(action, TimerEvent):
                bridge.on_event("timer", {"name": action.name})
        mouth.talking = talking
        bridge.resend_clock()  # the fake clock jumps: the page, which counts in real time, is told again
        bridge.poll()

    def until(seconds: float) -> None:
        """Let the exercise clock run ``seconds``, firing its deadlines on the way."""
        end = clock.now() + seconds
        while clock.now() < end:
            clock.advance(min(1.0, end - clock.now()))
            act(coach.tick(clock.now()))

    def down_to(left_s: float) -> None:
        """Run the turn's clock until ``left_s`` seconds are left (or the turn is over)."""
        while coach.in_exercise and coach.exercise.state == "speaking" and coach.exercise.remaining_s(clock.now()) > left_s:
            clock.advance(0.5)
            act(coach.tick(clock.now()))

    def said(actions: list[Any] | None = None) -> None:
        """The coach's words were played: what waited for them goes on."""
        act(actions or [])
        act(coach.speech_finished(clock.now()))

    def command(intent: str, talking: bool = False) -> None:
        act(coach.handle(Match(intent, {}), clock.now()), talking=talking)

    steps: list[tuple[str, Any]] = [
        ("listening", lambda: act([])),
        ("starter", lambda: command("conversation_starter", talking=True)),
        ("tip", lambda: (command("tip"), command("tell_more"))),
        ("exercise-briefing", lambda: act(coach.start_exercise(clock.now(), minutes=10, names=("Ana", "Ben"),
                                                               checkin=False), talking=True)),
        ("exercise-gap", lambda: (said(), said())),
        ("exercise-speaking", lambda: (until(10), down_to(505))),
        ("exercise-halfway", lambda: down_to(298)),
        ("exercise-one-minute", lambda: down_to(58)),
        ("exercise-paused", lambda: command("pause")),
        ("exercise-time-out", lambda: command("time_out")),
        ("exercise-confirm-stop", lambda: command("stop", talking=True)),
        ("exercise-reflection", lambda: (command("no"), command("resume"), said(), down_to(0), said(), until(20))),
        ("exercise-finished", lambda: (command("stop"), command("yes"))),
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with chromium() as browser:
            pages = {}
            for size, (width, height) in SIZES.items():
                pages[size] = browser.new_page(viewport={"width": width, "height": height})
                pages[size].goto(server.url)
            for name, step in steps:
                step()
                time.sleep(0.3)
                for size, page in pages.items():
                    while page.evaluate("(voiceCoach.snapshot() || {seq: -1}).seq") < server.view.seq:  # CSP: no wait_for_function
                        time.sleep(0.05)
                    page.wait_for_timeout(150)
                    path = args.out / f"{name}-{size}.png"
                    page.screenshot(path=str(path))
                    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
