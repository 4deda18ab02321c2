"""Replies to response URLs over kept-alive connections: one connection for many replies, the
body masked and posted as JSON, Slack's refusal handed back, no answer told as a Slack error."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.webhook import WebhookResponse

from bot.edge.replies import ReplyPoster
from bot.edge.slack_limits import LimitedRespond, ResponseUrlBook
from bot.runtime.masking import Masker
from tests.fixtures.echo import EchoServer

SECRET = "xoxb-never-in-a-reply-42"


@pytest.fixture
def hooks() -> Iterator[EchoServer]:
    running = EchoServer()
    yield running
    running.stop()


def test_replies_share_one_kept_alive_connection(hooks: EchoServer) -> None:
    poster = ReplyPoster()
    for n in range(4):
        answer = poster.post(f"{hooks.url}/actions/T1/{n}/abc", {"text": f"reply {n}"})
        assert answer.status_code == 200
        seen = answer.body
        assert f'"path": "/actions/T1/{n}/abc"' in seen
        assert '\\"text\\": \\"reply ' in seen  # the JSON body, as the echo quotes it back
    assert list(hooks.per_connection.values()) == [4]
    poster.close()


def test_the_reply_is_masked_and_posted_as_json(hooks: EchoServer) -> None:
    respond = LimitedRespond(
        response_url=f"{hooks.url}/actions/T1/1/abc",
        book=ResponseUrlBook(),
        client=WebClient(),
        user="U1",
        channel="C1",
        poster=ReplyPoster(),
        masker=Masker([SECRET]),
    )
    answer = respond(text=f"token {SECRET}", response_type="ephemeral")
    assert answer.status_code == 200
    assert SECRET not in answer.body
    assert "application/json" in answer.body


def test_no_answer_is_a_slack_request_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SlackRequestError, match="could not connect"):
        ReplyPoster().post(f"http://127.0.0.1:{port}/actions/T1/1/abc", {"text": "x"})


def test_origins_beyond_the_limit_are_closed_least_recently_used_first() -> None:
    servers = [EchoServer() for _ in range(3)]
    try:
        poster = ReplyPoster(max_origins=2)
        for server in [*servers, servers[0]]:
            assert poster.post(f"{server.url}/a", {"text": "x"}).status_code == 200
        # the first origin was evicted when the third came, and connected again after
        assert len(servers[0].per_connection) == 2
        assert len(servers[1].per_connection) == len(servers[2].per_connection) == 1
    finally:
        for server in servers:
            server.stop()


class CountingPoster(ReplyPoster):
    def __init__(self) -> None:
        super().__init__()
        self.posts = 0

    def post(self, url: str, body: Mapping[str, Any]) -> WebhookResponse:
        self.posts += 1
        return super().post(url, body)


@pytest.mark.parametrize(
    ("client", "through_poster"),
    [(WebClient(), True), (WebClient(ssl=ssl.create_default_context()), False)],
    ids=["default", "the Slack client's own TLS context"],
)
def test_a_slack_client_with_its_own_tls_context_replies_through_slack_sdk(
    hooks: EchoServer, client: WebClient, through_poster: bool
) -> None:
    poster = CountingPoster()
    respond = LimitedRespond(
        response_url=f"{hooks.url}/actions/T1/1/abc",
        book=ResponseUrlBook(),
        client=client,
        user="U1",
        channel="C1",
        poster=poster,
    )
    assert respond(text="hello", response_type="ephemeral").status_code == 200
    assert poster.posts == (1 if through_poster else 0)
