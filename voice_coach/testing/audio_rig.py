"""A private PulseAudio with two null sinks (mic_feed, speaker): real audio streams without a sound card."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

RECORD_RATE = 16000
"""Hertz of the monitor recordings."""
SPEECH_LEVEL = 600
"""Peak int16 amplitude above which a 10 ms window of a recording counts as sound."""

_DEFAULT_PA = """\
load-module module-native-protocol-unix auth-anonymous=1
load-module module-null-sink sink_name=mic_feed sink_properties=device.description=mic_feed
load-module module-null-sink sink_name=speaker sink_properties=device.description=speaker
set-default-source mic_feed.monitor
set-default-sink speaker
"""

_DAEMON_CONF = """\
; A sink that goes away takes its streams with it. The default (yes) moves them to the default sink, so
; an unloaded sink would never be a lost device: see PulseRig.unload_sink.
rescue-streams = no
"""


class Recording:
    """A low-latency recorder on one PulseAudio source, with the monotonic time of every sample."""

    def __init__(self, env: dict[str, str], source: str) -> None:
        self.source = source
        self._proc = subprocess.Popen(
            ["parecord", "--raw", "--format=s16le", f"--rate={RECORD_RATE}", "--channels=1",
             "--latency-msec=10", "-d", source],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self._chunks: list[bytes] = []
        # (monotonic time a read returned, total bytes received by then): maps samples to clock times.
        self._marks: list[tuple[float, int]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        stream = self._proc.stdout
        if stream is None:
            return
        total = 0
        while True:
            data = stream.read1(640)  # type: ignore[attr-defined]
            if not data:
                return
            now = time.monotonic()
            total += len(data)
            with self._lock:
                self._chunks.append(data)
                self._marks.append((now, total))

    def samples(self) -> np.ndarray:
        """Everything recorded so far, mono int16."""
        with self._lock:
            data = b"".join(self._chunks)
        return np.frombuffer(data[: len(data) // 2 * 2], dtype=np.int16)

    def time_of(self, sample_index: int) -> float:
        """Monotonic time at which sample ``sample_index`` was captured (to within one read)."""
        with self._lock:
            marks = list(self._marks)
        want = (sample_index + 1) * 2
        for read_at_s, total in marks:
            if total >= want:
                return read_at_s - (total - want) / 2 / RECORD_RATE
        raise ValueError(f"sample {sample_index} not recorded yet")

    def index_at(self, t_s: float) -> int:
        """Index of the sample captured at monotonic time ``t_s`` (clamped to what was recorded)."""
        with self._lock:
            marks = list(self._marks)
        for read_at_s, total in marks:
            if read_at_s >= t_s:
                return max(0, total // 2 - int((read_at_s - t_s) * RECORD_RATE))
        return marks[-1][1] // 2 if marks else 0

    def sound_spans(self, since_s: float = 0.0, min_gap_s: float = 0.25) -> list[tuple[float, float]]:
        """(start, end) monotonic times of stretches of sound after ``since_s``, joining gaps < ``min_gap_s``."""
        samples = self.samples()
        first = self.index_at(since_s) if since_s else 0
        window = RECORD_RATE // 100
        spans: list[tuple[int, int]] = []
        for start in range(first - first % window, samples.size - window + 1, window):
            if int(np.abs(samples[start : start + window].astype(np.int32)).max()) < SPEECH_LEVEL:
                continue
            if spans and start - spans[-1][1] <= min_gap_s * RECORD_RATE:
                spans[-1] = (spans[-1][0], start + window)
            else:
                spans.append((start, start + window))
        return [(self.time_of(a), self.time_of(b - 1)) for a, b in spans]

    def close(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._thread.join(timeout=2)
        if self._proc.stdout is not None:
            self._proc.stdout.close()


class PulseRig:
    """A private PulseAudio server: virtual microphone ``mic_feed`` and virtual speaker ``speaker``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runtime_dir = root / "run"
        self.socket = self.runtime_dir / "pulse" / "native"
        self.env = dict(os.environ)
        self.env.update(
            XDG_RUNTIME_DIR=str(self.runtime_dir),
            PULSE_SERVER=f"unix:{self.socket}",
            PULSE_CLIENTCONFIG=str(root / "client.conf"),
            PULSE_STATE_PATH=str(root / "state"),
        )
        self.env.pop("PULSE_SINK", None)
        self.env.pop("PULSE_SOURCE", None)
        self._server: subprocess.Popen[bytes] | None = None
        self._recordings: dict[str, Recording] = {}

    def start(self, timeout_s: float = 10.0) -> None:
        """Start the server as a child process and wait until it answers."""
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        self.runtime_dir.chmod(0o700)
        (self.root / "client.conf").write_text("autospawn = no\n")
        (self.root / "default.pa").write_text(_DEFAULT_PA)
        (self.root / "daemon.conf").write_text(_DAEMON_CONF)
        self._server = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
             "--disallow-exit", "-F", str(self.root / "default.pa"),
             "--log-target=file:" + str(self.root / "pulse.log")],
            env=dict(self.env, PULSE_CONFIG=str(self.root / "daemon.conf")),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._server.poll() is not None:
                break
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0:
                self._settle()
                return
            time.sleep(0.1)
        log = (self.root / "pulse.log").read_text(errors="replace") if (self.root / "pulse.log").exists() else ""
        self.stop()
        raise RuntimeError(f"private PulseAudio did not start:\n{log[-2000:]}")

    def _settle(self) -> None:
        """Keep a low-latency recorder on each monitor for the rig's life, and let the sinks adopt it.

        A null sink renders up to 2 s ahead while nobody asks for low latency, and only notices a new
        request when that render is done: anything played in that window arrives late (DESIGN.md).
        """
        self._settle_sinks(("mic_feed", "speaker"))

    def _settle_sinks(self, sinks: tuple[str, ...]) -> None:
        for sink in sinks:
            old = self._recordings.pop(sink, None)
            if old is not None:
                old.close()
            self._recordings[sink] = Recording(self.env, f"{sink}.monitor")
        warm = self.root / "warm.raw"
        warm.write_bytes(bytes(RECORD_RATE // 10 * 2))
        for sink in sinks:
            subprocess.run(["pacat", "--raw", "--format=s16le", f"--rate={RECORD_RATE}", "--channels=1",
                            "--latency-msec=10", "-d", sink, str(warm)], env=self.env, check=True, timeout=10)
        time.sleep(0.3)

    def stop(self) -> None:
        for rec in self._recordings.values():
            rec.close()
        self._recordings.clear()
        if self._server is None:
            return
        self._server.terminate()
        try:
            self._server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._server.kill()
            self._server.wait()
        self._server = None

    @property
    def mic_feed(self) -> Recording:
        """Everything played into the virtual microphone since the rig started."""
        return self._recordings["mic_feed"]

    @property
    def speaker(self) -> Recording:
        """Everything played on the virtual speaker since the rig started."""
        return self._recordings["speaker"]

    def pactl(self, *args: str) -> str:
        return subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True, check=True).stdout

    def play(self, wav: Path, sink: str = "mic_feed") -> None:
        """Play a WAV file into ``sink`` and wait until it has been played."""
        subprocess.run(["paplay", "--latency-msec=20", "-d", sink, str(wav)], env=self.env, check=True)

    def play_async(self, wav: Path, sink: str = "mic_feed") -> subprocess.Popen[bytes]:
        return subprocess.Popen(["paplay", "--latency-msec=20", "-d", sink, str(wav)], env=self.env)

    # --- unplugging a device ---------------------------------------------------------------------

    @contextlib.contextmanager
    def pinned(self) -> Iterator[dict[str, str]]:
        """Environment for a process under test that plays on ``speaker`` and hears ``mic_feed`` by name.

        Meanwhile the defaults are a spare sink and its monitor. Whatever follows the default moves when
        the default changes (even with rescue-streams off): with ``speaker`` as the default, unloading it
        would move the coach's stream to ``mic_feed`` and reopening would land there too. Pinned, and with
        the defaults elsewhere, an unloaded sink really is a lost device until it is loaded again.
        """
        self.pactl("load-module", "module-null-sink", "sink_name=spare", "sink_properties=device.description=spare")
        self.pactl("set-default-sink", "spare")
        self.pactl("set-default-source", "spare.monitor")
        try:
            yield {"PULSE_SINK": "speaker", "PULSE_SOURCE": "mic_feed.monitor"}
        finally:
            for sink in ("mic_feed", "speaker"):
                if not self._module_of(sink):
                    self.load_sink(sink)
            self.pactl("set-default-sink", "speaker")
            self.pactl("set-default-source", "mic_feed.monitor")
            self.pactl("unload-module", self._module_of("spare"))

    def unload_sink(self, sink: str) -> None:
        """Unplug one null sink (``mic_feed`` or ``speaker``): its module is unloaded, its streams die with it."""
        self.pactl("unload-module", self._module_of(sink))

    def load_sink(self, sink: str) -> float:
        """Plug it back: the same module line as at start; the rig's recorder on its monitor starts again.

        Returns the monotonic time the sink was back (before the recorder was restarted).
        """
        self.pactl(*_sink_module_line(sink))
        back_at_s = time.monotonic()
        self._settle_sinks((sink,))
        return back_at_s

    def _module_of(self, sink: str) -> str:
        """Index of the module that made ``sink`` ("" when there is none)."""
        for line in self.pactl("list", "short", "modules").splitlines():
            fields = line.split("\t")
            if len(fields) > 2 and fields[1] == "module-null-sink" and f"sink_name={sink}" in fields[2].split():
                return fields[0]
        return ""

    def streams_of(self, pid: int) -> dict[str, list[str]]:
        """Where process ``pid``'s streams are: {"sink-inputs": [sink names], "source-outputs": [source names]}."""
        names = {kind: dict(line.split("\t")[:2] for line in self.pactl("list", "short", kind).splitlines() if line)
                 for kind in ("sinks", "sources")}
        out: dict[str, list[str]] = {}
        for kind, owner in (("sink-inputs", "Sink"), ("source-outputs", "Source")):
            out[kind] = []
            for block in self.pactl("list", kind).split("\n\n"):
                if f'application.process.id = "{pid}"' not in block:
                    continue
                index = next(line.split(":", 1)[1].strip() for line in block.splitlines()
                             if line.strip().startswith(f"{owner}:"))
                out[kind].append(names["sinks" if owner == "Sink" else "sources"].get(index, index))
        return out

    @contextlib.contextmanager
    def loopback(self) -> Iterator[None]:
        """Route the speaker back into the microphone, as a room would."""
        module = self.pactl("load-module", "module-loopback", "source=speaker.monitor", "sink=mic_feed",
                            "latency_msec=20").strip()
        try:
            yield
        finally:
            self.pactl("unload-module", module)

    @contextlib.contextmanager
    def activated(self) -> Iterator[None]:
        """Point this process's audio (sounddevice via ALSA's pulse plugin) at the rig."""
        keys = ("XDG_RUNTIME_DIR", "PULSE_SERVER", "PULSE_CLIENTCONFIG", "PULSE_STATE_PATH")
        saved = {k: os.environ.get(k) for k in keys}
        os.environ.update({k: self.env[k] for k in keys})
        _rescan_portaudio()
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            _rescan_portaudio()


def _sink_module_line(sink: str) -> list[str]:
    """The ``load-module module-null-sink sink_name=<sink> ...`` words of the rig's startup script."""
    for line in _DEFAULT_PA.splitlines():
        words = line.split()
        if words[:2] == ["load-module", "module-null-sink"] and f"sink_name={sink}" in words:
            return words
    raise ValueError(f"the rig has no sink {sink!r}")


def _rescan_portaudio() -> None:
    """PortAudio lists devices once at start; make it look again under the current environment."""
    sd = sys.modules.get("sounddevice")
    streams = sys.modules.get("voice_coach.audio.streams")
    if streams is not None and streams.stuck():
        return  # terminating PortAudio under a stream stuck in it aborts the process (see audio_streams)
    if sd is not None:
        sd._terminate()
        sd._initialize()


@pytest.fixture(scope="module")
def pulse_rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseRig]:
    """A running private PulseAudio for one test module, this process's audio pointed at it."""
    if shutil.which("pulseaudio") is None or shutil.which("parecord") is None:
        pytest.fail("pulseaudio and pulseaudio-utils are needed: apt-get install pulseaudio pulseaudio-utils")
    rig = PulseRig(tmp_path_factory.mktemp("pulse"))
    rig.start()
    try:
        with rig.activated():
            yield rig
    finally:
        rig.stop()
