"""The companion screen without a browser: what reaches a page, the clock it is told, and its HTTP rules."""

from __future__ import annotations

import http.client
import json
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from voice_coach.app.screen.view import ScreenView
from voice_coach.testing.fakes import FakeClock
from voice_coach.testing.screen_rig import Coach
from voice_coach.understand.match import Match


def test_what_the_recognizer_heard_never_reaches_the_page_model() -> None:
    view = ScreenView(time.monotonic)
    assert not view.apply("heard", {"text": "our secret plans"})
    assert not view.apply("intent", {"intent": "tip", "slots": {"topic": "secret plans"}})
    assert view.apply("say", {"text": "Here's a tip. Listen first.", "kind": "tip"})
    shown = json.dumps(view.snapshot())
    assert "secret" not in shown
    assert view.snapshot()["card"]["text"] == "Here's a tip. Listen first."


def test_captions_follow_the_voice_sentence_by_sentence_and_unsaid_ones_never_show() -> None:
    view = ScreenView(time.monotonic, paced=True)
    view.apply("say", {"text": "First idea. Second idea? Third one.", "kind": "reply"})
    assert view.snapshot()["captions"] == []  # nothing shown before the voice starts
    view.apply("sentence", {"index": 0})
    assert view.snapshot()["captions"][0]["sentences"] == ["First idea."]
    view.apply("sentence", {"index": 1})
    assert view.snapshot()["captions"][0]["sentences"] == ["First idea.", "Second idea?"]
    view.apply("say", {"text": "Never said.", "kind": "reply"})
    view.apply("state", {"name": "stopped_speaking"})  # "coach, stop" cut it short
    view.apply("say", {"text": "Okay.", "kind": "reply"})
    view.apply("sentence", {"index": 0})
    texts = [s for c in view.snapshot()["captions"] for s in c["sentences"]]
    assert texts == ["First idea.", "Second idea?", "Okay."]


def _exercise_rig() -> tuple[Any, FakeClock, ScreenView, list[tuple[str, dict[str, Any]]], Any]:
    from voice_coach.app import wiring
    from voice_coach.app.screen.bridge import ScreenBridge
    from voice_coach.config import Settings
    from voice_coach.dialogue.coach import Coach as DialogueCoach

    library = wiring.load_content(Settings())
    coach = DialogueCoach(library, rng=random.Random(3))
    clock = FakeClock()
    view = ScreenView(clock.now)
    sent: list[tuple[str, dict[str, Any]]] = []

    class Server:
        commands: Any = None

        def publish(self, type_: str, fields: dict[str, Any]) -> None:
            sent.append((type_, fields))
            view.apply(type_, fields)

    class QuietMouth:
        def busy(self) -> bool:
            return False

    bridge = ScreenBridge(Server(), coach, None, QuietMouth(), clock, "coach")
    for action in coach.start_exercise(clock.now(), minutes=0.5, names=("Ana", "Ben"), reflect_s=5, checkin=False):
        if type(action).__name__ == "StateChange":
            bridge.on_event("state", {"name": action.name, **action.detail})
    return coach, clock, view, sent, bridge


def _drive(coach: Any, bridge: Any, actions: list[Any]) -> None:
    for action in actions:
        if type(action).__name__ == "StateChange":
            bridge.on_event("state", {"name": action.name, **action.detail})
    bridge.poll()


def test_the_page_is_told_the_exercise_clock_and_every_change_to_it() -> None:
    coach, clock, view, sent, bridge = _exercise_rig()
    _drive(coach, bridge, coach.speech_finished(clock.now()))  # briefing said -> handover
    _drive(coach, bridge, coach.speech_finished(clock.now()))  # handover said -> gap
    while coach.exercise.state != "speaking":
        clock.advance(0.05)
        _drive(coach, bridge, coach.tick(clock.now()))
    for _ in range(3):
        clock.advance(0.05)
        _drive(coach, bridge, coach.tick(clock.now()))
    exercise = view.snapshot()["exercise"]
    assert exercise["phase"] == "speaking" and exercise["speaker"] == "Ana" and exercise["listener"] == "Ben"
    assert exercise["running"] is True
    clock.advance(7.0)  # no poll: the page counts down on its own from what it was told
    assert view.snapshot()["exercise"]["remaining_s"] == pytest.approx(coach.exercise.remaining_s(clock.now()), abs=0.06)

    _drive(coach, bridge, coach.handle(Match("add_time", {"minutes": 1.0}), clock.now()))
    assert view.snapshot()["exercise"]["remaining_s"] == pytest.approx(coach.exercise.remaining_s(clock.now()), abs=0.01)

    _drive(coach, bridge, coach.handle(Match("pause", {}), clock.now()))
    clock.advance(0.05)
    bridge.poll()
    frozen = coach.exercise.remaining_s(clock.now())
    clock.advance(30.0)
    snap = view.snapshot()
    assert snap["activity"] == "paused" and snap["exercise"]["phase"] == "paused" and snap["exercise"]["was"] == "speaking"
    assert snap["exercise"]["running"] is False and snap["exercise"]["remaining_s"] == pytest.approx(frozen, abs=0.01)
    assert not [fields for kind, fields in sent if kind not in ("state", "clock", "activity")]


