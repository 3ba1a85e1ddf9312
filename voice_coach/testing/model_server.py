"""Test helpers: a real HTTP server on 127.0.0.1 and structurally valid fake vosk model archives."""

from __future__ import annotations

import io
import os
import socket
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def write_fake_model(folder: Path, acoustic_bytes: int = 1000) -> Path:
    """A folder laid out like a vosk model (am, conf, graph, ivector) with filler contents."""
    for rel, size in (
        ("am/final.mdl", acoustic_bytes),
        ("conf/model.conf", 40),
        ("conf/mfcc.conf", 40),
        ("graph/HCLr.fst", 300),
        ("graph/Gr.fst", 300),
        ("graph/phones/word_boundary.int", 20),
        ("ivector/final.ie", 200),
        ("README", 30),
    ):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
    return folder


def model_zip(name: str, acoustic_bytes: int = 300_000, *, top_folder: bool = True) -> bytes:
    """A .zip holding a fake model in ``name/`` (stored, so its size is predictable)."""
    buffer = io.BytesIO()
    prefix = f"{name}/" if top_folder else ""
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{prefix}am/final.mdl", os.urandom(acoustic_bytes))
        archive.writestr(f"{prefix}conf/model.conf", "--min-active=200\n")
        archive.writestr(f"{prefix}conf/mfcc.conf", "--use-energy=false\n")
        archive.writestr(f"{prefix}graph/HCLr.fst", os.urandom(2000))
        archive.writestr(f"{prefix}graph/Gr.fst", os.urandom(2000))
        archive.writestr(f"{prefix}README", "fake model for tests\n")
    return buffer.getvalue()


@dataclass
class ServerState:
    """What the server serves and how it misbehaves; requests are recorded for assertions."""

    files: dict[str, bytes] = field(default_factory=dict)
    honor_range: bool = True
    cut_after_bytes: int | None = None
    """Close the connection after this many body bytes..."""
    cuts_left: int = 0
    """...for this many responses."""
    stall_after_bytes: int | None = None
    """Send this many body bytes, then wait for ``stall`` to be set (a server that hangs)."""
    stall: threading.Event | None = None
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    bytes_sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    state: ServerState

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Quiet: the test output is not the place for access logs."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        state = self.state
        range_header = self.headers.get("Range")
        with state.lock:
            state.requests.append((self.path, range_header))
        body = state.files.get(self.path.lstrip("/"))
        if body is None:
            self.send_error(404)
            return
        start = 0
        if range_header and state.honor_range:
            start = int(range_header.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:]
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Content-Type", "application/zip")
        self.end_headers()
        with state.lock:
            cut = state.cut_after_bytes if state.cuts_left > 0 else None
            if cut is not None:
                state.cuts_left -= 1
        if cut is not None:
            payload = payload[:cut]
        if state.stall is not None and state.stall_after_bytes is not None:
            self.wfile.write(payload[: state.stall_after_bytes])
            self.wfile.flush()
            state.stall.wait(30)
            return
        self.wfile.write(payload)
        self.wfile.flush()
        with state.lock:
            state.bytes_sent += len(payload)
        if cut is not None:
            # Drop the connection mid-body, as a flaky network would.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)


@contextmanager
def model_server(state: ServerState) -> Iterator[str]:
    """Serve ``state.files`` on 127.0.0.1 in a thread; yields the base URL."""
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/models"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
