"""Slack's own limits, kept by the bot rather than discovered by its users.

- A `response_url` takes 5 posts within 30 minutes. `LimitedRespond` counts them (per process, in
  `ResponseUrlBook`) and, once a URL is spent or expired — or Slack refuses it anyway — delivers
  the reply with the Web API instead: `chat.update` for a replacement of a channel message,
  `chat.postMessage` for an `in_channel` reply, else `chat.postEphemeral` to the person (or a DM
  when the bot cannot post in that channel).
- `views.update` with a stale `hash` fails with `hash_conflict`. `SlackClient` remembers the
  newest hash it has seen of each view (its own views.* answers, and views arriving in payloads)
  and retries a conflicting update once with it; a second conflict is raised.
- `chat.postMessage` is about one message a second a channel (short bursts allowed).
  `SlackClient` paces its posts per channel with a token bucket (`ChannelPacer`).
- `ratelimited` (HTTP 429) answers are retried after their `Retry-After` by slack_sdk's
  `RateLimitErrorRetryHandler` (built in `bot.runtime.services.slack_client`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt.context.respond.internals import _build_message
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookResponse

from bot.edge.replies import ReplyPoster
from bot.runtime.masking import PROCESS, Masker, MaskingRespond, MaskingWebClient

log = logging.getLogger(__name__)

RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60.0
# A URL this close to its expiry is treated as expired: the post might land after it.
RESPONSE_URL_MARGIN = 60.0
POSTS_PER_SECOND = 1.0
POST_BURST = 4
_REMEMBERED = 10_000  # response URLs and view hashes kept, newest first

Clock = Callable[[], float]


class ResponseUrlBook:
    """How many times each response URL was used, and when the bot first saw it."""

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, list[float]] = OrderedDict()  # url -> [first seen, uses]

    def seen(self, url: str) -> None:
        with self._lock:
            if url not in self._seen:
                self._seen[url] = [self._clock(), 0]
                while len(self._seen) > _REMEMBERED:
                    self._seen.popitem(last=False)

    def take(self, url: str) -> bool:
        """Reserve one use of `url`; False once it is spent or (nearly) expired."""
        with self._lock:
            entry = self._seen.setdefault(url, [self._clock(), 0])
            if entry[1] >= RESPONSE_URL_USES:
                return False
            if self._clock() - entry[0] > RESPONSE_URL_TTL - RESPONSE_URL_MARGIN:
                return False
            entry[1] += 1
            return True

    def spend(self, url: str) -> None:
        """Slack refused `url`: it is not to be tried again."""
        with self._lock:
            if url in self._seen:
                self._seen[url][1] = RESPONSE_URL_USES


class LimitedRespond(MaskingRespond):
    """Bolt's `respond` with secrets masked, falling back to the Web API when the response URL
    cannot be used."""

    def __init__(
        self,
        *,
        response_url: str,
        book: ResponseUrlBook,
        client: WebClient,
        user: str | None,
        channel: str | None,
        container: dict[str, Any] | None = None,
        poster: ReplyPoster | None = None,
        masker: Masker = PROCESS,
    ) -> None:
        super().__init__(
            response_url=response_url, proxy=client.proxy, ssl=client.ssl, masker=masker
        )
        # Through a proxy or a TLS context of the Slack client's own, slack_sdk's client (it
        # honours both; the poster connects directly and trusts the system's CAs).
        self._poster = poster if client.proxy is None and client.ssl is None else None
        self._book = book
        self._client = client
        self._user = user
        self._channel = channel
        self._container = container or {}
        book.seen(response_url)

    def __call__(  # type: ignore[override]
        self, text: str | dict[str, Any] = "", **kwargs: Any
    ) -> WebhookResponse:
        message = (
            _build_message(**text) if isinstance(text, dict) else _build_message(text, **kwargs)
        )
        url = str(self.response_url)
        if self._book.take(url):
            if self._poster is not None:
                answer = self._poster.post(url, self._masker.mask_value(message))
            else:
                answer = super().__call__(dict(message))
            if answer.status_code == 200:
                return answer
            log.info(
                "response URL refused; replying through the Web API",
                extra={"status": answer.status_code, "slack_error": answer.body},
            )
            self._book.spend(url)
        return self._fallback(message)

    def _fallback(self, message: dict[str, Any]) -> WebhookResponse:
        payload = {
            key: message[key]
            for key in ("text", "blocks", "attachments", "thread_ts", "metadata")
            if message.get(key) is not None
        }
        payload.setdefault("text", "")
        url = str(self.response_url)
        container, channel = self._container, self._channel
        if message.get("delete_original"):
            if container.get("type") == "message" and not container.get("is_ephemeral"):
                self._client.chat_delete(
                    channel=container["channel_id"], ts=container["message_ts"]
                )
            # An ephemeral message cannot be deleted through the Web API: it stays.
            return WebhookResponse(url=url, status_code=200, body="ok", headers={})
        if (
            message.get("replace_original")
            and container.get("type") == "message"
            and not container.get("is_ephemeral")
        ):
            self._client.chat_update(
                channel=container["channel_id"], ts=container["message_ts"], **payload
            )
        elif message.get("response_type") == "in_channel" and channel:
            self._client.chat_postMessage(channel=channel, **payload)
        else:
            self._to_person(payload)
        return WebhookResponse(url=url, status_code=200, body="ok", headers={})

    def _to_person(self, payload: dict[str, Any]) -> None:
        if self._user is None:
            raise ValueError("no response URL left and nobody to reply to")
        to_person(self._client, self._user, self._channel, payload)


def to_person(client: WebClient, user: str, channel: str | None, payload: dict[str, Any]) -> Any:
    """Tell ``user`` alone: an ephemeral in ``channel``, else (no channel, a DM channel, or one
    the bot cannot post in) a direct message."""
    if channel and not channel.startswith("D"):
        try:
            return client.chat_postEphemeral(channel=channel, user=user, **payload)
        except SlackApiError as exc:
            if exc.response.get("error") not in (
                "channel_not_found",
                "not_in_channel",
                "user_not_in_channel",
            ):
                raise
    payload = {key: value for key, value in payload.items() if key != "thread_ts"}
    return client.chat_postMessage(channel=user, **payload)


class ChannelPacer:
    """A token bucket per channel: `burst` posts at once, then `rate` a second."""

    def __init__(
        self,
        rate: float = POSTS_PER_SECOND,
        burst: int = POST_BURST,
        *,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 1.0 / rate
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}  # channel -> when its bucket would be full again

    @property
    def rate(self) -> float:
        """Posts a second a channel, after the burst."""
        return 1.0 / self._interval

    def wait(self, channel: str) -> float:
        """Block until `channel` may take one more post; return the seconds waited."""
        with self._lock:
            now = self._clock()
            full_at = max(self._next.get(channel, now), now)
            # The bucket holds a token for this post once it is within burst-1 intervals of full.
            start = max(now, full_at - (self._burst - 1) * self._interval)
            self._next[channel] = max(full_at, start) + self._interval
            if len(self._next) > _REMEMBERED:
                self._next = {c: t for c, t in self._next.items() if t > now}
        delay = start - now
        if delay > 0:
            self._sleep(delay)
        return delay


class ViewHashes:
    """The newest hash seen of each view."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hashes: OrderedDict[str, str] = OrderedDict()

    def saw(self, view: Any) -> None:
        if isinstance(view, dict) and view.get("id") and view.get("hash"):
            with self._lock:
                self._hashes[str(view["id"])] = str(view["hash"])
                self._hashes.move_to_end(str(view["id"]))
                while len(self._hashes) > _REMEMBERED:
                    self._hashes.popitem(last=False)

    def get(self, view_id: str) -> str | None:
        with self._lock:
            return self._hashes.get(view_id)


class SlackClient(MaskingWebClient):
    """The bot's Web API client: paces channel posts and resolves `views.update` conflicts."""

    def __init__(self, *args: Any, pacer: ChannelPacer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pacer = pacer or ChannelPacer()
        self.views = ViewHashes()

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        args = kwargs.get("json") or kwargs.get("params") or {}
        if api_method == "chat.postMessage" and args.get("channel"):
            self.pacer.wait(str(args["channel"]))
        if api_method != "views.update":
            response = super().api_call(api_method, **kwargs)
            if api_method in ("views.open", "views.push"):
                self.views.saw(response.get("view"))
            return response
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            view_id = str(args.get("view_id") or "")
            newest = self.views.get(view_id) if view_id else None
            if exc.response.get("error") != "hash_conflict" or newest in (None, args.get("hash")):
                raise
            log.info("views.update conflicted; retrying once with the newest hash")
            retried = dict(kwargs)
            retried["json"] = {**args, "hash": newest}
            response = super().api_call(api_method, **retried)
        self.views.saw(response.get("view"))
        return response
