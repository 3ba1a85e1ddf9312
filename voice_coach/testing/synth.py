"""Test speech synthesised at test time: the hibari-tts neural voice and espeak-ng voices; never committed."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voice_coach.audio.format import SPEECH, AudioFormat, convert

HIBARI_SPEEDS = (0.9, 1.0, 1.15)
"""Speaking rates for the neural voice (1.0 = its natural pace)."""
ESPEAK_VOICES = ("en-us", "en-gb")
"""Robotic voices: the harder case for the recognizers."""


@dataclass(frozen=True)
class Speech:
    """One synthesised utterance."""

    text: str
    voice: str
    """hibari@SPEED or espeak:VOICE@WPM."""
    samples: np.ndarray
    """Mono int16."""
    rate: int
    """Hertz."""

    def pcm(self, fmt: AudioFormat = SPEECH) -> bytes:
        """The utterance as raw bytes in ``fmt`` (what a recognizer takes)."""
        return convert(self.samples, self.rate, fmt)

    @property
    def duration_s(self) -> float:
        return self.samples.size / self.rate

    def padded(self, before_s: float, after_s: float) -> Speech:
        """The same speech with silence around it (a recognizer needs a moment of quiet to end on)."""
        pre = np.zeros(int(before_s * self.rate), dtype=np.int16)
        post = np.zeros(int(after_s * self.rate), dtype=np.int16)
        return Speech(self.text, self.voice, np.concatenate([pre, self.samples, post]), self.rate)


def concat(parts: list[Speech], gap_s: float = 0.4) -> Speech:
    """Several utterances one after the other at the first one's rate, with a pause between."""
    rate = parts[0].rate
    gap = np.zeros(int(gap_s * rate), dtype=np.int16)
    pieces: list[np.ndarray] = []
    for part in parts:
        samples = part.samples
        if part.rate != rate:
            samples = np.frombuffer(convert(samples, part.rate, AudioFormat(rate=rate)), dtype=np.int16)
        pieces += [samples, gap]
    return Speech(" ".join(p.text for p in parts), parts[0].voice, np.concatenate(pieces), rate)


class Synth:
    """Makes test speech on demand and caches it for the whole test session."""

    def __init__(self, wav_dir: Path) -> None:
        self._wav_dir = wav_dir
        self._wav_dir.mkdir(parents=True, exist_ok=True)
        self._cache: dict[tuple[str, str], Speech] = {}
        self._hibari: Any = None

    def hibari(self, text: str, speed: float = 1.0) -> Speech:
        """``text`` in hibari-tts's built-in American voice (sounds like a person)."""
        key = (text, f"hibari@{speed}")
        if key not in self._cache:
            if self._hibari is None:
                from hibari import Hibari

                self._hibari = Hibari()
            audio = self._hibari(text, speed=speed, seed=0)
            samples = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
            self._cache[key] = Speech(text, key[1], samples, int(self._hibari.sample_rate))
        return self._cache[key]

    def espeak(self, text: str, voice: str = "en-us", words_per_minute: int = 160) -> Speech:
        """``text`` in an espeak-ng voice (robotic)."""
        key = (text, f"espeak:{voice}@{words_per_minute}")
        if key not in self._cache:
            if shutil.which("espeak-ng") is None:
                raise RuntimeError("espeak-ng is not installed: apt-get install espeak-ng")
            wav_bytes = subprocess.run(
                ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "--stdout", text],
                check=True,
                capture_output=True,
            ).stdout
            with wave.open(io.BytesIO(wav_bytes)) as wav:
                rate = wav.getframerate()
                samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
            self._cache[key] = Speech(text, key[1], samples.copy(), rate)
        return self._cache[key]

    def wav(self, speech: Speech) -> Path:
        """``speech`` as a WAV file in the session's temporary folder (for paplay)."""
        name = f"{abs(hash((speech.text, speech.voice, speech.samples.size))):x}.wav"
        path = self._wav_dir / name
        if not path.exists():
            with wave.open(str(path), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(speech.rate)
                wav.writeframes(speech.samples.tobytes())
        return path


_SYNTH: Synth | None = None


def session_synth(wav_dir: Path) -> Synth:
    """One Synth per test process, so every test module shares the speech made so far."""
    global _SYNTH
    if _SYNTH is None:
        _SYNTH = Synth(wav_dir)
    return _SYNTH


# What the "user" says in tests. TEST_PHRASES: a small phrase list for quick recognizers in mechanics tests.
TEST_PHRASES = (
    "give us a conversation starter", "a conversation starter", "give us something to talk about",
    "a deep question", "a light question", "a deep conversation starter about family",
    "a question about childhood", "a starter about memories", "a light starter about daily life",
    "a tip", "give me a tip", "a tip about listening", "a tip about empathy", "how do i get him to open up",
    "how do i make him feel like i won't judge him", "how can i help her open up",
    "tell me more", "more about that", "another one", "another", "next one", "something else",
    "repeat", "repeat that", "say that again", "what did you say",
    "start the listening exercise", "start the listening exercise three minutes each",
    "start the exercise two minutes each", "the listening exercise five minutes",
    "pause", "pause the exercise", "resume", "continue", "carry on",
    "stop", "stop the exercise", "end the exercise", "switch", "switch turns", "swap",
    "how much time is left", "how much time", "time left", "add a minute", "add two minutes",
    "give us one more minute", "help", "what can you do", "save that one", "save that", "add to favorites",
    "list my favorites", "what are my favorites", "slower", "speak slower", "faster", "speak faster",
    "louder", "speak up", "quieter", "softer", "yes", "yeah", "no", "no thanks", "goodbye", "bye", "that's all",
)
ADDRESSED_COMMANDS = (
    "coach, give us a conversation starter", "coach, another one", "coach, stop", "coach, a tip about listening",
    "coach, start the listening exercise, three minutes each", "coach, how much time is left", "coach, pause",
    "coach, tell me more", "coach, save that one",
)
PARTNER_SENTENCES = (
    "can we pause and talk about your mum's visit", "I think we should stop at the shop on the way home",
    "what time is dinner tonight", "did you call your sister back", "that was a really nice evening",
)
MONOLOGUE = (
    "So today at work I wanted to stop everything and just take a pause.",
    "There was no time to switch off, and my boss wanted more and more.",
    "I kept thinking I need help, I need more time.",
    "When the meeting ran over time I couldn't stop it, I couldn't even pause to breathe.",
    "Then I had to switch to the other project and it was more of the same.",
    "I think I want to stop doing overtime, it is time to switch jobs.",
    "Maybe I'll ask for help next week and take some time for us.",
    "Stop, I said to myself. Pause. Help me. Tell me more, he said. Another one, another time.",
)
"""A speaking turn full of command words, none addressed to the coach."""
