"""The practice log for real: SQLite rows (no words), an old store upgraded, the summary, the CLI, the exercise."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from voice_coach.actions import RecordPractice, Say
from voice_coach.content import load_library
from voice_coach.content.sessions import load_sessions
from voice_coach.dialogue.coach import Coach
from voice_coach.dialogue.practice_log import spoken, summarize
from voice_coach.listen.gate import judge
from voice_coach.store import DB_NAME, Store
from voice_coach.understand.match import Match

TODAY = date(2026, 12, 4)  # a Friday


def _at(day: date, hour: int = 20) -> float:
    return datetime(day.year, day.month, day.day, hour).timestamp()


def test_practice_rows_survive_a_reopen_and_hold_no_words(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.log_practice("session", "date_night", 23.5, True)
    store.log_practice("exercise", "listening", 12.0, True, (("Sam", 300.0), ("Alex", 280.5)))
    store.close()
    rows = Store(tmp_path).practice()
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in rows] == [
        ("session", "date_night", 23.5, True, ()),
        ("exercise", "listening", 12.0, True, (("Sam", 300.0), ("Alex", 280.5))),
    ]
    conn = sqlite3.connect(tmp_path / DB_NAME)
    columns = [c[1] for c in conn.execute("PRAGMA table_info(practice)")]
    assert columns == ["id", "kind", "item_id", "at", "minutes", "completed", "spoke"]


OLD_SCHEMA = """
CREATE TABLE history (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, content_id TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE used (content_id TEXT PRIMARY KEY);
CREATE TABLE favorites (content_id TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value REAL NOT NULL);
CREATE TABLE last (slot INTEGER PRIMARY KEY CHECK (slot = 1), kind TEXT, content_id TEXT, part TEXT, depth TEXT, topic TEXT, at REAL);
INSERT INTO favorites VALUES ('family.deep.03', 1.0);
INSERT INTO settings VALUES ('rate', 0.85);
"""


def test_a_store_from_before_the_log_keeps_its_data_and_gains_the_log(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.executescript(OLD_SCHEMA)
    conn.close()
    store = Store(tmp_path)
    assert store.warning is None
    memory = store.load()
    assert memory.favorites == ["family.deep.03"] and memory.settings == {"rate": 0.85}
    assert store.practice() == []
    store.log_practice("game", "guess_my_answer", 8.0, True)
    assert [r[1] for r in store.practice()] == ["guess_my_answer"]


def test_the_summary_counts_this_week_and_month_minutes_and_streaks() -> None:
    monday = TODAY - timedelta(days=TODAY.weekday())
    rows = [
        ("session", "gratitude", _at(TODAY), 20.0, True, ()),
        ("exercise", "listening", _at(monday + timedelta(days=2)), 15.0, True, (("Sam", 360.0), ("Alex", 300.0))),
        ("game", "guess_my_answer", _at(TODAY - timedelta(days=7)), 9.0, True, ()),  # last week, late November
        ("exercise", "listening", _at(date(2026, 11, 20)), 15.0, True, (("Sam", 600.0),)),
        ("session", "money", _at(date(2026, 11, 13)), 30.0, False, ()),
        ("session", "values", _at(date(2026, 10, 1)), 25.0, True, ()),
    ]
    summary = summarize(rows, TODAY)
    assert (summary.sessions_week, summary.exercises_week) == (1, 1)
    assert (summary.sessions_month, summary.exercises_month) == (1, 1)
    assert summary.spoke_month_min == {"Sam": 6.0, "Alex": 5.0}
    assert summary.spoke_total_min == {"Sam": 16.0, "Alex": 5.0}
    assert summary.longest_streak_weeks == 4 and summary.current_streak_weeks == 4
    line = spoken(summary)
    assert "This week you've done one session and one listening exercise." in line
    assert "Sam spoke for six minutes and Alex spoke for five minutes" in line
    assert "four weeks in a row" in line
    assert not any(ch.isdigit() for ch in line)


def test_an_empty_log_says_how_to_start() -> None:
    assert "nothing in your practice log" in spoken(summarize([], TODAY))


def test_voice_coach_log_prints_the_same_and_json(tmp_path: Path) -> None:
    store = Store(tmp_path / "home")
    store.log_practice("session", "repair", 18.0, True)
    store.log_practice("exercise", "listening", 11.0, True, (("Sam", 240.0), ("Alex", 200.0)))
    store.close()
    env = {"VOICE_COACH_HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "config"), "PATH": "/usr/bin:/bin"}
    text = subprocess.run([sys.executable, "-m", "voice_coach", "log"], env=env, capture_output=True, text=True, timeout=60)
    assert text.returncode == 0, text.stderr
    assert "sessions:  1 this week, 1 this month" in text.stdout and "Sam 4 min" in text.stdout
    as_json = subprocess.run([sys.executable, "-m", "voice_coach", "log", "--json"], env=env, capture_output=True,
                             text=True, timeout=60)
    data = json.loads(as_json.stdout)
    assert data["sessions"] == {"this_week": 1, "this_month": 1}
    assert data["exercises"] == {"this_week": 1, "this_month": 1}
    assert data["minutes_spoken"]["this_month"] == {"Sam": 4.0, "Alex": 3.3}
    assert data["streak_weeks"]["longest"] == 1


def test_the_exercise_is_logged_with_each_partners_speaking_minutes() -> None:
    coach = Coach(load_library(), rng=random.Random(2), book=load_sessions())
    now = 0.0
    actions = coach.start_exercise(now, minutes=1, names=("Sam", "Alex"), checkin=False)
    records: list[RecordPractice] = []
    for _ in range(2000):
        now += 0.5
        actions = coach.speech_finished(now) + coach.tick(now)
        records += [a for a in actions if isinstance(a, RecordPractice)]
        if not coach.in_exercise:
            break
    assert len(records) == 1
    record = records[0]
    assert record.kind == "exercise" and record.completed
    assert dict(record.spoke) == {"Sam": 60.0, "Alex": 60.0}
    assert 2.0 < record.minutes < 10.0


def test_how_are_we_doing_is_answered_from_the_log(tmp_path: Path) -> None:
    import io

    from voice_coach.app.events import EventLog
    from voice_coach.app.runtime import Runtime, TypedEars
    from voice_coach.app.wiring import matcher
    from voice_coach.clock import MonotonicClock
    from voice_coach.speech.mouth import PrintMouth

    store = Store(tmp_path)
    store.log_practice("session", "fun_play", 14.0, True)
    clock = MonotonicClock()
    out: list[str] = []
    coach = Coach(load_library(), store.load(), random.Random(1), book=load_sessions())
    loop = Runtime(coach, matcher(), TypedEars(io.StringIO("coach how are we doing\n"), clock), PrintMouth(out.append),
                   store, EventLog(None, clock), clock)
    loop.run()
    assert out == ["This week you've done one session and no listening exercises. This month it's one session and no exercises."]


class Heard:
    def __init__(self, text: str, end_s: float = 100.0) -> None:
        self.text = text
        self.end_s = end_s


def test_a_bare_next_passes_the_gate_only_while_a_session_waits() -> None:
    nxt = Match("switch_turn", {}, 100.0, "next")
    assert judge(nxt, Heard("next"), addressed=False, session_waiting=True).act
    assert not judge(nxt, Heard("next"), addressed=False, session_waiting=False).act
    talk = Match("switch_turn", {}, 100.0)
    assert not judge(talk, Heard("next time we should go to the lake and swim"), addressed=False, session_waiting=True).act
    assert not judge(Match("conversation_starter", {}, 100.0), Heard("a question"), addressed=False, session_waiting=True).act


def test_a_turn_command_with_nothing_running_says_so() -> None:
    coach = Coach(load_library(), rng=random.Random(1), book=load_sessions())
    said = [a.text for a in coach.handle(Match("switch_turn"), 0.0) if isinstance(a, Say)]
    assert said and said[0] in load_library().lines["no_exercise"]
