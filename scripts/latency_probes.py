"""Stage timings for scripts/bench_latency.py, from the coach's own trace lines (voice_coach/trace.py).

The coach, run with VOICE_COACH_TRACE=FILE, notes monotonic times (and durations) of its stages in FILE, one
JSON object per line; never any text, so nothing a person said is written. The benchmark lines them up with
the rig's recordings of the microphone and the speaker (the same monotonic clock on Linux) to split each
reply gap into stages:

  capture  true end of speech (mic_feed recording) -> the last voiced block reaching the listener
  quiet    that block -> the block on which the listener decided the utterance was over
  decide   that block's arrival -> the utterance handed on (queue lag, final decode)
  coach    handed on -> the reply given to the mouth (matching, the coach, the event log)
  handoff  -> the mouth thread starts rendering the first sentence
  render   rendering the first sentence
  callback the first sentence queued -> the output callback first copies it
  output   that callback -> its first sound in the speaker recording (device buffers, PulseAudio, lead-in)
"""

from __future__ import annotations

from typing import Any


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
