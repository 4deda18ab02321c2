"""How the fake reads a Web API call's arguments (query, form or JSON, and the token) and pages
its answers with Slack's cursors."""

from __future__ import annotations

import copy
import json

from werkzeug.wrappers import Request

from devkit.slack.records import Json

# Arguments that arrive JSON-encoded inside form bodies (slack_sdk sends some methods as forms).
_JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files")


def parse_args(request: Request) -> tuple[Json, str | None]:
    """Merge query, form and JSON arguments as Slack does; pull the token out of them."""
    args: Json = dict(request.args.items())
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            args.update(body)
    else:
        args.update(request.form.items())
    for name in _JSON_ARGS:
        value = args.get(name)
        if isinstance(value, str) and value.strip():
            try:
                args[name] = json.loads(value)
            except ValueError:
                args[name] = value
    token = args.pop("token", None)
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        token = auth.removeprefix("Bearer ").strip()
    return args, token


def text_arg(args: Json, name: str) -> str:
    value = args.get(name)
    return "" if value is None else str(value)


def page(items: list[Json], args: Json, key: str) -> Json:
    limit = int(args.get("limit") or 100)
    start = int(args.get("cursor") or 0)
    chunk = items[start : start + limit]
    has_more = start + limit < len(items)
    return {
        key: copy.deepcopy(chunk),
        "has_more": has_more,
        "response_metadata": {"next_cursor": str(start + limit) if has_more else ""},
    }