def _sse_until(port: int, want: str, timeout_s: float = 20.0, host: str = "127.0.0.1") -> str:
    """Everything the event stream sent until ``want`` appeared in it."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    conn.request("GET", "/events")
    reply = conn.getresponse()
    assert reply.status == 200 and reply.getheader("content-type", "").startswith("text/event-stream")
    got = ""
    end = time.monotonic() + timeout_s
    while want not in got and time.monotonic() < end:
        got += reply.readline().decode("utf-8")
    conn.close()
    return got


def test_the_event_stream_of_a_real_coach_carries_its_words_but_not_what_was_said(env: dict[str, str], tmp_path: Path) -> None:
    coach = Coach(env, tmp_path / "events.jsonl", "--minutes", "0.3", "--no-checkin", "--names", "Ana", "Ben",
                  command="exercise")
    try:
        coach.wait_event(lambda e: e["type"] == "state" and e["name"] == "speaking", timeout_s=40)
        coach.type("I never told you about the marmalade")  # the speaker, mid-turn
        coach.type("coach how much time is left")
        asked = coach.wait_event(lambda e: e["type"] == "intent" and e["intent"] == "time_left")
        reply = coach.wait_event(lambda e: e["type"] == "say" and e["t"] >= asked["t"])
        stream = _sse_until(coach.port, reply["text"].split(".")[0])
        assert reply["text"].split(".")[0] in stream
        assert "marmalade" not in stream and "how much time" not in stream
        assert "marmalade" not in coach.events_path.read_text(encoding="utf-8")
    finally:
        coach.stop()


def test_a_page_that_stops_reading_never_holds_up_the_coach_or_other_pages() -> None:
    from voice_coach.app.screen.server import ScreenServer

    server = ScreenServer("127.0.0.1", 0)
    server.start()
    stuck = socket.create_connection(("127.0.0.1", server.port))
    try:
        stuck.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        for n in range(3000):  # far more than fits in a socket buffer: the stuck page only skips snapshots
            server.publish("say", {"text": f"Line {n} " + "padding " * 40, "kind": "reply"})
        server.publish("say", {"text": "The last line.", "kind": "reply"})
        assert "The last line." in _sse_until(server.port, "The last line.")
    finally:
        stuck.close()
        server.stop()


def test_buttons_need_the_token_even_on_loopback_and_answer_no_other_origin() -> None:
    from voice_coach.app.screen.server import ScreenServer

    server = ScreenServer("127.0.0.1", 0)
    server.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        body = json.dumps({"command": "pause"})
        conn.request("POST", "/command", body, {"Content-Type": "application/json", "Origin": "http://example.org"})
        reply = conn.getresponse()
        assert reply.status == 403 and reply.getheader("access-control-allow-origin") is None
        reply.read()
        conn.request("POST", "/command", body, {"Content-Type": "application/json", "X-Token": server.token})
        reply = conn.getresponse()
        assert reply.status == 202
        reply.read()
        assert server.commands.get(timeout=1) == "pause"
        conn.request("GET", "/", headers={"Host": "attacker.example:80"})  # a rebound name is refused
        reply = conn.getresponse()
        assert reply.status == 403
        reply.read()
        conn.close()
    finally:
        server.stop()


def test_a_busy_port_is_one_line_with_the_fix(env: dict[str, str]) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        result = subprocess.run([sys.executable, "-m", "voice_coach", "run", "--engine", "text", "--quiet", "--screen",
                                 "--screen-port", str(port)], stdin=subprocess.DEVNULL, env=env,
                                capture_output=True, text=True, timeout=60)  # fmt: skip
    finally:
        holder.close()
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr and "--screen-port" in result.stderr


def test_the_screen_can_be_set_in_the_config_file_and_the_environment(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "config" / "voice-coach" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('screen = true\nscreen_port = 9876\n', encoding="utf-8")
    shown = subprocess.run([sys.executable, "-m", "voice_coach", "config"], env={**env, "VOICE_COACH_SCREEN_HOST": "0.0.0.0"},
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "screen = True" in shown.stdout and "screen_port = 9876" in shown.stdout
    assert "screen_host = '0.0.0.0'  (env:VOICE_COACH_SCREEN_HOST)" in shown.stdout
    config.write_text('screen = "yes"\n', encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "voice_coach", "config"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 3 and "'screen' must be bool" in bad.stderr and "screen = true" in bad.stderr
