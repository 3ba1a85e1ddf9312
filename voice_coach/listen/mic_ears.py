"""Microphone ears: blocks -> voice activity -> recognizer -> end of speech -> Heard."""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol

from voice_coach import trace
from voice_coach.asr import Recognizer
from voice_coach.asr.text import spoken_words
from voice_coach.audio.format import SPEECH, AudioFormat
from voice_coach.audio.mic import MicBlock
from voice_coach.audio.streams import Backoff
from voice_coach.clock import Clock, MonotonicClock
from voice_coach.config import wake_phrases
from voice_coach.errors import AudioError
from voice_coach.listen.denoise import Denoiser
from voice_coach.listen.ears import Heard
from voice_coach.listen.endpoint import (
    END_SILENCE_S,
    INCOMPLETE_SILENCE_S,
    WAIT_S,
    WAKE_PAUSE_S,
    Endpointer,
    Verdict,
)
from voice_coach.listen.vad import Vad, barge_in_detector

_LOGGER = logging.getLogger(__name__)

__all__ = ["END_SILENCE_S", "INCOMPLETE_SILENCE_S", "MUTE_TAIL_S", "WAKE_PAUSE_S", "Heard", "MicEars"]

EARLY_FINAL_S = 0.08
"""Quiet after a command before its final text is decoded, while the quiet is still being checked: the decode
(20-40 ms) is then done by the time the utterance ends. Speech going on after it is heard again from the start."""
MAX_UTTERANCE_S = 12.0
"""Longest stretch of speech taken as one utterance."""
PRE_ROLL_S = 0.3
"""Audio kept from before speech was detected, so the first syllable is not lost."""
MUTE_TAIL_S = 0.35
"""The microphone stays gated this long after the coach stops (echo and device buffers)."""
FIXED_END_SILENCE_ENV = "VOICE_COACH_FIXED_END_SILENCE_S"
"""For benchmarks only (scripts/bench_latency.py): seconds of quiet that always end an utterance, whatever was
heard, as listeners that wait a fixed silence do (Rhasspy, OVOS: 0.5 s). Unset: our complete-command rule."""


def _fixed_end_silence_s() -> float | None:
    value = os.environ.get(FIXED_END_SILENCE_ENV, "")
    try:
        return float(value) if value else None
    except ValueError:
        return None



class MicSource(Protocol):
    """What MicEars reads from (audio_mic.Microphone)."""

    def read(self, timeout_s: float) -> MicBlock | None: ...
    def drain(self) -> None: ...
    @property
    def alive(self) -> bool: ...
    def close(self) -> None: ...
    def abandon(self) -> None: ...


