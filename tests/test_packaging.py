"""`pip install .` (not only editable) ships the intents and the content as package data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "voice_coach").rglob("__init__.py")}
    assert found <= listed, f"add {sorted(found - listed)} to [tool.setuptools] packages"


def test_a_built_wheel_holds_intents_and_content(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    import zipfile

    (wheel,) = tmp_path.glob("voice_coach-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    intents = [n for n in names if n.startswith("voice_coach/intents/") and n.endswith(".yaml")]
    content = [n for n in names if n.startswith("voice_coach/content/data/") and n.endswith(".yaml")]
    assert len(intents) == len(list((ROOT / "intents").glob("*.yaml")))
    assert len(content) == len(list((ROOT / "voice_coach/content/data").glob("*.yaml")))
    assert "voice_coach/py.typed" in names
    assert {f"voice_coach/app/screen/static/{n}" for n in ("index.html", "screen.css", "screen.js")} <= set(names)


def test_readme_lists_what_you_can_say_for_every_intent() -> None:
    from voice_coach.understand.matcher import load_intents

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- intents:begin -->")[1].split("<!-- intents:end -->")[0]
    missing = [name for name in load_intents().examples() if f"`{name}`" not in block]
    assert not missing, f"run scripts/readme_intents.py: README misses {missing}"
