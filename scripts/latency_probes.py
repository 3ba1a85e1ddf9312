#!/usr/bin/env python3
"""Stage timings for scripts/bench_latency.py: runs `voice-coach` with timing probes wrapped around its stages.

Usage (the benchmark does this): python scripts/latency_probes.py TRACE_FILE run --engine pocketsphinx ...

The probes only note monotonic times (and durations) in TRACE_FILE, one JSON object per line; never any text,
so nothing a person said is written. The benchmark lines them up with the rig's recordings of the microphone and
the speaker (the same monotonic clock on Linux) to split each reply gap into stages:

  capture  true end of speech (mic_feed recording) -> the last voiced block reaching the listener
  quiet    that block -> the block on which the listener decided the utterance was over
  decide   that block's arrival -> the utterance handed on (queue lag, final decode)
  coach    handed on -> the reply given to the mouth (matching, the coach, the event log)
  handoff  -> the mouth thread starts rendering the first sentence
  render   rendering the first sentence
  callback the first sentence queued -> the output callback first copies it
  output   that callback -> its first sound in the speaker recording (device buffers, PulseAudio, lead-in)

A probe whose target has moved is skipped (noted as missing), so a refactor never breaks the benchmark itself.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SOUND_LEVEL = 600
"""Peak int16 amplitude the rig counts as sound (tests/audio_rig.py SPEECH_LEVEL), for the lead-in."""


class Trace:
    """Appends {"stage", "t", ...} lines to a file; safe from any thread."""

    def __init__(self, path: Path) -> None:
        self._out = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def note(self, stage: str, t: float | None = None, **fields: Any) -> None:
        record = {"stage": stage, "t": time.monotonic() if t is None else t, **fields}
        with self._lock:
            self._out.write(json.dumps(record) + "\n")
            self._out.flush()


def _wrap(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]], trace: Trace) -> None:
    original = getattr(owner, name, None)
    if original is None:
        trace.note("missing_probe", target=f"{getattr(owner, '__name__', owner)}.{name}")
        return
    setattr(owner, name, make(original))


def _lead_in_s(samples: Any, rate: int) -> float:
    """Seconds of audio before the first 10 ms window the rig would count as sound."""
    import numpy as np

    data = np.abs(np.asarray(samples, dtype=np.int32))
    loud = np.flatnonzero(data >= SOUND_LEVEL)
    return float(loud[0] // max(1, rate // 100) * (rate // 100)) / rate if loud.size else 0.0


def install(trace: Trace) -> None:
    """Wrap the stages of the loop (listener, runtime, mouth, voice, player) with timing probes."""
    from voice_coach import (
        audio,
        audio_mic,
        endpoint,
        listen,
        matching,
        mouth,
        runtime,
        voice,
    )
    from voice_coach.asr import pocketsphinx

    def process(original: Callable[..., Any]) -> Callable[..., Any]:
        def probe(self: Any, block: Any) -> Any:
            heard = original(self, block)
            if heard is not None and not self._is_muted(block.end_s):
                verdicts = getattr(self.endpoint, "_probe_verdicts", {})
                trace.note("heard", block_end=block.end_s, voiced_end=heard.end_s,
                           how=verdicts.get(heard.text, "?"), fixed=self.fixed_end_silence_s is not None)
            return heard
        return probe

    def judge(original: Callable[..., Any]) -> Callable[..., Any]:
        def probe(self: Any, text: str, *args: Any, **kwargs: Any) -> Any:
            verdict = original(self, text, *args, **kwargs)
            if not hasattr(self, "_probe_verdicts") or len(self._probe_verdicts) > 1000:
                self._probe_verdicts = {}
            self._probe_verdicts[text] = getattr(verdict, "value", str(verdict))  # kept in memory, never written
            return verdict
        return probe

    def timed(stage: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def make(original: Callable[..., Any]) -> Callable[..., Any]:
            def probe(*args: Any, **kwargs: Any) -> Any:
                start = time.monotonic()
                result = original(*args, **kwargs)
                trace.note(stage, t=start, dur=time.monotonic() - start)
                return result
            return probe
        return make

    def hear(original: Callable[..., Any]) -> Callable[..., Any]:
        def probe(self: Any, heard: Any) -> Any:
            trace.note("hear")
            return original(self, heard)
        return probe

    def say(original: Callable[..., Any]) -> Callable[..., Any]:
        def probe(self: Any, text: str) -> Any:
            trace.note("say")
            return original(self, text)
        return probe

    def render(original: Callable[..., Any]) -> Callable[..., Any]:
        def probe(self: Any, text: str) -> Any:
            start = time.monotonic()
            rendered = original(self, text)
            trace.note("render", t=start, dur=time.monotonic() - start, audio_s=rendered.duration_s,
                       lead_s=_lead_in_s(rendered.samples, rendered.rate))
            return rendered
        return probe

    def play(original: Callable[..., Any]) -> Callable[..., Any]:
        def probe(self: Any, samples: Any, rate: int) -> Any:
            start = time.monotonic()
            result = original(self, samples, rate)
            stream = getattr(self, "_stream", None)
            trace.note("play", t=start, latency_s=float(stream.latency) if stream is not None else None)
            self._probe_armed = True
            return result
        return probe

    def fill(original: Callable[..., Any]) -> Callable[..., Any]:
        def probe(self: Any, out: Any, frames: int, when: Any, status: Any) -> Any:
            # PortAudio's thread: note only the first callback that copies newly queued sound.
            start = time.monotonic()
            original(self, out, frames, when, status)
            if status:  # an underflow while sound is queued is a click; while idle it is silence anyway
                idle = getattr(self, "_idle", None)
                trace.note("output_status", flags=str(status), playing=idle is not None and not idle.is_set())
            if getattr(self, "_probe_armed", False) and self._pos > 0:
                self._probe_armed = False
                dac_s = None
                try:
                    dac_s = float(when.outputBufferDacTime - when.currentTime)
                except (AttributeError, TypeError):
                    pass
                trace.note("fill", t=start, dac_s=dac_s if dac_s and dac_s > 0 else None)
        return probe

    def mic_block(original: Callable[..., Any]) -> Callable[..., Any]:
        def probe(self: Any, data: Any, frames: int, when: Any, status: Any) -> Any:
            original(self, data, frames, when, status)
            if status:
                trace.note("input_status", flags=str(status))
        return probe

    def mic_start(original: Callable[..., Any]) -> Callable[..., Any]:
        def probe(self: Any) -> Any:
            result = original(self)
            stream = getattr(self, "_stream", None)
            trace.note("mic", latency_s=float(stream.latency) if stream is not None else None)
            return result
        return probe

    _wrap(listen.MicEars, "_process", process, trace)
    _wrap(endpoint.Endpointer, "judge", judge, trace)
    _wrap(pocketsphinx.PocketsphinxRecognizer, "final", timed("final"), trace)
    _wrap(matching, "recognize", timed("match"), trace)
    _wrap(runtime.Runtime, "hear", hear, trace)
    _wrap(mouth.SpokenMouth, "say", say, trace)
    _wrap(voice.Voice, "_render_one", render, trace)
    _wrap(audio.Player, "play", play, trace)
    _wrap(audio.Player, "_fill", fill, trace)
    _wrap(audio_mic.Microphone, "start", mic_start, trace)
    _wrap(audio_mic.Microphone, "_on_block", mic_block, trace)




def stages(trace: list[dict[str, Any]], user_end_s: float, reply_s: float) -> dict[str, Any] | None:
    """The stage split (ms) of one reply gap, from the probe lines between the user's end and the reply's sound."""
    def first(stage: str, after_s: float) -> dict[str, Any] | None:
        return next((r for r in trace if r["stage"] == stage and after_s <= r["t"] <= reply_s), None)

    heard = first("heard", user_end_s - 1.0)
    if heard is None:
        return None
    hear, say = first("hear", heard["t"]), None
    if hear is not None:
        say = first("say", hear["t"])
    render = first("render", say["t"]) if say is not None else None
    play = first("play", render["t"]) if render is not None else None
    fill = first("fill", play["t"]) if play is not None else None
    if fill is None or hear is None or say is None or render is None or play is None:
        return None
    finals = [r["dur"] for r in trace if r["stage"] == "final" and heard["voiced_end"] <= r["t"] <= heard["t"]]
    matches = [r["dur"] for r in trace if r["stage"] == "match" and heard["voiced_end"] <= r["t"] <= say["t"]]

    def ms(seconds: float) -> float:
        return round(1000 * seconds, 1)

    render_end = render["t"] + render["dur"]
    return {
        "how": heard["how"],
        "capture_ms": ms(heard["voiced_end"] - user_end_s),
        "quiet_ms": ms(heard["block_end"] - heard["voiced_end"]),
        "decide_ms": ms(heard["t"] - heard["block_end"]),
        "final_decode_ms": ms(sum(finals)),
        "match_ms": ms(sum(matches)),
        "coach_ms": ms(say["t"] - heard["t"]),
        "handoff_ms": ms(render["t"] - say["t"]),
        "render_ms": ms(render["dur"]),
        "callback_ms": ms(fill["t"] - render_end),
        "output_ms": ms(reply_s - fill["t"]),
        "lead_in_ms": ms(render["lead_s"]),
        "dac_ms": ms(fill["dac_s"]) if fill.get("dac_s") else None,
    }


def main(argv: list[str]) -> int:
    trace = Trace(Path(argv[0]))
    install(trace)
    from voice_coach.cli.main import main as cli_main

    return cli_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
