"""Settings: defaults < TOML config file < environment < command-line flags, with where each came from."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from voice_coach.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - older Pythons
    import tomli as tomllib

APP = "voice-coach"

ENGINES = ("auto", "whisper", "vosk", "pocketsphinx", "text")
VOICE_ENGINES = ("auto", "natural", "pyttsx3")


SPEECH_LIMITS: dict[str, tuple[float, float, float]] = {"rate": (0.6, 1.6, 0.15), "volume": (0.2, 1.0, 0.2)}
"""Speech settings: (lowest, highest, one step) for the speaking rate (1.0 = the voice's normal pace) and volume."""

DEFAULT_WAKE_WORD = "coach"
"""The wake word unless the settings say otherwise; every stage takes it from here or from the WakeWords object."""


def wake_phrases(word: str = DEFAULT_WAKE_WORD) -> list[str]:
    """What recognizers and the end-of-speech judge listen for: the wake word alone and after "hey"."""
    return [word, f"hey {word}"]


@dataclass(frozen=True)
class Settings:
    """Effective settings; passed down from the CLI instead of parsed arguments."""

    engine: str = "auto"
    """Recognizer: auto (vosk when a model is found, else pocketsphinx), vosk, pocketsphinx or text."""
    model: Path | None = None
    """Explicit vosk model folder."""
    input_device: str | None = None
    """Microphone by name or index; None = system default."""
    output_device: str | None = None
    """Speaker by name or index; None = system default."""
    wake_word: str = DEFAULT_WAKE_WORD
    voice_engine: str = "auto"
    """Speech output: auto, natural or pyttsx3."""
    follow_up_s: float = 6.0
    """Seconds after a reply in which follow-ups work without the wake word."""
    exercise_minutes: float = 5.0
    """Default speaking-turn length in the listening exercise."""
    exercise_rounds: int = 1
    reflect_seconds: float = 90.0
    events: Path | None = None
    """JSON-lines event log; None = no log."""
    quiet: bool = False
    """Print replies without speaking them."""
    screen: bool = False
    """Serve the companion page (--screen)."""
    screen_host: str = "127.0.0.1"
    """Where the page listens; beyond 127.0.0.1 it needs the printed link's token."""
    screen_port: int = 8765
    home: Path | None = None
    """Data dir override (store, downloaded models when installed)."""
    config_file: Path | None = None
    """The config file that was read, if any."""
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    """Where each non-default value came from: file:line, env:NAME or flag."""

    @property
    def data_dir(self) -> Path:
        """Where the store lives: --home > VOICE_COACH_HOME > XDG_DATA_HOME/voice-coach."""
        if self.home is not None:
            return self.home
        return xdg_dir("XDG_DATA_HOME", ".local/share") / APP

    @property
    def config_dir(self) -> Path:
        return config_dir()


FILE_KEYS: dict[str, type] = {
    "engine": str,
    "model": str,
    "input_device": str,
    "output_device": str,
    "wake_word": str,
    "voice_engine": str,
    "follow_up_s": float,
    "exercise_minutes": float,
    "exercise_rounds": int,
    "reflect_seconds": float,
    "screen": bool,
    "screen_host": str,
    "screen_port": int,
}
"""Keys a config file (and VOICE_COACH_<KEY> env vars) may set, with their types."""


def xdg_dir(var: str, fallback: str, env: Mapping[str, str] | None = None) -> Path:
    """An XDG base folder: ``$var``, else ``fallback`` under the home folder (from ``env``, default os.environ)."""
    env = os.environ if env is None else env
    value = env.get(var)
    return Path(value) if value else Path(env.get("HOME") or Path.home()) / fallback


def config_dir() -> Path:
    return xdg_dir("XDG_CONFIG_HOME", ".config") / APP


def config_path() -> Path:
    """VOICE_COACH_CONFIG, else <XDG config dir>/voice-coach/config.toml."""
    explicit = os.environ.get("VOICE_COACH_CONFIG")
    return Path(explicit) if explicit else config_dir() / "config.toml"


def _line_of_key(text: str, key: str) -> int:
    match = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _coerce(key: str, value: Any, where: str) -> Any:
    want = FILE_KEYS[key]
    if want is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if want is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if want is str and isinstance(value, str):
        return value
    if want is bool and isinstance(value, bool):
        return value
    raise ConfigError(f"{where}: '{key}' must be {want.__name__}, not {type(value).__name__}", f"write e.g. {key} = {_example(want)}")


def _example(want: type) -> str:
    return {str: '"text"', float: "5.0", int: "1", bool: "true"}[want]


def _check_choice(key: str, value: Any, where: str) -> None:
    choices = {"engine": ENGINES, "voice_engine": VOICE_ENGINES}.get(key)
    if choices and value not in choices:
        raise ConfigError(f"{where}: '{key}' must be one of {', '.join(choices)}, not {value!r}", f"set {key} to one of {', '.join(choices)}")


def read_file(path: Path) -> dict[str, tuple[Any, str]]:
    """Values from a TOML file, each with ``file:line`` of where it was set."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read config file ({err})", "fix its permissions or delete it") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        found = re.search(r"line (\d+)", str(err))
        line = found.group(1) if found else "1"
        reason = str(err).split(" (at")[0]
        raise ConfigError(f"{path}:{line}: {reason}", "fix the TOML syntax (key = value, strings in quotes)") from None
    values: dict[str, tuple[Any, str]] = {}
    for key, value in data.items():
        where = f"{path}:{_line_of_key(text, key)}"
        if key not in FILE_KEYS:
            raise ConfigError(f"{where}: unknown key '{key}'", f"use one of {', '.join(FILE_KEYS)}")
        coerced = _coerce(key, value, where)
        _check_choice(key, coerced, where)
        values[key] = (coerced, where)
    return values


def read_env(env: dict[str, str]) -> dict[str, tuple[Any, str]]:
    """Values from VOICE_COACH_<KEY> environment variables."""
    values: dict[str, tuple[Any, str]] = {}
    for key, want in FILE_KEYS.items():
        name = f"VOICE_COACH_{key.upper()}"
        if name not in env:
            continue
        raw = env[name]
        try:
            value: Any = _boolean(raw) if want is bool else want(raw)
        except ValueError:
            raise ConfigError(f"env {name}={raw!r}: not a valid {want.__name__}", f"set {name} to e.g. {_example(want)}") from None
        _check_choice(key, value, f"env {name}")
        values[key] = (value, f"env:{name}")
    if env.get("VOICE_COACH_HOME"):
        values["home"] = (env["VOICE_COACH_HOME"], "env:VOICE_COACH_HOME")
    return values


def _boolean(raw: str) -> bool:
    """An environment variable's yes or no."""
    word = raw.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(raw)


def load_settings(flags: dict[str, Any] | None = None, env: dict[str, str] | None = None) -> Settings:
    """Build the effective settings; ``flags`` holds only the options given on the command line."""
    return _build(flags, env, errors=None)


def load_settings_past_errors(flags: dict[str, Any] | None = None,
                              env: dict[str, str] | None = None) -> tuple[Settings, ConfigError | None]:
    """Settings from every layer that can be read, and the first layer's error (for ``doctor``).

    A broken config file (or environment variable) is reported, not fatal: the flags and the other
    layers still apply, so ``doctor --engine text`` checks what was asked for.
    """
    errors: list[ConfigError] = []
    settings = _build(flags, env, errors=errors)
    return settings, (errors[0] if errors else None)


def _build(flags: dict[str, Any] | None, env: dict[str, str] | None, errors: list[ConfigError] | None) -> Settings:
    env = dict(os.environ) if env is None else env
    path = config_path()
    layers = []
    for read in (lambda: read_file(path), lambda: read_env(env)):
        try:
            layers.append(read())
        except ConfigError as err:
            if errors is None:
                raise
            errors.append(err)
    layers.append({k: (v, "flag") for k, v in (flags or {}).items() if v is not None})
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for layer in layers:
        for key, (value, where) in layer.items():
            values[key] = value
            sources[key] = where
    for key in ("model", "home", "events"):
        if key in values and values[key] is not None:
            values[key] = Path(values[key]).expanduser()
    known = {f.name for f in fields(Settings)}
    settings = Settings(**{k: v for k, v in values.items() if k in known})
    return replace(settings, config_file=path if path.exists() else None, sources=sources)


def describe(settings: Settings) -> list[str]:
    """One line per setting: name, value, and where it came from (for ``voice-coach config``)."""
    lines = []
    for f in fields(Settings):
        if f.name in ("sources", "config_file"):
            continue
        value = getattr(settings, f.name)
        lines.append(f"{f.name} = {value!r}  ({settings.sources.get(f.name, 'default')})")
    lines.append(f"data_dir = {str(settings.data_dir)!r}")
    lines.append(f"config file: {settings.config_file or f'{config_path()} (not present)'}")
    return lines
