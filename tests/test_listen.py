"""MicEars: end of speech, the bare wake word, muting and barge-in, grammar switching, a lost microphone.

Real pocketsphinx on synthesised speech; the microphone is a fake that plays a prepared stream of
blocks on a fake clock, so every timing here is exact and instant.
"""

from __future__ import annotations

import numpy as np
import pytest

from voice_coach.asr import Recognizer, make_recognizer
from voice_coach.audio.format import SPEECH
from voice_coach.audio.mic import MicBlock
from voice_coach.errors import AudioError
from voice_coach.listen.endpoint import CERTAIN_SILENCE_S
from voice_coach.listen.mic_ears import END_SILENCE_S, MUTE_TAIL_S, Heard, MicEars
from voice_coach.listen.vad import Vad
from voice_coach.testing.synth import TEST_PHRASES, Speech, Synth, session_synth
from voice_coach.understand.match import Context

BLOCK_S = 0.02
BLOCK_BYTES = int(SPEECH.rate * BLOCK_S) * SPEECH.width


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def now(self) -> float:
        return self.t


class FakeMic:
    """Delivers queued audio block by block, then silence, moving the clock along with the audio."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.pending = bytearray()
        self.alive = True
        self.closed = False
        self.abandoned = False

    def queue(self, pcm: bytes) -> None:
        self.pending += pcm

    def silence(self, seconds: float) -> None:
        self.queue(bytes(int(SPEECH.rate * seconds) * SPEECH.width))

    def read(self, timeout_s: float) -> MicBlock | None:
        block = bytes(self.pending[:BLOCK_BYTES]).ljust(BLOCK_BYTES, b"\0")
        del self.pending[:BLOCK_BYTES]
        self.clock.t += BLOCK_S
        return MicBlock(block, self.clock.t)

    def drain(self) -> None:
        self.pending.clear()

    def close(self) -> None:
        self.closed = True

    def abandon(self) -> None:
        self.abandoned = True


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return session_synth(tmp_path_factory.mktemp("speech"))


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return make_recognizer("pocketsphinx", phrases=TEST_PHRASES)


class Rig:
    def __init__(self, recognizer: Recognizer) -> None:
        self.clock = FakeClock()
        self.mic = FakeMic(self.clock)
        recognizer.set_grammar(None)
        recognizer.reset()
        self.ears = MicEars(recognizer, lambda: self.mic, commands=["pause", "how much time is left"],
                            clock=self.clock)

    def speak(self, speech: Speech) -> tuple[float, float]:
        """Queue speech; returns the clock times its sound starts and ends."""
        start_s = self.clock.t + len(self.mic.pending) / SPEECH.width / SPEECH.rate
        pcm = speech.pcm()
        samples = np.frombuffer(pcm, dtype=np.int16)
        loud = np.flatnonzero(np.abs(samples) > 500)
        self.mic.queue(pcm)
        return start_s + loud[0] / SPEECH.rate, start_s + loud[-1] / SPEECH.rate

    def listen(self, seconds: float) -> list[tuple[Heard, float]]:
        """Everything heard within ``seconds`` of clock time, each with the time it was returned."""
        out = []
        stop_s = self.clock.t + seconds
        while self.clock.t < stop_s:
            heard = self.ears.get(0.1)
            if heard is not None:
                out.append((heard, self.clock.t))
        return out


@pytest.fixture()
def rig(recognizer: Recognizer) -> Rig:
    return Rig(recognizer)


def test_a_command_is_returned_a_quarter_second_after_speech_ends(rig: Rig, synth: Synth) -> None:
    rig.mic.silence(0.5)
    _, spoken_end_s = rig.speak(synth.hibari("coach, how much time is left"))
    rig.mic.silence(3.0)
    heard = rig.listen(4.0)
    assert [h.text for h, _ in heard] == ["coach how much time is left"]
    (utterance, returned_s), = heard
    assert utterance.end_s == pytest.approx(spoken_end_s, abs=0.15)  # a soft final consonant may fall under the VAD
    # Acted on after the short end-of-speech silence, not after a long timeout.
    assert returned_s - utterance.end_s == pytest.approx(END_SILENCE_S, abs=2 * BLOCK_S)


def test_a_pause_after_the_bare_wake_word_is_waited_for(rig: Rig, synth: Synth) -> None:
    rig.mic.silence(0.3)
    _, wake_end_s = rig.speak(synth.hibari("coach"))
    rig.mic.silence(0.5)
    request_start_s, _ = rig.speak(synth.hibari("give us a conversation starter"))
    rig.mic.silence(2.0)
    assert 0.9 < request_start_s - wake_end_s < 1.3  # a natural pause after "coach"
    heard = [h.text for h, _ in rig.listen(6.0)]
    assert len(heard) == 1  # one request, not "coach" and then the rest
    assert heard[0].startswith("coach") and heard[0].endswith("give us a conversation starter")


def test_noise_without_words_is_not_an_utterance(rig: Rig) -> None:
    rng = np.random.default_rng(0)
    rig.mic.silence(0.3)
    rig.mic.queue((rng.normal(0, 3000, int(0.15 * SPEECH.rate))).astype(np.int16).tobytes())  # a knock
    rig.mic.silence(2.0)
    assert rig.listen(2.5) == []


def test_muted_speech_is_dropped_and_listening_resumes_after_the_tail(rig: Rig, synth: Synth) -> None:
    rig.ears.set_muted(True)
    rig.mic.silence(0.2)
    rig.speak(synth.hibari("give us a conversation starter"))
    rig.mic.silence(0.5)
    assert rig.listen(3.5) == []
    rig.ears.set_muted(False)
    assert rig.ears.activity == "muted"
    rig.mic.silence(MUTE_TAIL_S + 0.1)
    rig.speak(synth.hibari("coach, pause"))
    rig.mic.silence(1.0)
    assert [h.text for h, _ in rig.listen(3.0)] == ["coach pause"]


def test_barge_in_is_returned_as_soon_as_it_is_recognised(rig: Rig, synth: Synth) -> None:
    rig.ears.set_muted(True)
    rig.mic.silence(0.3)
    _, spoken_end_s = rig.speak(synth.hibari("coach, stop"))
    rig.mic.silence(1.0)
    heard = rig.listen(3.0)
    assert [h.text for h, _ in heard] == ["coach stop"]
    # From the partial text: before the end-of-speech silence would have run out.
    assert heard[0][1] < spoken_end_s + END_SILENCE_S


def test_commands_only_mode_switches_the_grammar(synth: Synth) -> None:
    calls: list[list[str] | None] = []

    class Spy:
        def __init__(self, inner: Recognizer) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

        def set_grammar(self, phrases: list[str] | None) -> None:
            calls.append(phrases)
            self.inner.set_grammar(phrases)

    clock = FakeClock()
    mic = FakeMic(clock)
    ears = MicEars(Spy(make_recognizer("text")), lambda: mic, commands=["pause"], clock=clock)  # type: ignore[arg-type]
    ears.set_mode("commands_only")
    ears.set_mode("commands_only")
    ears.set_mode("normal")
    assert calls == [["pause"], None]


def test_a_lost_microphone_is_reopened(recognizer: Recognizer, synth: Synth) -> None:
    clock = FakeClock()
    first, second = FakeMic(clock), FakeMic(clock)
    attempts: list[str] = []

    def open_mic() -> FakeMic:
        attempts.append("open")
        if len(attempts) == 1:
            return first
        if len(attempts) == 2:
            raise AudioError("no microphone found")
        return second

    ears = MicEars(recognizer, open_mic, clock=clock)
    assert ears.get(0.1) is None
    first.alive = False
    clock.t += 0.1
    assert ears.get(0.1) is None and first.abandoned  # a dead stream is let go, never awaited
    assert ears.activity == "mic-lost"
    for _ in range(60):  # retries every couple of seconds until a microphone is back
        clock.t += 0.1
        ears.get(0.0)
    assert attempts == ["open", "open", "open"]
    second.silence(0.3)
    second.queue(synth.hibari("coach, pause").pcm())
    second.silence(1.0)
    heard = []
    for _ in range(100):
        got = ears.get(0.05)
        if got is not None:
            heard.append(got.text)
    assert heard == ["coach pause"]


def test_vad_follows_the_noise_floor() -> None:
    vad = Vad()
    rng = np.random.default_rng(1)
    hum = (rng.normal(0, 200, 320)).astype(np.int16).tobytes()  # about -44 dBFS of room noise
    assert not any(vad.is_speech(hum) for _ in range(50))
    speech = (rng.normal(0, 6000, 320)).astype(np.int16).tobytes()
    assert vad.is_speech(speech)
    assert not vad.is_speech(bytes(640))


class CoachParts:
    """The recognizer, intents and end-of-speech judge as `voice-coach run` builds them (default settings)."""

    def __init__(self) -> None:
        from voice_coach.asr.build import coach_recognizer
        from voice_coach.content import load_library
        from voice_coach.understand.matcher import load_intents

        self.intents = load_intents()
        self.recognizer = Counting(coach_recognizer("pocketsphinx", self.intents, load_library(),
                                                    wake_words=["coach", "hey coach"]))

    def rig(self) -> Rig:
        from voice_coach.listen.endpoint import coach_endpointer

        clock = FakeClock()
        mic = FakeMic(clock)
        self.recognizer.set_grammar(None)
        self.recognizer.reset()
        rig = Rig.__new__(Rig)
        rig.clock, rig.mic = clock, mic
        rig.ears = MicEars(self.recognizer, lambda: mic, clock=clock,  # type: ignore[arg-type]
                           endpoint=coach_endpointer(self.intents, Context, self.intents.wake))
        return rig

    def intent(self, text: str) -> str | None:
        from voice_coach.understand.matcher import recognize

        match = recognize(text, self.intents)
        return match.intent if match else None


class Counting:
    """A recognizer that counts its final() calls (each one ends the utterance inside the engine)."""

    def __init__(self, inner: Recognizer) -> None:
        self.inner = inner
        self.finals = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def final(self) -> str:
        self.finals += 1
        return self.inner.final()


@pytest.fixture(scope="module")
def coach() -> CoachParts:
    return CoachParts()


def trimmed(speech: Speech) -> Speech:
    """The speech without the voice's own lead-in and tail of silence (so a pause between parts is exact)."""
    loud = np.flatnonzero(np.abs(speech.samples.astype(np.int32)) > 500)
    margin = int(0.03 * speech.rate)
    return Speech(speech.text, speech.voice, speech.samples[max(0, loud[0] - margin): loud[-1] + margin], speech.rate)


