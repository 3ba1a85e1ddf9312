"""Settings ladder: defaults < config file < environment < flags, and file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_coach.config import load_settings
from voice_coach.errors import ConfigError


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("VOICE_COACH_CONFIG", str(path))
    return path


def test_each_layer_overrides_the_one_below(config_file: Path) -> None:
    config_file.write_text('wake_word = "buddy"\nexercise_minutes = 3\nengine = "pocketsphinx"\n')
    settings = load_settings({"engine": "text"}, env={"VOICE_COACH_EXERCISE_MINUTES": "2.5"})
    assert settings.wake_word == "buddy" and settings.sources["wake_word"] == f"{config_file}:1"
    assert settings.exercise_minutes == 2.5 and settings.sources["exercise_minutes"] == "env:VOICE_COACH_EXERCISE_MINUTES"
    assert settings.engine == "text" and settings.sources["engine"] == "flag"
    assert settings.config_file == config_file


def test_defaults_without_a_file(config_file: Path) -> None:
    settings = load_settings({}, env={})
    assert settings.engine == "auto" and settings.wake_word == "coach" and settings.config_file is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('wake_word = "x"\ncolour = "blue"\n', ":2: unknown key 'colour'"),
        ('exercise_minutes = "five"\n', ":1: 'exercise_minutes' must be float"),
        ('engine = "siri"\n', ":1: 'engine' must be one of"),
        ("wake_word = \n", ":1: "),
    ],
)
def test_bad_file_names_the_line_and_reason(config_file: Path, text: str, expected: str) -> None:
    config_file.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings({}, env={})
    assert expected in err.value.message and str(config_file) in err.value.message
    assert err.value.fix


def test_home_from_env_sets_the_data_dir(config_file: Path, tmp_path: Path) -> None:
    settings = load_settings({}, env={"VOICE_COACH_HOME": str(tmp_path / "h")})
    assert settings.data_dir == tmp_path / "h"
