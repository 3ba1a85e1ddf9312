"""Fixtures shared by the tests that run the real command line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Environment for a `voice-coach` child process with its own data and config folders."""
    environ = dict(os.environ)
    environ.update(VOICE_COACH_HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    environ.pop("VOICE_COACH_CONFIG", None)
    return environ


_AUDIO_FIXTURES = {"pulse_rig"}
"""Fixtures that start the private PulseAudio null-sink rig: a test using one is marked ``audio``."""
_SLOW_FIXTURES = {"synth", "sphinx", "coach_ears", "vosk_ko"}
"""Fixtures that synthesise speech or load a speech model: a test using one is marked ``slow``."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by the real parts they use, so `scripts/test -m "not audio and not slow"` is a quick run."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & _AUDIO_FIXTURES:
            item.add_marker(pytest.mark.audio)
        if used & _SLOW_FIXTURES or used & _AUDIO_FIXTURES:
            item.add_marker(pytest.mark.slow)
