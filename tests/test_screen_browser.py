"""The companion screen in a real browser (headless Chromium from the system), against a real typed coach."""

from __future__ import annotations

import io
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api  # scripts/setup --test installs it (and the chromium package)
import pytest

from voice_coach.testing.screen_rig import Coach, chromium

pytestmark = pytest.mark.browser

CLOCK_TOLERANCE_S = 0.5


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    yield context.new_page()
    context.close()


def test_the_question_appears_on_every_open_page_and_nothing_heard_does(env: dict[str, str], tmp_path: Path,
                                                                          browser: Any, page: Any) -> None:
    coach = Coach(env, tmp_path / "events.jsonl")
    try:
        second = browser.new_page(viewport={"width": 390, "height": 844})
        for each in (page, second):
            each.goto(coach.url)
            playwright_api.expect(each.locator("#activity")).to_have_text("Listening")
        coach.type("give us a conversation starter")
        starter = coach.wait_event(lambda e: e["type"] == "say" and e["kind"] == "starter")
        for each in (page, second):
            playwright_api.expect(each.locator("#card-text")).to_have_text(starter["text"])
            playwright_api.expect(each.locator("#card-kind")).to_have_text("Conversation starter")
            playwright_api.expect(each.locator("#captions")).to_contain_text(starter["text"])
        # Words the recognizer heard are never shown, not even a request that was out of scope.
        coach.type("my secret word is marmalade")
        coach.wait_event(lambda e: e["type"] == "heard" and "marmalade" in e.get("text", ""))
        reply = coach.wait_event(lambda e: e["type"] == "say" and e["t"] > starter["t"] and e["kind"] == "reply")
        playwright_api.expect(page.locator("#captions")).to_contain_text(reply["text"].split(".")[0])
        for each in (page, second):
            assert "marmalade" not in each.content()
            assert "give us" not in each.locator("body").inner_text()
        second.close()
    finally:
        coach.stop()


def test_the_pause_button_pauses_the_exercise_through_the_spoken_command_path(env: dict[str, str], tmp_path: Path,
                                                                                page: Any) -> None:
    coach = Coach(env, tmp_path / "events.jsonl", "--minutes", "0.5", "--no-checkin", "--names", "Ana", "Ben",
                  "--reflect-seconds", "5", command="exercise")
    try:
        page.goto(coach.url)
        playwright_api.expect(page.locator("#phase")).to_have_text("Speaking turn", timeout=30_000)
        playwright_api.expect(page.locator("#who")).to_have_text("Ana speaks · Ben listens")
        page.get_by_role("button", name="Pause").click()
        paused = coach.wait_event(lambda e: e["type"] == "state" and e["name"] == "paused")
        assert paused["was"] == "speaking" and 0 < paused["remaining_s"] < 30
        intents = [e for e in coach.events() if e["type"] == "intent"]
        assert intents[-1]["intent"] == "pause"  # the press went through the matcher like "coach, pause"
        playwright_api.expect(page.locator("#paused-title")).to_have_text("Paused")
        playwright_api.expect(page.locator("#activity")).to_have_text("Paused")
        shown = page.locator("#countdown").inner_text()
        time.sleep(1.5)
        assert page.locator("#countdown").inner_text() == shown  # the clock stands still while paused
        page.get_by_role("button", name="Resume").click()
        coach.wait_event(lambda e: e["type"] == "state" and e["name"] == "speaking" and e.get("resumed"))
        playwright_api.expect(page.locator("#paused")).to_be_hidden()
        page.get_by_role("button", name="Stop").click()
        coach.wait_event(lambda e: e["type"] == "state" and e["name"] == "confirm_stop")
        playwright_api.expect(page.locator("#confirm")).to_be_visible()
        page.get_by_role("button", name="Yes, end it").click()
        coach.wait_event(lambda e: e["type"] == "state" and e["name"] == "stopped")
        playwright_api.expect(page.locator("#phase")).to_have_text("Exercise ended")
    finally:
        coach.stop()


