"""The one place that joins the stages: store, content, coach, matcher, mouth and ears into a Runtime."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from voice_coach.app.runtime import Recognize
from voice_coach.app.status import StatusLine
from voice_coach.app.voice_parts import GatedEars, MouthLike, TrackedMouth, VoiceGate
from voice_coach.asr import Recognizer
from voice_coach.asr.build import coach_recognizer
from voice_coach.asr.phrases import command_phrases
from voice_coach.clock import Clock
from voice_coach.config import Settings
from voice_coach.content import Library, load_library
from voice_coach.content.sessions import SessionBook, load_sessions
from voice_coach.dialogue.coach import Coach, ExerciseDefaults
from voice_coach.errors import ModelError
from voice_coach.listen.ears import TypedEars
from voice_coach.listen.endpoint import coach_endpointer
from voice_coach.listen.gate import WakeGate
from voice_coach.listen.mic_ears import MicEars
from voice_coach.speech.mouth import Mouth, PrintMouth, stderr_line
from voice_coach.speech_models.find import EngineChoice
from voice_coach.store import Store
from voice_coach.understand.intents import Intents
from voice_coach.understand.match import Match
from voice_coach.understand.wake import WakeWords

_LOGGER = logging.getLogger(__name__)


def open_store(settings: Settings, warn: Callable[[str], None] = stderr_line) -> Store:
    store = Store(settings.data_dir)
    if store.warning:
        warn(store.warning)
    return store


def build_coach(settings: Settings, library: Library, store: Store, rng: random.Random | None = None,
                book: SessionBook | None = None, names: tuple[str, str] | None = None) -> Coach:
    defaults = ExerciseDefaults(settings.exercise_minutes, settings.exercise_rounds, settings.reflect_seconds)
    return Coach(library, store.load(), rng or random.Random(), defaults, book=book or load_book(settings), names=names)


def load_book(settings: Settings) -> SessionBook:
    """Guided sessions and games: the shipped ones and the user's packs (a bad pack is skipped, and said)."""
    book = load_sessions(settings.config_dir / "content")
    for message in book.rejected:
        stderr_line(f"skipped session pack {message}")
    return book


def load_content(settings: Settings) -> Library:
    library = load_library(settings.config_dir / "content")
    for message in library.rejected:
        stderr_line(f"skipped content pack {message}")
    return library


def matcher(intents: Intents | None = None, wake: WakeWords | None = None) -> Recognize:
    """The intent matcher bound to loaded intents and the wake word in use."""
    from voice_coach.understand.matcher import load_intents, recognize, strip_wake_word

    loaded = intents if intents is not None else load_intents()

    def run(text: str, coach: Coach) -> Match | None:
        match = recognize(text, loaded, coach.context(), wake)
        if match is None and not coach.speaking_turn:  # a session a user pack added, by its name
            addressed, words = strip_wake_word(text, loaded, wake)
            match = coach.desk.named_request(words, addressed)
        return match

    return run


def make_mouth(
    settings: Settings, speech: dict[str, float], out: Callable[[str], None] | None = None
) -> tuple[Mouth, Callable[[str, float], None] | None]:
    """A mouth that speaks when speech output works here, else one that only prints.

    ``speech`` holds the saved speech settings (rate, volume) from the store.
    """
    printer = out or (lambda text: print(text, flush=True))
    if settings.quiet:
        return PrintMouth(printer), None
    try:
        from voice_coach.audio.chimes import chime_samples
        from voice_coach.audio.player import Player
        from voice_coach.speech.mouth import SpokenMouth
        from voice_coach.speech.voice import VoiceLoading, VoiceSettings

        player = Player(device=settings.output_device)
        # Loaded on its own thread from the first reply or start_voice(), whichever comes first.
        voice = VoiceLoading(settings.voice_engine,
                             VoiceSettings(**{k: v for k, v in speech.items() if k in ("rate", "volume")}))
    except Exception as err:  # noqa: BLE001 - any audio or TTS failure means: print only
        _LOGGER.info("speaking disabled: %s", err)
        return PrintMouth(printer), None

    def on_setting(key: str, value: float) -> None:
        voice.set_settings(replace(voice.settings, **{key: value}))

    return SpokenMouth(voice, player, chime_samples, printer), on_setting


def start_voice(mouth: Any) -> None:
    """Begin loading the mouth's voice, if it has one still to load (the voice loop, once listening)."""
    voice = getattr(getattr(mouth, "mouth", mouth), "voice", None)
    start = getattr(type(voice), "start", None)
    if start is not None:
        start(voice)


@dataclass
class VoiceParts:
    """What ``open_voice`` builds for the runtime."""

    ears: GatedEars
    mouth: TrackedMouth
    gate: VoiceGate
    engine: str
    note: str | None = None
    """Say this once at start (why the engine was chosen)."""


def wake_words(settings: Settings, intents: Intents) -> WakeWords:
    """The one wake-word object: the lexicon's rules ("hey couch" is "hey coach") for the word in the settings."""
    return intents.wake.with_word(settings.wake_word.strip().lower())


