"""Speech output: picks an engine (natural or pyttsx3), renders sentence by sentence, falls back."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np

from voice_coach import trace
from voice_coach.audio.format import SPEECH
from voice_coach.errors import ConfigError, SpeechError
from voice_coach.speech.natural import INSTALL_HINT, NaturalEngine, natural_available
from voice_coach.speech.pyttsx3 import Pyttsx3Engine, platform_driver
from voice_coach.speech.types import (
    Rendered,
    TtsEngine,
    VoiceSettings,
    split_sentences,
    trim_silence,
)

__all__ = ["CHOICES", "ENGINE_FACTORIES", "Rendered", "Voice", "VoiceLoading", "VoiceSettings", "split_sentences"]

_LOGGER = logging.getLogger(__name__)

CHOICES = ("auto", "natural", "pyttsx3")

ENGINE_FACTORIES: dict[str, Callable[[float], TtsEngine]] = {
    "natural": lambda timeout_s: NaturalEngine(),
    "pyttsx3": lambda timeout_s: Pyttsx3Engine(timeout_s=timeout_s),
}
"""Engine name -> constructor taking the render timeout in seconds (tests swap in hooked ones)."""


def _plan(choice: str) -> tuple[list[str], str]:
    """Engines to try in order, and why the first one."""
    driver = platform_driver()
    if choice == "natural":
        return ["natural", "pyttsx3"], "natural voice chosen in settings"
    if choice == "pyttsx3":
        return ["pyttsx3", "natural"], f"pyttsx3 chosen in settings (platform voice: {driver})"
    if driver != "espeak":
        return ["pyttsx3", "natural"], f"auto: pyttsx3 speaks with the platform voice ({driver})"
    if natural_available():
        return ["natural", "pyttsx3"], "auto: the platform voice is espeak-ng and the natural voice (hibari-tts) is installed"
    return ["pyttsx3"], f"auto: pyttsx3 with espeak-ng; for a warmer voice, {INSTALL_HINT}"


class Voice:
    """Text to speech audio with the chosen engine, falling back to the other one on failure."""

    def __init__(self, choice: str = "auto", settings: VoiceSettings = VoiceSettings(), timeout_s: float = 10.0) -> None:
        if choice not in CHOICES:
            raise ConfigError(f"unknown voice engine {choice!r}", fix="use auto, natural or pyttsx3")
        self.settings = settings.clamped()
        self.timeout_s = timeout_s
        self._order, self._plan_reason = _plan(choice)
        self.reason = self._plan_reason
        self._engines: dict[str, TtsEngine] = {}
        self._failed: dict[str, str] = {}
        self._lock = threading.Lock()
        self.engine_name = "none"
        for name in self._order:
            if self._engine(name) is not None:
                self._switch_to(name)
                break
        else:
            self.reason = "no speech engine works: " + "; ".join(self._failed.values())

    def _engine(self, name: str) -> TtsEngine | None:
        """The engine, started on first use; None if it cannot start (the reason is kept)."""
        if name in self._engines:
            return self._engines[name]
        if name in self._failed:
            return None
        try:
            engine = ENGINE_FACTORIES[name](self.timeout_s)
        except SpeechError as exc:
            self._failed[name] = exc.one_line()
            _LOGGER.info("speech engine %s unavailable: %s", name, exc.one_line())
            return None
        self._engines[name] = engine
        return engine

    def _switch_to(self, name: str) -> None:
        """Make ``name`` the current engine; a change away from the planned one is logged once."""
        previous, self.engine_name = self.engine_name, name
        if name == self._order[0]:
            self.reason = self._plan_reason
            return
        failed = self._order[0] if previous in ("none", name) else previous
        self.reason = f"{failed} failed ({self._failed.get(failed, 'unavailable')}); fell back to {name}"
        _LOGGER.warning("speech: %s", self.reason)

    def set_settings(self, settings: VoiceSettings) -> None:
        """New rate/volume for everything rendered from now on."""
        self.settings = settings.clamped()

    def _render_one(self, text: str) -> Rendered:
        """One piece of text with the current engine; on failure the next engine in the order."""
        with self._lock:
            if self.engine_name == "none":
                self._failed.clear()  # everything failed last time: give each engine a fresh chance
            start = self._order.index(self.engine_name) if self.engine_name in self._order else 0
            for name in self._order[start:] + self._order[:start]:
                engine = self._engine(name)
                if engine is None:
                    continue
                try:
                    rendered = engine.render(text, self.settings)
                except SpeechError as exc:
                    # Dropped for the session: a stalled engine costs two timeouts per try.
                    self._failed[name] = exc.one_line()
                    self._engines.pop(name).close()
                    continue
                if name != self.engine_name:
                    self._switch_to(name)
                return trim_silence(rendered)
            self.engine_name = "none"
            raise SpeechError(
                f"speech output failed ({'; '.join(self._failed.values()) or 'no engine available'})",
                fix="run `voice-coach doctor`; replies are printed meanwhile",
            )

    def sentences(self, text: str) -> Iterator[Rendered]:
        """Audio sentence by sentence, so the first can play while the rest render."""
        for sentence in split_sentences(text):
            start_s = time.monotonic()
            rendered = self._render_one(sentence)
            if trace.enabled():
                trace.note("render", t=start_s, dur=time.monotonic() - start_s, audio_s=rendered.duration_s,
                           lead_s=trace.lead_in_s(rendered.samples, rendered.rate))
            yield rendered

    def render(self, text: str) -> Rendered:
        """The whole text as one piece of audio."""
        if not split_sentences(text):
            return Rendered(samples=np.zeros(0, dtype=np.int16), rate=SPEECH.rate)
        return self._render_one(text)

    def close(self) -> None:
        """Stop the engines (the pyttsx3 worker process exits)."""
        with self._lock:
            for engine in self._engines.values():
                engine.close()
            self._engines.clear()


class VoiceLoading:
    """A Voice built on a thread of its own, started by ``start()`` or by the first use, which waits for it.

    The voice loop starts it once the recognizer is ready: the natural voice takes ~1 s to load (its
    pronouncing lexicons and tagger, pure Python under the GIL), which would otherwise come before "listening"
    (loading it alongside the recognizer only slowed the recognizer down as much). Anything asked of it is
    asked of the Voice, once built.
    """

    def __init__(self, choice: str = "auto", settings: VoiceSettings = VoiceSettings(), timeout_s: float = 10.0) -> None:
        if choice not in CHOICES:
            raise ConfigError(f"unknown voice engine {choice!r}", fix="use auto, natural or pyttsx3")
        self._args = (choice, settings, timeout_s)
        self._built: list[Voice | BaseException] = []
        self._done = threading.Event()
        self._started = False
        self._start_lock = threading.Lock()

    def start(self) -> None:
        """Begin loading (once)."""
        with self._start_lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._build, name="voice-load", daemon=True).start()

    def _build(self) -> None:
        try:
            self._built.append(Voice(*self._args))
            _LOGGER.debug("voice ready: %s", self._built[0].engine_name)  # type: ignore[union-attr]
        except BaseException as exc:  # noqa: BLE001 - raised to whoever uses the voice
            self._built.append(exc)
        finally:
            self._done.set()

    def ready(self) -> Voice:
        """The Voice, once built (starts loading it if nobody has)."""
        self.start()
        self._done.wait()
        built = self._built[0]
        if isinstance(built, BaseException):
            raise built
        return built

    def __getattr__(self, name: str) -> object:
        return getattr(self.ready(), name)
