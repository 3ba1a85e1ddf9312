"""Command-line interface: the only place that parses arguments and configures logging."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from voice_coach import __version__, trace
from voice_coach.cli import commands, stop
from voice_coach.config import (
    ENGINES,
    VOICE_ENGINES,
    Settings,
    load_settings,
    load_settings_past_errors,
)
from voice_coach.errors import UsageError, VoiceCoachError
from voice_coach.exercise.config import (
    MINUTES_MAX,
    MINUTES_MIN,
    REFLECT_MAX_S,
    ROUNDS_MAX,
)

_LOGGER = logging.getLogger(__name__)


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line with the fix, via UsageError."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}", f"see '{self.prog} --help'")


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of minutes (try 5 or 0.5)") from None
    if not MINUTES_MIN <= value <= MINUTES_MAX:
        raise argparse.ArgumentTypeError(f"{value:g} minutes is outside {MINUTES_MIN:g} to {MINUTES_MAX:g}")
    return value


def _rounds(text: str) -> int:
    if text not in [str(n) for n in range(1, ROUNDS_MAX + 1)]:
        raise argparse.ArgumentTypeError(f"'{text}' rounds: use 1 to {ROUNDS_MAX}")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port: use a number from 1024 to 65535, e.g. 8765")
    return int(text)


LISTEN_MAX_S = 600.0
"""Longest microphone check ``doctor --listen`` takes."""


def _seconds_up_to(max_s: float) -> Callable[[str], float]:
    """An argparse type for a number of seconds from 0 to ``max_s``."""

    def seconds(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
        if not 0 <= value <= max_s:
            raise argparse.ArgumentTypeError(f"{value:g} seconds is outside 0 to {max_s:g}")
        return value

    return seconds


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--home", type=Path, help="data folder (store, models); default: XDG data dir or $VOICE_COACH_HOME")
    common.add_argument("--debug", action="store_true", help="verbose logging and tracebacks")
    common.add_argument("--quiet", action="store_true", default=None, help="print replies without speaking them")
    common.add_argument("--voice-engine", choices=VOICE_ENGINES, help="speech output engine")

    loop = _Parser(add_help=False)
    loop.add_argument("--engine", choices=ENGINES, help="speech recognizer (text = typed mode)")
    loop.add_argument("--model", type=Path, help="speech model folder (whisper or vosk)")
    loop.add_argument("--input-device", help="microphone name or index")
    loop.add_argument("--output-device", help="speaker name or index")
    loop.add_argument("--wake-word", help="wake word (default: coach)")
    loop.add_argument("--events", type=Path, help="write JSON-lines events to this file")
    loop.add_argument("--screen", action="store_true", default=None, help="serve the companion page (kitchen tablet)")
    loop.add_argument("--screen-host", help="where the page listens (default 127.0.0.1; 0.0.0.0 = home network, with a token)")
    loop.add_argument("--screen-port", type=_port, help="the page's port (default 8765; 0 = any free one)")

    parser = _Parser(prog="voice-coach", description="An offline, hands-free voice coach for couples.")
    parser.add_argument("--version", action="version", version=f"voice-coach {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    run = sub.add_parser("run", parents=[common, loop], help="the hands-free loop (default)")
    run.add_argument("--names", nargs=2, metavar=("A", "B"), help="the partners' names, for sessions and the exercise")
    ask = sub.add_parser("ask", parents=[common], help="one request, reply printed (and spoken unless --quiet)")
    ask.add_argument("text", nargs="+", help="what you would say, e.g. \"give me a tip about listening\"")
    parse = sub.add_parser("parse", parents=[common], help="print how utterances are understood, as JSON lines")
    parse.add_argument("utterances", nargs="*", help="utterances; none = read one per line from stdin")
    parse.add_argument("--explain", action="store_true",
                       help="show why each matched or was rejected: best candidates, scores, evidence, cutoffs")
    content = sub.add_parser("content", parents=[common], help="the whole content library")
    content.add_argument("--json", action="store_true", help="machine-readable output")
    what = content.add_mutually_exclusive_group()
    what.add_argument("--check", action="store_true", help="validate shipped content and user packs")
    what.add_argument("--stats", action="store_true", help="counts: starters by category and depth, tips, prompt variants")
    intents = sub.add_parser("intents", parents=[common], help="what the coach understands")
    intents.add_argument("--json", action="store_true", help="machine-readable output")
    exercise = sub.add_parser("exercise", parents=[common, loop], help="start straight into the listening exercise")
    exercise.add_argument("--minutes", type=_minutes, help="minutes per speaking turn (0.2 to 20; default 5)")
    exercise.add_argument("--rounds", type=_rounds, help="rounds, each partner speaks once per round (1 to 3)")
    exercise.add_argument("--names", nargs=2, metavar=("A", "B"), help="the partners' names, first speaker first")
    exercise.add_argument("--reflect-seconds", type=_seconds_up_to(REFLECT_MAX_S), help="reflection time after each turn (default 90)")
    exercise.add_argument("--no-checkin", action="store_true", help="skip the check-in questions")
    log = sub.add_parser("log", parents=[common], help="the practice log: sessions, exercises, minutes spoken, streaks")
    log.add_argument("--json", action="store_true", help="machine-readable output")
    sub.add_parser("devices", parents=[common], help="list audio devices")
    doctor = sub.add_parser("doctor", parents=[common, loop], help="check microphone, speaker, voice, models, config")
    doctor.add_argument("--listen", type=_seconds_up_to(LISTEN_MAX_S), default=0.0, metavar="S",
                        help="also record S seconds from the microphone and report its level")
    sub.add_parser("config", parents=[common], help="show the effective settings and where each came from")
    model = sub.add_parser("model", parents=[common], help="speech models: fetch, list, path")
    model.add_argument("action", choices=("fetch", "list", "path"))
    model.add_argument("name", nargs="?", help="fetch: whisper-tiny.en, whisper-base.en, or a vosk model name or URL")
    model.add_argument("--model", type=Path, help="speech model folder (whisper or vosk)")
    model.add_argument("--dest", type=Path, help="fetch: install into this folder (default: audio_models/ or the data dir)")
    model.add_argument("--force", action="store_true", help="fetch: download again even if installed")
    return parser


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given as flags (None where a flag was not given)."""
    flag_names = ("engine", "model", "input_device", "output_device", "wake_word", "events", "quiet", "home", "voice_engine",
                  "screen", "screen_host", "screen_port")
    flags = {name: getattr(args, name, None) for name in flag_names}
    if getattr(args, "command", None) == "exercise":
        flags.update(exercise_minutes=args.minutes, exercise_rounds=args.rounds, reflect_seconds=args.reflect_seconds)
    return flags


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "run": lambda a, s: commands.run(s, names=tuple(a.names) if getattr(a, "names", None) else None),
    "log": lambda a, s: commands.log(s, a.json),
    "exercise": lambda a, s: commands.run(s, commands.ExerciseRequest(tuple(a.names) if a.names else None, not a.no_checkin)),
    "ask": lambda a, s: commands.ask(s, " ".join(a.text)),
    "parse": lambda a, s: commands.parse(s, a.utterances, a.explain),
    "content": lambda a, s: commands.content(s, a.json, a.check, a.stats),
    "intents": lambda a, s: commands.intents(s, a.json),
    "config": lambda a, s: commands.config(s),
    "devices": lambda a, s: commands.devices(s),
    "doctor": lambda a, s: commands.doctor(s, a.listen, getattr(a, "config_error", None)),
    "model": lambda a, s: commands.model(s, a.action, a.name, a.dest, a.force),
}
"""Subcommand -> handler: turns the parsed arguments into the handler's typed options."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``voice-coach`` command; returns the exit code."""
    args: argparse.Namespace | None = None
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        if not words or (words[0].startswith("-") and words[0] not in ("-h", "--help", "--version")):
            words.insert(0, "run")  # plain `voice-coach` (with run's flags) is the hands-free loop
        args = build_parser().parse_args(words)
        logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        trace.start()  # timing lines for scripts/bench_latency.py, only when VOICE_COACH_TRACE is set
        stop.install()  # Ctrl-C / SIGTERM: exit 130 / 143 within a second, whatever is stuck
        if args.command == "doctor":
            # doctor reports a broken config file as one of its lines and checks the rest without it.
            settings, args.config_error = load_settings_past_errors(_flags(args))
        else:
            settings = load_settings(_flags(args))
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
    finally:
        stop.finish()  # after a stop signal and its cleanup: gone now, without the interpreter's teardown
