"""The whisper engine: OpenAI Whisper (tiny.en by default) through faster-whisper, CTranslate2 int8 on the CPU.

Whisper hears a finished utterance; it cannot stream. What the listener needs while someone is still talking
(partial text for the end-of-command rule, "coach, stop" while the coach talks within 200 ms, the strict
grammars of a speaking turn) still comes from pocketsphinx, which runs alongside on the same audio. ``final()``
then decodes the whole utterance with Whisper. The listener asks for the final text early, 80 ms into the
quiet (listen/mic_ears.py ``_decode_final``), and throws it away and hears the utterance again if speech goes
on, so the decode overlaps the end-of-speech wait.

Choices, measured with scripts/whisper_probe.py (16 dev-set commands with the wake word x hibari at 0.85, 1.0 and
1.2, the listener's cut: 0.3 s before, 0.1 s after; 2 cores shared with other work, load 8-10), intent right /
wrong action:

- window: the utterance padded to WINDOW_S of features, not Whisper's 30 s (encoder cost is linear in frames;
  CTranslate2 takes fewer than 3000). 6 s: 72.9 % / 2.1 %; 10 s: 72.9 % / 0 %; 30 s: 79.2 % / 0 % at 5x the
  decode time (2.1 s against 0.4 s on the loaded machine). A window the length of the utterance loops.
- decoding: greedy, no timestamps, no previous text, new tokens capped at 6 a second of speech (a loop cannot
  run on), blank and non-speech tokens suppressed.
- the wake word: Whisper writes "coach" as "code", "couch", ... at the start ("code switch"); those first words
  are read as the wake word: 72.9 -> 83.3 %, no wrong action.
- pocketsphinx's sentence: Whisper's text that is no sentence the coach knows is replaced by what pocketsphinx
  heard when that is a known sentence within SNAP_SCORE ("coach adam in it" -> "coach add a minute"):
  83.3 -> 93.8 %, wrong 4.2 % (pocketsphinx's "coach down" for "coach done"); at 65: 95.8 % / 4.2 %.
  Not when Whisper is sure of its words (average log-probability over SURE_LOGPROB): pocketsphinx turned a
  right "coach, give me a tip" into "coach give me a sec" (pause) and "let's do a date night session" into
  "let us do the listening session" (the exercise). When Whisper is unsure (under UNSURE_LOGPROB) a looser
  likeness will do ("coach rizm" -> "coach resume"; bench_accuracy, scratch probes of 30 commands).
- the wake word given: when pocketsphinx heard the utterance start with a wake word (it does so reliably, even
  for robotic voices), "Coach," is put after Whisper's start tokens as the beginning of its text and Whisper
  writes the rest (a forced prefix, not a prompt: nothing before the speech is invented). Whisper alone wrote
  espeak-ng's "coach" as "call for", "cut with", "co-chan"; given, the rest follows ("Calfrasum" -> "Coach,
  resume"). espeak-ng en-us, 12 commands: 5 -> 8 right; en-gb and en-us+f3, 15: 11 and 12 right; hibari 0.85
  clean 29 of 30; espeak-ng in 10 dB noise (whisper_probe.py --espeak --noise --commands 6 --variants
  base,nogiven): 33.3 -> 61.1 %, no wrong action, no action from room noise alone. "Coach" with no comma or with
  a colon: worse on the same probes ("Coach Dunn", "Adam Illitt"). Never in a speaking turn (both engines must
  hear "coach" there). The no-speech probability is Whisper's before the given words, so the guards still
  judge the sound; the log-probability counts the given words too (it is higher: -0.3 where -0.9 before).
- prompts, tried and left out: the coach's vocabulary as an initial prompt: 83.3 % without the two steps above,
  but room noise alone then made 2 actions and one command looped; "Coach," alone with both steps: 91.7 %
  (against 93.8 % without) and one loop.
- guards against invented text: a no-speech probability over 0.9 (silence comes out as a confident "you"), or
  over 0.6 with a log-probability under -1 (Whisper's own rule), a log-probability under -1.6 (noise read as
  words, e.g. "I'm gonna go to the right side." at -2.0 out of hiss), a zlib compression ratio over 2.4 (a loop).
  Room noise alone (3 kitchen noises x 2 levels): no action with any variant but the vocabulary prompt.
- during a speaking turn (a grammar is set) a command comes out only when pocketsphinx's strict grammar heard
  one and Whisper's text is that command or near it: the speaker's other words never leave this module, and
  plain talk costs no Whisper pass.
- partial text and barge-in stay with pocketsphinx (streaming, ~1 ms a block): a Whisper pass costs 80-400 ms
  here, so decoding partial windows every 0.2 s would take one core or more.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voice_coach.asr.text import normalise
from voice_coach.audio.format import SPEECH, AudioFormat
from voice_coach.errors import ModelError

_LOGGER = logging.getLogger(__name__)

WINDOW_S = 10.0
"""Seconds of features the encoder sees: the utterance, padded with silence (longer ones get 30 s)."""
FULL_WINDOW_S = 30.0
TOKENS_PER_S = 6.0
"""Most tokens Whisper may write per second of speech (people say 2-4 words a second, about 1.3 tokens a word)."""
MIN_TOKENS = 12
NO_SPEECH_PROB = 0.6
"""With a log-probability under LOW_LOGPROB, a no-speech probability over this means nothing was said."""
SURE_NO_SPEECH_PROB = 0.9
"""Over this, nothing was said whatever the log-probability (silence comes out as a confident "you")."""
LOW_LOGPROB = -1.0
VERY_LOW_LOGPROB = -1.6
"""Under this the text is dropped whatever the no-speech probability (noise read as words)."""
MAX_COMPRESSION = 2.4
"""zlib ratio over which the text is a loop ("coach pause coach pause coach pause")."""
CPU_THREADS = 2
PROMPT = ""
"""Text put before the utterance as if said earlier (Whisper's initial prompt); empty: none (see the module docstring)."""
WAKE_SOUNDALIKES = frozenset({"code", "couch", "coat", "coats", "coach's", "coaches", "poach", "koch", "cooch",
                              "kotch", "goach", "cold", "cope", "coke", "coast", "quote", "kosh"})
"""First words Whisper writes for a spoken "coach" (measured: "code switch", "couch, pause"); read as the wake word."""
SURE_LOGPROB = -0.25
"""Whisper's text with an average log-probability over this is never replaced by pocketsphinx's."""
UNSURE_LOGPROB = -0.6
UNSURE_SNAP_EASIER = 10.0
"""Whisper's text with an average log-probability under UNSURE_LOGPROB is replaced by pocketsphinx's known
sentence at a similarity this much lower ("coach rizm" -> "coach resume")."""
SNAP_SCORE = 75.0
"""Similarity (rapidfuzz ratio, 0-100) above which Whisper's text that is no known sentence is replaced by
pocketsphinx's, when pocketsphinx heard a whole known sentence ("coach adam in it" -> "coach add a minute")."""


@dataclass(frozen=True)
class Decoded:
    """One decode: the text and the figures the guards judge it by."""

    text: str
    avg_logprob: float
    no_speech_prob: float
    compression: float


def _import() -> Any:
    """The whisper engine's libraries (asr/whisper_load.py); ModelError with the install hint when missing or broken."""
    from voice_coach.asr.whisper_load import import_parts

    return import_parts()


def load_model(model_dir: Path, cpu_threads: int = CPU_THREADS) -> Any:
    """One loaded model per folder (about a second and 100 MB), shared with a preload started earlier."""
    from voice_coach.asr.whisper_load import shared

    return shared(model_dir, cpu_threads)


def preload(model_dir: Path, cpu_threads: int = CPU_THREADS) -> None:
    """Start loading the model on its own thread (the coach's start: while the content and the voice load)."""
    from voice_coach.asr.whisper_load import preload as start

    start(model_dir, cpu_threads)


class WhisperDecoder:
    """Whisper on whole utterances: 16-bit mono PCM in, text out (guards applied)."""

    def __init__(self, model_dir: Path, *, window_s: float = WINDOW_S, prompt: str = PROMPT) -> None:
        self.model = load_model(model_dir)
        from voice_coach.asr.whisper_load import suppressed_tokens

        self.tokenizer = self.model.tokenizer_module.Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual,
                                                               task="transcribe", language="en")
        self.window_s = window_s
        self._prompt = self._prompt_tokens(prompt)
        self._suppress = suppressed_tokens(self.tokenizer)

    def _prompt_tokens(self, prompt: str) -> list[int]:
        tok = self.tokenizer
        before = [tok.sot_prev, *tok.encode(" " + prompt.strip())] if prompt.strip() else []
        return [*before, *tok.sot_sequence, tok.no_timestamps]

    def decode(self, pcm: bytes, rate: int = SPEECH.rate, prefix: str = "") -> Decoded:
        """The utterance's text; "" when it is too short to hold a word. ``prefix``: the text's first words, given
        (Whisper writes the rest after them; the text returned starts with them)."""
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        if rate != 16000:
            raise ModelError("whisper takes 16 kHz audio", "convert with voice_coach.audio.format.convert")
        seconds = samples.size / 16000
        if seconds < 0.2:
            return Decoded("", 0.0, 1.0, 0.0)
        window_s = self.window_s if seconds <= self.window_s - 0.5 else FULL_WINDOW_S
        frames = int(window_s * 100)
        # Log-mel of the speech only, then the value silence takes (the spectrogram's floor: its top minus 8
        # decades, normalised) for the rest of the window: the same as padding the audio, 20 ms cheaper.
        features = self.model.feature_extractor(samples[: int(window_s * 16000)])[:, :frames]
        if features.shape[1] < frames:
            floor = float(features.max()) - 2.0
            features = np.pad(features, ((0, 0), (0, frames - features.shape[1])), constant_values=floor)
        encoded = self.model.encode(features)
        max_new = max(MIN_TOKENS, int(TOKENS_PER_S * seconds) + 4)
        prompt = [*self._prompt, *self.tokenizer.encode(" " + prefix.strip())] if prefix.strip() else self._prompt
        result = self.model.model.generate(
            encoded, [prompt], beam_size=1, max_length=len(prompt) + max_new,
            return_scores=True, return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=self._suppress)[0]
        tokens = [t for t in result.sequences_ids[0] if t < self.tokenizer.eot]
        text = self.tokenizer.decode(tokens).strip()  # the prefix included
        avg = result.scores[0] * len(tokens) / (len(tokens) + 1) if tokens else -10.0
        return Decoded(text, float(avg), float(result.no_speech_prob), _compression(text))


