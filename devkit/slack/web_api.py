"""`FakeSlack`: a loopback HTTP server that answers like Slack's Web API and response URLs.

Point a `slack_sdk.WebClient(base_url=fake.url, token=...)` (or `SLACK_API_URL`) at it. It checks
the bot token, keeps the workspace's state (messages and threads per channel, ephemerals per
user, a stack of open modals per user), hands out trigger ids and response URLs with Slack's
limits, records every call in order, and lets a test inject 429s and errors per method.

This module is the handle a test holds: lifecycle, configuration, what Slack hands out with each
interaction, queries, and the Slack-side effects of the bot's HTTP answers. The HTTP front is
`web_http`, the methods `web_methods` (and `files`), the refusals `limits`; the state lives in
`directory`, `conversations`, `modals` and `response_urls`.

Slack-shaped JSON (messages, views) stays as dicts here: it is what the bot sends and reads.
One lock guards all state; every change wakes `wait_for`.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

from devkit.slack import ids
from devkit.slack.blocks import (
    MESSAGE_BLOCK_LIMIT,
    InvalidBlocks,
    normalize_blocks,
    validate_blocks,
)
from devkit.slack.conversations import Conversations
from devkit.slack.directory import BotIdentity, Channel, Directory, Team, User
from devkit.slack.errors import SlackRejected, WaitTimeout
from devkit.slack.files import Files
from devkit.slack.limits import Limits
from devkit.slack.modals import TRIGGER_TTL_SECONDS, Modals
from devkit.slack.records import ApiCall, Json, MessageRef, ResponseUrlPost
from devkit.slack.response_urls import RESPONSE_URL_TTL_SECONDS, ResponseUrls
from devkit.slack.server import LoopbackServer
from devkit.slack.socket_mode import SocketModeServer
from devkit.slack.web_http import WebHttp
from devkit.slack.web_methods import WebMethods

T = TypeVar("T")

DEFAULT_BOT_TOKEN = "xoxb-test-token"
DEFAULT_APP_TOKEN = "xapp-1-test-app-token"


class FakeSlack:
    """A stand-in for Slack's Web API on loopback. `start()` it, use `.url`, `stop()` it."""

    def __init__(
        self,
        *,
        bot_token: str = DEFAULT_BOT_TOKEN,
        app_token: str = DEFAULT_APP_TOKEN,
        team: Team | None = None,
        bot: BotIdentity | None = None,
        clock: Callable[[], float] | None = None,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.directory = Directory(team=team or Team(), bot=bot or BotIdentity())
        self.socket_mode = SocketModeServer(
            app_id=self.directory.bot.app_id, on_change=self._notify
        )
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._conversations = Conversations(self.directory)
        self._modals = Modals(self.directory, trigger_ttl=trigger_ttl)
        self._response_urls = ResponseUrls(self._conversations)
        self._limits = Limits(self._channel_id)
        self._files = Files(self.directory, self._conversations, lambda: self.base_url)
        self._methods = WebMethods(
            self.directory, self._conversations, self._modals, self._files, self.socket_mode
        )
        self._http = WebHttp(
            bot_token=bot_token,
            app_token=app_token,
            changed=self._changed,
            now=self._now,
            base_url=lambda: self.base_url,
            methods=self._methods,
            limits=self._limits,
            files=self._files,
            response_urls=self._response_urls,
        )
        self._server = LoopbackServer(self._http)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self.socket_mode.stop()
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The server's root, e.g. `http://127.0.0.1:52011/`; response URLs live under it."""
        return self._server.base_url

    @property
    def url(self) -> str:
        """The Web API base URL (ends in `/api/`), for `SLACK_API_URL` or `WebClient(base_url=)`."""
        return self._server.base_url + "api/"

    @property
    def early_retries(self) -> list[ApiCall]:
        """Calls made before their method's `Retry-After` was over (see `enforce_retry_after`)."""
        with self._lock:
            return list(self._limits.early_retries)

    @property
    def team(self) -> Team:
        return self.directory.team

    @property
    def bot(self) -> BotIdentity:
        return self.directory.bot

    # -- configuration -----------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        email: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> None:
        """Give `user_id` other names than the ones derived from it (`U0ALICE` → `alice`)."""
        self.directory.add_user(
            User(
                user_id,
                name,
                real_name or name.title(),
                email or f"{name}@jethub.example",
                is_bot=is_bot,
                deleted=deleted,
            )
        )

    def add_channel(self, channel_id: str, name: str, *, is_private: bool = False) -> None:
        self.directory.add_channel(Channel(channel_id, name, is_private=is_private))

    def set_usergroup(self, usergroup_id: str, members: list[str]) -> None:
        """Set who `usergroups.users.list` says is in `usergroup_id` (an `S…` id)."""
        self.directory.set_usergroup(usergroup_id, members)

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and `Retry-After`."""
        with self._lock:
            self._limits.rate_limit(method, times, retry_after)

    def enforce_retry_after(self) -> None:
        """Answer a call made before its method's last `Retry-After` is over with another 429,
        and record it in `early_retries` (as Slack does; opt-in, so a test may inject a 429 and
        call again at once)."""
        with self._lock:
            self._limits.enforce_retry_after()

    def pace_channels(self, per_second: float = 1.0, *, burst: int = 4) -> None:
        """Enforce Slack's chat.postMessage limit: `burst` posts to one channel at once, then
        `per_second`; a post beyond it is answered 429 `ratelimited` with `Retry-After`."""
        with self._lock:
            self._limits.pace_channels(per_second, burst)

    def expire_response_urls(self) -> None:
        """Make every response URL issued so far older than Slack's 30 minutes."""
        with self._lock:
            self._response_urls.age(RESPONSE_URL_TTL_SECONDS + 1)

    def fail_next(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `{"ok": false, "error": error}`."""
        with self._lock:
            self._limits.fail_next(method, error, times)

    # -- things Slack hands out with each interaction ----------------------------------------

    def issue_trigger(self, user: str) -> str:
        """A fresh `trigger_id` for `user`, usable once with views.open/push within 3 s."""
        with self._lock:
            return self._modals.issue_trigger(user, self._now())

    def issue_response_url(self, user: str, channel: str, origin: MessageRef | None = None) -> str:
        """A fresh response URL (5 uses within 30 minutes) answering `user` in `channel`.

        `origin` is the message that `replace_original` / `delete_original` act on.
        """
        url = f"{self.base_url}response/{ids.random_id('R', 16)}"
        with self._lock:
            self._response_urls.issue(url, user, self._channel_id(channel), origin, self._now())
        return url

    # -- queries for tests -------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Every Web API call received so far, in order (only `method`'s, if given)."""
        with self._lock:
            return [c for c in self._http.calls if method is None or c.method == method]

    def messages(self, channel: str) -> list[Json]:
        """The channel's top-level messages, oldest first (thread replies via `thread`)."""
        with self._lock:
            return copy.deepcopy(self._conversations.top_level(self._channel_id(channel)))

    def thread(self, channel: str, ts: str) -> list[Json]:
        """A thread's parent then its replies, oldest first; empty if there is no such message."""
        with self._lock:
            return copy.deepcopy(self._conversations.thread(self._channel_id(channel), ts))

    def ephemerals(self, user: str) -> list[Json]:
        """Ephemeral messages shown to `user`, oldest first; each carries `channel` and `via`."""
        with self._lock:
            return copy.deepcopy(self._conversations.ephemerals(user))

    def responses(self) -> list[ResponseUrlPost]:
        """Every POST to a response URL, in order, including refused ones."""
        with self._lock:
            return list(self._response_urls.posts)

    def open_view(self, user: str) -> Json | None:
        """The modal on top of `user`'s view stack, or None when no modal is open."""
        with self._lock:
            stack = self._modals.stack(user)
            return copy.deepcopy(stack[-1]) if stack else None

    def view_stack(self, user: str) -> list[Json]:
        """`user`'s open modals, bottom first."""
        with self._lock:
            return copy.deepcopy(self._modals.stack(user))

    def home(self, user: str) -> Json | None:
        """The App Home view last published for `user` (views.publish)."""
        with self._lock:
            found = self._methods.homes.get(user)
            return copy.deepcopy(found) if found is not None else None

    def view(self, view_id: str) -> Json | None:
        with self._lock:
            found = self._modals.find(view_id)
            return copy.deepcopy(found[1]) if found else None

    def files(self) -> list[Json]:
        """Files whose upload was completed, oldest first: Slack's file object plus `content`
        (the bytes uploaded) and `shares` (where the message showing it was posted)."""
        with self._lock:
            return [copy.deepcopy(f) for f in self._files.completed()]

    def find_message(self, ts: str, *, user: str | None = None) -> MessageRef | None:
        """Where the message with `ts` lives (looking in `user`'s ephemerals, if given)."""
        with self._lock:
            return self._conversations.find(ts, user=user)

    def message(self, ref: MessageRef) -> Json | None:
        with self._lock:
            slot = self._conversations.slot(ref)
            return copy.deepcopy(slot[0][slot[1]]) if slot else None

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Block until `predicate()` is truthy (re-checked on every change); return its value."""
        deadline = time.monotonic() + timeout
        # Quiet time is also counted from the lock's own timeouts, so a test that freezes the
        # clock (freezegun) still gets its WaitTimeout.
        quiet = 0.0
        with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = min(deadline - time.monotonic(), timeout - quiet)
                if remaining <= 0:
                    raise WaitTimeout(f"condition still false after {timeout} s")
                step = min(remaining, 0.05)
                if not self._changed.wait(step):
                    quiet += step

    # -- Slack-side effects of the bot's HTTP answers (used by SlackSender) ------------------

    def show_command_reply(self, user: str, channel: str, response_url: str, reply: Json) -> None:
        """Show a slash command's synchronous answer, as Slack does with the ack's body."""
        if not reply.get("text") and not reply.get("blocks"):
            return
        try:
            blocks = normalize_blocks(
                validate_blocks(reply["blocks"], limit=MESSAGE_BLOCK_LIMIT)
                if reply.get("blocks")
                else None
            )
        except InvalidBlocks as exc:
            raise SlackRejected(f"command reply has invalid blocks: {exc}") from exc
        with self._changed:
            ref = self._conversations.show_reply(
                user, self._channel_id(channel), reply, blocks, self._now(), via="command_reply"
            )
            self._response_urls.adopt_origin(response_url, ref)
            self._changed.notify_all()

    def record_view_state(self, view_id: str, values: Json) -> None:
        """What the user has typed into the view's inputs."""
        with self._changed:
            self._modals.record_state(view_id, copy.deepcopy(values))
            self._changed.notify_all()

    def apply_view_submission_ack(self, user: str, view_id: str, ack: Json | None) -> None:
        """Do to `user`'s modals what Slack does with a view_submission's ack body."""
        with self._changed:
            self._modals.apply_submission_ack(user, view_id, ack, self._now())
            self._changed.notify_all()

    def close_view(self, user: str, view_id: str, *, cleared: bool = False) -> None:
        with self._changed:
            self._modals.close(user, view_id, cleared=cleared)
            self._changed.notify_all()

    def post_user_message(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None
    ) -> Json:
        """A message typed by a person (for the console and for events tests)."""
        with self._changed:
            message = self._conversations.user_message(user, text, self._now())
            self._conversations.store(self._channel_id(channel), message, thread_ts)
            self._changed.notify_all()
            return copy.deepcopy(message)

    # -- helpers -----------------------------------------------------------------------------

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _now(self) -> float:
        return self._clock() if self._clock is not None else time.time()

    def _channel_id(self, channel: str) -> str:
        found = self.directory.channel(channel)
        return found.id if found is not None else channel
