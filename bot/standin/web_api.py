"""`FakeSlack`: a loopback HTTP server that answers like Slack's Web API and response URLs.

Point a `slack_sdk.WebClient(base_url=fake.url, token=...)` (or `SLACK_API_URL`) at it. It checks
the bot token, keeps the workspace's state (messages and threads per channel, ephemerals per
user, a stack of open modals per user), hands out trigger ids and response URLs with Slack's
limits, records every call in order, and lets a test inject 429s and errors per method.

Slack-shaped JSON (messages, views) stays as dicts here: it is what the bot sends and reads.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WsgiResponse

from bot.standin import ids
from bot.standin.blocks import (
    MESSAGE_BLOCK_LIMIT,
    VIEW_BLOCK_LIMIT,
    InvalidBlocks,
    input_block_ids,
    interactive_elements,
    validate_blocks,
)
from bot.standin.directory import (
    BotIdentity,
    Channel,
    Directory,
    Team,
    User,
    channel_json,
    user_json,
)
from bot.standin.errors import SlackRejected, WaitTimeout
from bot.standin.server import LoopbackServer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

Json = dict[str, Any]
T = TypeVar("T")

DEFAULT_BOT_TOKEN = "xoxb-test-token"
TRIGGER_TTL_SECONDS = 3.0
RESPONSE_URL_TTL_SECONDS = 30 * 60
RESPONSE_URL_MAX_USES = 5
VIEW_STACK_LIMIT = 3

# Arguments that arrive JSON-encoded inside form bodies (slack_sdk sends some methods as forms).
_JSON_ARGS = ("blocks", "attachments", "view", "metadata")


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


@dataclass
class _Trigger:
    user: str
    issued_at: float
    used: bool = False


@dataclass
class _ResponseUrl:
    url: str
    user: str
    channel: str
    issued_at: float
    origin: MessageRef | None
    uses: int = 0


class _ApiError(Exception):
    def __init__(self, error: str, *, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def body(self) -> Json:
        body: Json = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


class FakeSlack:
    """A stand-in for Slack's Web API on loopback. `start()` it, use `.url`, `stop()` it."""

    def __init__(
        self,
        *,
        bot_token: str = DEFAULT_BOT_TOKEN,
        team: Team | None = None,
        bot: BotIdentity | None = None,
        clock: Callable[[], float] | None = None,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
    ) -> None:
        self.bot_token = bot_token
        self.directory = Directory(team=team or Team(), bot=bot or BotIdentity())
        self._clock = clock
        self._trigger_ttl = trigger_ttl
        self._server = LoopbackServer(self)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._ts = ids.TsSource()

        self._calls: list[ApiCall] = []
        self._responses: list[ResponseUrlPost] = []
        self._channels: dict[str, list[Json]] = {}
        self._replies: dict[tuple[str, str], list[Json]] = {}
        self._ephemerals: dict[str, list[Json]] = {}
        self._stacks: dict[str, list[Json]] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._rate_limits: dict[str, deque[int]] = {}
        self._failures: dict[str, deque[str]] = {}
        self._methods: dict[str, Callable[[Json, float], Json]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "users.info": self._users_info,
            "usergroups.users.list": self._usergroups_users_list,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
        }

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
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
            self._rate_limits.setdefault(method, deque()).extend([retry_after] * times)

    def fail_next(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `{"ok": false, "error": error}`."""
        with self._lock:
            self._failures.setdefault(method, deque()).extend([error] * times)

    # -- things Slack hands out with each interaction ----------------------------------------

    def issue_trigger(self, user: str) -> str:
        """A fresh `trigger_id` for `user`, usable once with views.open/push within 3 s."""
        trigger = ids.trigger_id()
        with self._lock:
            self._triggers[trigger] = _Trigger(user, self._now())
        return trigger

    def issue_response_url(self, user: str, channel: str, origin: MessageRef | None = None) -> str:
        """A fresh response URL: 5 uses within 30 minutes, replying to `user` in `channel`."""
        url = f"{self.base_url}response/{ids.random_id('R', 16)}"
        with self._lock:
            self._response_urls[url] = _ResponseUrl(url, user, channel, self._now(), origin)
        return url

    # -- queries for tests -------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Every Web API call received so far, in order (only `method`'s, if given)."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def messages(self, channel: str) -> list[Json]:
        """The channel's top-level messages, oldest first (thread replies via `thread`)."""
        with self._lock:
            return copy.deepcopy(self._channels.get(self._channel_id(channel), []))

    def thread(self, channel: str, ts: str) -> list[Json]:
        """A thread's parent then its replies, oldest first; empty if there is no such message."""
        with self._lock:
            channel_id = self._channel_id(channel)
            parent = self._top_level(channel_id, ts)
            if parent is None:
                return []
            return copy.deepcopy([parent, *self._replies.get((channel_id, ts), [])])

    def ephemerals(self, user: str) -> list[Json]:
        """Ephemeral messages shown to `user`, oldest first; each carries `channel` and `via`."""
        with self._lock:
            return copy.deepcopy(self._ephemerals.get(user, []))

    def responses(self) -> list[ResponseUrlPost]:
        """Every POST to a response URL, in order, including refused ones."""
        with self._lock:
            return list(self._responses)

    def open_view(self, user: str) -> Json | None:
        """The modal on top of `user`'s view stack, or None when no modal is open."""
        with self._lock:
            stack = self._stacks.get(user)
            return copy.deepcopy(stack[-1]) if stack else None

    def view_stack(self, user: str) -> list[Json]:
        """`user`'s open modals, bottom first."""
        with self._lock:
            return copy.deepcopy(self._stacks.get(user, []))

    def view(self, view_id: str) -> Json | None:
        with self._lock:
            found = self._find_view(view_id)
            return copy.deepcopy(found[1]) if found else None

    def find_message(self, ts: str, *, user: str | None = None) -> MessageRef | None:
        """Where the message with `ts` lives (looking in `user`'s ephemerals too, if given)."""
        with self._lock:
            for channel_id, messages in self._channels.items():
                if any(m["ts"] == ts for m in messages):
                    return MessageRef(channel_id, ts)
            for (channel_id, _), replies in self._replies.items():
                if any(m["ts"] == ts for m in replies):
                    return MessageRef(channel_id, ts)
            candidates = [user] if user is not None else list(self._ephemerals)
            for who in candidates:
                for message in self._ephemerals.get(who, []):
                    if message["ts"] == ts:
                        return MessageRef(message["channel"], ts, ephemeral_user=who)
        return None

    def message(self, ref: MessageRef) -> Json | None:
        with self._lock:
            found = self._message_slot(ref)
            return copy.deepcopy(found[0][found[1]]) if found else None

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Block until `predicate()` is truthy (re-checked on every change); return its value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(f"condition still false after {timeout} s")
                self._changed.wait(min(remaining, 0.05))

    # -- Slack-side effects of the bot's HTTP answers (used by SlackSender) ------------------

    def show_command_reply(self, user: str, channel: str, response_url: str, reply: Json) -> None:
        """Show a slash command's synchronous answer, as Slack does with the ack's body."""
        with self._changed:
            text, blocks = reply.get("text"), reply.get("blocks")
            if not text and not blocks:
                return
            try:
                checked = _normalize_blocks(
                    validate_blocks(blocks, limit=MESSAGE_BLOCK_LIMIT) if blocks else None
                )
            except InvalidBlocks as exc:
                raise SlackRejected(f"command reply has invalid blocks: {exc}") from exc
            channel_id = self._channel_id(channel)
            ref = self._show_reply(user, channel_id, reply, checked, via="command_reply")
            issued = self._response_urls.get(response_url)
            if issued is not None and issued.origin is None:
                issued.origin = ref
            self._changed.notify_all()

    def record_view_state(self, view_id: str, values: Json) -> None:
        with self._changed:
            found = self._find_view(view_id)
            if found is not None:
                found[1]["state"] = {"values": copy.deepcopy(values)}

    def apply_view_submission_ack(self, user: str, view_id: str, ack: Json | None) -> None:
        """Do to `user`'s modals what Slack does with a view_submission's ack body."""
        with self._changed:
            stack = self._stacks.get(user, [])
            index = next((i for i, v in enumerate(stack) if v["id"] == view_id), None)
            if index is None:
                raise SlackRejected(f"view {view_id} is not open for {user}")
            action = (ack or {}).get("response_action")
            now = self._now()
            if action is None:
                del stack[index:]
            elif action == "clear":
                stack.clear()
            elif action == "errors":
                errors = (ack or {}).get("errors")
                inputs = input_block_ids(stack[index].get("blocks", []))
                if not isinstance(errors, dict) or not errors or set(errors) - inputs:
                    raise SlackRejected(
                        f"errors must name input blocks of the view ({sorted(inputs)}): {errors}"
                    )
            elif action in ("update", "push"):
                new_view = (ack or {}).get("view")
                try:
                    checked = self._check_view(new_view)
                except _ApiError as exc:
                    raise SlackRejected(f"response_action {action}: {exc.error}") from exc
                if action == "update":
                    stack[index] = self._replace_view(stack[index], checked, now)
                else:
                    if len(stack) >= VIEW_STACK_LIMIT:
                        raise SlackRejected("push_limit_reached")
                    stack.append(self._new_view(checked, now, previous=stack[-1]))
            else:
                raise SlackRejected(f"unknown response_action {action!r}")
            self._changed.notify_all()

    def close_view(self, user: str, view_id: str, *, cleared: bool = False) -> None:
        with self._changed:
            stack = self._stacks.get(user, [])
            if cleared:
                stack.clear()
            else:
                self._stacks[user] = [v for v in stack if v["id"] != view_id]
            self._changed.notify_all()

    def post_user_message(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None
    ) -> Json:
        """A message typed by a person (for the console and for events tests)."""
        with self._changed:
            channel_id = self._channel_id(channel)
            message: Json = {
                "type": "message",
                "user": user,
                "team": self.team.id,
                "text": text,
                "ts": self._ts.next(self._now()),
            }
            self._store_message(channel_id, message, thread_ts)
            self._changed.notify_all()
            return copy.deepcopy(message)

    # -- WSGI --------------------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        request = Request(environ)
        path = request.path
        if path.startswith("/api/"):
            response = self._handle_api(path.removeprefix("/api/"), request)
        elif path.startswith("/response/") and request.method == "POST":
            response = self._handle_response_url(request)
        else:
            response = WsgiResponse("not found", status=404, content_type="text/plain")
        return response(environ, start_response)

    def _handle_api(self, method: str, request: Request) -> WsgiResponse:
        now = self._now()
        args, token = _parse_args(request)
        status, headers = 200, {"X-Slack-Req-Id": ids.random_id("", 16).lower()}
        with self._changed:
            handler = self._methods.get(method)
            if handler is None:
                body = _ApiError("unknown_method").body()
            elif not token:
                body = _ApiError("not_authed").body()
            elif token != self.bot_token:
                body = _ApiError("invalid_auth").body()
            elif self._rate_limits.get(method):
                status = 429
                headers["Retry-After"] = str(self._rate_limits[method].popleft())
                body = _ApiError("ratelimited").body()
            elif self._failures.get(method):
                body = _ApiError(self._failures[method].popleft()).body()
            else:
                try:
                    body = {"ok": True, **handler(args, now)}
                except _ApiError as exc:
                    body = exc.body()
            self._calls.append(ApiCall(method, args, now, status, copy.deepcopy(body)))
            self._changed.notify_all()
        return WsgiResponse(
            json.dumps(body),
            status=status,
            headers=headers,
            content_type="application/json; charset=utf-8",
        )

    def _handle_response_url(self, request: Request) -> WsgiResponse:
        now = self._now()
        url = self.base_url + request.path.lstrip("/")
        raw = request.get_data(as_text=True)
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = None
        body: Json = parsed if isinstance(parsed, dict) else {"_raw": raw}
        with self._changed:
            issued = self._response_urls.get(url)
            if issued is None:
                status, result = 404, "invalid_url"
            else:
                status, result = self._respond(issued, body, now)
            self._responses.append(
                ResponseUrlPost(
                    url,
                    copy.deepcopy(body),
                    now,
                    status,
                    result,
                    issued.user if issued else "",
                    issued.channel if issued else "",
                )
            )
            self._changed.notify_all()
        return WsgiResponse(result, status=status, content_type="text/html")

    def _respond(self, issued: _ResponseUrl, body: Json, now: float) -> tuple[int, str]:
        if now - issued.issued_at > RESPONSE_URL_TTL_SECONDS:
            return 404, "expired_url"
        if issued.uses >= RESPONSE_URL_MAX_USES:
            return 404, "used_url"
        if "_raw" in body:
            return 400, "invalid_payload"
        blocks = body.get("blocks")
        try:
            checked = _normalize_blocks(
                validate_blocks(blocks, limit=MESSAGE_BLOCK_LIMIT) if blocks else None
            )
        except InvalidBlocks:
            return 400, "invalid_blocks"
        if _flag(body.get("delete_original")):
            if issued.origin is None or self._message_slot(issued.origin) is None:
                return 404, "message_not_found"
            self._delete(issued.origin)
            issued.origin = None
        elif not body.get("text") and not checked:
            return 400, "no_text"
        elif _flag(body.get("replace_original")) and issued.origin is not None:
            slot = self._message_slot(issued.origin)
            if slot is None:
                return 404, "message_not_found"
            messages, index = slot
            replaced = dict(messages[index])
            replaced["text"] = body.get("text", "")
            replaced.pop("blocks", None)
            if checked:
                replaced["blocks"] = checked
            messages[index] = replaced
        else:
            try:
                ref = self._show_reply(
                    issued.user, issued.channel, body, checked, via="response_url"
                )
            except _ApiError as exc:
                return 404, exc.error
            if issued.origin is None:
                issued.origin = ref
        issued.uses += 1
        return 200, "ok"

    def _show_reply(
        self, user: str, channel_id: str, body: Json, blocks: list[Json] | None, *, via: str
    ) -> MessageRef:
        text = str(body.get("text") or "")
        thread_ts = body.get("thread_ts")
        if body.get("response_type") == "in_channel":
            message = self._bot_message(text, blocks, None, self._now())
            self._store_message(channel_id, message, thread_ts)
            return MessageRef(channel_id, message["ts"])
        ephemeral = self._bot_message(text, blocks, None, self._now())
        ephemeral.update(channel=channel_id, via=via)
        if thread_ts:
            ephemeral["thread_ts"] = thread_ts
        self._ephemerals.setdefault(user, []).append(ephemeral)
        return MessageRef(channel_id, ephemeral["ts"], ephemeral_user=user)

    # -- Web API methods ---------------------------------------------------------------------

    def _auth_test(self, args: Json, now: float) -> Json:
        return {
            "url": f"https://{self.team.domain}.slack.com/",
            "team": self.team.name,
            "user": self.bot.name,
            "team_id": self.team.id,
            "user_id": self.bot.user_id,
            "bot_id": self.bot.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        blocks = self._message_blocks(args)
        if not args.get("text") and not blocks and not args.get("attachments"):
            raise _ApiError("no_text")
        message = self._bot_message(
            str(args.get("text") or ""), blocks, args.get("attachments"), now
        )
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = args["metadata"]
        self._store_message(channel.id, message, args.get("thread_ts") or None)
        return {"channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_post_ephemeral(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        user = self._require_user(args)
        blocks = self._message_blocks(args)
        if not args.get("text") and not blocks and not args.get("attachments"):
            raise _ApiError("no_text")
        message = self._bot_message(
            str(args.get("text") or ""), blocks, args.get("attachments"), now
        )
        message.update(channel=channel.id, via="chat.postEphemeral")
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self._ephemerals.setdefault(user.id, []).append(message)
        return {"message_ts": message["ts"]}

    def _chat_update(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        slot = self._message_slot(MessageRef(channel.id, str(args.get("ts") or "")))
        if slot is None:
            raise _ApiError("message_not_found")
        messages, index = slot
        message = dict(messages[index])
        if message.get("bot_id") != self.bot.bot_id:
            raise _ApiError("cant_update_message")
        if "text" in args:
            message["text"] = str(args["text"] or "")
        if "blocks" in args:
            blocks = self._message_blocks(args)
            message.pop("blocks", None)
            if blocks:
                message["blocks"] = blocks
        if "attachments" in args:
            message["attachments"] = args["attachments"]
        message["edited"] = {"user": self.bot.user_id, "ts": self._ts.next(now)}
        messages[index] = message
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "text": message.get("text", ""),
            "message": copy.deepcopy(message),
        }

    def _chat_delete(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        ref = MessageRef(channel.id, str(args.get("ts") or ""))
        slot = self._message_slot(ref)
        if slot is None:
            raise _ApiError("message_not_found")
        if slot[0][slot[1]].get("bot_id") != self.bot.bot_id:
            raise _ApiError("cant_delete_message")
        self._delete(ref)
        return {"channel": channel.id, "ts": ref.ts}

    def _views_open(self, args: Json, now: float) -> Json:
        view = self._check_view(args.get("view"))
        user = self._use_trigger(args, now)
        opened = self._new_view(view, now, previous=None)
        self._stacks[user] = [opened]
        return {"view": copy.deepcopy(opened)}

    def _views_push(self, args: Json, now: float) -> Json:
        view = self._check_view(args.get("view"))
        user = self._use_trigger(args, now)
        stack = self._stacks.get(user)
        if not stack:
            raise _ApiError("not_found")
        if len(stack) >= VIEW_STACK_LIMIT:
            raise _ApiError("push_limit_reached")
        pushed = self._new_view(view, now, previous=stack[-1])
        stack.append(pushed)
        return {"view": copy.deepcopy(pushed)}

    def _views_update(self, args: Json, now: float) -> Json:
        view = self._check_view(args.get("view"))
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and not external_id:
            raise _ApiError("invalid_arguments", messages=["[ERROR] view_id or external_id"])
        found = self._find_view(view_id) if view_id else self._find_external(str(external_id))
        if found is None:
            raise _ApiError("not_found")
        stack, current = found
        expected = args.get("hash")
        if expected and expected != current["hash"]:
            raise _ApiError("hash_conflict")
        updated = self._replace_view(current, view, now)
        stack[stack.index(current)] = updated
        return {"view": copy.deepcopy(updated)}

    def _users_info(self, args: Json, now: float) -> Json:
        return {"user": user_json(self._require_user(args), self.team)}

    def _usergroups_users_list(self, args: Json, now: float) -> Json:
        members = self.directory.usergroup_members(str(args.get("usergroup") or ""))
        if members is None:
            raise _ApiError("no_such_subteam")
        return {"users": members}

    def _conversations_info(self, args: Json, now: float) -> Json:
        return {"channel": channel_json(self._require_channel(args))}

    def _conversations_history(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        newest_first = list(reversed(self._channels.get(channel.id, [])))
        oldest, latest = args.get("oldest"), args.get("latest")
        if oldest:
            newest_first = [m for m in newest_first if float(m["ts"]) > float(oldest)]
        if latest:
            newest_first = [m for m in newest_first if float(m["ts"]) < float(latest)]
        return _page(newest_first, args, "messages") | {"pin_count": 0}

    def _conversations_replies(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        ts = str(args.get("ts") or "")
        parent = self._top_level(channel.id, ts)
        if parent is None:
            ref = self._message_slot(MessageRef(channel.id, ts))
            parent_ts = ref[0][ref[1]].get("thread_ts") if ref else None
            parent = self._top_level(channel.id, parent_ts) if parent_ts else None
        if parent is None:
            raise _ApiError("thread_not_found")
        thread = [parent, *self._replies.get((channel.id, parent["ts"]), [])]
        return _page(thread, args, "messages")

    # -- state helpers (called with the lock held) -------------------------------------------

    def _now(self) -> float:
        return self._clock() if self._clock is not None else time.time()

    def _channel_id(self, channel: str) -> str:
        found = self.directory.channel(channel)
        return found.id if found is not None else channel

    def _require_channel(self, args: Json) -> Channel:
        channel = self.directory.channel(str(args.get("channel") or ""))
        if channel is None:
            raise _ApiError("channel_not_found")
        return channel

    def _require_user(self, args: Json) -> User:
        user = self.directory.user(str(args.get("user") or ""))
        if user is None:
            raise _ApiError("user_not_found")
        return user

    def _message_blocks(self, args: Json) -> list[Json] | None:
        blocks = args.get("blocks")
        if blocks is None or blocks == []:
            return None
        try:
            return _normalize_blocks(validate_blocks(blocks, limit=MESSAGE_BLOCK_LIMIT))
        except InvalidBlocks as exc:
            raise _ApiError("invalid_blocks", messages=[str(exc)]) from exc

    def _bot_message(
        self, text: str, blocks: list[Json] | None, attachments: Any, now: float
    ) -> Json:
        message: Json = {
            "type": "message",
            "user": self.bot.user_id,
            "bot_id": self.bot.bot_id,
            "app_id": self.bot.app_id,
            "team": self.team.id,
            "text": text,
            "ts": self._ts.next(now),
            "bot_profile": {
                "id": self.bot.bot_id,
                "app_id": self.bot.app_id,
                "name": self.bot.name,
                "deleted": False,
                "team_id": self.team.id,
            },
        }
        if blocks:
            message["blocks"] = blocks
        if attachments:
            message["attachments"] = attachments
        return message

    def _store_message(self, channel_id: str, message: Json, thread_ts: str | None) -> None:
        if not thread_ts:
            self._channels.setdefault(channel_id, []).append(message)
            return
        parent = self._top_level(channel_id, thread_ts)
        if parent is None:
            # A reply to a reply joins the parent's thread, as in Slack.
            slot = self._message_slot(MessageRef(channel_id, thread_ts))
            root = slot[0][slot[1]].get("thread_ts") if slot else None
            parent = self._top_level(channel_id, root) if root else None
        if parent is None:
            raise _ApiError("thread_not_found")
        message["thread_ts"] = parent["ts"]
        message["parent_user_id"] = parent.get("user")
        replies = self._replies.setdefault((channel_id, parent["ts"]), [])
        replies.append(message)
        self._refresh_thread_summary(parent, replies)

    @staticmethod
    def _refresh_thread_summary(parent: Json, replies: list[Json]) -> None:
        if not replies:
            for key in (
                "thread_ts",
                "reply_count",
                "reply_users",
                "reply_users_count",
                "latest_reply",
            ):
                parent.pop(key, None)
            return
        users = list(dict.fromkeys(str(r.get("user")) for r in replies))
        parent.update(
            thread_ts=parent["ts"],
            reply_count=len(replies),
            reply_users=users,
            reply_users_count=len(users),
            latest_reply=replies[-1]["ts"],
        )

    def _top_level(self, channel_id: str, ts: str) -> Json | None:
        return next((m for m in self._channels.get(channel_id, []) if m["ts"] == ts), None)

    def _message_slot(self, ref: MessageRef) -> tuple[list[Json], int] | None:
        if ref.ephemeral_user is not None:
            containers = [self._ephemerals.get(ref.ephemeral_user, [])]
        else:
            containers = [self._channels.get(ref.channel, [])]
            containers += [r for (c, _), r in self._replies.items() if c == ref.channel]
        for messages in containers:
            for index, message in enumerate(messages):
                if message["ts"] == ref.ts and (
                    ref.ephemeral_user is None or message.get("channel") == ref.channel
                ):
                    return messages, index
        return None

    def _delete(self, ref: MessageRef) -> None:
        slot = self._message_slot(ref)
        if slot is None:
            return
        messages, index = slot
        deleted = messages.pop(index)
        if ref.ephemeral_user is not None:
            return
        self._replies.pop((ref.channel, deleted["ts"]), None)
        parent_ts = deleted.get("thread_ts")
        if parent_ts and parent_ts != deleted["ts"]:
            parent = self._top_level(ref.channel, parent_ts)
            if parent is not None:
                self._refresh_thread_summary(
                    parent, self._replies.get((ref.channel, parent_ts), [])
                )

    def _use_trigger(self, args: Json, now: float) -> str:
        trigger = self._triggers.get(str(args.get("trigger_id") or ""))
        if trigger is None or now - trigger.issued_at > self._trigger_ttl:
            raise _ApiError("expired_trigger_id")
        if trigger.used:
            raise _ApiError("exchanged_trigger_id")
        trigger.used = True
        return trigger.user

    def _check_view(self, view: Any) -> Json:
        if not isinstance(view, dict) or view.get("type") != "modal":
            raise _ApiError("invalid_arguments", messages=["[ERROR] view must be a modal"])
        if not isinstance(view.get("title"), dict):
            raise _ApiError("invalid_arguments", messages=["[ERROR] missing title"])
        try:
            validate_blocks(view.get("blocks"), limit=VIEW_BLOCK_LIMIT)
        except InvalidBlocks as exc:
            raise _ApiError("invalid_blocks", messages=[str(exc)]) from exc
        return view

    def _new_view(self, view: Json, now: float, *, previous: Json | None) -> Json:
        view_id = ids.random_id("V")
        return {
            "id": view_id,
            "team_id": self.team.id,
            "type": "modal",
            "title": view["title"],
            "blocks": _normalize_blocks(view["blocks"]) or [],
            "close": view.get("close"),
            "submit": view.get("submit"),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": ids.view_hash(now),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": previous["id"] if previous else None,
            "root_view_id": previous["root_view_id"] if previous else view_id,
            "app_id": self.bot.app_id,
            "app_installed_team_id": self.team.id,
            "bot_id": self.bot.bot_id,
        }

    def _replace_view(self, current: Json, view: Json, now: float) -> Json:
        replaced = self._new_view(view, now, previous=None)
        replaced.update(
            id=current["id"],
            previous_view_id=current["previous_view_id"],
            root_view_id=current["root_view_id"],
        )
        return replaced

    def _find_view(self, view_id: str) -> tuple[list[Json], Json] | None:
        for stack in self._stacks.values():
            for view in stack:
                if view["id"] == view_id:
                    return stack, view
        return None

    def _find_external(self, external_id: str) -> tuple[list[Json], Json] | None:
        for stack in self._stacks.values():
            for view in stack:
                if external_id and view.get("external_id") == external_id:
                    return stack, view
        return None


def _parse_args(request: Request) -> tuple[Json, str | None]:
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


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def _page(items: list[Json], args: Json, key: str) -> Json:
    limit = int(args.get("limit") or 100)
    start = int(args.get("cursor") or 0)
    chunk = items[start : start + limit]
    has_more = start + limit < len(items)
    return {
        key: copy.deepcopy(chunk),
        "has_more": has_more,
        "response_metadata": {"next_cursor": str(start + limit) if has_more else ""},
    }


def _normalize_blocks(blocks: list[Json] | None) -> list[Json] | None:
    """Give every block a `block_id` and every element an `action_id`, as Slack does."""
    if not blocks:
        return None
    normalized = copy.deepcopy(blocks)
    for block in normalized:
        block.setdefault("block_id", ids.random_id("", 5))
    for _, element in interactive_elements(normalized):
        if element.get("type") not in ("image",):
            element.setdefault("action_id", ids.random_id("", 5))
    return normalized
