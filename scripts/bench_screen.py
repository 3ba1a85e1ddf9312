#!/usr/bin/env python3
"""The companion screen's figures: coach event -> page updated (p50/p95), and what the screen costs the coach
(idle CPU as % of one core, resident memory, the typed reply time) with and without --screen in one run.

Usage: .venv/bin/python scripts/bench_screen.py [--events 60] [--runs 3] [--idle-seconds 20]
                                                [--out bench_results/screen.json]
Smoke run (seconds): .venv/bin/python scripts/bench_screen.py --smoke

Latency: a real coach (typed engine, printed replies) runs in this process with its real screen server; headless
Chromium (the system's /usr/bin/chromium, driven by Playwright) shows the page. Each reply's 'say' event is
stamped with the wall clock as it is written; the page stamps (performance.timeOrigin + now) the frame that shows
it. Cost: `voice-coach run --engine text --quiet` as a child process, idle with stdin open, with and without
`--screen` (and with a page connected to it), interleaved; CPU from /proc ticks, RSS from VmRSS after settling;
the typed reply time is the events log's 'heard' -> 'say' gap over a few requests.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchlib import RESULTS_DIR, VOICE_COACH, median, percentile, read_events, table, write_json

from voice_coach.testing.screen_rig import chromium  # noqa: E402

GOALS = {"update_p95_ms": 100.0, "idle_cpu_pct": 1.0, "rss_mb": 20.0}
SETTLE_S = 3.0
_CLK_TCK = os.sysconf("SC_CLK_TCK")
REQUESTS = ("give us a conversation starter", "another one", "give us a tip", "tell me more")


def latency(browser: Any, count: int, home: Path) -> list[float]:
    """Milliseconds from each 'say' event to the page frame that shows it."""
    from voice_coach.app import runtime, wiring
    from voice_coach.app.events import EventLog
    from voice_coach.app.screen import start_screen
    from voice_coach.clock import MonotonicClock
    from voice_coach.config import Settings
    from voice_coach.listen.ears import TypedEars
    from voice_coach.speech.mouth import PrintMouth

    settings = Settings(engine="text", quiet=True, home=home, screen=True, screen_port=0)
    library = wiring.load_content(settings)
    store = wiring.open_store(settings)
    coach = wiring.build_coach(settings, library, store, rng=random.Random(1))
    clock = MonotonicClock()
    events = EventLog(None, clock)
    said: list[tuple[str, float]] = []
    events.listeners.append(lambda kind, record: said.append((record["text"], time.time() * 1000)) if kind == "say" else None)
    read_end, write_end = os.pipe()
    ears = TypedEars(io.TextIOWrapper(os.fdopen(read_end, "rb")), clock)
    screen = start_screen(settings, coach, ears, PrintMouth(lambda text: None), clock, events, "coach", typed=True)
    loop = runtime.Runtime(coach, wiring.matcher(), screen.ears, PrintMouth(lambda text: None), None, events, clock)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    try:
        page.goto(screen.server.url)
        while page.evaluate("document.body.dataset.activity") != "listening":  # (the page's CSP forbids wait_for_function)
            time.sleep(0.05)
        for n in range(count):
            os.write(write_end, (REQUESTS[n % len(REQUESTS)] + "\n").encode())
            time.sleep(0.25)
        time.sleep(0.5)
        renders = page.evaluate("voiceCoach.renders()")
    finally:
        os.write(write_end, b"goodbye\n")
        thread.join(timeout=10)
        page.close()
        screen.close()
        store.close()
        os.close(write_end)
    from voice_coach.speech.types import split_sentences

    gaps = []
    for text, at_ms in said:
        last = (split_sentences(text) or [text])[-1]
        shown = [r["at"] for r in renders if r["caption"] == last and r["at"] >= at_ms - 1]
        if shown:
            gaps.append(min(shown) - at_ms)
    return gaps


def ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cost(browser: Any, screen: bool, idle_s: float, home: Path) -> dict[str, float]:
    """Idle CPU and RSS of one coach process, and its typed reply time (ms, median of the requests)."""
    events_path = home / f"events-{int(screen)}-{time.monotonic_ns()}.jsonl"
    args = [*VOICE_COACH, "run", "--engine", "text", "--quiet", "--events", str(events_path)]
    if screen:
        args += ["--screen", "--screen-port", "0"]
    env = {**os.environ, "VOICE_COACH_HOME": str(home), "XDG_CONFIG_HOME": str(home / "config")}
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    page = None
    try:
        assert proc.stdin is not None and proc.stderr is not None
        if screen:
            line = proc.stderr.readline()
            url = re.search(r"Screen: (\S+)", line)
            if url is None:
                raise RuntimeError(f"no screen address: {line}")
            page = browser.new_page()
            page.goto(url.group(1))
        for request in REQUESTS:
            proc.stdin.write(request + "\n")
            proc.stdin.flush()
            time.sleep(0.4)
        time.sleep(SETTLE_S)
        before = ticks(proc.pid)
        time.sleep(idle_s)
        cpu_pct = 100.0 * (ticks(proc.pid) - before) / _CLK_TCK / idle_s
        memory = rss_mb(proc.pid)
    finally:
        if page is not None:
            page.close()
        proc.terminate()
        proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stderr):
            if stream is not None:
                stream.close()
    events = read_events(events_path)
    reply_ms = []
    for i, event in enumerate(events):
        if event["type"] == "heard":
            says = [e for e in events[i:] if e["type"] == "say"]
            if says:
                reply_ms.append(1000 * (says[0]["t"] - event["t"]))
    return {"idle_cpu_pct": cpu_pct, "rss_mb": memory, "reply_ms": median(reply_ms)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=60, help="coach replies timed to the page (default 60)")
    parser.add_argument("--runs", type=int, default=3, help="idle runs per configuration (medians reported)")
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "screen.json")
    parser.add_argument("--smoke", action="store_true", help="a few seconds: few events, one short idle run")
    args = parser.parse_args()
    count, runs, idle_s = (6, 1, 2.0) if args.smoke else (args.events, max(1, args.runs), args.idle_seconds)

    with tempfile.TemporaryDirectory(prefix="voice-coach-screen-") as folder, chromium() as browser:
        gaps = latency(browser, count, Path(folder) / "latency")
        found: dict[bool, list[dict[str, float]]] = {False: [], True: []}
        for _ in range(runs):  # interleaved, so a busy spell does not land on one configuration
            for screen in (False, True):
                found[screen].append(cost(browser, screen, idle_s, Path(folder) / "cost"))
    figures = {screen: {k: median([r[k] for r in rs]) for k in ("idle_cpu_pct", "rss_mb", "reply_ms")}
               for screen, rs in found.items()}
    added = {k: figures[True][k] - figures[False][k] for k in ("idle_cpu_pct", "rss_mb", "reply_ms")}
    print(f"coach event -> page updated, {len(gaps)} of {count} replies: p50 {median(gaps):.1f} ms, "
          f"p95 {percentile(gaps, 95):.1f} ms, max {max(gaps, default=float('nan')):.1f} ms "
          f"(goal p95 <= {GOALS['update_p95_ms']:g} ms)")
    print(table(["typed coach, idle", "CPU % of a core", "RSS MB", "reply ms (heard -> say)"],
                [["without --screen", *figures[False].values()], ["with --screen, one page open", *figures[True].values()],
                 ["added by the screen", *added.values()]]))
    print(f"goals: added idle CPU <= {GOALS['idle_cpu_pct']:g} % of a core, added RSS <= {GOALS['rss_mb']:g} MB; "
          f"medians of {runs} run(s) of {idle_s:g} s idle")
    path = write_json("screen", {"smoke": args.smoke, "goals": GOALS, "update_ms": {
        "count": len(gaps), "asked": count, "p50": median(gaps), "p95": percentile(gaps, 95),
        "max": max(gaps, default=float("nan"))}, "without_screen": figures[False], "with_screen": figures[True],
        "added": added, "runs": {"without": found[False], "with": found[True]}, "idle_s": idle_s}, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
