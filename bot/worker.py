"""Socket Mode: the same Bolt app, fed over Slack's websocket instead of HTTP (no public URL)."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)


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
    return SocketModeHandler(
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
