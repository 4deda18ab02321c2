"""Response URLs: at most 5 uses within 30 minutes, each use shown where Slack shows it.

Not thread-safe by itself: `FakeSlack` calls it with its lock held.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.standin.blocks import MESSAGE_BLOCK_LIMIT, InvalidBlocks, normalize_blocks, validate_blocks
from bot.standin.conversations import Conversations
from bot.standin.records import ApiError, Json, MessageRef

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

    def post(self, issued: IssuedUrl, body: Json, now: float) -> tuple[int, str]:
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
