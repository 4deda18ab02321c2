"""Plumbing shared by the three backends: replies, routes, request bodies and parameters."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Request, Response

from devkit.sandbox._world import SandboxWorld


@dataclass(slots=True)
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Call:
    world: SandboxWorld
    request: Request
    args: dict[str, str]


Handler = Callable[[Call], Reply]


@dataclass(frozen=True, slots=True)
class Route:
    path: str  # werkzeug rule, e.g. "/v2/accounts/<A>/queues/<id>"
    methods: tuple[str, ...]
    handler: Handler
    public: bool = False  # served without credentials (Zuora's token endpoint)

    @property
    def template(self) -> str:
        """The counters' name for the path: ``<A>`` becomes ``{A}``."""
        return self.path.replace("<", "{").replace(">", "}")


class BadRequest(Exception):
    """The request cannot be understood (bad JSON, bad parameter); each backend words it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_response(reply: Reply) -> Response:
    body = json.dumps(reply.body, default=_default, separators=(",", ":"))
    return Response(body, reply.status, headers=reply.headers, mimetype="application/json")


def read_json(request: Request) -> Any:
    raw = request.get_data(cache=True)
    if not raw:
        raise BadRequest("request body is empty")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"malformed JSON: {exc}") from exc


def int_param(request: Request, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} must be an integer", field=name) from exc
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}", field=name)
    return value


def encode_cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def decode_cursor(cursor: str, name: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as exc:
        raise BadRequest(f"{name} is not a cursor this server issued", field=name) from exc
