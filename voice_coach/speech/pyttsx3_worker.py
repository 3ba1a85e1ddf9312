"""The pyttsx3 worker process: renders text to a temp file and sends the samples back over a pipe.

pyttsx3 is known to hang in ``runAndWait`` after repeated use on some platforms, so it never
runs in the coach's own process. Run as ``python -m voice_coach.speech.pyttsx3_worker``. Protocol (binary
stdin/stdout): each request is one JSON line ``{"text", "rate_wpm", "volume"}``; each reply is
one JSON line ``{"ok": true, "rate": Hz, "n_bytes": N}`` followed by N bytes of mono int16
little-endian samples, or ``{"ok": false, "error": "..."}``. The first reply (before any
request) reports readiness: ``{"ok": true, "ready": true, "driver": ..., "voice": ...}``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import wave
from typing import Any, BinaryIO

import numpy as np

# espeak-ng's American English voice: both the coach's content and pocketsphinx's model are
# US English, and it is measurably easier to understand than the default British voice.
_ESPEAK_VOICES = ("gmw/en-us", "en-us")


def _send(out: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    out.write(json.dumps(header).encode("utf-8") + b"\n" + payload)
    out.flush()


def _aiff_rate(extended: bytes) -> int:
    """Decode the 80-bit IEEE extended float AIFF uses for its sample rate."""
    exponent, mantissa = struct.unpack(">hQ", extended)
    return int(round(mantissa * 2.0 ** ((exponent & 0x7FFF) - 16383 - 63)))


def _read_aiff(data: bytes) -> tuple[np.ndarray, int]:
    """Mono int16 samples and rate from an uncompressed AIFF (macOS writes these)."""
    channels, width, rate, pos = 1, 2, 0, 12
    frames = b""
    while pos + 8 <= len(data):
        kind, size = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if kind == b"COMM":
            channels, _, bits = struct.unpack(">hIh", body[:8])
            width, rate = bits // 8, _aiff_rate(body[8:18])
        elif kind == b"SSND":
            offset = struct.unpack(">I", body[:4])[0]
            frames = body[8 + offset :]
        pos += 8 + size + (size & 1)
    if width != 2 or not rate:
        raise ValueError(f"unsupported AIFF ({width * 8}-bit, {rate} Hz)")
    samples = np.frombuffer(frames, dtype=">i2").astype(np.int16)
    return samples.reshape(-1, channels).mean(axis=1).astype(np.int16), rate


def read_audio_file(path: str) -> tuple[np.ndarray, int]:
    """Mono int16 samples and rate from the WAV (espeak-ng, SAPI5) or AIFF (macOS) pyttsx3 wrote."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head == b"FORM":
        with open(path, "rb") as handle:
            return _read_aiff(handle.read())
    with wave.open(path, "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"unsupported WAV sample width {wav.getsampwidth()}")
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        channels, rate = wav.getnchannels(), wav.getframerate()
    return frames.reshape(-1, channels).mean(axis=1).astype(np.int16), rate


def _settle(driver_name: str, limit_s: float = 2.0) -> None:
    """Wait until espeak-ng has applied queued property changes.

    In pyttsx3's espeak mode, espeak-ng applies SetParameter on its own command thread, and
    runAndWait's final stop() cancels whatever is still queued: without this wait a new rate
    or voice is silently dropped about half of the time (measured here).
    """
    if driver_name != "espeak":
        return
    from pyttsx3.drivers import _espeak

    deadline = time.monotonic() + limit_s
    while _espeak.IsPlaying() and time.monotonic() < deadline:
        time.sleep(0.001)


def _open_engine(driver: str | None) -> tuple[Any, str, str]:
    """A pyttsx3 engine, its driver name and its voice id."""
    import pyttsx3

    engine = pyttsx3.init(driver) if driver else pyttsx3.init()
    driver_name = driver or engine.proxy._module.__name__.rsplit(".", 1)[-1]
    voice_id = str(engine.getProperty("voice"))
    if driver_name == "espeak":
        known = {str(voice.id) for voice in engine.getProperty("voices")}
        voice_id = next((v for v in _ESPEAK_VOICES if v in known), voice_id)
        # pyttsx3 queues property changes until the next runAndWait; a bad id would fail there.
        engine.setProperty("voice", voice_id)
        _settle(driver_name)
    return engine, driver_name, voice_id


def _render(engine: Any, driver_name: str, request: dict[str, Any], folder: str, suffix: str) -> tuple[np.ndarray, int]:
    path = os.path.join(folder, "speech" + suffix)
    if os.path.exists(path):
        os.remove(path)
    engine.setProperty("rate", int(request["rate_wpm"]))
    engine.setProperty("volume", float(request["volume"]))
    _settle(driver_name)
    engine.save_to_file(str(request["text"]), path)
    engine.runAndWait()
    if not os.path.exists(path):
        raise RuntimeError("pyttsx3 wrote no audio file")
    return read_audio_file(path)


def serve(requests: BinaryIO, replies: BinaryIO, driver: str | None, stall_s: float) -> int:
    """Answer render requests until stdin closes."""
    try:
        engine, driver_name, voice_id = _open_engine(driver)
    except Exception as exc:  # any driver failure is reported, not raised: the parent decides
        _send(replies, {"ok": False, "error": f"pyttsx3 could not start: {exc!r}"})
        return 1
    _send(replies, {"ok": True, "ready": True, "driver": driver_name, "voice": voice_id})
    suffix = ".aiff" if driver_name in ("nsss", "avspeech") else ".wav"
    folder = tempfile.mkdtemp(prefix="voice-coach-tts-")
    try:
        for line in requests:
            if not line.strip():
                continue
            if stall_s > 0:
                time.sleep(stall_s)  # test hook: behave like a hung runAndWait
            try:
                samples, rate = _render(engine, driver_name, json.loads(line), folder, suffix)
            except Exception as exc:  # reported to the parent, which retries or falls back
                _send(replies, {"ok": False, "error": repr(exc)})
                continue
            payload = samples.astype("<i2").tobytes()
            _send(replies, {"ok": True, "rate": rate, "n_bytes": len(payload)}, payload)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: keep the protocol on a private copy of stdout, discard stray prints."""
    parser = argparse.ArgumentParser(prog="python -m voice_coach.speech.pyttsx3_worker")
    parser.add_argument("--driver", help="pyttsx3 driver name (default: the platform's)")
    parser.add_argument("--stall-s", type=float, default=0.0, help="test hook: sleep before each render")
    args = parser.parse_args(argv)
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # pyttsx3's espeak driver prints "Audio saved to ..." on stdout; keep that off the protocol.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.stdout = open(os.devnull, "w", encoding="utf-8")
    return serve(sys.stdin.buffer, replies, args.driver, args.stall_s)


if __name__ == "__main__":
    sys.exit(main())
