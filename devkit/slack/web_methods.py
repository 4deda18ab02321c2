"""The Web API methods the fake answers (auth, chat, views, users, usergroups, conversations;
files.* are in `files`), each turning its arguments into Slack's answer or an `ApiError`.

Not thread-safe by itself: `FakeSlack` calls it with its lock held.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from devkit.slack import ids
from devkit.slack.blocks import (
    MESSAGE_BLOCK_LIMIT,
    InvalidBlocks,
    normalize_blocks,
    validate_blocks,
)
from devkit.slack.conversations import Conversations
from devkit.slack.directory import Channel, Directory, User, channel_json, user_json
from devkit.slack.files import Files
from devkit.slack.modals import Modals, check_view
from devkit.slack.records import ApiError, Json, MessageRef
from devkit.slack.socket_mode import SocketModeServer
from devkit.slack.web_args import page, text_arg

Method = Callable[[Json, float], Json]


class WebMethods:
    """Slack's Web API methods by name, over the workspace's state."""

    def __init__(
        self,
        directory: Directory,
        conversations: Conversations,
        modals: Modals,
        files: Files,
        socket_mode: SocketModeServer,
    ) -> None:
        self._directory = directory
        self._conversations = conversations
        self._modals = modals
        self._socket_mode = socket_mode
        self.homes: dict[str, Json] = {}  # user id -> the App Home view published for them
        self._methods: dict[str, Method] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "files.getUploadURLExternal": files.get_upload_url_external,
            "files.completeUploadExternal": files.complete_upload_external,
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

    def get(self, method: str) -> Method | None:
        """The handler of `method` (it raises `ApiError`), or None for a method Slack lacks."""
        return self._methods.get(method)

    def _auth_test(self, args: Json, now: float) -> Json:
        return {
            "url": f"https://{self._directory.team.domain}.slack.com/",
            "team": self._directory.team.name,
            "user": self._directory.bot.name,
            "team_id": self._directory.team.id,
            "user_id": self._directory.bot.user_id,
            "bot_id": self._directory.bot.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: Json, now: float) -> Json:
        return {"url": self._socket_mode.new_url()}

    def _chat_post_message(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        message = self._new_bot_message(args, now)
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = args["metadata"]
        self._conversations.store(channel.id, message, args.get("thread_ts") or None)
        return {"channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}

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
        if message.get("bot_id") != self._directory.bot.bot_id:
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
        message["edited"] = {
            "user": self._directory.bot.user_id,
            "ts": self._conversations.next_ts(now),
        }
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
        if slot[0][slot[1]].get("bot_id") != self._directory.bot.bot_id:
            raise ApiError("cant_delete_message")
        self._conversations.delete(ref)
        return {"channel": channel.id, "ts": ref.ts}

    def _views_open(self, args: Json, now: float) -> Json:
        view = check_view(args.get("view"))
        return {"view": copy.deepcopy(self._modals.open(text_arg(args, "trigger_id"), view, now))}

    def _views_push(self, args: Json, now: float) -> Json:
        view = check_view(args.get("view"))
        return {"view": copy.deepcopy(self._modals.push(text_arg(args, "trigger_id"), view, now))}

    def _views_update(self, args: Json, now: float) -> Json:
        updated = self._modals.update(
            check_view(args.get("view")),
            now,
            view_id=text_arg(args, "view_id") or None,
            external_id=text_arg(args, "external_id") or None,
            expected_hash=text_arg(args, "hash") or None,
        )
        return {"view": copy.deepcopy(updated)}

    def _views_publish(self, args: Json, now: float) -> Json:
        user = self._directory.user(text_arg(args, "user_id"))
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
        self.homes[user.id] = published
        return {"view": copy.deepcopy(published)}

    def _users_info(self, args: Json, now: float) -> Json:
        return {"user": user_json(self._require_user(args), self._directory.team)}

    def _usergroups_users_list(self, args: Json, now: float) -> Json:
        members = self._directory.usergroup_members(text_arg(args, "usergroup"))
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
        return page(newest_first, args, "messages") | {"pin_count": 0}

    def _conversations_replies(self, args: Json, now: float) -> Json:
        channel = self._require_channel(args)
        thread = self._conversations.thread(channel.id, text_arg(args, "ts"))
        if not thread:
            raise ApiError("thread_not_found")
        return page(thread, args, "messages")

    # -- helpers -----------------------------------------------------------------------------

    def _require_channel(self, args: Json) -> Channel:
        channel = self._directory.channel(text_arg(args, "channel"))
        if channel is None:
            raise ApiError("channel_not_found")
        return channel

    def _require_user(self, args: Json) -> User:
        user = self._directory.user(text_arg(args, "user"))
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
            text_arg(args, "text"), blocks, args.get("attachments"), now
        )
