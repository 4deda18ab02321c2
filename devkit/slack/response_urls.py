"""Response URLs: at most 5 uses within 30 minutes, each use shown where Slack shows it.

Not thread-safe by itself: `FakeSlack` calls it with its lock held.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass

from devkit.slack.blocks import (
    MESSAGE_BLOCK_LIMIT,
    InvalidBlocks,
    normalize_blocks,
    validate_blocks,
)
from devkit.slack.conversations import Conversations
from devkit.slack.records import ApiError, Json, MessageRef, ResponseUrlPost

RESPONSE_URL_TTL_SECONDS = 30 * 60
RESPONSE_URL_MAX_USES = 5


@dataclass
class IssuedUrl:
    url: str
    user: str
    channel: str
    issued_at: float
    # The message a replace_original or delete_original acts on: the one clicked, or else
    # the first reply shown through this URL (or the command's ack).
    origin: MessageRef | None
    uses: int = 0


class ResponseUrls:
    def __init__(self, conversations: Conversations) -> None:
        self._conversations = conversations
        self._issued: dict[str, IssuedUrl] = {}
        self.posts: list[ResponseUrlPost] = []  # every POST, in order, including refused ones

    def issue(
        self, url: str, user: str, channel: str, origin: MessageRef | None, now: float
    ) -> None:
        self._issued[url] = IssuedUrl(url, user, channel, now, origin)

    def age(self, seconds: float) -> None:
        for issued in self._issued.values():
            issued.issued_at -= seconds

    def get(self, url: str) -> IssuedUrl | None:
        return self._issued.get(url)

    def adopt_origin(self, url: str, ref: MessageRef) -> None:
        issued = self._issued.get(url)
        if issued is not None and issued.origin is None:
            issued.origin = ref

    def receive(self, url: str, raw: str, now: float) -> ResponseUrlPost:
        """One POST of `raw` to `url`: applied if Slack would, and recorded either way."""
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = None
        issued = self._issued.get(url)
        if issued is None:
            status, result = 404, "invalid_url"
        elif not isinstance(parsed, dict):
            status, result = 400, "invalid_payload"
        else:
            status, result = self._apply(issued, parsed, now)
        posted = ResponseUrlPost(
            url,
            copy.deepcopy(parsed) if isinstance(parsed, dict) else {"raw": raw},
            now,
            status,
            result,
            issued.user if issued else "",
            issued.channel if issued else "",
        )
        self.posts.append(posted)
        return posted

    def _apply(self, issued: IssuedUrl, body: Json, now: float) -> tuple[int, str]:
        """Apply one POST; return the HTTP status and body Slack would answer."""
        if now - issued.issued_at > RESPONSE_URL_TTL_SECONDS:
            return 404, "expired_url"
        if issued.uses >= RESPONSE_URL_MAX_USES:
            return 404, "used_url"
        blocks = body.get("blocks")
        try:
            checked = normalize_blocks(
                validate_blocks(blocks, limit=MESSAGE_BLOCK_LIMIT) if blocks else None
            )
        except InvalidBlocks:
            return 400, "invalid_blocks"
        conversations = self._conversations
        if _flag(body.get("delete_original")):
            if issued.origin is None or not conversations.delete(issued.origin):
                return 404, "message_not_found"
            issued.origin = None
        elif not body.get("text") and not checked:
            return 400, "no_text"
        elif _flag(body.get("replace_original")) and issued.origin is not None:
            if not conversations.replace_content(issued.origin, body, checked):
                return 404, "message_not_found"
        else:
            try:
                ref = conversations.show_reply(
                    issued.user, issued.channel, body, checked, now, via="response_url"
                )
            except ApiError as exc:
                return 404, exc.error
            if issued.origin is None:
                issued.origin = ref
        issued.uses += 1
        return 200, "ok"


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)
