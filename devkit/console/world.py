"""Everything the console runs: the real Bolt app served over HTTP (or Socket Mode), the demo
sandbox, a fresh SQLite ledger, and the FakeSlack with its sender — the pieces the tests use."""

from __future__ import annotations

import logging
import secrets
import tempfile
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import create_app
from bot.compose import build_services
from bot.edge.slack_limits import ChannelPacer
from bot.runtime.services import Services
from bot.runtime.serving import BackgroundServer
from bot.runtime.settings import Settings
from bot.web import WebApp
from bot.worker import socket_handler
from devkit.sandbox import Sandbox, demo_world
from devkit.slack import FakeSlack, SlackSender, SocketModeSender

BOT_TOKEN = "xoxb-console-token"
APP_TOKEN = "xapp-1-console-token"
CALLOUT_USER = "zuora-console"


@dataclass(frozen=True)
class Person:
    name: str
    role: str  # as shown; the grant itself is in the settings built below

    @property
    def user_id(self) -> str:
        return "U0" + self.name.upper()


PEOPLE = (
    Person("alice", "operator"),
    Person("oscar", "operator"),
    Person("bob", "approver"),
    Person("betty", "approver"),
    Person("vera", "viewer"),
    Person("adam", "admin"),
    Person("nobody", "no role"),
)
SUPPORT, APPROVALS, DIGEST = "C0SUPPORT", "C0APPROVALS", "C0DIGEST"
ACTIVITY = "C0ACTIVITY"
CHANNELS = {SUPPORT: "support", APPROVALS: "approvals", DIGEST: "digest", ACTIVITY: "activity"}


def person(name: str) -> Person | None:
    wanted = name.strip().lstrip("@").lower()
    return next((p for p in PEOPLE if p.name == wanted), None)


def _ids(role: str) -> str:
    return ",".join(p.user_id for p in PEOPLE if p.role == role)


def console_settings(
    *, slack_url: str, sandbox_url: str, database_url: str, secret: str
) -> Settings:
    """The bot's settings for the console: its backends are the sandbox, its Slack the fake."""
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": secret,
        "slack_api_url": slack_url,
        "database_url": database_url,
        "zuora_base_url": sandbox_url,
        "zuora_client_id": "sandbox",
        "zuora_client_secret": "sandbox",
        "jethub_api_url": sandbox_url,
        "jethub_api_token": "sandbox",
        "sbc_api_url": sandbox_url,
        "sbc_api_token": "sandbox",
        "jethub_approvals_channel": APPROVALS,
        "jethub_digest_channel": DIGEST,
        "jethub_activity_channel": ACTIVITY,
        "jethub_role_contact": "ask in #it-help",
        # Zuora's payment callout (`/pay` delivers it as Zuora would).
        "jethub_zuora_callout_user": CALLOUT_USER,
        "jethub_zuora_callout_password": secrets.token_hex(12),
        # `/clock` is "the scheduled jobs, now": the digest is due from midnight.
        "jethub_digest_time": time(0, 0),
        "jethub_viewers": _ids("viewer"),
        "jethub_operators": _ids("operator"),
        "jethub_approvers": _ids("approver"),
        "jethub_admins": _ids("admin"),
    }
    return Settings(_env_file=None, **values)


class World:
    """Start with `start()` (or `with World() as world:`), stop with `close()`."""

    def __init__(
        self,
        *,
        socket_mode: bool = False,
        pacer: ChannelPacer | None = None,
        files_dir: Path | None = None,
    ) -> None:
        self.socket_mode = socket_mode
        # Files the bot uploads (the digest's chart) are saved here, and outlive the session.
        self.files_dir = files_dir or Path(tempfile.gettempdir()) / "jethub-console-files"
        self._pacer = pacer  # None: Slack's own pace, one post a second a channel
        self._fresh()

    def _fresh(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="jethub-console-")
        self.dir = Path(self._tmp.name)
        self.log_file = self.dir / "console.log"
        self.slack = FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN)
        # The demo's dates follow the bot's business date (JETHUB_TIMEZONE), as in production.
        self.sandbox = Sandbox(world=demo_world(clock=Settings(_env_file=None).clock))
        self._server: BackgroundServer | None = None
        self._handler: SocketModeHandler | None = None
        self._services: Services | None = None
        self._send: SlackSender | None = None
        self._log_handler: logging.Handler | None = None
        self._root_level = logging.NOTSET

    @property
    def ledger_file(self) -> Path:
        return self.dir / "ledger.db"

    def reset(self) -> None:
        """Back to how the console starts: the demo accounts as shipped, an empty ledger, empty
        channels (a new temporary directory; the old one is removed)."""
        self.close()
        self._fresh()
        self.start()

    @property
    def services(self) -> Services:
        assert self._services is not None, "World is not started"
        return self._services

    @property
    def callout_url(self) -> str | None:
        """Where Zuora's callout reaches the bot (None over Socket Mode: no web server)."""
        return self._server.url if self._server is not None else None

    @property
    def send(self) -> SlackSender:
        assert self._send is not None, "World is not started"
        return self._send

    def start(self) -> Self:
        try:
            return self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> Self:
        self._log_to_file()
        self.slack.start()
        for p in PEOPLE:
            self.slack.add_user(p.user_id, p.name)
        for channel_id, name in CHANNELS.items():
            self.slack.add_channel(channel_id, name)
        self.sandbox.start(host="127.0.0.1", port=0)
        secret = secrets.token_hex(16)
        settings = console_settings(
            slack_url=self.slack.url,
            sandbox_url=self.sandbox.url,
            database_url=f"sqlite:///{self.ledger_file}",
            secret=secret,
        )
        self._services = build_services(settings, sandbox=self.sandbox, pacer=self._pacer)
        app = create_app(self._services)
        if self.socket_mode:
            # As `jethub socket` runs: apps.connections.open, then envelopes on the websocket.
            self._handler = socket_handler(app, APP_TOKEN)
            self._handler.connect()
            self._send = SocketModeSender(self.slack)
            return self
        self._server = BackgroundServer(WebApp(app, self._services)).start()
        self._send = SlackSender(f"{self._server.url}/slack/events", secret, self.slack)
        return self

    def close(self) -> None:
        if self._send is not None:
            self._send.close()
        if self._server is not None:
            self._server.stop()
        if self._handler is not None:
            self._handler.close()
        if self._services is not None:
            self._services.close()  # also stops the sandbox
        else:
            self.sandbox.stop()
        self.slack.stop()
        if self._log_handler is not None:
            root = logging.getLogger()
            root.removeHandler(self._log_handler)
            root.setLevel(self._root_level)
            self._log_handler.close()
        self._tmp.cleanup()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _log_to_file(self) -> None:
        """The bot's logs would scribble over the conversation; they go to a file instead."""
        handler = logging.FileHandler(self.log_file, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        self._root_level = root.level
        if root.level == logging.NOTSET or root.level > logging.INFO:
            root.setLevel(logging.INFO)
        self._log_handler = handler