def test_a_follow_up_is_taken_from_the_final_text_when_the_partial_lags(coach: CoachParts, synth: Synth) -> None:
    rig = coach.rig()
    for speed in (0.9, 1.0, 1.15):
        rig.mic.silence(0.3)
        rig.speak(synth.hibari("another one", speed))
        rig.mic.silence(1.5)
        heard = rig.listen(3.0)
        assert len(heard) == 1
        assert coach.intent(heard[0][0].text) == "another"
        # "another one" can go on ("another one like that"): the usual quarter second.
        assert heard[0][1] - heard[0][0].end_s == pytest.approx(END_SILENCE_S, abs=2 * BLOCK_S)


def test_a_certain_command_ends_sooner_than_one_a_detail_could_still_change(coach: CoachParts, synth: Synth) -> None:
    rig = coach.rig()
    waited = {}
    for command, intent in (("coach, what can you do", "help"),
                            ("coach, give us a conversation starter", "conversation_starter")):
        rig.mic.silence(0.3)
        rig.speak(synth.hibari(command))
        rig.mic.silence(1.5)
        heard = rig.listen(4.0)
        assert [coach.intent(h.text) for h, _ in heard] == [intent]
        waited[intent] = heard[0][1] - heard[0][0].end_s
    assert waited["help"] == pytest.approx(CERTAIN_SILENCE_S, abs=2 * BLOCK_S)
    # "... about family" could still follow and change it: the usual quarter second.
    assert waited["conversation_starter"] == pytest.approx(END_SILENCE_S, abs=2 * BLOCK_S)


