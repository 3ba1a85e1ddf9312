"""The real command line, run as a subprocess with its own data and config folders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voice_coach.content import load_library
from voice_coach.content.asker import asked_by_a_partner


def vc(env: dict[str, str], *args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voice_coach", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_parse_reads_stdin_and_finds_depth(env: dict[str, str]) -> None:
    result = vc(env, "parse", stdin="give us something deep to talk about\nwhat's the weather like\n")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["intent"] == "conversation_starter" and first["slots"]["depth"] == "deep"
    assert first["text"] == "give us something deep to talk about"
    assert second["intent"] is None


def test_parse_survives_garbage_lines(env: dict[str, str]) -> None:
    garbage = ["", "   ", "x" * 5000, "😀🎉 ünïcödé ☃", "\t\t", "coach " * 900, "!!!???", "0" * 100]
    result = vc(env, "parse", stdin="\n".join(garbage) + "\n")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(garbage)


def test_ask_tip_then_tell_me_more_across_processes(env: dict[str, str]) -> None:
    library = load_library()
    tip = vc(env, "ask", "--quiet", "give me a tip about listening")
    assert tip.returncode == 0, tip.stderr
    said = tip.stdout.strip()
    listening = {t.text: t for t in library.tips if t.topic == "active_listening"}
    assert said in listening
    more = vc(env, "ask", "--quiet", "tell me more")
    assert more.returncode == 0, more.stderr
    assert more.stdout.strip() == listening[said].more


def test_ask_another_gives_a_different_starter_across_processes(env: dict[str, str]) -> None:
    # the last line: one partner's question ("... I ...") comes after a lead line ("Ask each other:")
    first = vc(env, "ask", "--quiet", "coach give us a conversation starter").stdout.strip().splitlines()[-1]
    second = vc(env, "ask", "--quiet", "another one").stdout.strip().splitlines()[-1]
    starters = {s.text for s in load_library().starters}
    assert first in starters and second in starters and first != second


def test_out_of_scope_gets_the_i_can_help_reply(env: dict[str, str]) -> None:
    result = vc(env, "ask", "--quiet", "what's the weather")
    assert result.returncode == 0
    assert result.stdout.strip() in load_library().lines["out_of_scope"]


def test_ask_without_a_sound_card_still_prints(env: dict[str, str]) -> None:
    env = dict(env, PULSE_SERVER="unix:/nonexistent", AUDIODEV="null")
    result = vc(env, "ask", "give me a tip about patience")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in {t.text for t in load_library().tips}
    assert "Traceback" not in result.stderr


def test_content_json_has_the_documented_shape(env: dict[str, str]) -> None:
    data = json.loads(vc(env, "content", "--json").stdout)
    assert {"id", "text", "category", "depth"} <= set(data["starters"][0])
    assert {"id", "topic", "text", "more", "try"} <= set(data["tips"][0])
    assert {s["depth"] for s in data["starters"]} == {"light", "medium", "deep"}
    assert isinstance(data["prompts"], dict) and data["prompts"]


def test_intents_json_lists_examples_per_intent(env: dict[str, str]) -> None:
    data = json.loads(vc(env, "intents", "--json").stdout)
    for name in ("conversation_starter", "tip", "tell_more", "another", "start_exercise", "pause", "goodbye"):
        assert data[name] and all(isinstance(s, str) for s in data[name])


@pytest.mark.parametrize(
    ("args", "code"),
    [(["exercise", "--minutes", "abc"], 2), (["exercise", "--rounds", "7"], 2), (["fly"], 2), (["ask"], 2),
     (["exercise", "--reflect-seconds", "901"], 2), (["doctor", "--listen", "-1"], 2)],
)
def test_bad_usage_is_one_line_with_a_fix(env: dict[str, str], args: list[str], code: int) -> None:
    result = vc(env, *args)
    assert result.returncode == code
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--help" in lines[0]


def test_bad_config_file_is_one_line_and_nothing_is_lost(env: dict[str, str], tmp_path: Path) -> None:
    vc(env, "ask", "--quiet", "give us a conversation starter")
    vc(env, "ask", "--quiet", "save that one")
    config = tmp_path / "config" / "voice-coach" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('wake_word = "coach"\nvolume_level = 3\n')
    bad = vc(env, "ask", "--quiet", "list my favorites")
    assert bad.returncode == 3 and f"{config}:2: unknown key 'volume_level'" in bad.stderr
    config.unlink()
    good = vc(env, "ask", "--quiet", "list my favorites")
    saved = good.stdout.strip().splitlines()
    # intro + the one saved, after a lead when it is one partner's question ("... I ...")
    assert good.returncode == 0 and len(saved) == 2 + asked_by_a_partner(saved[-1])


def test_python_m_and_version(env: dict[str, str]) -> None:
    result = vc(env, "--version")
    assert result.returncode == 0 and "voice-coach" in result.stdout


def test_content_check_passes_shipped_and_names_a_bad_user_pack(env: dict[str, str], tmp_path: Path) -> None:
    assert vc(env, "content", "--check").returncode == 0
    pack = tmp_path / "config" / "voice-coach" / "content" / "mine.yaml"
    pack.parent.mkdir(parents=True)
    pack.write_text('category: fun\nstarters:\n  - {id: fun.light.99, depth: light, text: "Do you like pizza?"}\n')
    result = vc(env, "content", "--check")
    assert result.returncode == 4
    assert f"{pack}:3:" in result.stdout and "yes/no" in result.stdout