class MicEars:
    """The microphone as the runtime's Ears: ``get`` feeds the recognizer and returns finished utterances.

    Runs in the caller's thread (the main loop): each ``get`` handles the blocks that arrived. While
    muted (the coach is talking) nothing is returned except a barge-in ("coach, stop"), the moment
    the recognizer's partial text ends with one.
    """

    def __init__(
        self,
        recognizer: Recognizer,
        open_mic: Callable[[], MicSource],
        *,
        commands: Sequence[str] = (),
        wake_words: Sequence[str] = tuple(wake_phrases()),
        endpoint: Endpointer | None = None,
        clock: Clock | None = None,
        fmt: AudioFormat = SPEECH,
    ) -> None:
        self.recognizer = recognizer
        self._open_mic = open_mic
        self.commands = list(commands)
        """Phrases for commands_only mode (exercise commands; the wake word is added by the engine)."""
        self.endpoint = endpoint or Endpointer(wake_words)
        """Judges the words so far (no command yet, half of one, a command, a certain one)."""
        self._barge_in = barge_in_detector(wake_words)
        self.clock = clock or MonotonicClock()
        self.fmt = fmt
        self.vad = Vad(fmt)
        self._denoise = Denoiser(fmt)
        self.fixed_end_silence_s = _fixed_end_silence_s()
        self.mode = "normal"
        self.closed = False
        self.activity = "listening"
        """listening, hearing, muted or mic-lost (for the status line)."""
        self.partial_text = ""
        """What is being heard, in normal mode only (never during a speaking turn)."""
        self._mic: MicSource | None = open_mic()
        self._reopen = Backoff()
        """When to try reopening a lost microphone."""
        self._muted_since_s: float | None = None
        self._muted_until_s = 0.0
        self._preroll: deque[bytes] = deque(maxlen=max(1, round(PRE_ROLL_S / 0.02)))
        self._in_speech = False
        self._start_s = 0.0
        self._last_voiced_s = 0.0
        self._was_muted = False
        self._utterance: list[bytes] = []
        """The current utterance's audio, to hear it again after a tentative final."""
        self._tried_final = False
        self._held: tuple[str, Verdict] | None = None
        """The final text (and its verdict) decoded early, while the quiet is still being checked; the
        recognizer is then idle and the utterance's audio is kept in _utterance."""
        self._final_verdict: Verdict | None = None
        """The verdict on the final text, when one was taken early and was no command: it stands until the
        speaker goes on (the partial guess could still look like a command)."""
        self._early_text: str | None = None
        """That early final text: the utterance's text when the speaker does not go on (a second decode of the
        same speech would cost a whole Whisper pass)."""

    # Ears protocol

    def get(self, timeout_s: float) -> Heard | None:
        deadline_s = self.clock.now() + max(0.0, timeout_s)
        while not self.closed:
            mic = self._usable_mic()
            if mic is None:
                return None
            block = mic.read(max(0.0, min(deadline_s - self.clock.now(), 0.05)))
            if block is not None:
                heard = self._process(block)
                if heard is not None:
                    return heard
            if self.clock.now() >= deadline_s:
                return None
        return None

    def set_mode(self, mode: str) -> None:
        if mode == self.mode:
            return
        self.mode = mode
        self._end_utterance()
        self.recognizer.set_grammar(self.commands if mode == "commands_only" else None)

    def set_muted(self, muted: bool) -> None:
        now = self.clock.now()
        if muted:
            if self._muted_since_s is None:
                self._muted_since_s = now
        elif self._muted_since_s is not None:
            self._muted_since_s = None
            self._muted_until_s = now + MUTE_TAIL_S
            _LOGGER.debug("the coach is quiet: listening again in %.2f s", MUTE_TAIL_S)

    def close(self) -> None:
        self.closed = True
        if self._mic is not None:
            self._mic.close()
            self._mic = None

    # Inside

    def _usable_mic(self) -> MicSource | None:
        """The microphone, reopened after it went away (streams.Backoff); None while it is gone."""
        if self._mic is not None and self._mic.alive:
            return self._mic
        now = self.clock.now()
        if self._mic is not None:
            _LOGGER.warning("the microphone stopped delivering audio; trying to reopen it")
            # Closing a stream whose sound server died can block inside PortAudio/ALSA for good: the
            # main loop must keep time and notice the loss, so the stream is abandoned, not awaited.
            self._mic.abandon()
            self._mic = None
            self._end_utterance()
            self._reopen.reset(now)
        self.activity = "mic-lost"
        if not self._reopen.due(now):
            time.sleep(min(0.05, self._reopen.wait_s(now)))
            return None
        try:
            self._mic = self._open_mic()
        except AudioError as err:
            _LOGGER.info("microphone still unavailable: %s", err.one_line())
            return None
        # Still "mic-lost" until the reopened stream delivers a block (_process updates activity): a
        # stream that opens but stays silent must not count as back, or the lost state would flicker.
        return self._mic

    @property
    def device_lost(self) -> bool:
        """True while the microphone is gone and being retried (the coach pauses and says so)."""
        return self.activity == "mic-lost"

    def _is_muted(self, end_s: float) -> bool:
        return self._muted_since_s is not None or end_s < self._muted_until_s

    def _end_utterance(self) -> None:
        self.recognizer.reset()
        self._utterance = []
        self._tried_final = False
        self._held = None
        self._final_verdict = None
        self._early_text = None
        self.endpoint.forget()
        self._in_speech = False
        self._preroll.clear()
        self.partial_text = ""

    def _process(self, block: MicBlock) -> Heard | None:
        block = MicBlock(self._denoise(block.pcm), block.end_s)  # steady room noise out before anything listens
        muted = self._is_muted(block.end_s)
        if muted != self._was_muted:
            # Speech never spans the gate: what came before belongs to the other side of it.
            self._was_muted = muted
            self._end_utterance()
        self.activity = "muted" if muted else ("hearing" if self._in_speech else "listening")
        voiced = self.vad.is_speech(block.pcm)
        if not self._in_speech:
            self._preroll.append(block.pcm)
            if not voiced:
                return None
            self._in_speech = True
            self._start_s = block.end_s - self.fmt.seconds(sum(len(p) for p in self._preroll))
            self._utterance = list(self._preroll)
            for pcm in self._preroll:
                self.recognizer.accept(pcm)
            self._preroll.clear()
        else:
            self._utterance.append(block.pcm)
            if self._held is None:
                self.recognizer.accept(block.pcm)
        if voiced:
            self._last_voiced_s = block.end_s
            self._tried_final = False
            self._final_verdict = None
            self._early_text = None
            if self._held is not None:
                # The speaker went on after the early final: hear the whole utterance again, as if never ended.
                self._held = None
                self._hear_again()
        silence_s = block.end_s - self._last_voiced_s
        length_s = block.end_s - self._start_s
        if muted:
            return self._barge_in_check(silence_s, length_s)
        return self._end_of_speech(block.end_s, silence_s, length_s)

    def _end_of_speech(self, block_end_s: float, silence_s: float, length_s: float) -> Heard | None:
        """The utterance, once the quiet after it is long enough for what was said; None while it may go on."""
        over_long = length_s >= MAX_UTTERANCE_S
        if silence_s < EARLY_FINAL_S and not over_long:
            return None
        fixed_s = self.fixed_end_silence_s
        fast = self.mode == "normal" and fixed_s is None
        if self._held is None:
            partial = self.recognizer.partial()
            if self.mode == "normal":
                self.partial_text = partial
            verdict = self._final_verdict or self.endpoint.judge(partial, fast)
            if (fixed_s is None and not over_long and not self._tried_final
                    and (verdict.command or silence_s >= END_SILENCE_S)):
                # A command so far (or a long enough pause): the final text now, while the quiet goes on.
                heard = self._decode_final(silence_s, fast)
                if heard is not None:
                    return heard
                verdict = self._held[1] if self._held is not None else self._final_verdict or verdict
        else:
            verdict = self._held[1]
        wait_s = WAIT_S[verdict] if fixed_s is None else fixed_s
        if silence_s < wait_s and not over_long:
            return None
        if self._held is not None:
            text = self._held[0]
        elif self._early_text is not None:
            text = self._early_text
        else:
            text = self._final()
        heard = self._heard(text, verdict, block_end_s) if text else None
        self._end_utterance()
        _LOGGER.debug("utterance ended (%s): %d words, %.2f s, %.0f ms after the last speech", verdict.value,
                      len(text.split()), length_s, 1000 * silence_s)
        return heard

    def _decode_final(self, silence_s: float, fast: bool) -> Heard | None:
        """The final text of the utterance so far: the partial guess lags it ("another ones", then "another one").

        A command is returned once the quiet after it is long enough for its kind, and held until then. Anything
        else (half a command, no command) is heard again from the start, and the wait for more speech goes on
        as if nothing had happened, the final text's verdict standing until the speaker goes on.
        """
        self._tried_final = True
        text = self._final()
        verdict = self.endpoint.judge(text, fast)
        if verdict.command:
            if silence_s >= WAIT_S[verdict]:
                heard = self._heard(text, verdict, self._last_voiced_s + silence_s)
                self._end_utterance()
                _LOGGER.debug("utterance ended (%s): %d words, %.0f ms after the last speech (final text)",
                              verdict.value, len(text.split()), 1000 * silence_s)
                return heard
            self._held = (text, verdict)
            return None
        self._final_verdict = verdict
        self._early_text = text
        self._hear_again()
        return None

    def _final(self) -> str:
        with trace.timed("final"):
            return self.recognizer.final()

    def _heard(self, text: str, verdict: Verdict, block_end_s: float) -> Heard:
        """The utterance, with the match the end-of-speech judge already made of exactly this text."""
        matched, match = self.endpoint.match_of(text)
        trace.note("heard", block_end=block_end_s, voiced_end=self._last_voiced_s, how=verdict.value,
                   fixed=self.fixed_end_silence_s is not None)
        return Heard(text, self._last_voiced_s, matched=matched, match=match)

    def _hear_again(self) -> None:
        """Feed the utterance so far to the recognizer again (its final text was taken early)."""
        for pcm in self._utterance:
            self.recognizer.accept(pcm)

    def _barge_in_check(self, silence_s: float, length_s: float) -> Heard | None:
        """While the coach talks: act the moment the partial text ends in "coach, stop"; drop the rest."""
        partial = self.recognizer.partial()
        if self._barge_in(partial):
            words = spoken_words(partial)[-2:]
            self._end_utterance()
            return Heard(" ".join(words), self._last_voiced_s)
        if silence_s >= END_SILENCE_S or length_s >= MAX_UTTERANCE_S:
            self._end_utterance()
        return None
