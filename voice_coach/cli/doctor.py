"""`voice-coach doctor`: one ✔/✘ line per thing the coach depends on, each failure with its fix."""

from __future__ import annotations

import logging
import math
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_coach.config import Settings, config_path
from voice_coach.errors import VoiceCoachError
from voice_coach.speech_models.dirs import search_dirs
from voice_coach.speech_models.find import (
    FETCH_HINT,
    model_source,
    resolve_engine,
)
from voice_coach.speech_models.whisper import FETCH_HINT as WHISPER_FETCH_HINT

_LOGGER = logging.getLogger(__name__)

HEARS_PEAK_DBFS = -50.0
"""A microphone whose loudest sample in the listening window stays below this heard nothing."""
MODEL_LOAD_TIMEOUT_S = 60.0
ALL_CHECKS = ("config", "microphone", "speaker", "voice", "speech model", "data dir", "content", "intents")


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    ok: bool
    label: str
    detail: str
    fix: str = ""
    """What to do about it (for a passing check: an optional tip)."""
    needed: bool = True
    """False when the coach still works without it (a fallback exists)."""


def run_checks(
    settings: Settings,
    *,
    listen_s: float = 0.0,
    config_error: VoiceCoachError | None = None,
    only: tuple[str, ...] = ALL_CHECKS,
    model_dirs: list[tuple[str, Path]] | None = None,
) -> list[Check]:
    """Run the checks named in ``only``; a check that crashes becomes a ✘ line, never an exception.

    ``listen_s`` > 0 also records that long from the microphone and reports its level.
    ``config_error`` is the error the config file gave (settings are then the defaults).
    """
    runners: dict[str, Callable[[], list[Check]]] = {
        "config": lambda: [_check_config(settings, config_error)],
        "microphone": lambda: _check_microphone(settings, listen_s),
        "speaker": lambda: [_check_speaker(settings)],
        "voice": lambda: [_check_voice(settings)],
        "speech model": lambda: [_check_model(settings, model_dirs)],
        "data dir": lambda: [_check_data_dir(settings)],
        "content": lambda: [_check_content(settings)],
        "intents": lambda: [_check_intents()],
    }
    checks: list[Check] = []
    for name in only:
        try:
            checks.extend(runners[name]())
        except VoiceCoachError as exc:
            checks.append(Check(False, name, exc.message, exc.fix))
        except Exception as exc:  # noqa: BLE001 - the doctor reports every failure as a line
            _LOGGER.debug("check %s crashed", name, exc_info=True)
            checks.append(Check(False, name, f"check failed: {type(exc).__name__}: {exc}", "run with --debug for details"))
    return checks


def format_checks(checks: list[Check]) -> str:
    """✔/✘ lines; failures (and tips) carry their fix after a dash."""
    lines = []
    for check in checks:
        mark = "✔" if check.ok else "✘"
        optional = "" if check.ok or check.needed else " (optional)"
        line = f"{mark} {check.label}{optional}: {check.detail}"
        if check.fix:
            line += f" — {check.fix}"
        lines.append(line)
    return "\n".join(lines)


def exit_code(checks: list[Check]) -> int:
    """1 when something the coach needs is broken, else 0."""
    return 1 if any(not check.ok and check.needed for check in checks) else 0


# --- the checks ------------------------------------------------------------------------------


def _check_config(settings: Settings, error: VoiceCoachError | None) -> Check:
    if error is not None:
        return Check(False, "config", error.message, error.fix)
    if settings.config_file is not None:
        return Check(True, "config", f"read {settings.config_file}")
    return Check(True, "config", f"no file at {config_path()}; using defaults")


def _device(settings: Settings, kind: str) -> Any:
    """The device the coach would open for ``kind`` (the same choice as the audio module makes)."""
    from voice_coach.audio.devices import choose_device

    return choose_device(settings.input_device if kind == "input" else settings.output_device, kind)  # type: ignore[arg-type]


def _check_microphone(settings: Settings, listen_s: float) -> list[Check]:
    from voice_coach.errors import AudioError

    needed = settings.engine != "text"
    try:
        device = _device(settings, "input")
    except AudioError as exc:
        return [Check(False, "microphone", exc.message, exc.fix, needed)]
    found = Check(True, "microphone", f"{device.name} ({device.default_rate} Hz)", needed=needed)
    if listen_s <= 0:
        return [found]
    return [found, _listen(device, listen_s, needed)]


def _listen(device: Any, listen_s: float, needed: bool) -> Check:
    """Record ``listen_s`` seconds and judge the level; the callback only copies blocks."""
    import numpy as np

    from voice_coach.audio.streams import sounddevice

    sd = sounddevice()
    blocks: list[Any] = []
    lock = threading.Lock()

    def on_block(data: Any, _frames: int, _time: Any, _status: Any) -> None:
        with lock:
            blocks.append(data.copy())

    rate = device.default_rate
    with sd.InputStream(device=device.index, channels=1, samplerate=rate, dtype="float32",
                        latency="low", callback=on_block):
        time.sleep(listen_s)
    with lock:
        samples = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
    if samples.size == 0:
        return Check(False, "microphone level", "the microphone delivered no audio",
                     "check it is not in use by another program; see `voice-coach devices`", needed)
    peak = float(np.abs(samples).max())
    peak_dbfs = 20 * math.log10(peak) if peak > 0 else -math.inf
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    rms_dbfs = 20 * math.log10(rms) if rms > 0 else -math.inf
    detail = f"peak {peak_dbfs:.0f} dBFS, average {rms_dbfs:.0f} dBFS over {listen_s:g} s"
    if peak_dbfs < HEARS_PEAK_DBFS:
        return Check(False, "microphone level", f"heard nothing ({detail})",
                     "unmute the microphone or raise its input volume, and speak during the test", needed)
    return Check(True, "microphone level", f"hears sound ({detail})", needed=needed)