def test_beyond_loopback_a_request_without_the_token_is_refused(env: dict[str, str], tmp_path: Path, page: Any) -> None:
    coach = Coach(env, tmp_path / "events.jsonl", host="127.0.0.2")
    try:
        assert "?t=" in coach.url and coach.url.startswith("http://127.0.0.2:")
        bare = coach.url.split("?")[0]
        assert page.goto(bare).status == 403
        for path in ("", "events", "state", "static/screen.js"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(bare + path, timeout=5)
            assert refused.value.code == 403
            refused.value.close()
        assert page.goto(coach.url).status == 200
        playwright_api.expect(page.locator("#activity")).to_have_text("Listening")
        # A button from the page works; the same POST without the token header does not.
        page.get_by_role("button", name="Starter").click()
        starter = coach.wait_event(lambda e: e["type"] == "say" and e["kind"] == "starter")
        playwright_api.expect(page.locator("#card-text")).to_have_text(starter["text"])
        post = urllib.request.Request(coach.url.replace("/?", "/command?"), data=b'{"command": "another"}', method="POST",
                                      headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(post, timeout=5)
        assert refused.value.code == 403
        refused.value.close()
        with urllib.request.urlopen(coach.url, timeout=5) as reply:
            assert not [h for h in reply.headers if h.lower().startswith("access-control-")]
    finally:
        coach.stop()


def test_the_page_reconnects_by_itself_after_the_coach_restarts(env: dict[str, str], tmp_path: Path, page: Any) -> None:
    first = Coach(env, tmp_path / "events1.jsonl")
    port = first.port
    try:
        page.goto(first.url)
        playwright_api.expect(page.locator("#activity")).to_have_text("Listening")
    finally:
        first.stop()
    playwright_api.expect(page.locator("#activity")).to_have_text("Offline")
    second = Coach(env, tmp_path / "events2.jsonl", port=port)
    try:
        playwright_api.expect(page.locator("#activity")).to_have_text("Listening", timeout=15_000)
        second.type("give us a conversation starter")
        starter = second.wait_event(lambda e: e["type"] == "say" and e["kind"] == "starter")
        playwright_api.expect(page.locator("#card-text")).to_have_text(starter["text"])
    finally:
        second.stop()


def test_the_countdown_matches_the_exercise_clock(tmp_path: Path, page: Any) -> None:
    """In-process, so the page's countdown can be read against the exercise's own clock at the same moment."""
    from voice_coach.app import runtime, wiring
    from voice_coach.app.events import EventLog
    from voice_coach.app.screen import start_screen
    from voice_coach.clock import MonotonicClock
    from voice_coach.config import Settings
    from voice_coach.listen.ears import TypedEars
    from voice_coach.speech.mouth import PrintMouth

    settings = Settings(engine="text", quiet=True, home=tmp_path / "home", screen=True, screen_port=0)
    library = wiring.load_content(settings)
    store = wiring.open_store(settings)
    coach = wiring.build_coach(settings, library, store, rng=random.Random(7))
    clock = MonotonicClock()
    events = EventLog(tmp_path / "events.jsonl", clock)
    mouth = PrintMouth(lambda text: None)
    read_end, write_end = os.pipe()
    ears = TypedEars(io.TextIOWrapper(os.fdopen(read_end, "rb")), clock)
    screen = start_screen(settings, coach, ears, mouth, clock, events, "coach", typed=True)
    loop = runtime.Runtime(coach, wiring.matcher(), screen.ears, mouth, None, events, clock)  # the store stays on this thread
    loop.execute(coach.start_exercise(clock.now(), minutes=0.5, names=("Ana", "Ben"), reflect_s=5, checkin=False))
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        page.goto(screen.server.url)
        playwright_api.expect(page.locator("#phase")).to_have_text("Speaking turn", timeout=30_000)
        for _ in range(6):
            shown = page.evaluate("voiceCoach.remaining()")
            actual = coach.exercise.remaining_s(clock.now())
            assert abs(shown - actual) <= CLOCK_TOLERANCE_S, (shown, actual)
            text = page.locator("#countdown").inner_text()
            minutes, seconds = text.split(":")
            assert abs(int(minutes) * 60 + int(seconds) - actual) <= 1 + CLOCK_TOLERANCE_S, (text, actual)
            time.sleep(0.4)
        os.write(write_end, b"coach add one minute\n")
        time.sleep(1.0)
        shown = page.evaluate("voiceCoach.remaining()")
        actual = coach.exercise.remaining_s(clock.now())
        assert actual > 60 and abs(shown - actual) <= CLOCK_TOLERANCE_S, (shown, actual)
    finally:
        os.write(write_end, b"goodbye\n")
        thread.join(timeout=10)
        screen.close()
        events.close()
        store.close()
        os.close(write_end)
