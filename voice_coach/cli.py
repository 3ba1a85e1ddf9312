"""Command-line interface: the only place that parses arguments and configures logging."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from voice_coach import __version__
from voice_coach.config import ENGINES, VOICE_ENGINES, Settings, describe, load_settings
from voice_coach.errors import ConfigError, NotAvailableYet, UsageError, VoiceCoachError

_LOGGER = logging.getLogger(__name__)

MAX_LINE_CHARS = 10_000
"""Longer input lines are cut before matching (a spoken request is never this long)."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line with the fix, via UsageError."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}", f"see '{self.prog} --help'")


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of minutes (try 5 or 0.5)") from None
    if not 0.2 <= value <= 20:
        raise argparse.ArgumentTypeError(f"{value:g} minutes is outside 0.2 to 20")
    return value


def _rounds(text: str) -> int:
    if text not in ("1", "2", "3"):
        raise argparse.ArgumentTypeError(f"'{text}' rounds: use 1, 2 or 3")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 <= value <= 600:
        raise argparse.ArgumentTypeError(f"{value:g} seconds is outside 0 to 600")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--home", type=Path, help="data folder (store, models); default: XDG data dir or $VOICE_COACH_HOME")
    common.add_argument("--debug", action="store_true", help="verbose logging and tracebacks")
    common.add_argument("--quiet", action="store_true", default=None, help="print replies without speaking them")
    common.add_argument("--voice-engine", choices=VOICE_ENGINES, help="speech output engine")

    loop = _Parser(add_help=False)
    loop.add_argument("--engine", choices=ENGINES, help="speech recognizer (text = typed mode)")
    loop.add_argument("--model", type=Path, help="vosk model folder")
    loop.add_argument("--input-device", help="microphone name or index")
    loop.add_argument("--output-device", help="speaker name or index")
    loop.add_argument("--wake-word", help="wake word (default: coach)")
    loop.add_argument("--events", type=Path, help="write JSON-lines events to this file")

    parser = _Parser(prog="voice-coach", description="An offline, hands-free voice coach for couples.")
    parser.add_argument("--version", action="version", version=f"voice-coach {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    sub.add_parser("run", parents=[common, loop], help="the hands-free loop (default)")
    ask = sub.add_parser("ask", parents=[common], help="one request, reply printed (and spoken unless --quiet)")
    ask.add_argument("text", nargs="+", help="what you would say, e.g. \"give me a tip about listening\"")
    parse = sub.add_parser("parse", parents=[common], help="print how utterances are understood, as JSON lines")
    parse.add_argument("utterances", nargs="*", help="utterances; none = read one per line from stdin")
    content = sub.add_parser("content", parents=[common], help="the whole content library")
    content.add_argument("--json", action="store_true", help="machine-readable output")
    content.add_argument("--check", action="store_true", help="validate shipped content and user packs")
    intents = sub.add_parser("intents", parents=[common], help="what the coach understands")
    intents.add_argument("--json", action="store_true", help="machine-readable output")
    exercise = sub.add_parser("exercise", parents=[common, loop], help="start straight into the listening exercise")
    exercise.add_argument("--minutes", type=_minutes, help="minutes per speaking turn (0.2 to 20; default 5)")
    exercise.add_argument("--rounds", type=_rounds, help="rounds, each partner speaks once per round (1 to 3)")
    exercise.add_argument("--names", nargs=2, metavar=("A", "B"), help="the partners' names, first speaker first")
    exercise.add_argument("--reflect-seconds", type=_seconds, help="reflection time after each turn (default 90)")
    exercise.add_argument("--no-checkin", action="store_true", help="skip the check-in questions")
    sub.add_parser("devices", parents=[common], help="list audio devices")
    doctor = sub.add_parser("doctor", parents=[common, loop], help="check microphone, speaker, voice, models, config")
    doctor.add_argument("--listen", type=_seconds, default=0.0, metavar="S",
                        help="also record S seconds from the microphone and report its level")
    sub.add_parser("config", parents=[common], help="show the effective settings and where each came from")
    model = sub.add_parser("model", parents=[common], help="speech models: fetch, list, path")
    model.add_argument("action", choices=("fetch", "list", "path"))
    model.add_argument("name", nargs="?", help="model name or URL (fetch)")
    model.add_argument("--model", type=Path, help="vosk model folder")
    model.add_argument("--dest", type=Path, help="fetch: install into this folder (default: audio_models/ or the data dir)")
    model.add_argument("--force", action="store_true", help="fetch: download again even if installed")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    flag_names = ("engine", "model", "input_device", "output_device", "wake_word", "events", "quiet", "home", "voice_engine")
    flags = {name: getattr(args, name, None) for name in flag_names}
    if getattr(args, "command", None) == "exercise":
        flags.update(exercise_minutes=args.minutes, exercise_rounds=args.rounds, reflect_seconds=args.reflect_seconds)
    return load_settings(flags)


# ----- commands ---------------------------------------------------------------------------------
def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from voice_coach import runtime
    from voice_coach.clock import MonotonicClock
    from voice_coach.events import EventLog

    text = " ".join(args.text)[:MAX_LINE_CHARS]
    library = runtime.load_content(settings)
    store = runtime.open_store(settings)
    coach = runtime.build_coach(settings, library, store)
    mouth, on_setting = runtime.make_mouth(settings, coach.memory.settings)
    clock = MonotonicClock()
    loop = runtime.Runtime(coach, runtime.matcher(), runtime.TypedEars(_no_input(), clock), mouth, store,
                           EventLog(None, clock), clock, on_setting=on_setting)
    try:
        loop.hear(runtime.Heard(text, clock.now()))
        wait = getattr(mouth, "wait", None)
        if wait is not None:
            wait(30.0)
    finally:
        mouth.close()
        store.close()
    return 0


def _no_input() -> Any:
    import io

    return io.StringIO("")


def cmd_parse(args: argparse.Namespace, settings: Settings) -> int:
    from voice_coach.matching import load_intents, recognize

    intents = load_intents()
    lines: Any = args.utterances if args.utterances else sys.stdin
    for raw in lines:
        text = raw.rstrip("\n")
        match = recognize(text[:MAX_LINE_CHARS], intents, None)
        record = {
            "text": text,
            "intent": match.intent if match else None,
            "slots": match.slots if match else {},
            "score": round(match.score, 1) if match else 0.0,
        }
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


def cmd_content(args: argparse.Namespace, settings: Settings) -> int:
    from voice_coach.content import CATEGORIES, TOPICS, load_library

    library = load_library(settings.config_dir / "content")
    for message in library.rejected:
        print(f"skipped content pack {message}", file=sys.stderr)
    if args.check:
        from voice_coach.content.validate import validate

        problems = validate(library)  # includes rejected user packs
        for problem in problems:
            print(problem)
        print(f"{len(library.starters)} starters, {len(library.tips)} tips, {len(library.prompts)} prompts: "
              + ("valid" if not problems else f"{len(problems)} problem(s)"), file=sys.stderr)
        return 4 if problems else 0
    if args.json:
        print(json.dumps(library.to_json(), ensure_ascii=False, indent=1))
        return 0
    for category, name in CATEGORIES.items():
        print(f"\n## Conversation starters: {name}")
        for starter in (s for s in library.starters if s.category == category):
            print(f"- [{starter.depth}] {starter.text}")
    for topic, name in TOPICS.items():
        print(f"\n## Tips: {name}")
        for tip in (t for t in library.tips if t.topic == topic):
            print(f"- {tip.text}\n  More: {tip.more}\n  Try: {tip.try_}")
    return 0


def cmd_intents(args: argparse.Namespace, settings: Settings) -> int:
    from voice_coach.matching import load_intents

    examples = load_intents().examples()
    if args.json:
        print(json.dumps(examples, ensure_ascii=False, indent=1))
        return 0
    for name, sentences in examples.items():
        print(f"{name}: " + "; ".join(sentences[:5]))
    return 0


def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    print("\n".join(describe(settings)))
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from voice_coach import runtime
    from voice_coach.clock import MonotonicClock
    from voice_coach.events import EventLog

    exercise = args.command == "exercise"
    library = runtime.load_content(settings)
    store = runtime.open_store(settings)
    coach = runtime.build_coach(settings, library, store)
    mouth, on_setting = runtime.make_mouth(settings, coach.memory.settings)
    clock = MonotonicClock()
    events = EventLog(settings.events, clock)
    ears, gate, intents = _voice_or_typed(settings, coach, mouth, clock, library)
    mouth = getattr(gate, "mouth", mouth)  # the voice loop's mouth also mutes the microphone
    loop = runtime.Runtime(coach, runtime.matcher(intents), ears, mouth, store, events, clock, gate=gate,
                           on_setting=on_setting)
    try:
        if exercise:
            names = tuple(args.names) if args.names else None
            loop.execute(coach.start_exercise(clock.now(), names=names, checkin=not args.no_checkin))  # type: ignore[arg-type]
        loop.run()
        wait = getattr(mouth, "wait", None)
        if wait is not None:
            wait(30.0)
    finally:
        ears.close()
        mouth.close()
        events.close()
        store.close()
    return 0


def _voice_or_typed(settings: Settings, coach: Any, mouth: Any, clock: Any, library: Any) -> tuple[Any, Any, Any]:
    """(ears, gate, intents): the microphone loop, or typed input when asked for or when there is no microphone.

    Without a microphone (no sound server, no device) one line says so and typing takes over; the exit
    code is then that of the typed session (0 when it ends normally).
    """
    from voice_coach import runtime
    from voice_coach.errors import AudioError
    from voice_coach.matching import load_intents

    intents = load_intents()
    if settings.engine != "text":
        from voice_coach.status import StatusLine
        from voice_coach.voice_loop import open_voice

        try:
            voice = open_voice(settings, coach, mouth, clock, intents, library, StatusLine())
        except AudioError as err:
            print(f"voice-coach: {err.message} — typing instead: write a request and press Enter "
                  "(--engine text skips the microphone)", file=sys.stderr)
        else:
            if voice.note:
                print(voice.note, file=sys.stderr)
            return voice.ears, voice.gate, intents
    return runtime.TypedEars(sys.stdin, clock), None, intents


def cmd_devices(args: argparse.Namespace, settings: Settings) -> int:
    from voice_coach.audio import format_devices, list_devices

    print(format_devices(list_devices()))
    return 0


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from voice_coach.doctor import exit_code, format_checks, run_checks

    if args.listen:
        print(f"Listening for {args.listen:g} s: say something…", file=sys.stderr)
    checks = run_checks(settings, listen_s=args.listen, config_error=getattr(args, "config_error", None))
    print(format_checks(checks))
    return exit_code(checks)


def cmd_model(args: argparse.Namespace, settings: Settings) -> int:
    from voice_coach import models

    if args.action == "fetch":
        from voice_coach.download import ProgressBar

        bar = ProgressBar(args.name or models.DEFAULT_MODEL.name)
        try:
            dest = args.dest or models.install_dir(settings.data_dir)
            path = models.fetch_model(args.name, dest, bar, force=args.force)
        finally:
            bar.finish()
        print(path)
        return 0
    from voice_coach.doctor import model_source

    dirs = models.search_dirs(settings.data_dir)
    source = model_source(settings)
    requested = None if settings.engine in ("auto", "text") else settings.engine
    engine = models.resolve_engine(requested, settings.model, None, dirs=dirs, explicit_source=source)
    if engine.error is not None:
        print(f"voice-coach: {engine.error.one_line()}", file=sys.stderr)
    if args.action == "list":
        infos = models.list_models(settings.model, None, dirs=dirs, explicit_source=source)
        print(models.format_model_list(infos, engine))
    else:
        print(engine.describe())
    return 0


def cmd_not_yet(what: str) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        raise NotAvailableYet(f"'{what}' is not available in this version yet", "it arrives in a later release; see the README")

    return run


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "run": cmd_run,
    "exercise": cmd_run,
    "ask": cmd_ask,
    "parse": cmd_parse,
    "content": cmd_content,
    "intents": cmd_intents,
    "config": cmd_config,
    "devices": cmd_devices,
    "doctor": cmd_doctor,
    "model": cmd_model,
}


def _on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(143)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``voice-coach`` command; returns the exit code."""
    args: argparse.Namespace | None = None
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        if not words or (words[0].startswith("-") and words[0] not in ("-h", "--help", "--version")):
            words.insert(0, "run")  # plain `voice-coach` (with run's flags) is the hands-free loop
        args = build_parser().parse_args(words)
        logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            settings = _settings(args)
        except ConfigError as err:
            if args.command != "doctor":
                raise
            # doctor reports a broken config file as one of its lines and checks the rest on defaults.
            settings, args.config_error = Settings(), err
        return COMMANDS[args.command](args, settings)
    except VoiceCoachError as err:
        if args is not None and getattr(args, "debug", False):
            raise
        print(f"voice-coach: {err.one_line()}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
