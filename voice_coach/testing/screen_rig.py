"""A real coach with its screen, for the screen's tests: a child process fed typed lines, and headless Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
START_TIMEOUT_S = 60.0


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """The system's headless Chromium driven by Playwright (scripts/setup --test installs both), closed after."""
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "run scripts/setup --test (installs the chromium package)"
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Coach:
    """``voice-coach <command> --screen --engine text --quiet`` with stdin kept open for typed requests."""

    def __init__(self, env: dict[str, str], events: Path, *args: str, command: str = "run", port: int = 0,
                 host: str = "127.0.0.1") -> None:
        self.events_path = events
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voice_coach", command, "--engine", "text", "--quiet", "--events", str(events),
             "--screen", "--screen-port", str(port), "--screen-host", host, *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
        )  # fmt: skip
        self.stderr: list[str] = []
        self.stdout: list[str] = []
        self._url = threading.Event()
        self.url = ""
        self._readers = [threading.Thread(target=self._read_err, daemon=True),
                         threading.Thread(target=self._read_out, daemon=True)]
        for reader in self._readers:
            reader.start()
        if not self._url.wait(START_TIMEOUT_S):
            self.stop()
            raise AssertionError("the coach printed no screen address: " + "".join(self.stderr))

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)
            found = re.search(r"Screen: (http://\S+)", line)
            if found:
                self.url = found.group(1)
                self._url.set()

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.stdout.append(line)

    @property
    def port(self) -> int:
        return int(re.search(r":(\d+)/", self.url).group(1))  # type: ignore[union-attr]

    def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def events(self) -> list[dict[str, Any]]:
        if not self.events_path.exists():
            return []
        return [json.loads(line) for line in self.events_path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def wait_event(self, pred: Any, timeout_s: float = 20.0) -> dict[str, Any]:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            for event in self.events():
                if pred(event):
                    return event
            time.sleep(0.05)
        raise AssertionError(f"no such event; got {self.events()[-8:]}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(timeout=5)
        for reader in self._readers:
            reader.join(timeout=5)  # they end at the pipes' end; closing a pipe under a reader can leak it
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        return code
