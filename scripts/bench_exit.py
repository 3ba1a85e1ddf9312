#!/usr/bin/env python3
"""Ctrl-C exit time of the real `voice-coach run` on the PulseAudio rig, at random moments of a command cycle.

Each trial starts `run`, waits until it listens, plays a spoken command (hibari voice) into the virtual
microphone and sends SIGINT 0.5-8 s later: while the command is heard, decoded, answered or spoken. It
reports the exit codes and the time from SIGINT to the process being gone (median, p90, max, how many > 1 s).
Target: exit 130 within 1 s every time.

    .venv/bin/python scripts/bench_exit.py                          # 10 trials, whisper
    .venv/bin/python scripts/bench_exit.py --trials 3 --engine pocketsphinx
    .venv/bin/python scripts/bench_exit.py --compare /tmp/main-checkout   # the same moments against another checkout
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchlib import VOICE_COACH, audio_rig, cli_env, machine_line, median, percentile, table, wait_for, write_json

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ["coach, give us a conversation starter", "coach, a tip about listening", "coach, tell me more"]
HUNG_S = 15.0
"""A process still there this long after SIGINT is killed and counted as hung."""


def _trial(rig: Any, home: Path, tree: Path, engine: str, wav: Path, delay_s: float) -> tuple[int, float]:
    """(exit code, seconds from SIGINT to exit) of one `run` in checkout ``tree``; -9 when it had to be killed."""
    env = dict(cli_env(rig, home), PYTHONPATH=str(tree))
    proc = subprocess.Popen([*VOICE_COACH, "run", "--engine", engine, "--debug"], env=env, cwd=tree,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(proc.stderr or []), daemon=True)
    reader.start()
    if not wait_for(lambda: "ready to listen (" in "".join(err) or proc.poll() is not None, 120):
        raise SystemExit("the coach did not start listening within 120 s")
    if proc.poll() is not None:
        raise SystemExit("the coach exited at start:\n" + "".join(err[-20:]))
    time.sleep(1.0)
    player = rig.play_async(wav)
    time.sleep(delay_s)
    sent_s = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=HUNG_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    took_s = time.monotonic() - sent_s
    player.wait()
    reader.join(timeout=2)
    if any("Traceback" in line for line in err):
        print("  (a traceback on stderr)")
    return proc.returncode, took_s


def run(trials: int, engine: str, trees: list[Path], seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    results: dict[str, list[tuple[int, float, float]]] = {str(t): [] for t in trees}
    with tempfile.TemporaryDirectory(prefix="voice-coach-exit-") as folder, audio_rig() as rig:
        home = Path(folder)
        from voice_coach.testing.synth import Synth

        synth = Synth(home / "wav")
        wavs = [synth.wav(synth.hibari(text)) for text in COMMANDS]
        for trial in range(trials):
            delay_s = rng.uniform(0.5, 8.0)
            for tree in trees:  # the same moment for each checkout
                code, took_s = _trial(rig, home, tree, engine, wavs[trial % len(wavs)], delay_s)
                results[str(tree)].append((code, took_s, delay_s))
                print(f"trial {trial + 1}/{trials} {tree}: SIGINT {delay_s:.2f} s after the command began -> "
                      f"exit {code} in {took_s:.2f} s", flush=True)
    return {"engine": engine, "trials": trials, "seed": seed, "results": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=10, help="how many Ctrl-Cs (default 10)")
    parser.add_argument("--engine", default="whisper", help="recognizer (default whisper)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the moments (default 7)")
    parser.add_argument("--compare", type=Path, action="append", default=[],
                        help="another checkout to run at the same moments (e.g. `git archive main` unpacked)")
    parser.add_argument("--out", type=Path, help="where to write the JSON result (default bench_results/exit.json)")
    args = parser.parse_args(argv)
    trees = [ROOT, *[p.resolve() for p in args.compare]]
    result = run(args.trials, args.engine, trees, args.seed)
    path = write_json("exit", result, args.out)
    rows = []
    for tree, runs in result["results"].items():
        times = [took for _, took, _ in runs]
        codes = sorted({code for code, _, _ in runs})
        rows.append([tree, len(runs), ",".join(map(str, codes)), f"{median(times):.2f}", f"{percentile(times, 90):.2f}",
                     f"{max(times):.2f}", sum(t > 1.0 for t in times)])
    print(f"Ctrl-C exit, `run --engine {args.engine}`, {machine_line()}")
    print(table(["checkout", "trials", "exit codes", "median s", "p90 s", "max s", "over 1 s"], rows))
    print(f"written to {path}")
    mine = result["results"][str(ROOT)]
    return 0 if all(code == 130 and took <= 1.0 for code, took, _ in mine) else 1


if __name__ == "__main__":
    raise SystemExit(main())
