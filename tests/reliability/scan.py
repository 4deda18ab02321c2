"""Reading everything the bot sent to Slack the way Slack renders it.

Slack turns ``<!channel>``, ``<!here>``, ``<@U…>`` into mentions only in mrkdwn: a message's
top-level ``text`` and ``mrkdwn`` text objects. ``plain_text`` objects, input values, modal field
errors and metadata are shown literally, so they cannot mention anyone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from devkit.slack import FakeSlack

# Mentions no legitimate output of these tests contains (the bot may mention real requesters).
FORBIDDEN = ("<!channel", "<!here", "<!everyone", "<!subteam", "<@U0EVIL", "<@U123>")


def mrkdwn_texts(node: Any, *, top: bool = True) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from mrkdwn_texts(item, top=False)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "plain_text":
        return
    if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
        yield node["text"]
        return
    if top and isinstance(node.get("text"), str) and node.get("mrkdwn", True) is not False:
        yield node["text"]
    for key, value in node.items():
        if key in ("errors", "private_metadata", "state"):
            continue
        if isinstance(value, str) and key in ("blocks", "view", "attachments"):
            value = json.loads(value)  # the Web API takes these JSON-encoded too
        if isinstance(value, dict | list):
            yield from mrkdwn_texts(value, top=False)


def mentions(texts: Iterator[str] | list[str]) -> list[str]:
    return [t for t in texts if any(m in t for m in FORBIDDEN)]


def everything_sent(
    fake: FakeSlack, *, since_calls: int = 0, since_responses: int = 0
) -> list[str]:
    """Every mrkdwn string in every Web API call and response-URL post the bot made."""
    texts: list[str] = []
    for call in fake.calls()[since_calls:]:
        texts.extend(mrkdwn_texts(call.args))
    for post in fake.responses()[since_responses:]:
        texts.extend(mrkdwn_texts(post.body))
    return texts
