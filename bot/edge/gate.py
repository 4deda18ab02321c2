"""The gate in front of Bolt: refuse what is not Slack's, or not well-formed, before parsing it.

Order matters. The server has already refused a body over the limit without reading it
(waitress ``max_request_body_size``); here the signature and timestamp are checked on the raw
bytes (401 for anything unsigned, forged or stale, whatever it contains), and only then is the
body decoded and its shape checked (400 for signed garbage: not UTF-8, not a form, not JSON,
nested absurdly deep, or fields of the wrong type), so nothing malformed reaches a listener.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

MAX_SKEW = 300  # seconds; Slack's own advice, and Bolt's window
MAX_DEPTH = 48  # Slack's payloads nest a dozen levels; hundreds is an attack on the parser
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")

# Fields Bolt and the listeners read as objects when present (null allowed only where Slack
# itself sends null), and fields that must be strings when present.
_OBJECTS = ("view", "container", "message", "event", "state", "previous_message", "workflow_step")
_NULLABLE_OBJECTS = ("team", "enterprise", "channel")
_STRINGS = ("type", "token", "trigger_id", "response_url", "api_app_id", "callback_id")
_INTERACTIVE = {
    "block_actions",
    "block_suggestion",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "interactive_message",
}


class Refused(Exception):
    """The request is refused: ``status`` to answer, ``reason`` for the metric and the log."""

    def __init__(self, status: int, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.status = status
        self.reason = reason


def check_signature(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: Callable[[], float] = time.time,
) -> None:
    """Slack's v0 signature over the raw bytes, within five minutes; else ``Refused(401)``."""
    stamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not stamp or not signature:
        raise Refused(401, "unsigned")
    if not stamp.isdigit() or len(stamp) > 12:
        raise Refused(401, "bad_timestamp")
    if abs(now() - int(stamp)) > MAX_SKEW:
        raise Refused(401, "stale")
    base = b"v0:" + stamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Refused(401, "bad_signature")


def check_shape(content_type: str, body: bytes) -> None:
    """A signed body that Bolt and the listeners can read safely; else ``Refused(400)``."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "not_utf8") from None
    if content_type.startswith("application/json"):
        _payload(text)
        return
    try:
        form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=200)
    except ValueError:
        raise Refused(400, "malformed_form") from None
    if any(len(values) > 1 for values in form.values()):
        raise Refused(400, "malformed_form", "a field given twice")
    if "payload" in form:
        payload = _payload(form["payload"][0])
        if payload.get("type") in _INTERACTIVE:
            _interactive(payload)
        return
    if "ssl_check" in form:  # Slack checking the certificate of a slash command's URL
        return
    if "command" in form:
        for name in ("command", "user_id", "team_id", "channel_id", "text"):
            if name not in form:
                raise Refused(400, "bad_shape", f"a slash command without {name}")
        return
    raise Refused(400, "bad_shape", "neither a command, an interaction nor an event")


ENVELOPES = ("slash_commands", "interactive", "events_api")
_COMMAND_FIELDS = ("command", "user_id", "team_id", "channel_id", "text")


def check_envelope(kind: str, payload: object) -> None:
    """A Socket Mode envelope's payload that Bolt and the listeners can read safely, by the same
    rules as over HTTP; else ``Refused(400)`` (the envelope is still acknowledged)."""
    if not isinstance(payload, dict):
        raise Refused(400, "bad_shape", "the payload is not an object")
    if kind == "slash_commands":
        for name in _COMMAND_FIELDS:
            if not isinstance(payload.get(name), str):
                raise Refused(400, "bad_shape", f"a slash command without {name}")
        return
    _fields(payload)
    event = payload.get("event")
    if isinstance(event, dict):
        _fields(event)
    if kind == "interactive" and payload.get("type") in _INTERACTIVE:
        _interactive(payload)


def _payload(text: str) -> dict[str, Any]:
    _check_depth(text)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused(400, "malformed_json") from None
    if not isinstance(value, dict):
        raise Refused(400, "bad_shape", "the payload is not an object")
    _fields(value)
    event = value.get("event")
    if isinstance(event, dict):
        _fields(event)
    return value


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH`` (brackets inside strings do not count), before
    the JSON parser recurses into it; stops at the first bracket too deep."""
    depth = 0
    for match in _BRACKETS.finditer(_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            raise Refused(400, "too_deep", f"nested more than {MAX_DEPTH} levels")


def _fields(value: Mapping[str, Any]) -> None:
    if not isinstance(value.get("type"), str):
        raise Refused(400, "bad_shape", "no type")
    for name in _OBJECTS:
        if name in value and not isinstance(value[name], dict):
            raise Refused(400, "bad_shape", f"{name} is a {type(value[name]).__name__}")
    for name in _NULLABLE_OBJECTS:
        if value.get(name) is not None and not isinstance(value[name], dict | str):
            raise Refused(400, "bad_shape", f"{name} is a {type(value[name]).__name__}")
    for name in _STRINGS:
        if name in value and not isinstance(value[name], str):
            raise Refused(400, "bad_shape", f"{name} is not a string")
    if "user" in value and not (isinstance(value["user"], str) or _has_id(value["user"])):
        raise Refused(400, "bad_shape", "user is neither an id nor an object with one")
    view = value.get("view")
    if view is not None and not (
        isinstance(view.get("type", ""), str)
        and isinstance(view.get("callback_id", ""), str)
        and isinstance(view.get("private_metadata", ""), str)
        and isinstance(view.get("state", {}), dict)
        and isinstance(view.get("state", {}).get("values", {}), dict)
    ):
        raise Refused(400, "bad_shape", "a view with fields of the wrong type")


def _interactive(payload: Mapping[str, Any]) -> None:
    if not _has_id(payload.get("user")):
        raise Refused(400, "bad_shape", "an interaction without a user")
    kind = payload["type"]
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict):
            raise Refused(400, "bad_shape", f"{kind} without a view")
        if not (isinstance(view.get("type"), str) and isinstance(view.get("id"), str)):
            raise Refused(400, "bad_shape", f"{kind} of a view without its type or id")
    if kind != "block_actions":
        return
    actions = payload.get("actions")
    if not (isinstance(actions, list) and actions):
        raise Refused(400, "bad_shape", "block_actions without a list of actions")
    if not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
        raise Refused(400, "bad_shape", "actions of the wrong type")


def _has_id(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str) and bool(value["id"])
