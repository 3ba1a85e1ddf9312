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
