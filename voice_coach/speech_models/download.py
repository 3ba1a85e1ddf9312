"""HTTP download with resume (Range), retry, size/SHA-256 checks and a one-line progress bar."""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

from voice_coach.errors import ModelError

_LOGGER = logging.getLogger(__name__)

Progress = Callable[[int, "int | None"], None]
"""Called with (bytes done, total bytes or None when the server does not say)."""

CHUNK_BYTES = 64 * 1024
MAX_ATTEMPTS = 4
RETRY_PAUSE_S = 0.5
TIMEOUT_S = 30.0


class ProgressBar:
    """One updating line on stderr: name, MB done / total, percent."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self._last = ""

    def __call__(self, done_bytes: int, total_bytes: int | None) -> None:
        mb_done = done_bytes / 1e6
        if total_bytes:
            percent = min(100, done_bytes * 100 // total_bytes)
            line = f"{self.label}  {mb_done:6.1f} / {total_bytes / 1e6:.1f} MB  {percent:3d}%"
        else:
            line = f"{self.label}  {mb_done:6.1f} MB"
        # Redraw only when the visible text changes: a 40 MB file would otherwise write 600 lines.
        if line != self._last:
            self.stream.write("\r" + line)
            self.stream.flush()
            self._last = line

    def finish(self) -> None:
        """End the line so the next output starts on a fresh one."""
        if self._last:
            self.stream.write("\n")
            self.stream.flush()
            self._last = ""


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(
    url: str,
    part_path: Path,
    *,
    expected_bytes: int | None = None,
    expected_sha256: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """Download ``url`` into ``part_path``, resuming what is already there; verify size and hash.

    An interrupted transfer is resumed with an HTTP Range request (or restarted when the server
    ignores Range), up to MAX_ATTEMPTS times. Raises ModelError with the URL and the fix.
    """
    last_error = ""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            total = _fetch_once(url, part_path, progress)
        except _Interrupted as exc:
            last_error = str(exc)
            _LOGGER.info("download of %s interrupted (attempt %d): %s", url, attempt, exc)
            time.sleep(RETRY_PAUSE_S * attempt)
            continue
        _verify(url, part_path, total, expected_bytes, expected_sha256)
        return part_path
    raise ModelError(
        f"download of {url} kept breaking off ({last_error})",
        fix="check the network and run the same command again; it resumes where it stopped",
    )


class _Interrupted(Exception):
    """The connection broke off mid-transfer; worth another attempt."""


def _fetch_once(url: str, part_path: Path, progress: Progress | None) -> int | None:
    """One HTTP attempt; returns the total size the server announced (or None)."""
    have = part_path.stat().st_size if part_path.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "voice-coach"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            # Our partial file is no prefix of what the server has now: start over cleanly.
            part_path.unlink()
            raise _Interrupted("server refused to resume; starting over") from exc
        if exc.code == 404:
            raise ModelError(
                f"no such model at {url} (HTTP 404)",
                fix="check the name against https://alphacephei.com/vosk/models",
            ) from exc
        raise ModelError(
            f"{url} answered HTTP {exc.code} {exc.reason}",
            fix="try again later, or set VOICE_COACH_MODEL_URL to a mirror",
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ModelError(
            f"cannot reach {url} ({reason})",
            fix="check the network connection, or set VOICE_COACH_MODEL_URL to a reachable mirror",
        ) from exc
    with response:
        if response.status == 206:
            start = _range_start(response.headers.get("Content-Range", ""))
            if start != have:
                response.close()
                part_path.unlink(missing_ok=True)
                raise _Interrupted(f"server resumed at byte {start}, not {have}; starting over")
            mode = "ab"
        else:
            have, mode = 0, "wb"
        length = response.headers.get("Content-Length")
        total = have + int(length) if length is not None else None
        done = have
        try:
            with _open_part(part_path, mode) as out:
                while True:
                    # read1: whatever has arrived (up to a chunk), so progress and the part file move
                    # with the network instead of waiting for a full chunk from a slow server.
                    block = response.read1(CHUNK_BYTES)
                    if not block:
                        break
                    out.write(block)
                    done += len(block)
                    if progress is not None:
                        progress(done, total)
        except (http.client.IncompleteRead, ConnectionError, TimeoutError) as exc:
            raise _Interrupted(f"{type(exc).__name__} after {done} bytes") from exc
        if total is not None and done < total:
            raise _Interrupted(f"got {done} of {total} bytes")
        return total


def _open_part(part_path: Path, mode: str) -> BinaryIO:
    try:
        return part_path.open(mode)
    except OSError as exc:
        raise ModelError(
            f"cannot write {part_path} ({exc.strerror or exc})",
            fix="choose a writable folder (voice-coach model fetch --dest DIR) or free disk space",
        ) from exc


def _range_start(content_range: str) -> int:
    """First byte of a ``Content-Range: bytes START-END/TOTAL`` header (-1 if unreadable)."""
    try:
        return int(content_range.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return -1


def _verify(
    url: str,
    part_path: Path,
    announced_bytes: int | None,
    expected_bytes: int | None,
    expected_sha256: str | None,
) -> None:
    size = part_path.stat().st_size
    for want in (announced_bytes, expected_bytes):
        if want is not None and size != want:
            part_path.unlink(missing_ok=True)
            raise ModelError(
                f"{url} gave {size} bytes, expected {want}",
                fix="run the same command again; if it repeats, the server has a different file",
            )
    if expected_sha256:
        actual = sha256_of(part_path)
        if actual.lower() != expected_sha256.lower():
            os.unlink(part_path)
            raise ModelError(
                f"checksum mismatch for {url} (sha256 {actual[:12]}…, expected {expected_sha256[:12]}…)",
                fix="run the same command again; if it repeats, the file on the server has changed",
            )