def choose_engine(settings: Settings) -> EngineChoice | None:
    """The recognizer the voice loop will use (None: typed), a whisper model already loading on its own thread.

    Called first thing by `run`: an engine or model the user named that cannot be had is reported at once, with
    or without a microphone; and Whisper (~1 s) loads while the content, the voice and the intents do, and
    while the process is still small (converting its weights to int8 briefly takes ~100 MB more).
    """
    if settings.engine == "text":
        return None
    from voice_coach.speech_models import find as models
    from voice_coach.speech_models.dirs import search_dirs

    requested = None if settings.engine == "auto" else settings.engine
    choice = models.resolve_engine(requested, settings.model, None, dirs=search_dirs(settings.data_dir),
                                   explicit_source=models.model_source(settings.sources), import_check=False)
    if choice.engine == "whisper" and choice.model is not None:
        from voice_coach.asr.whisper import preload

        preload(choice.model)
    return choice


def open_voice(settings: Settings, coach: Any, mouth: MouthLike, clock: Clock, intents: Intents, wake: WakeWords,
               library: Library, status: StatusLine | None = None, choice: EngineChoice | None = None) -> VoiceParts:
    """Open the microphone and the recognizer and join them to the mouth and the gate.

    Raises AudioError (no microphone) before any slow model loading, ModelError for a missing engine.
    """
    from voice_coach.audio.mic import Microphone
    from voice_coach.speech_models import find as models
    from voice_coach.understand.matcher import strip_wake_word

    def open_mic() -> Microphone:
        mic = Microphone(settings.input_device)
        mic.start()
        return mic

    requested = None if settings.engine == "auto" else settings.engine
    choice = choice or choose_engine(settings)
    assert choice is not None, "open_voice is for a recognizer, not typed text"
    first_mic = open_mic()
    try:
        try:
            recognizer: Recognizer = coach_recognizer(choice.engine, intents, library, wake_words=wake.spoken,
                                                      model_path=choice.model)
        except ModelError as exc:
            if requested is not None or choice.engine == "pocketsphinx":
                raise
            # A model that verified but will not load: the coach still listens, on the built-in engine.
            choice = models.EngineChoice("pocketsphinx", note=f"{exc.one_line()}. Using pocketsphinx for now.",
                                         error=exc, why=exc.one_line())
            recognizer = coach_recognizer("pocketsphinx", intents, library, wake_words=wake.spoken)
    except BaseException:
        first_mic.close()
        raise
    mics = iter([first_mic])

    def mic_source() -> Microphone:
        return next(mics, None) or open_mic()

    mic_ears = MicEars(recognizer, mic_source, commands=command_phrases(intents), wake_words=wake.spoken,
                       endpoint=coach_endpointer(intents, coach.context, wake), clock=clock)
    gate = WakeGate(lambda text: strip_wake_word(text, intents, wake)[0], settings.follow_up_s,
                    speaking_turn=lambda: bool(coach.speaking_turn), coach_talking=mouth.busy,
                    session_waiting=lambda: coach.desk.waiting,
                    understand=lambda phrase: _intent_of(phrase, intents, wake, coach.context()))
    ears = GatedEars(mic_ears, mouth, gate, clock, status, remaining_s=lambda: _remaining(coach, clock))
    _LOGGER.info("ready to listen (%s engine)", choice.engine)
    return VoiceParts(ears, ears.mouth, VoiceGate(gate, ears.mouth), choice.engine, choice.note)


def _intent_of(phrase: str, intents: Any, wake: Any, context: Any) -> str | None:
    """The intent of a phrase the coach tells the couple to say, in the state it says it in."""
    from voice_coach.understand.matcher import recognize

    match = recognize(phrase, intents, context, wake)
    return match.intent if match is not None else None


def _remaining(coach: Any, clock: Clock) -> float | None:
    exercise = getattr(coach, "exercise", None)
    if exercise is None or not coach.in_exercise:
        return None
    try:
        return exercise.remaining_s(clock.now())  # type: ignore[no-any-return]
    except (AttributeError, KeyError):
        return None


def voice_or_typed(settings: Settings, coach: Any, mouth: Any, clock: Any, library: Library, intents: Intents,
                   wake: WakeWords, choice: EngineChoice | None = None) -> tuple[Any, Any]:
    """(ears, gate): the microphone loop, or typed input when asked for or when there is no microphone.

    Without a microphone (no sound server, no device) one line says so and typing takes over; the exit
    code is then that of the typed session (0 when it ends normally).
    """
    import sys

    from voice_coach.errors import AudioError

    if settings.engine != "text":
        try:
            voice = open_voice(settings, coach, mouth, clock, intents, wake, library, StatusLine(), choice)
        except AudioError as err:
            print(f"voice-coach: {err.message} — typing instead: write a request and press Enter "
                  "(--engine text skips the microphone)", file=sys.stderr)
        else:
            if voice.note:
                print(voice.note, file=sys.stderr)
            return voice.ears, voice.gate
    return TypedEars(sys.stdin, clock), None
