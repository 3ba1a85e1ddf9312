"""Where speech models live: the checkout's audio_models/, the data folder, vosk's own cache."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from voice_coach.config import APP, xdg_dir


def repo_root() -> Path | None:
    """The checkout this package runs from, or None when installed normally."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "audio_models").is_dir():
        return root
    return None


def user_models_dir(env: Mapping[str, str] | None = None) -> Path:
    """XDG_DATA_HOME/voice-coach/models (default ~/.local/share/voice-coach/models)."""
    return xdg_dir("XDG_DATA_HOME", ".local/share", env) / APP / "models"


def vosk_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where vosk's own downloader puts models (~/.cache/vosk)."""
    env = os.environ if env is None else env
    return Path(env.get("HOME") or Path.home()) / ".cache" / "vosk"


def install_dir(data_dir: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """Where `model fetch` installs: audio_models/ in a checkout, else <data dir>/models."""
    root = repo_root()
    if root is not None and os.access(root / "audio_models", os.W_OK):
        return root / "audio_models"
    return data_dir / "models" if data_dir is not None else user_models_dir(env)


def search_dirs(data_dir: Path | None = None, env: Mapping[str, str] | None = None) -> list[tuple[str, Path]]:
    """Folders scanned for models after --model, config and VOSK_MODEL_PATH, in order.

    ``data_dir`` is the app's data dir (settings.data_dir) when it differs from the XDG default.
    """
    dirs: list[tuple[str, Path]] = []
    root = repo_root()
    if root is not None:
        dirs.append(("audio_models", root / "audio_models"))
    if data_dir is not None:
        dirs.append(("data dir", data_dir / "models"))
    if data_dir is None or data_dir / "models" != user_models_dir(env):
        dirs.append(("data dir", user_models_dir(env)))
    dirs.append(("vosk cache", vosk_cache_dir(env)))
    return dirs