@pytest.mark.parametrize("first, pause_s, rest, intent", [
    ("coach, tell me", 0.5, "more about that", "tell_more"),  # "coach, tell me" alone is no command: wait for it
    ("coach, what can you", 0.4, "do", "help"),  # half of "what can you do" (the matcher alone says repeat)
    ("coach, a tip about", 0.4, "empathy", "tip"),
])
def test_half_a_command_is_waited_out(coach: CoachParts, synth: Synth, first: str, pause_s: float, rest: str,
                                      intent: str) -> None:
    rig = coach.rig()
    rig.mic.silence(0.3)
    rig.speak(trimmed(synth.hibari(first)))
    rig.mic.silence(pause_s)
    rig.speak(trimmed(synth.hibari(rest)))
    rig.mic.silence(1.5)
    heard = [h.text for h, _ in rig.listen(4.0)]
    assert len(heard) == 1, heard  # one utterance: nothing was acted on before the rest came
    assert coach.intent(heard[0]) == intent


def test_speech_going_on_after_the_early_final_is_heard_whole(coach: CoachParts, synth: Synth) -> None:
    """The final text is decoded early in the quiet; when the speaker goes on, the whole utterance is heard."""
    from voice_coach.understand.matcher import recognize

    rig = coach.rig()
    rig.mic.silence(0.3)
    rig.speak(trimmed(synth.hibari("coach, give us a conversation starter")))
    rig.mic.silence(0.15)  # longer than EARLY_FINAL_S, shorter than END_SILENCE_S
    rig.speak(trimmed(synth.hibari("about family")))
    rig.mic.silence(1.5)
    finals = coach.recognizer.finals
    heard = [h.text for h, _ in rig.listen(4.0)]
    assert len(heard) == 1, heard
    match = recognize(heard[0], coach.intents)
    assert match is not None and (match.intent, match.slots.get("topic")) == ("conversation_starter", "family")
    assert coach.recognizer.finals - finals >= 2  # the early final, then the whole utterance's


def test_during_a_speaking_turn_no_command_ends_early(coach: CoachParts, synth: Synth) -> None:
    """The exercise's commands-only mode keeps the usual quarter second: a partner's monologue is no place to
    act sooner than before."""
    from voice_coach.asr.phrases import command_phrases

    rig = coach.rig()
    rig.ears.commands = command_phrases(coach.intents)
    waited = []
    for mode in ("normal", "commands_only"):
        rig.ears.set_mode(mode)
        rig.mic.silence(0.3)
        rig.speak(synth.hibari("coach, how much time is left"))
        rig.mic.silence(1.5)
        heard = rig.listen(4.0)
        assert [coach.intent(h.text) for h, _ in heard] == ["time_left"]
        waited.append(heard[0][1] - heard[0][0].end_s)
    rig.ears.set_mode("normal")
    assert waited[0] == pytest.approx(CERTAIN_SILENCE_S, abs=2 * BLOCK_S)
    assert waited[1] == pytest.approx(END_SILENCE_S, abs=2 * BLOCK_S)
