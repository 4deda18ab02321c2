"""`FakeSlack`: a loopback HTTP server that answers like Slack's Web API and response URLs.

Point a `slack_sdk.WebClient(base_url=fake.url, token=...)` (or `SLACK_API_URL`) at it. It checks
the bot token, keeps the workspace's state (messages and threads per channel, ephemerals per
user, a stack of open modals per user), hands out trigger ids and response URLs with Slack's
limits, records every call in order, and lets a test inject 429s and errors per method.

Slack-shaped JSON (messages, views) stays as dicts here: it is what the bot sends and reads.
One lock guards all state; every change wakes `wait_for`.
"""

from __future__ import annotations

import copy
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WsgiResponse

from bot.standin import ids
from bot.standin.blocks import MESSAGE_BLOCK_LIMIT, InvalidBlocks, normalize_blocks, validate_blocks
from bot.standin.conversations import Conversations
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
from bot.standin.modals import TRIGGER_TTL_SECONDS, Modals, check_view
from bot.standin.records import ApiCall, ApiError, Json, MessageRef, ResponseUrlPost
from bot.standin.response_urls import RESPONSE_URL_TTL_SECONDS, ResponseUrls
from bot.standin.server import LoopbackServer
from bot.standin.socket_mode import SocketModeServer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["DEFAULT_BOT_TOKEN", "ApiCall", "FakeSlack", "MessageRef", "ResponseUrlPost"]

T = TypeVar("T")

DEFAULT_BOT_TOKEN = "xoxb-test-token"
DEFAULT_APP_TOKEN = "xapp-1-test-app-token"
# Methods called with the app-level token (xapp-) rather than the bot token.
_APP_TOKEN_METHODS = ("apps.connections.open",)

