"""What each subcommand does, given the settings and its own typed options (cli.py parses)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voice_coach.config import Settings, describe
from voice_coach.errors import ConfigError

if TYPE_CHECKING:
    from voice_coach.content.spoken import CommandRules

MAX_LINE_CHARS = 10_000
"""Longer input lines are cut before matching (a spoken request is never this long)."""


@dataclass(frozen=True)
class ExerciseRequest:
    """Options of ``voice-coach exercise`` beyond the settings (minutes, rounds, reflection live there)."""

    names: tuple[str, str] | None = None
    checkin: bool = True


LAST_WORDS_S = 30.0
"""At most this long is spent finishing the last reply before the command exits."""


def _let_it_finish(mouth: Any) -> None:
    """Let the last reply be heard to its end (a printed-only mouth has nothing to wait for)."""
    wait = getattr(mouth, "wait", None)
    if wait is not None:
        wait(LAST_WORDS_S)


def ask(settings: Settings, text: str) -> int:
    """One request through the matcher and coach; the reply printed (and spoken unless quiet)."""
    from voice_coach.app import runtime, wiring
    from voice_coach.app.events import EventLog
    from voice_coach.clock import MonotonicClock
    from voice_coach.understand.matcher import load_intents

    text = text[:MAX_LINE_CHARS]
    library = wiring.load_content(settings)
    store = wiring.open_store(settings)
    coach = wiring.build_coach(settings, library, store)
    mouth, on_setting = wiring.make_mouth(settings, coach.memory.settings)
    clock = MonotonicClock()
    intents = load_intents()
    loop = runtime.Runtime(coach, wiring.matcher(intents, wiring.wake_words(settings, intents)),
                           runtime.TypedEars(_no_input(), clock), mouth, store,
                           EventLog(None, clock), clock, on_setting=on_setting)
    try:
        loop.hear(runtime.Heard(text, clock.now()))
        _let_it_finish(mouth)
    finally:
        mouth.close()
        store.close()
    return 0


def _no_input() -> Any:
    import io

    return io.StringIO("")


def parse(settings: Settings, utterances: Sequence[str], explain: bool = False) -> int:
    """One JSON line per utterance (arguments, or stdin lines when there are none); with `explain`,
    why it matched or was rejected (candidates, scores, evidence, cutoffs)."""
    from voice_coach.understand.explain import explain as explain_match
    from voice_coach.understand.matcher import load_intents, recognize

    intents = load_intents()
    lines: Iterable[str] = utterances if utterances else sys.stdin
    for raw in lines:
        text = raw.rstrip("\n")
        if explain:
            print(json.dumps(explain_match(text[:MAX_LINE_CHARS], intents, None), ensure_ascii=False), flush=True)
            continue
        match = recognize(text[:MAX_LINE_CHARS], intents, None)
        record = {
            "text": text,
            "intent": match.intent if match else None,
            "slots": match.slots if match else {},
            "score": round(match.score, 1) if match else 0.0,
        }
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


def command_rules() -> CommandRules:
    """What the coach hears (the matcher and the follow-up window), for checking "say ..." in content."""
    from voice_coach.content.spoken import CommandRules
    from voice_coach.listen.gate import FOLLOW_UP_INTENTS
    from voice_coach.understand.matcher import load_intents, recognize, strip_wake_word

    intents = load_intents()

    def read(phrase: str) -> tuple[str | None, bool]:
        match = recognize(phrase, intents)
        return (match.intent if match else None), strip_wake_word(phrase, intents)[0]

    return CommandRules(read, FOLLOW_UP_INTENTS, wake_word=intents.wake_words[0])


def content(settings: Settings, as_json: bool, check: bool, stats: bool = False) -> int:
    """Print, export, count or validate the content library (with the user's packs)."""
    from voice_coach.content import CATEGORIES, TOPICS, load_library

    library = load_library(settings.config_dir / "content")
    for message in library.rejected:
        print(f"skipped content pack {message}", file=sys.stderr)
    if check:
        from voice_coach.content.session_checks import validate_sessions
        from voice_coach.content.sessions import load_sessions
        from voice_coach.content.validate import validate

        book = load_sessions(settings.config_dir / "content")
        problems = validate(library, commands=command_rules()) + validate_sessions(book)  # includes rejected user packs
        for problem in problems:
            print(problem)
        print(f"{len(library.starters)} starters, {len(library.tips)} tips, {len(library.prompts)} prompts, "
              f"{len(book.sessions)} sessions, {sum(len(g.items) for g in book.games.values())} game items: "
              + ("valid" if not problems else f"{len(problems)} problem(s)"), file=sys.stderr)
        return 4 if problems else 0
    if stats:
        from voice_coach.content.stats import content_stats, format_stats

        counts = content_stats(library)
        print(json.dumps(counts.to_json(), ensure_ascii=False, indent=1) if as_json else format_stats(counts))
        return 0
    if as_json:
        print(json.dumps(library.to_json(), ensure_ascii=False, indent=1))
        return 0
    for category, name in CATEGORIES.items():
        print(f"\n## Conversation starters: {name}")
        for starter in (s for s in library.starters if s.category == category):
            print(f"- [{starter.depth}] {starter.text}")
            for follow_up in starter.follow_ups:
                print(f"  Follow-up: {follow_up}")
    for topic, name in TOPICS.items():
        print(f"\n## Tips: {name}")
        for tip in (t for t in library.tips if t.topic == topic):
            print(f"- {tip.text}\n  More: {tip.more}\n  Try: {tip.try_}")
    return 0


def intents(settings: Settings, as_json: bool) -> int:
    """The example sentences the matcher knows, per intent."""
    from voice_coach.understand.matcher import load_intents

    examples = load_intents().examples()
    if as_json:
        print(json.dumps(examples, ensure_ascii=False, indent=1))
        return 0
    for name, sentences in examples.items():
        print(f"{name}: " + "; ".join(sentences[:5]))
    return 0


def config(settings: Settings) -> int:
    """The effective settings and where each came from."""
    print("\n".join(describe(settings)))
    return 0


def log(settings: Settings, as_json: bool) -> int:
    """The practice log: sessions and exercises this week and month, minutes spoken, streaks (never words)."""
    from datetime import date

    from voice_coach.app import wiring
    from voice_coach.dialogue.practice_log import printed, summarize

    store = wiring.open_store(settings)
    try:
        summary = summarize(store.practice(), date.today())
    finally:
        store.close()
    print(json.dumps(summary.to_json(), ensure_ascii=False) if as_json else printed(summary))
    return 0


def run(settings: Settings, exercise: ExerciseRequest | None = None, names: tuple[str, str] | None = None) -> int:
    """The hands-free loop (typed when there is no microphone); straight into the exercise when asked."""
    from voice_coach.app import runtime, wiring
    from voice_coach.app.events import EventLog
    from voice_coach.app.malloc import give_back_free_memory, keep_memory_flat
    from voice_coach.clock import MonotonicClock
    from voice_coach.understand.matcher import load_intents

    keep_memory_flat()  # the loop runs for hours: its memory must not creep up reply by reply
    engine = wiring.choose_engine(settings)  # first: a named engine that can't be had is said now; whisper loads
    library = wiring.load_content(settings)
    store = wiring.open_store(settings)
    coach = wiring.build_coach(settings, library, store, names=names or (exercise.names if exercise else None))
    mouth, on_setting = wiring.make_mouth(settings, coach.memory.settings)
    clock = MonotonicClock()
    events = EventLog(settings.events, clock)
    intents = load_intents()
    wake = wiring.wake_words(settings, intents)
    ears, gate = wiring.voice_or_typed(settings, coach, mouth, clock, library, intents, wake, engine)
    give_back_free_memory()  # before the voice loads on top
    wiring.start_voice(mouth)  # the recognizer is ready: now the voice loads (the first reply waits for it)
    mouth = getattr(gate, "mouth", mouth)  # the voice loop's mouth also mutes the microphone
    screen = None
    try:
        if settings.screen:
            from voice_coach.app.screen import start_screen

            screen = start_screen(settings, coach, ears, mouth, clock, events, wake.word, typed=gate is None)
            ears = screen.ears
        loop = runtime.Runtime(coach, wiring.matcher(intents, wake), ears, mouth, store, events, clock, gate=gate,
                               on_setting=on_setting)
        if exercise is not None:
            loop.execute(coach.start_exercise(clock.now(), names=exercise.names, checkin=exercise.checkin))
        loop.run()
        _let_it_finish(mouth)
    finally:
        ears.close()
        if screen is not None:
            screen.close()
        mouth.close()
        events.close()
        store.close()
    return 0


def devices(settings: Settings) -> int:
    """List input and output devices with the defaults marked."""
    from voice_coach.audio.devices import format_devices, list_devices

    print(format_devices(list_devices()))
    return 0


def doctor(settings: Settings, listen_s: float | None, config_error: ConfigError | None) -> int:
    """One checked line per part the coach needs; non-zero when a needed one is broken."""
    from voice_coach.cli.doctor import exit_code, format_checks, run_checks

    if listen_s:
        print(f"Listening for {listen_s:g} s: say something…", file=sys.stderr)
    checks = run_checks(settings, listen_s=listen_s, config_error=config_error)
    print(format_checks(checks))
    return exit_code(checks)


def model(settings: Settings, action: str, name: str | None, dest: Path | None, force: bool) -> int:
    """Fetch a whisper or vosk model, list installed ones, or print the engine and model in use."""
    from voice_coach.speech_models import dirs as model_dirs
    from voice_coach.speech_models import find as models

    if action == "fetch":
        from voice_coach.speech_models.download import ProgressBar
        from voice_coach.speech_models.fetch import fetch_model
        from voice_coach.speech_models.whisper import WHISPER_MODELS, fetch_whisper

        bar = ProgressBar(name or models.DEFAULT_MODEL.name)
        try:
            if name in WHISPER_MODELS:
                path = fetch_whisper(name, dest or model_dirs.install_dir(settings.data_dir), bar, force=force)
            else:
                path = fetch_model(name, dest or model_dirs.install_dir(settings.data_dir), bar, force=force)
        finally:
            bar.finish()
        print(path)
        return 0

    dirs = model_dirs.search_dirs(settings.data_dir)
    source = models.model_source(settings.sources)
    requested = None if settings.engine in ("auto", "text") else settings.engine
    engine = models.resolve_engine(requested, settings.model, None, dirs=dirs, explicit_source=source)
    if engine.error is not None:
        print(f"voice-coach: {engine.error.one_line()}", file=sys.stderr)
    if action == "list":
        infos = models.list_models(settings.model, None, dirs=dirs, explicit_source=source)
        print(models.format_model_list(infos, engine))
    else:
        print(engine.describe())
    return 0
