"""`SocketModeSender`: the same user actions as `SlackSender`, delivered to the app over the
fake's Socket Mode websocket instead of signed HTTP."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from devkit.slack.records import Response
from devkit.slack.sender import FORM, SlackSender
from devkit.slack.web_api import FakeSlack


class SocketModeSender(SlackSender):
    """The same user actions delivered over Socket Mode instead of signed HTTP.

    Each request becomes an envelope on `fake.socket_mode`; the app's acknowledgement comes back
    as a `Response` with status 200 and the ack's payload as its JSON body, so everything Slack
    does with an HTTP answer (showing a command's reply, a modal's `response_action`) happens the
    same way.
    """

    def __init__(self, fake: FakeSlack, *, timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__("socket-mode", "", fake, timeout=timeout, **kwargs)
        self._timeout = timeout

    def post(
        self, body: bytes, *, content_type: str = FORM, headers: Mapping[str, str] | None = None
    ) -> Response:
        raise NotImplementedError("raw bodies are an HTTP-mode thing; Socket Mode sends JSON")

    def url_verification(self, challenge: str) -> Response:
        raise NotImplementedError("Socket Mode has no url_verification")

    def _send(
        self,
        body: bytes,
        content_type: str,
        sent: Mapping[str, Any],
        trigger_id: str | None,
        response_url: str | None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Response:
        headers = dict(extra_headers or {})
        if content_type == "application/json":
            kind = "events_api"
        elif "command" in sent:
            kind = "slash_commands"
        else:
            kind = "interactive"
        ack = self.fake.socket_mode.deliver(
            kind,
            dict(sent),
            retry_attempt=int(headers.get("X-Slack-Retry-Num", 0)),
            retry_reason=headers.get("X-Slack-Retry-Reason", ""),
            timeout=self._timeout,
        )
        answer = json.dumps(ack).encode() if ack is not None else b""
        return Response(
            status_code=200,
            headers=httpx.Headers({"Content-Type": "application/json"}),
            body=answer,
            sent=sent,
            trigger_id=trigger_id,
            response_url=response_url,
        )
