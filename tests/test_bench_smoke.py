"""Smoke runs of every scripts/bench_*.py (a few seconds each, real audio rig and engines) so they can't rot.

Only that each runs and writes its results is checked: speed and accuracy figures are for the benchmarks.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
SMOKE_TIMEOUT_S = 120
# Scripts owned elsewhere that have no --smoke flag yet: the smallest run they offer.
FALLBACK_ARGS = {
    "timer": ["--minutes", "0.05", "--reflect-seconds", "1", "--gap-seconds", "0.5"],
}
NEEDS_SMOKE_FLAG = {"voice"}
"""Its smallest run takes over a minute: it joins this test once it has a --smoke flag."""
OUT_FLAG = {"intents": "--json"}


def _has_smoke_flag(script: Path) -> bool:
    return "--smoke" in script.read_text(encoding="utf-8")


def bench_names() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in SCRIPTS.glob("bench_*.py")
                  if p.stem != "bench_all" and (p.stem.removeprefix("bench_") not in NEEDS_SMOKE_FLAG
                                                or _has_smoke_flag(p)))


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench_results")


def _smoke_args(name: str, script: Path, results_dir: Path) -> list[str]:
    if _has_smoke_flag(script):
        return ["--smoke"]
    if name == "intents":
        # A small labelled file instead of the whole dev set.
        lines = (ROOT / "tests" / "data" / "intents_dev.tsv").read_text(encoding="utf-8").splitlines()
        small = results_dir / "intents_small.tsv"
        small.write_text("\n".join([line for line in lines if line and not line.startswith("#")][:25]) + "\n",
                         encoding="utf-8")
        return [str(small)]
    return FALLBACK_ARGS.get(name, [])


@pytest.mark.parametrize("name", bench_names())
def test_bench_script_smoke_run(name: str, results_dir: Path) -> None:
    script = SCRIPTS / f"bench_{name}.py"
    out = results_dir / f"{name}.json"
    command = [sys.executable, str(script), *_smoke_args(name, script, results_dir), OUT_FLAG.get(name, "--out"),
               str(out)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=SMOKE_TIMEOUT_S)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr, done.stderr
    results = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(results, dict) and results
    if name == "latency":
        # The coach's own trace hooks split the reply gap into stages (nothing patched from outside).
        stages = results["configs"]["ours"]["stages_p50_ms"]
        assert stages and stages["render_ms"] is not None and stages["coach_ms"] is not None


def test_bench_all_builds_the_readme_block_from_smoke_results(results_dir: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPTS / "bench_all.py"), "--smoke", "--results", str(results_dir)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    block = done.stdout
    assert block.startswith("<!-- perf:begin -->") and block.rstrip().endswith("<!-- perf:end -->")
    # Every measure has a row (figures, or "not measured" when this test runs without the smoke runs above).
    for what in ("Reply gap", "Spoken command accuracy", "False actions", "Start-up"):
        assert what in block, block
    assert re.search(r"\d+-core ", block), block  # the machine is named ("2-core AMD ...")


def test_readme_has_the_performance_block() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Performance", 1)
    assert len(section) == 2
    assert "<!-- perf:begin -->" in section[1] and "<!-- perf:end -->" in section[1]