def _compression(text: str) -> float:
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def guarded(decoded: Decoded) -> str:
    """The text, or "" when a guard says it was invented (silence, noise, a loop)."""
    if not decoded.text:
        return ""
    if decoded.no_speech_prob > SURE_NO_SPEECH_PROB or (
            decoded.no_speech_prob > NO_SPEECH_PROB and decoded.avg_logprob < LOW_LOGPROB):
        _LOGGER.debug("whisper: no speech (p=%.2f, logprob %.2f)", decoded.no_speech_prob, decoded.avg_logprob)
        return ""
    if decoded.avg_logprob < VERY_LOW_LOGPROB:
        _LOGGER.debug("whisper: unsure (logprob %.2f)", decoded.avg_logprob)
        return ""
    if decoded.compression > MAX_COMPRESSION:
        _LOGGER.debug("whisper: a loop (compression %.1f)", decoded.compression)
        return ""
    return normalise(decoded.text)


class WhisperRecognizer:
    """Whisper for the final text, pocketsphinx streaming alongside for partial text and grammars."""

    def __init__(self, model_dir: Path, *, phrases: Sequence[str] = (), wake_words: Sequence[str] = ("coach",),
                 fmt: AudioFormat = SPEECH, background: Iterable[str] = (), prompt: str = PROMPT,
                 window_s: float = WINDOW_S) -> None:
        if fmt != SPEECH:
            raise ModelError("whisper takes 16 kHz 16-bit mono audio", "convert with voice_coach.audio.format.convert")
        from voice_coach.asr.pocketsphinx import PocketsphinxRecognizer

        # Whisper loads on a thread of its own while pocketsphinx builds its language model (two cores: about a
        # second less to "listening"); a load that fails still fails here, where the caller can fall back.
        loaded: list[WhisperDecoder | BaseException] = []

        def load() -> None:
            try:
                loaded.append(WhisperDecoder(model_dir, window_s=window_s, prompt=prompt))
            except BaseException as exc:  # noqa: BLE001 - handed to the constructing thread below
                loaded.append(exc)

        loader = threading.Thread(target=load, name="whisper-load", daemon=True)
        loader.start()
        try:
            self.stream = PocketsphinxRecognizer(phrases, wake_words=wake_words, fmt=fmt, background=background)
        finally:
            loader.join()
        if isinstance(loaded[0], BaseException):
            raise loaded[0]
        self.decoder = loaded[0]
        self._wake_words = [normalise(w) for w in wake_words]
        self._audio: list[bytes] = []
        self._commands: frozenset[str] | None = None
        self.snap_score = SNAP_SCORE
        self.wake_prefix = True
        """Whisper writes the wake word first when pocketsphinx heard it first (see the module docstring)."""
        self.last: Decoded | None = None
        """The last decode with its figures (benchmarks read it; never logged: it holds the words)."""

    def accept(self, chunk: bytes) -> None:
        self._audio.append(chunk)
        self.stream.accept(chunk)

    def partial(self) -> str:
        return self.stream.partial()

    def final(self) -> str:
        pcm = b"".join(self._audio)
        self._audio = []
        other = self.stream.final()  # pocketsphinx has heard it all already: its final costs little
        if not pcm:
            return ""
        if self._commands is not None and other not in self._commands:
            return ""  # a speaking turn needs both engines to hear a command: no Whisper pass for plain talk
        self.last = self.decoder.decode(pcm, prefix=self._prefix(other))
        known = self._commands if self._commands is not None else self.stream.known()
        text = self._snap(self._wake_word_first(guarded(self.last)), other, known)
        if self._commands is not None and text not in self._commands:
            return ""  # a speaking turn: only "coach, <exercise command>" word for word
        return text

    def reset(self) -> None:
        self._audio = []
        self.stream.reset()

    def _prefix(self, other: str) -> str:
        """The wake word, for Whisper to write first, when pocketsphinx heard the utterance start with it. Never
        in a speaking turn: there Whisper must hear "coach" on its own (two engines agreeing, see final)."""
        if not self.wake_prefix or self._commands is not None:
            return ""
        words = other.split()
        for wake in self._wake_words:
            said = wake.split()
            if said and words[: len(said)] == said:
                return wake.capitalize() + ","
        return ""

    def _wake_word_first(self, text: str) -> str:
        words = text.split()
        if words and words[0] in WAKE_SOUNDALIKES and self._wake_words:
            return " ".join([self._wake_words[0], *words[1:]])
        if len(words) > 1 and words[0] == "hey" and words[1] in WAKE_SOUNDALIKES and self._wake_words:
            return " ".join(["hey", self._wake_words[0], *words[2:]])
        return text

    def _snap(self, text: str, other: str, known: frozenset[str]) -> str:
        """``text``, or pocketsphinx's known sentence ``other`` for the same audio when the two nearly agree."""
        if not text or self.snap_score > 100:
            return text
        if not known or text in known:
            return text
        if self.last is not None and self.last.avg_logprob > SURE_LOGPROB:
            return text  # Whisper sure of its words ("coach give me a tip"): pocketsphinx's guess is worse
        from rapidfuzz import fuzz

        # A speaking turn keeps the strict likeness: there the speaker's own words must not become a command.
        unsure = self._commands is None and self.last is not None and self.last.avg_logprob < UNSURE_LOGPROB
        if other in known and fuzz.ratio(text, other) >= self.snap_score - (UNSURE_SNAP_EASIER if unsure else 0.0):
            return other
        return text

    def set_grammar(self, phrases: list[str] | None) -> None:
        self.reset()
        self.stream.set_grammar(phrases)
        if phrases is None:
            self._commands = None
            return
        said = {normalise(p) for p in phrases if normalise(p)}
        self._commands = frozenset(f"{wake} {p}" for p in said for wake in self._wake_words)