def _check_speaker(settings: Settings) -> Check:
    from voice_coach.errors import AudioError

    needed = not settings.quiet
    try:
        device = _device(settings, "output")
    except AudioError as exc:
        return Check(False, "speaker", exc.message,
                     "check `voice-coach devices` and --output-device; replies are printed meanwhile (or use --quiet)", needed)
    return Check(True, "speaker", f"{device.name} ({device.default_rate} Hz)", needed=needed)


def _check_voice(settings: Settings) -> Check:
    from voice_coach.speech.voice import Voice

    needed = not settings.quiet
    voice = Voice(settings.voice_engine)
    try:
        if voice.engine_name == "none":
            return Check(False, "voice", voice.reason, "install espeak-ng (sudo apt-get install espeak-ng) or hibari-tts", needed)
        rendered = voice.render("Hello.")
        if rendered.samples.size == 0:
            return Check(False, "voice", f"{voice.engine_name} produced no audio", "reinstall espeak-ng or choose voice_engine = \"natural\"", needed)
        return Check(True, "voice", f"{voice.engine_name} ({voice.reason})", needed=needed)
    finally:
        voice.close()


def _check_model(settings: Settings, model_dirs: list[tuple[str, Path]] | None) -> Check:
    requested = None if settings.engine == "auto" else settings.engine
    source = model_source(settings.sources)
    try:
        dirs = model_dirs if model_dirs is not None else search_dirs(settings.data_dir)
        choice = resolve_engine(requested, settings.model, None, dirs=dirs, explicit_source=source)
    except VoiceCoachError as exc:
        return Check(False, "speech model", exc.message, exc.fix)
    if choice.engine == "text":
        return Check(True, "speech model", "typed text (no recognizer)")
    if choice.engine == "whisper":
        return Check(True, "speech model", f"whisper ({choice.why}): {choice.model}")
    if choice.engine == "pocketsphinx":
        from pocketsphinx import get_model_path

        if not (Path(get_model_path()) / "en-us").is_dir():
            return Check(False, "speech model", f"pocketsphinx has no en-us model in {get_model_path()}",
                         "reinstall it: pip install --force-reinstall pocketsphinx")
        if choice.error is not None:
            # A model was named but is unusable: the coach runs, on the weaker engine.
            return Check(False, "speech model", f"{choice.error.message}; using pocketsphinx (built in)",
                         choice.error.fix, needed=False)
        if requested == "pocketsphinx":
            return Check(True, "speech model", "pocketsphinx (built in, asked for)")
        return Check(True, "speech model", f"pocketsphinx (built in; {choice.why})",
                     f"for better recognition, {WHISPER_FETCH_HINT}")
    problem = _try_load_vosk(choice.model)  # type: ignore[arg-type]
    if problem:
        return Check(False, "speech model", f"vosk cannot load {choice.model} ({problem})",
                     f"delete that folder and {FETCH_HINT}", needed=requested == "vosk")
    return Check(True, "speech model", f"{choice.describe()} ({choice.why})")


def _try_load_vosk(path: Path) -> str:
    """Load the model in a child process (a damaged model can abort the process that loads it)."""
    code = "import sys, vosk; vosk.SetLogLevel(-1); vosk.Model(sys.argv[1])"
    try:
        result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                                timeout=MODEL_LOAD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"no answer within {MODEL_LOAD_TIMEOUT_S:g} s"
    if result.returncode == 0:
        return ""
    lines = [line for line in (result.stderr or "").splitlines() if line.strip()]
    return lines[-1][:160] if lines else f"exit code {result.returncode}"


def _check_data_dir(settings: Settings) -> Check:
    folder = settings.data_dir
    fix = "set VOICE_COACH_HOME (or --home) to a writable folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return Check(False, "data dir", f"cannot write to {folder} ({exc.strerror or exc})", fix)
    from voice_coach.store import DB_NAME

    db = folder / DB_NAME
    if db.exists():
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2.0)
            try:
                answer = conn.execute("PRAGMA quick_check").fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            answer = (str(exc),)
        if not answer or answer[0] != "ok":
            return Check(False, "data dir", f"store {db} is damaged ({answer[0] if answer else 'no answer'})",
                         "it will be moved aside and replaced at the next start", needed=False)
    return Check(True, "data dir", f"{folder} is writable")


def _check_content(settings: Settings) -> Check:
    from voice_coach.content import load_library
    from voice_coach.content.validate import validate

    library = load_library(settings.config_dir / "content")
    problems = validate(library)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return Check(False, "content", problems[0] + more, "fix the file and line named, or remove the pack")
    return Check(True, "content", f"{len(library.starters)} starters, {len(library.tips)} tips")


def _check_intents() -> Check:
    from voice_coach.understand.matcher import load_intents

    intents = load_intents()
    names = getattr(intents, "intents", None)
    phrases = getattr(intents, "choices", None)
    if names is None or phrases is None:
        return Check(True, "intents", "loaded")
    return Check(True, "intents", f"{len(names)} intents, {len(phrases)} phrasings")
