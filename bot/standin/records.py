"""What the fake records and answers: calls, response-URL posts, message addresses, API errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
