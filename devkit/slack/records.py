"""What the fake records and answers: calls, response-URL posts, message addresses, API errors,
and the bot's HTTP answers to what `SlackSender` sent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

Json = dict[str, Any]


@dataclass(frozen=True)
class ApiCall:
    """One Web API call as the fake received and answered it (the token is not kept)."""

    method: str
    args: Json
    at: float
    status: int
    response: Json

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return error if isinstance(error, str) else None


@dataclass(frozen=True)
class ResponseUrlPost:
    """One POST to a response URL; `result` is `"ok"` or the error Slack would answer."""

    url: str
    body: Json
    at: float
    status: int
    result: str
    user: str
    channel: str

    @property
    def ok(self) -> bool:
        return self.result == "ok"


@dataclass(frozen=True)
class MessageRef:
    """Where a message lives: a channel message, or one user's ephemeral in a channel."""

    channel: str
    ts: str
    ephemeral_user: str | None = None


class ApiError(Exception):
    """An `{"ok": false, "error": ...}` answer, raised inside the fake and turned into JSON."""

    def __init__(self, error: str, *, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def body(self) -> Json:
        body: Json = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


@dataclass(frozen=True)
class Response:
    """The bot's HTTP answer, with what was sent and the ids the fake issued for it."""

    status_code: int
    headers: httpx.Headers
    body: bytes
    sent: Mapping[str, Any]
    trigger_id: str | None = None
    response_url: str | None = None

    @property
    def content(self) -> bytes:
        """The raw body, named as httpx names it."""
        return self.body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def ack_body(self) -> Json | None:
        """The ack as Slack reads it: a JSON object, plain text as `{"text": ...}`, or None."""
        if not self.body.strip():
            return None
        try:
            parsed = self.json()
        except ValueError:
            return {"text": self.text}
        return parsed if isinstance(parsed, dict) else {"text": self.text}
