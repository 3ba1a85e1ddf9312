"""Sound devices: listing them and choosing one by name or number."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from voice_coach.audio.streams import sounddevice
from voice_coach.errors import AudioError

_LOGGER = logging.getLogger(__name__)

DeviceKind = Literal["input", "output"]

BLOCK_S = 0.02
"""Length of one audio block in seconds: what a stop() or a mic read waits for at most."""


@dataclass(frozen=True)
class Device:
    """One sound device as PortAudio sees it."""

    index: int
    name: str
    inputs: int
    """Input channels (0: not a microphone)."""
    outputs: int
    """Output channels (0: not a speaker)."""
    default_rate: int
    """Hertz the device prefers."""
    default_input: bool = False
    default_output: bool = False


def list_devices() -> list[Device]:
    """Every device PortAudio can see (empty when there is no sound system)."""
    sd = sounddevice()
    try:
        found = sd.query_devices()
        default_in, default_out = _defaults(sd)
    except sd.PortAudioError as exc:
        _LOGGER.info("cannot list sound devices: %s", exc)
        return []
    return [
        Device(int(d["index"]), str(d["name"]), int(d["max_input_channels"]), int(d["max_output_channels"]),
               int(d["default_samplerate"]), int(d["index"]) == default_in, int(d["index"]) == default_out)
        for d in found
    ]


def _defaults(sd: Any) -> tuple[int, int]:
    pair = sd.default.device
    return int(pair[0]), int(pair[1])


def format_devices(devices: list[Device]) -> str:
    """The listing printed by ``voice-coach devices``."""
    if not devices:
        return "No sound devices found. Is a sound server (PulseAudio/PipeWire) running?"
    lines = []
    for d in devices:
        marks = ("<" if d.default_input else " ") + (">" if d.default_output else " ")
        roles = ", ".join(r for r, n in (("in", d.inputs), ("out", d.outputs)) if n)
        lines.append(f"{marks} {d.index:3d}  {d.name}  ({roles}; {d.default_rate} Hz)")
    lines.append("< default microphone, > default speaker; choose with --input-device / --output-device NAME or INDEX")
    return "\n".join(lines)


def choose_device(wanted: str | int | None, kind: DeviceKind) -> Device:
    """The device for ``kind``: by index, by (part of) its name, or the default when ``wanted`` is None."""
    devices = [d for d in list_devices() if (d.inputs if kind == "input" else d.outputs) > 0]
    flag = "--input-device" if kind == "input" else "--output-device"
    what = "microphone" if kind == "input" else "speaker"
    if not devices:
        raise AudioError(f"no {what} found (is a sound server running?)",
                         "check `voice-coach devices`, or use --engine text to type instead")
    if wanted is None or (isinstance(wanted, str) and not wanted.strip()):
        default = [d for d in devices if (d.default_input if kind == "input" else d.default_output)]
        return default[0] if default else devices[0]
    text = str(wanted).strip()
    if text.isdigit():
        hit = [d for d in devices if d.index == int(text)]
    else:
        hit = [d for d in devices if d.name.lower() == text.lower()] or \
              [d for d in devices if text.lower() in d.name.lower()]
    if not hit:
        raise AudioError(f"no {what} matches {text!r}", f"list them with `voice-coach devices` and fix {flag}")
    return hit[0]
