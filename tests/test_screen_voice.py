"""The companion screen beside the real voice loop: the state and the captions follow the coach's real voice."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest
from test_voice_loop import Coach, coach_factory, synth  # noqa: F401 - fixtures

from voice_coach.speech.types import split_sentences
from voice_coach.testing.audio_rig import PulseRig, pulse_rig  # noqa: F401 - fixture
from voice_coach.testing.screen_rig import chromium
from voice_coach.testing.synth import Synth

pytestmark = [pytest.mark.audio, pytest.mark.browser]


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium() as browser:
        yield browser.new_page(viewport={"width": 1024, "height": 768})


def test_captions_come_sentence_by_sentence_as_the_voice_says_them(coach_factory: Callable[..., Coach], synth: Synth,
                                                                   pulse_rig: PulseRig, page: Any, tmp_path: Path) -> None:
    coach = coach_factory("--screen", "--screen-port", "0")
    deadline = time.monotonic() + 60
    while not (found := re.search(r"Screen: (http://\S+)", (tmp_path / "stderr.txt").read_text(errors="replace"))):
        assert time.monotonic() < deadline, "the coach printed no screen address"
        time.sleep(0.1)
    url = found.group(1)
    page.goto(url)
    playwright_api.expect(page.locator("#activity")).to_have_text("Listening")
    coach.say(synth.hibari("coach, give me a tip about listening"))
    tip = coach.wait_event(0, lambda e: e["type"] == "say" and e["kind"] == "tip")
    coach.wait_quiet()
    playwright_api.expect(page.locator("#card-text")).to_have_text(tip["text"])
    coach.say(synth.hibari("coach, tell me more"))
    more = coach.wait_event(0, lambda e: e["type"] == "say" and e["kind"] == "more")
    sentences = split_sentences(more["text"])
    assert len(sentences) >= 2, more["text"]  # every tip's "more" has two sentences or more
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        shown = page.evaluate("[document.body.dataset.activity, (voiceCoach.snapshot().captions.at(-1) || {sentences: []}).sentences]")
        seen.append((shown[0], len(shown[1]) if sentences[0] in shown[1] else 0))
        if shown[0] == "listening" and seen[-1][1] == len(sentences):
            break
        time.sleep(0.05)
    counts = [n for activity, n in seen if activity == "speaking"]
    assert counts and max(counts) == len(sentences)
    assert min(n for n in counts if n) < len(sentences)  # while it spoke, the later sentences were not shown yet
    assert counts == sorted(counts)
    assert seen[-1] == ("listening", len(sentences))
    playwright_api.expect(page.locator("#card-more")).to_have_text(more["text"])
    assert "about listening" not in page.locator("body").inner_text()  # what was heard is never shown
