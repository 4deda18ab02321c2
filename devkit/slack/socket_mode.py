"""`SocketModeServer`: Slack's Socket Mode side of the stand-in, on a loopback websocket.

`FakeSlack`'s `apps.connections.open` (called with the app-level `xapp-` token) hands out a
`ws://127.0.0.1:<port>/link/?ticket=…` URL from here. On connecting, the app gets Slack's
`hello`; `deliver()` then sends an envelope (`slash_commands`, `interactive`, `events_api`) and
waits for the app's acknowledgement carrying the same `envelope_id` (and, for commands and
view submissions, the payload Slack would act on). `disconnect()` sends Slack's `disconnect`
and waits until the app has opened a new connection, as Slack's refresh does.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from devkit.slack import ids
from devkit.slack.errors import StandinError, WaitTimeout

Json = dict[str, Any]

ENVELOPE_TYPES = ("slash_commands", "interactive", "events_api")


class NotConnected(StandinError):
    """No app is connected over Socket Mode to take the envelope."""


@dataclass
class _Pending:
    done: threading.Event = field(default_factory=threading.Event)
    ack: Json | None = None


class SocketModeServer:
    """Started lazily by the first `apps.connections.open`, or by `start()`."""

    def __init__(self, *, app_id: str, on_change: Callable[[], None] = lambda: None) -> None:
        self._app_id = app_id
        self._on_change = on_change
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._tickets: set[str] = set()
        self._live: list[ServerConnection] = []
        self._pending: dict[str, _Pending] = {}
        self.opened = 0  # connections that got their hello, over the server's life
        self.acks: list[Json] = []  # every acknowledgement received, in order
        self.stray: list[str] = []  # messages that were not an ack of a pending envelope

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SocketModeServer:
        with self._lock:
            if self._server is not None:
                return self
            self._server = serve(self._handle, "127.0.0.1", 0, ping_interval=None)
            server = self._server
        self._thread = threading.Thread(
            target=server.serve_forever, name="fake-slack-socket-mode", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            live = list(self._live)
        if server is None:
            return
        for connection in live:
            connection.close()
        server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the Socket Mode server is not started")
        return int(self._server.socket.getsockname()[1])

    def new_url(self) -> str:
        """A one-use websocket URL, as `apps.connections.open` returns."""
        self.start()
        ticket = secrets.token_hex(8)
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self._app_id}"

    # -- what Slack sends --------------------------------------------------------------------

    def deliver(
        self,
        kind: str,
        payload: Json,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 10.0,
    ) -> Json | None:
        """Send one envelope; return the acknowledgement's payload (None when it has none)."""
        if kind not in ENVELOPE_TYPES:
            raise ValueError(f"not a Socket Mode envelope type: {kind!r}")
        envelope_id = f"{ids.random_id('', 8).lower()}-{secrets.token_hex(6)}"
        envelope: Json = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        pending = _Pending()
        connection = self.wait_connected(timeout=timeout)
        with self._lock:
            self._pending[envelope_id] = pending
        try:
            connection.send(json.dumps(envelope))
            if not pending.done.wait(timeout):
                raise WaitTimeout(f"no acknowledgement of envelope {envelope_id} in {timeout} s")
        finally:
            with self._lock:
                self._pending.pop(envelope_id, None)
        return pending.ack

    def disconnect(self, reason: str = "refresh_requested", *, timeout: float = 10.0) -> None:
        """Ask the app to reconnect; return once it has, then close the old connection."""
        with self._lock:
            old = list(self._live)
            opened = self.opened
        if not old:
            raise NotConnected("no Socket Mode connection to refresh")
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack"}}
        for connection in old:
            connection.send(json.dumps(message))
        self.wait_opened(opened + 1, timeout=timeout)
        for connection in old:
            connection.close()

    def drop(self) -> None:
        """Close every connection abruptly (no `disconnect` first), as a network failure does."""
        with self._lock:
            live = list(self._live)
        for connection in live:
            connection.close()

    # -- waiting -----------------------------------------------------------------------------

    def wait_connected(self, timeout: float = 10.0) -> ServerConnection:
        """The newest live connection, waiting for one to open."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._live:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise NotConnected(f"no app connected over Socket Mode in {timeout} s")
                self._changed.wait(remaining)
            return self._live[-1]

    def wait_opened(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.opened < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(f"{self.opened} Socket Mode connections, not {count}")
                self._changed.wait(remaining)

    @property
    def live(self) -> int:
        with self._lock:
            return len(self._live)

    # -- the server side of one connection ---------------------------------------------------

    def _handle(self, connection: ServerConnection) -> None:
        path = connection.request.path if connection.request is not None else ""
        ticket = _query(path).get("ticket", "")
        with self._lock:
            known = ticket in self._tickets
            self._tickets.discard(ticket)
        if not known:
            connection.close(code=4001, reason="invalid or used ticket")
            return
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": self.live + 1,
                    "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": self._app_id},
                }
            )
        )
        with self._changed:
            self._live.append(connection)
            self.opened += 1
            self._changed.notify_all()
        self._on_change()
        try:
            for raw in connection:
                self._receive(raw if isinstance(raw, str) else raw.decode())
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                if connection in self._live:
                    self._live.remove(connection)
                self._changed.notify_all()
            self._on_change()

    def _receive(self, raw: str) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._changed:
            pending = self._pending.get(str(envelope_id)) if envelope_id else None
            if pending is None or not isinstance(message, dict):
                self.stray.append(raw)
                return
            self.acks.append(message)
            payload = message.get("payload")
            pending.ack = payload if isinstance(payload, dict) and payload else None
            pending.done.set()
            self._changed.notify_all()
        self._on_change()


def _query(path: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(path).query))
