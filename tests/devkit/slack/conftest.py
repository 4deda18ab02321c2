"""Helpers for the stand-in's own tests: a manual clock and an app that records what it gets."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from werkzeug.wrappers import Request, Response

from devkit.slack import FakeSlack, LoopbackServer, SlackSender
from tests.fixtures.slack import TEST_BOT_TOKEN, TEST_SIGNING_SECRET


class ManualClock:
    """Time that moves only when the test says so."""

    def __init__(self, start: float = 1_718_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def payload(self) -> dict[str, Any]:
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(self.body)
        form = {k: v[0] for k, v in parse_qs(self.body.decode()).items()}
        return json.loads(form["payload"]) if "payload" in form else form


@dataclass
class RecordingApp:
    """A WSGI app standing in for the bot: records requests, answers what the test sets."""

    status: int = 200
    body: str = ""
    content_type: str = "application/json"
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, body: Any = "", *, status: int = 200) -> None:
        self.status = status
        if isinstance(body, str):
            self.body, self.content_type = body, "text/plain"
        else:
            self.body, self.content_type = json.dumps(body), "application/json"

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.received.append(Received(dict(request.headers), request.get_data()))
        response = Response(self.body, status=self.status, content_type=self.content_type)
        return response(environ, start_response)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def timed_slack(clock: ManualClock) -> Iterator[FakeSlack]:
    """A FakeSlack whose time is `clock`."""
    with FakeSlack(bot_token=TEST_BOT_TOKEN, clock=clock) as fake:
        yield fake


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(base_url=fake_slack.url, token=TEST_BOT_TOKEN)


@pytest.fixture
def recording_app() -> Iterator[tuple[RecordingApp, str]]:
    app = RecordingApp()
    with LoopbackServer(app) as server:
        yield app, server.base_url + "slack/events"


@pytest.fixture
def sender(fake_slack: FakeSlack, recording_app: tuple[RecordingApp, str]) -> Iterator[SlackSender]:
    _, url = recording_app
    with SlackSender(url, TEST_SIGNING_SECRET, fake_slack) as built:
        yield built
