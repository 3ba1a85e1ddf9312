"""One error family: each error carries its exit code and a one-line message with the fix."""

from __future__ import annotations


class VoiceCoachError(Exception):
    """Base error: a user-facing problem with a fix; never shown as a traceback."""

    exit_code: int = 1

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def one_line(self) -> str:
        """The message as the user sees it: what is wrong, then how to fix it."""
        return f"{self.message} — {self.fix}" if self.fix else self.message


class UsageError(VoiceCoachError):
    """Bad command-line arguments or input."""

    exit_code = 2


class ConfigError(VoiceCoachError):
    """A settings file or value that cannot be used."""

    exit_code = 3


class ContentError(VoiceCoachError):
    """Content or intent data that fails to load or validate."""

    exit_code = 4


class StoreError(VoiceCoachError):
    """The SQLite store cannot be read or written."""

    exit_code = 5


class AudioError(VoiceCoachError):
    """No usable microphone or speaker."""

    exit_code = 6


class ModelError(VoiceCoachError):
    """A speech model is missing, corrupt or cannot be fetched."""

    exit_code = 7


class SpeechError(VoiceCoachError):
    """Speech output (TTS) failed."""

    exit_code = 8