# Arguments that arrive JSON-encoded inside form bodies (slack_sdk sends some methods as forms).
_JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files")


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
        self._server = LoopbackServer(self)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._conversations = Conversations(self.directory)
        self._modals = Modals(self.directory, trigger_ttl=trigger_ttl)
        self._response_urls = ResponseUrls(self._conversations)
        self._calls: list[ApiCall] = []
        self._responses: list[ResponseUrlPost] = []
        self._rate_limits: dict[str, deque[int]] = {}
        self._not_before: dict[str, float] = {}  # method -> end of the Retry-After it was given
        self._enforce_retry_after = False
        self.early_retries: list[ApiCall] = []  # calls made before their Retry-After was over
        self._pace: tuple[float, int] | None = None  # (posts a second, burst) per channel
        self._channel_full_at: dict[str, float] = {}
        self._failures: dict[str, deque[str]] = {}
        self._homes: dict[str, Json] = {}  # user id → the App Home view published for them
        self._files: dict[str, Json] = {}  # file id -> Slack's file object (+ "content" bytes)
        self._uploads: dict[str, str] = {}  # upload URL path -> file id
        self._methods: dict[str, Callable[[Json, float], Json]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
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
            self._rate_limits.setdefault(method, deque()).extend([retry_after] * times)

    def enforce_retry_after(self) -> None:
        """Answer a call made before its method's last `Retry-After` is over with another 429,
        and record it in `early_retries` (as Slack does; opt-in, so a test may inject a 429 and
        call again at once)."""
        with self._lock:
            self._enforce_retry_after = True

    def pace_channels(self, per_second: float = 1.0, *, burst: int = 4) -> None:
        """Enforce Slack's chat.postMessage limit: `burst` posts to one channel at once, then
        `per_second`; a post beyond it is answered 429 `ratelimited` with `Retry-After`."""
        with self._lock:
            self._pace = (per_second, burst)

    def expire_response_urls(self) -> None:
        """Make every response URL issued so far older than Slack's 30 minutes."""
        with self._lock:
            self._response_urls.age(RESPONSE_URL_TTL_SECONDS + 1)

    def fail_next(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `{"ok": false, "error": error}`."""
        with self._lock:
            self._failures.setdefault(method, deque()).extend([error] * times)

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
            return [c for c in self._calls if method is None or c.method == method]

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
            return list(self._responses)

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
            found = self._homes.get(user)
            return copy.deepcopy(found) if found is not None else None

    def view(self, view_id: str) -> Json | None:
        with self._lock:
            found = self._modals.find(view_id)
            return copy.deepcopy(found[1]) if found else None

    def files(self) -> list[Json]:
        """Files whose upload was completed, oldest first: Slack's file object plus `content`
        (the bytes uploaded) and `shares` (where the message showing it was posted)."""
        with self._lock:
            return [copy.deepcopy(f) for f in self._files.values() if f["completed"]]

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
            message: Json = {
                "type": "message",
                "user": user,
                "team": self.team.id,
                "text": text,
                "ts": self._conversations.next_ts(self._now()),
            }
            self._conversations.store(self._channel_id(channel), message, thread_ts)
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
        elif path.startswith("/upload/") and request.method == "POST":
            response = self._handle_upload(request)
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
                body = ApiError("unknown_method").body()
            elif not token:
                body = ApiError("not_authed").body()
            elif token != (self.app_token if method in _APP_TOKEN_METHODS else self.bot_token):
                body = ApiError("invalid_auth").body()
            elif self._enforce_retry_after and now < self._not_before.get(method, 0.0):
                # Slack answers a call made before Retry-After is over with another 429.
                status, body = 429, ApiError("ratelimited").body()
                headers["Retry-After"] = str(max(1, math.ceil(self._not_before[method] - now)))
                self.early_retries.append(ApiCall(method, args, now, status, copy.deepcopy(body)))
            elif self._rate_limits.get(method) or (retry := self._paced_out(method, args, now)):
                wait = (
                    self._rate_limits[method].popleft() if self._rate_limits.get(method) else retry
                )
                status, body = 429, ApiError("ratelimited").body()
                headers["Retry-After"] = str(wait)
                self._not_before[method] = now + wait
            elif self._failures.get(method):
                body = ApiError(self._failures[method].popleft()).body()
            else:
                try:
                    body = {"ok": True, **handler(args, now)}
                except ApiError as exc:
                    body = exc.body()
            self._calls.append(ApiCall(method, args, now, status, copy.deepcopy(body)))
            self._changed.notify_all()
        return WsgiResponse(
            json.dumps(body),
            status=status,
            headers=headers,
            content_type="application/json; charset=utf-8",
        )

    def _handle_upload(self, request: Request) -> WsgiResponse:
        """The upload URL files.getUploadURLExternal handed out: the file's bytes, raw."""
        data = request.get_data(cache=False, parse_form_data=False)
        with self._changed:
            file_id = self._uploads.get(request.path)
            if file_id is None:
                return WsgiResponse("invalid upload url", status=404, content_type="text/plain")
            self._files[file_id]["content"] = data
            self._changed.notify_all()
        return WsgiResponse(f"OK - {len(data)}", status=200, content_type="text/plain")

    def _handle_response_url(self, request: Request) -> WsgiResponse:
        now = self._now()
        url = self.base_url + request.path.lstrip("/")
        raw = request.get_data(as_text=True)
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = None
        with self._changed:
            issued = self._response_urls.get(url)
            if issued is None:
                status, result = 404, "invalid_url"
            elif not isinstance(parsed, dict):
                status, result = 400, "invalid_payload"
            else:
                status, result = self._response_urls.post(issued, parsed, now)
            self._responses.append(
                ResponseUrlPost(
                    url,
                    copy.deepcopy(parsed) if isinstance(parsed, dict) else {"raw": raw},
                    now,
                    status,
                    result,
                    issued.user if issued else "",
                    issued.channel if issued else "",
                )
            )
            self._changed.notify_all()
        return WsgiResponse(result, status=status, content_type="text/html")

    # -- Web API methods (called with the lock held) -----------------------------------------

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

    def _apps_connections_open(self, args: Json, now: float) -> Json:
        return {"url": self.socket_mode.new_url()}

    def _chat_post_message(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        message = self._new_bot_message(args, now)
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = args["metadata"]
        self._conversations.store(channel.id, message, args.get("thread_ts") or None)
        return {"channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _files_get_upload_url_external(self, args: Json, now: float) -> Json:
        filename, length = _text(args, "filename"), _text(args, "length")
        if not filename or not length.isdigit() or int(length) <= 0:
            raise ApiError("invalid_arguments", messages=["[ERROR] filename and length needed"])
        file_id = ids.random_id("F")
        path = f"/upload/v1/{ids.random_id('', 24).lower()}"
        self._files[file_id] = {
            "id": file_id,
            "name": filename,
            "title": filename,
            "alt_txt": _text(args, "alt_txt") or None,
            "length": int(length),
            "content": None,
            "completed": False,
            "user": self.bot.user_id,
        }
        self._uploads[path] = file_id
        return {"upload_url": self.base_url + path.lstrip("/"), "file_id": file_id}

    def _files_complete_upload_external(self, args: Json, now: float) -> Json:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise ApiError("invalid_arguments", messages=["[ERROR] files must be a JSON list"])
        channel_id = _text(args, "channel_id")
        channel = self.directory.channel(channel_id) if channel_id else None
        if channel_id and channel is None:
            raise ApiError("channel_not_found")
        done: list[Json] = []
        for entry in files:
            found = self._files.get(str(entry.get("id")) if isinstance(entry, dict) else "")
            if found is None or found["completed"]:
                raise ApiError("file_not_found")
            if found["content"] is None or len(found["content"]) != found["length"]:
                raise ApiError("file_upload_size_mismatch")
            found["completed"] = True
            found["title"] = str(entry.get("title") or found["name"])
            found["mimetype"] = _mimetype(found["content"])
            done.append(_file_json(found))
        if channel is not None:
            message = self._conversations.bot_message(
                _text(args, "initial_comment"), None, None, now
            )
            message["files"] = done
            message["upload"] = True
            self._conversations.store(channel.id, message, _text(args, "thread_ts") or None)
            for found in done:
                self._files[found["id"]]["shares"] = {"channel": channel.id, "ts": message["ts"]}
        return {"files": [{"id": f["id"], "title": f["title"]} for f in done]}

    def _chat_post_ephemeral(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        user = self._require_user(args)
        message = self._new_bot_message(args, now)
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self._conversations.add_ephemeral(user.id, channel.id, message, via="chat.postEphemeral")
        return {"message_ts": message["ts"]}

    def _chat_update(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        slot = self._conversations.slot(MessageRef(channel.id, str(args.get("ts") or "")))
        if slot is None:
            raise ApiError("message_not_found")
        messages, index = slot
        message = dict(messages[index])
        if message.get("bot_id") != self.bot.bot_id:
            raise ApiError("cant_update_message")
        if "text" in args:
            message["text"] = str(args["text"] or "")
        if "blocks" in args:
            blocks = self._message_blocks(args)
            message.pop("blocks", None)
            if blocks:
                message["blocks"] = blocks
        if "attachments" in args:
            message["attachments"] = args["attachments"]
        message["edited"] = {"user": self.bot.user_id, "ts": self._conversations.next_ts(now)}
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
        slot = self._conversations.slot(ref)
        if slot is None:
            raise ApiError("message_not_found")
        if slot[0][slot[1]].get("bot_id") != self.bot.bot_id:
            raise ApiError("cant_delete_message")
        self._conversations.delete(ref)
        return {"channel": channel.id, "ts": ref.ts}

    def _views_open(self, args: Json, now: float) -> Json:
        view = check_view(args.get("view"))
        return {"view": copy.deepcopy(self._modals.open(_text(args, "trigger_id"), view, now))}

    def _views_push(self, args: Json, now: float) -> Json:
        view = check_view(args.get("view"))
        return {"view": copy.deepcopy(self._modals.push(_text(args, "trigger_id"), view, now))}

    def _views_update(self, args: Json, now: float) -> Json:
        updated = self._modals.update(
            check_view(args.get("view")),
            now,
            view_id=_text(args, "view_id") or None,
            external_id=_text(args, "external_id") or None,
            expected_hash=_text(args, "hash") or None,
        )
        return {"view": copy.deepcopy(updated)}

    def _views_publish(self, args: Json, now: float) -> Json:
        user = self.directory.user(_text(args, "user_id"))
        if user is None:
            raise ApiError("user_not_found")
        view = check_view(args.get("view"), "home")
        published = {
            "id": ids.random_id("V"),
            "type": "home",
            "blocks": normalize_blocks(view["blocks"]) or [],
            "callback_id": view.get("callback_id", ""),
            "hash": ids.view_hash(now),
        }
        self._homes[user.id] = published
        return {"view": copy.deepcopy(published)}

    def _users_info(self, args: Json, now: float) -> Json:
        return {"user": user_json(self._require_user(args), self.team)}

    def _usergroups_users_list(self, args: Json, now: float) -> Json:
        members = self.directory.usergroup_members(_text(args, "usergroup"))
        if members is None:
            raise ApiError("no_such_subteam")
        return {"users": members}

    def _conversations_info(self, args: Json, now: float) -> Json:
        return {"channel": channel_json(self._require_channel(args))}

    def _conversations_history(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        newest_first = list(reversed(self._conversations.top_level(channel.id)))
        oldest, latest = args.get("oldest"), args.get("latest")
        if oldest:
            newest_first = [m for m in newest_first if float(m["ts"]) > float(oldest)]
        if latest:
            newest_first = [m for m in newest_first if float(m["ts"]) < float(latest)]
        return _page(newest_first, args, "messages") | {"pin_count": 0}

    def _conversations_replies(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        thread = self._conversations.thread(channel.id, _text(args, "ts"))
        if not thread:
            raise ApiError("thread_not_found")
        return _page(thread, args, "messages")

    # -- helpers -----------------------------------------------------------------------------

    def _paced_out(self, method: str, args: Json, now: float) -> int:
        """Seconds to wait if this post goes over its channel's pace, else 0 (and it is taken)."""
        if self._pace is None or method != "chat.postMessage":
            return 0
        rate, burst = self._pace
        interval = 1.0 / rate
        channel = self._channel_id(_text(args, "channel"))
        full_at = max(self._channel_full_at.get(channel, now), now)
        # 50 ms of leeway: a post travels a little, and not always as fast as the one before.
        if full_at - now > (burst - 1) * interval + 0.05:
            return max(1, math.ceil(full_at - (burst - 1) * interval - now))
        self._channel_full_at[channel] = full_at + interval
        return 0

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _now(self) -> float:
        return self._clock() if self._clock is not None else time.time()

    def _channel_id(self, channel: str) -> str:
        found = self.directory.channel(channel)
        return found.id if found is not None else channel

    def _require_channel(self, args: Json) -> Channel:
        channel = self.directory.channel(_text(args, "channel"))
        if channel is None:
            raise ApiError("channel_not_found")
        return channel

    def _require_user(self, args: Json) -> User:
        user = self.directory.user(_text(args, "user"))
        if user is None:
            raise ApiError("user_not_found")
        return user

    def _message_blocks(self, args: Json) -> list[Json] | None:
        blocks = args.get("blocks")
        if blocks is None or blocks == []:
            return None
        try:
            return normalize_blocks(validate_blocks(blocks, limit=MESSAGE_BLOCK_LIMIT))
        except InvalidBlocks as exc:
            raise ApiError("invalid_blocks", messages=[str(exc)]) from exc

    def _new_bot_message(self, args: Json, now: float) -> Json:
        blocks = self._message_blocks(args)
        if not args.get("text") and not blocks and not args.get("attachments"):
            raise ApiError("no_text")
        return self._conversations.bot_message(
            _text(args, "text"), blocks, args.get("attachments"), now
        )


def _mimetype(content: bytes) -> str:
    return "image/png" if content.startswith(b"\x89PNG\r\n\x1a\n") else "application/octet-stream"


def _file_json(found: Json) -> Json:
    """A file as Slack shows it in a message (without the bytes)."""
    return {
        key: found[key]
        for key in ("id", "name", "title", "mimetype", "alt_txt", "user")
        if found.get(key) is not None
    } | {"size": found["length"], "filetype": found["name"].rsplit(".", 1)[-1]}


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


def _text(args: Json, name: str) -> str:
    value = args.get(name)
    return "" if value is None else str(value)


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
