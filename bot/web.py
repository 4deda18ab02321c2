"""HTTP mode: POST /slack/events (Bolt), GET /healthz, GET /metrics, served by waitress."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot import metrics
from bot.services import Services

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack payloads are far smaller; anything bigger is not from Slack.

StartResponse = Callable[..., Any]
Environ = dict[str, Any]


def _kind(environ: Environ, body: bytes) -> str:
    if body.startswith(b"{"):
        return "event"
    if b"payload=" in body[:16]:
        return "interaction"
    if b"command=" in body:
        return "command"
    return "other"


class WebApp:
    """WSGI entry point with the three routes; instruments every Slack request."""

    def __init__(self, app: App, services: Services) -> None:
        self._slack = SlackRequestHandler(app)
        self._services = services

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events" and method == "POST":
            return self._slack_events(environ, start_response)
        if path == "/healthz" and method == "GET":
            return self._healthz(start_response)
        if path == "/metrics" and method == "GET":
            data, content_type = metrics.exposition()
            start_response("200 OK", [("Content-Type", content_type)])
            return [data]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    def _slack_events(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            metrics.REQUESTS.labels("oversized", "413").inc()
            start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
            return [b"payload too large"]
        head = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = _Replay(head)
        kind = _kind(environ, head)
        status_seen: list[str] = []

        def recording_start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            status_seen.append(status.split(" ", 1)[0])
            return start_response(status, headers, *exc)

        result = self._slack(environ, recording_start)
        metrics.ACK_SECONDS.labels(kind).observe(time.perf_counter() - started)
        metrics.REQUESTS.labels(kind, status_seen[0] if status_seen else "?").inc()
        return result

    def _healthz(self, start_response: StartResponse) -> Iterable[bytes]:
        body: dict[str, object]
        try:
            with self._services.deps.ledger.session() as session:
                session.execute(text("SELECT 1"))
            status, body = "200 OK", {"ok": True}
        except Exception as exc:
            log.warning("health check failed: %s", type(exc).__name__)
            status = "503 Service Unavailable"
            body = {"ok": False, "ledger": "unreachable"}
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]


class _Replay:
    """A wsgi.input that replays a body already read (so its size could be checked first)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else self._pos + size
        chunk = self._data[self._pos : end]
        self._pos += len(chunk)
        return chunk


def serve(
    web: WebApp, *, host: str, port: int, threads: int = 16, sock: socket.socket | None = None
) -> None:
    """Serve until interrupted, on ``host:port`` or on ``sock`` (a pre-forked process's share
    of one listening socket, `bot.prefork`)."""
    from waitress import serve as waitress_serve

    where: dict[str, Any] = (
        {"sockets": [sock]} if sock is not None else {"host": host, "port": port}
    )
    log.info("serving Slack on http://%s:%s/slack/events", host, port)
    waitress_serve(
        web,
        threads=threads,
        ident="jethub",
        clear_untrusted_proxy_headers=True,
        **where,
    )
