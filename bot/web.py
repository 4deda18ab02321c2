"""HTTP mode: POST /slack/events (Bolt), GET /healthz, GET /metrics, and the features' own
routes (``Services.routes``: Zuora's payment callout), served by waitress.

A request meets three refusals before Bolt sees it: waitress answers 413 to a body over
``MAX_BODY`` without reading it (chunked bodies are cut off at the limit too), then the gate
(``bot.edge.gate``) checks the signature on the raw bytes (401) and the body's shape (400). Each
refusal is counted in ``jethub_refused_requests_total{reason}`` and logged in one line.
"""

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
from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask
from waitress.utilities import RequestEntityTooLarge

from bot.edge.gate import Refused, check_shape, check_signature
from bot.runtime import metrics
from bot.runtime.masking import PROCESS
from bot.runtime.services import Services

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
        secret = services.settings.slack_signing_secret
        self._secret = secret.get_secret_value() if secret is not None else ""

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
        route = self._services.routes.get((method, path))
        if route is not None:
            return route(self._services, environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    def _slack_events(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length > MAX_BODY or length < 0:  # the server refuses these first; belt and braces
            return _refuse(start_response, Refused(413, "oversized"))
        head = environ["wsgi.input"].read(length) if length else b""
        try:
            check_signature(self._secret, _slack_headers(environ), head)
            check_shape(str(environ.get("CONTENT_TYPE") or ""), head)
        except Refused as refusal:
            return _refuse(start_response, refusal)
        environ["wsgi.input"] = _Replay(head)
        kind = _kind(environ, head)
        answer: list[tuple[str, list[tuple[str, str]]]] = []

        def held_start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            answer[:] = [(status, headers)]
            return lambda data: None  # Bolt returns its body; it never writes through this

        # The ack's body is what Slack shows: it is masked like everything else sent to Slack,
        # so the answer is held back until its length is known again.
        body = _masked(b"".join(self._slack(environ, held_start)))
        status, headers = answer[0] if answer else ("500 Internal Server Error", [])
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        metrics.ACK_SECONDS.labels(kind).observe(time.perf_counter() - started)
        metrics.REQUESTS.labels(kind, status.split(" ", 1)[0]).inc()
        return [body]

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


def _masked(body: bytes) -> bytes:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    masked = PROCESS.mask(text)
    return body if masked == text else masked.encode("utf-8")


def _slack_headers(environ: Environ) -> dict[str, str]:
    return {
        "x-slack-request-timestamp": str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""),
        "x-slack-signature": str(environ.get("HTTP_X_SLACK_SIGNATURE") or ""),
    }


_STATUS = {400: "400 Bad Request", 401: "401 Unauthorized", 413: "413 Payload Too Large"}


def _refuse(start_response: StartResponse, refusal: Refused) -> Iterable[bytes]:
    """Answer a refusal: one line in the log (never the body), one count in /metrics."""
    metrics.REFUSED.labels(refusal.reason).inc()
    metrics.REQUESTS.labels("refused", str(refusal.status)).inc()
    level = logging.WARNING if refusal.status == 400 else logging.INFO
    log.log(level, "refused a request to /slack/events (%s): %s", refusal.status, refusal)
    start_response(_STATUS[refusal.status], [("Content-Type", "text/plain")])
    return [_STATUS[refusal.status].split(" ", 1)[1].lower().encode()]


class _CountedErrorTask(ErrorTask):
    """Waitress's own refusals (a body over the limit, malformed HTTP), counted by reason."""

    def execute(self) -> None:
        error: Any = getattr(self.request, "error", None)
        reason = "oversized" if isinstance(error, RequestEntityTooLarge) else "malformed_http"
        metrics.REFUSED.labels(reason).inc()
        log.info("refused a request before reading it (%s)", reason)
        super().execute()


class _Channel(HTTPChannel):
    error_task_class = _CountedErrorTask


def make_server(
    web: WebApp, *, host: str, port: int, threads: int, sock: socket.socket | None = None
) -> Any:
    """The waitress server, refusing bodies over ``MAX_BODY`` unread, counting its refusals."""
    where: dict[str, Any] = (
        {"sockets": [sock]} if sock is not None else {"host": host, "port": port}
    )
    server: Any = create_server(
        web,
        threads=threads,
        **where,
        ident="jethub",
        clear_untrusted_proxy_headers=True,
        # waitress refuses a body of exactly this size, so one more: MAX_BODY itself is fine.
        max_request_body_size=MAX_BODY + 1,
    )
    server.channel_class = _Channel
    return server


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
    of one listening socket, `bot.runtime.prefork`)."""
    server = make_server(web, host=host, port=port, threads=threads, sock=sock)
    log.info("serving Slack on http://%s:%s/slack/events", host, port)
    try:
        server.run()
    finally:
        server.close()
