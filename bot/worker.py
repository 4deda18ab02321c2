"""Socket Mode: the same Bolt app, fed over Slack's websocket instead of HTTP (no public URL).

Every envelope is acknowledged — Slack redelivers one that is not — and passes the same shape
gate as an HTTP request (``bot.edge.gate``): a malformed one is refused in one log line and
acknowledged, never handed to Bolt.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
from time import time
from types import FrameType
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.edge.gate import ENVELOPES, Refused, check_envelope
from bot.runtime import metrics

log = logging.getLogger(__name__)


class GatedSocketModeHandler(SocketModeHandler):
    """Bolt's handler, taking envelopes before the SDK parses them into requests (a payload
    that is not an object makes the SDK raise, and nothing would acknowledge it)."""

    def __init__(self, app: App, app_token: str, **kwargs: Any) -> None:
        super().__init__(app, app_token, **kwargs)
        self.client.socket_mode_request_listeners.remove(self.handle)
        self.client.message_listeners.append(self._on_message)

    def _on_message(
        self, client: BaseSocketModeClient, message: dict[Any, Any], _raw: str | None
    ) -> None:
        kind, envelope_id = message.get("type"), message.get("envelope_id")
        if kind not in ENVELOPES:
            return  # hello, disconnect: the client's own business
        if not isinstance(envelope_id, str) or not envelope_id:
            _refused(Refused(400, "bad_shape", "an envelope without its id"))  # nothing to ack
            return
        try:
            check_envelope(str(kind), message.get("payload"))
        except Refused as refusal:
            _refused(refusal)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=envelope_id))
            return
        request = SocketModeRequest.from_dict(message)
        if request is not None:
            self.handle(client, request)

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        start = time()
        response = run_bolt_app(self.app, req)
        if response.status != 200:  # refused or failed inside Bolt: acknowledged all the same
            log.warning("Socket Mode envelope %s answered %s", req.type, response.status)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        send_response(client, req, response, start)

    def close(self) -> None:
        """Bolt's close, without waiting out the SDK's threads: its message processor polls
        its queue for a second, and the connection's reader holds the socket's lock through a
        three-second read, and close joins one and takes the other. Marked closed first, the
        processor woken by an empty entry (which it skips) and the read ended by shutting the
        socket down, the close takes milliseconds instead of up to four seconds."""
        client = self.client
        client.closed = True
        client.auto_reconnect_enabled = False
        client.message_queue.put(None)
        sock = getattr(getattr(client, "current_session", None), "sock", None)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        super().close()


def _refused(refusal: Refused) -> None:
    """One line in the log (never the payload), one count in /metrics, as over HTTP."""
    metrics.REFUSED.labels(refusal.reason).inc()
    metrics.REQUESTS.labels("refused", str(refusal.status)).inc()
    log.warning("refused a Socket Mode envelope (%s): %s", refusal.status, refusal)


def socket_handler(
    app: App, app_token: str, *, concurrency: int = 16, ping_interval: float = 10.0
) -> SocketModeHandler:
    """The handler `jethub socket` runs: it asks Slack for a websocket URL (`apps.connections.open`
    on the app's Web API base URL, with the app-level token), acknowledges each envelope with the
    app's ack payload, and reconnects on Slack's `disconnect` or a dropped connection.

    `concurrency` threads dispatch envelopes (the ack path); the work after the ack runs on the
    app's own work pool, as in HTTP mode.

    Every `ping_interval` seconds (Bolt's default, 10) the client pings Slack and, if the
    connection has gone, reconnects: a dropped connection is noticed within that interval.
    """
    return GatedSocketModeHandler(
        app,
        app_token,
        logger=logging.getLogger("jethub.socket"),
        web_client=app.client,
        concurrency=concurrency,
        ping_interval=ping_interval,
    )


def serve_until_signalled(handler: SocketModeHandler) -> None:
    """Connect, then run until SIGTERM or SIGINT; close the websocket before returning, so no
    new envelope arrives while the caller finishes the work already acknowledged."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("Socket Mode stopping on signal %s", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        handler.connect()
        log.info("connected to Slack over Socket Mode")
        stop.wait()
    finally:
        handler.close()
        for sig, old in previous.items():
            signal.signal(sig, old)
