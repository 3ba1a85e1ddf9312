"""The screen's web server: Starlette on uvicorn, on its own thread, pushing snapshots by server-sent events.

The coach's loop never waits for it: ``publish`` hands an event to the server's event loop with
``call_soon_threadsafe`` and returns; each page has a bounded queue, and a page too slow to keep up
only skips snapshots (each one is the whole state). Button presses come back through ``commands``.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import json
import logging
import queue
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from importlib import resources
from typing import Any

from voice_coach.app.screen.view import COMMAND_PHRASES, ScreenView
from voice_coach.errors import UsageError

_LOGGER = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Hosts only this machine can reach; any other (0.0.0.0, 127.0.0.2, ...) needs the token."""
KEEPALIVE_S = 15.0
"""A comment line this often keeps proxies from closing an idle stream and notices closed pages."""
RETRY_MS = 1000
"""How soon a page reconnects after the coach restarts."""
PAGE_QUEUE = 32
START_TIMEOUT_S = 5.0
STATIC = {"screen.css": "text/css; charset=utf-8", "screen.js": "text/javascript; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def is_wide(host: str) -> bool:
    """True when a host reaches beyond this machine's default loopback address: pages then need the token."""
    return host not in LOOPBACK_HOSTS


class ScreenServer:
    """Serves the page, the event stream and the buttons; ``start`` binds at once (errors are one line)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8765, paced: bool = False,
                 now: Callable[[], float] | None = None) -> None:
        self.host = host
        self.wide = is_wide(host)
        self.token = secrets.token_urlsafe(18)
        self.view = ScreenView(now or time.monotonic, paced=paced)
        self.commands: queue.SimpleQueue[str] = queue.SimpleQueue()
        """Button presses, as command names from COMMAND_PHRASES (read by the coach's loop)."""
        self._sock = _bind(host, port)
        self.port = int(self._sock.getsockname()[1])
        self._clients: set[asyncio.Queue[str | None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._page = _asset("index.html").decode("utf-8").replace("{{TOKEN}}", self.token).encode("utf-8")
        self._static = {name: _asset(name) for name in STATIC}

    @property
    def url(self) -> str:
        """The address to open (with the token when the page is reachable beyond loopback)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/" + (f"?t={self.token}" if self.wide else "")

    # ----------------------------------------------------------------- life cycle
    def start(self) -> None:
        import uvicorn

        config = uvicorn.Config(self._app(), log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1, server_header=False, loop="asyncio", http="h11", ws="none")
        self._server = uvicorn.Server(config)

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            await self._server.serve(sockets=[self._sock])

        self._thread = threading.Thread(target=lambda: asyncio.run(main()), name="screen", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self._thread.is_alive():
            if self._server.started:
                return
            time.sleep(0.005)
        _LOGGER.warning("the screen server did not start in %.0f s", START_TIMEOUT_S)

    def stop(self) -> None:
        """Close every page's stream and the server; returns within about two seconds."""
        if self._loop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._close_pages)
            except RuntimeError:  # the loop has just stopped
                pass
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=3.0)
        self._sock.close()

    # ----------------------------------------------------------------- from the coach's loop (any thread)
    def publish(self, type_: str, fields: dict[str, Any]) -> None:
        """Hand one event to the pages; never blocks."""
        loop = self._loop
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(self._apply, type_, dict(fields))
        except RuntimeError:  # the server has stopped
            pass

    # ----------------------------------------------------------------- on the server's thread
    def _apply(self, type_: str, fields: dict[str, Any]) -> None:
        if not self.view.apply(type_, fields) or not self._clients:
            return
        message = self._message()
        for page in self._clients:
            if page.full():  # a page that cannot keep up skips to the newest snapshot
                while not page.empty():
                    page.get_nowait()
            page.put_nowait(message)

    def _message(self) -> str:
        return f"data: {json.dumps(self.view.snapshot(), ensure_ascii=False, separators=(',', ':'))}\n\n"

    def _close_pages(self) -> None:
        for page in self._clients:
            while not page.empty():
                page.get_nowait()
            page.put_nowait(None)

    async def _stream(self, page: asyncio.Queue[str | None]) -> AsyncIterator[str]:
        try:
            yield f"retry: {RETRY_MS}\n\n"
            yield self._message()
            while True:
                try:
                    item = await asyncio.wait_for(page.get(), KEEPALIVE_S)
                except asyncio.TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if item is None:
                    return
                yield item
        finally:
            self._clients.discard(page)

    # ----------------------------------------------------------------- the web app
    def _app(self) -> Any:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import (
            JSONResponse,
            PlainTextResponse,
            Response,
            StreamingResponse,
        )
        from starlette.routing import Route

        def refused(request: Request) -> Response | None:
            given = request.query_params.get("t") or request.headers.get("x-token", "")
            if self.wide and not _same(given, self.token):
                return PlainTextResponse("This page needs the link with its token, as printed by the coach.", 403)
            if not self.wide and _host_name(request.headers.get("host", "")) not in ("127.0.0.1", "localhost", "[::1]"):
                return PlainTextResponse("Open the page as http://127.0.0.1 or http://localhost.", 403)
            return None

        async def page(request: Request) -> Response:
            return refused(request) or Response(self._page, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

        async def static(request: Request) -> Response:
            name = request.path_params["name"]
            if name not in STATIC:
                return PlainTextResponse("Not found", 404)
            return refused(request) or Response(self._static[name], media_type=STATIC[name], headers=SECURITY_HEADERS)

        async def events(request: Request) -> Response:
            bad = refused(request)
            if bad is not None:
                return bad
            page_queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=PAGE_QUEUE)
            self._clients.add(page_queue)
            headers = {**SECURITY_HEADERS, "X-Accel-Buffering": "no"}
            return StreamingResponse(self._stream(page_queue), media_type="text/event-stream", headers=headers)

        async def state(request: Request) -> Response:
            return refused(request) or JSONResponse(self.view.snapshot(), headers=SECURITY_HEADERS)

        async def command(request: Request) -> Response:
            # Always the token, in a header: a page from elsewhere can neither read it nor send the header.
            bad = refused(request)
            if bad is not None or not _same(request.headers.get("x-token", ""), self.token):
                return bad or PlainTextResponse("A button needs the page's token.", 403)
            try:
                name = (await request.json())["command"]
            except (ValueError, KeyError, TypeError):
                return PlainTextResponse('Send JSON like {"command": "pause"}.', 400)
            if name not in COMMAND_PHRASES:
                return PlainTextResponse(f"Unknown command; use one of {', '.join(COMMAND_PHRASES)}.", 400)
            self.commands.put(name)
            return JSONResponse({"ok": True}, status_code=202, headers=SECURITY_HEADERS)

        return Starlette(routes=[
            Route("/", page), Route("/static/{name}", static), Route("/events", events),
            Route("/state", state), Route("/command", command, methods=["POST"]),
        ])


def _same(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))


def _host_name(header: str) -> str:
    """The host of a Host header, without the port."""
    if header.startswith("["):
        return header.split("]")[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _asset(name: str) -> bytes:
    return (resources.files("voice_coach.app.screen") / "static" / name).read_bytes()


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, so a busy port or a foreign address is a one-line error before anything starts."""
    if not 0 <= port <= 65535:
        raise UsageError(f"screen port {port} is out of range", "use a port from 1024 to 65535, e.g. --screen-port 8765")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror:
        raise UsageError(f"'{host}' is not an address the screen can listen on",
                         "use --screen-host 127.0.0.1 (this machine) or 0.0.0.0 (the home network)") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(64)
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is already in use (is another coach running?)",
                             f"pass --screen-port with a free port, e.g. --screen-port {port + 1}") from None
        raise UsageError(f"cannot listen on {host}:{port} ({err.strerror})",
                         "use --screen-host 127.0.0.1 (this machine) or 0.0.0.0 (the home network)") from None
    sock.setblocking(False)
    return sock
