"""Messages per channel with their threads, and ephemerals per user.

Not thread-safe by itself: `FakeSlack` calls it with its lock held. Messages are Slack-shaped
dicts; ephemerals also carry `channel` and `via` (what showed them: `chat.postEphemeral`,
`response_url` or `command_reply`).
"""

from __future__ import annotations

from typing import Any

from devkit.slack import ids
from devkit.slack.directory import Directory
from devkit.slack.records import ApiError, Json, MessageRef

_THREAD_SUMMARY = ("thread_ts", "reply_count", "reply_users", "reply_users_count", "latest_reply")


class Conversations:
    def __init__(self, directory: Directory) -> None:
        self._directory = directory
        self._ts = ids.TsSource()
        self._top: dict[str, list[Json]] = {}
        self._replies: dict[tuple[str, str], list[Json]] = {}
        self._ephemerals: dict[str, list[Json]] = {}

    def next_ts(self, now: float) -> str:
        return self._ts.next(now)

    # -- reading ---------------------------------------------------------------------------

    def top_level(self, channel_id: str) -> list[Json]:
        return self._top.get(channel_id, [])

    def parent(self, channel_id: str, ts: str) -> Json | None:
        return next((m for m in self._top.get(channel_id, []) if m["ts"] == ts), None)

    def thread(self, channel_id: str, ts: str) -> list[Json]:
        """Parent then replies; `ts` may be the parent's or any reply's."""
        parent = self.parent(channel_id, ts)
        if parent is None:
            slot = self.slot(MessageRef(channel_id, ts))
            root = slot[0][slot[1]].get("thread_ts") if slot else None
            parent = self.parent(channel_id, root) if root else None
        if parent is None:
            return []
        return [parent, *self._replies.get((channel_id, parent["ts"]), [])]

    def ephemerals(self, user: str) -> list[Json]:
        return self._ephemerals.get(user, [])

    def find(self, ts: str, *, user: str | None = None) -> MessageRef | None:
        for channel_id, messages in self._top.items():
            if any(m["ts"] == ts for m in messages):
                return MessageRef(channel_id, ts)
        for (channel_id, _), replies in self._replies.items():
            if any(m["ts"] == ts for m in replies):
                return MessageRef(channel_id, ts)
        for who in [user] if user is not None else list(self._ephemerals):
            for message in self._ephemerals.get(who, []):
                if message["ts"] == ts:
                    return MessageRef(message["channel"], ts, ephemeral_user=who)
        return None

    def slot(self, ref: MessageRef) -> tuple[list[Json], int] | None:
        """The list holding the message and its index, for in-place replacement."""
        if ref.ephemeral_user is not None:
            containers = [self._ephemerals.get(ref.ephemeral_user, [])]
        else:
            containers = [self._top.get(ref.channel, [])]
            containers += [r for (c, _), r in self._replies.items() if c == ref.channel]
        for messages in containers:
            for index, message in enumerate(messages):
                if message["ts"] == ref.ts and (
                    ref.ephemeral_user is None or message.get("channel") == ref.channel
                ):
                    return messages, index
        return None

    # -- writing ---------------------------------------------------------------------------

    def user_message(self, user: str, text: str, now: float) -> Json:
        """A message typed by a person, not yet stored."""
        return {
            "type": "message",
            "user": user,
            "team": self._directory.team.id,
            "text": text,
            "ts": self.next_ts(now),
        }

    def bot_message(
        self, text: str, blocks: list[Json] | None, attachments: Any, now: float
    ) -> Json:
        bot, team = self._directory.bot, self._directory.team
        message: Json = {
            "type": "message",
            "user": bot.user_id,
            "bot_id": bot.bot_id,
            "app_id": bot.app_id,
            "team": team.id,
            "text": text,
            "ts": self.next_ts(now),
            "bot_profile": {
                "id": bot.bot_id,
                "app_id": bot.app_id,
                "name": bot.name,
                "deleted": False,
                "team_id": team.id,
            },
        }
        if blocks:
            message["blocks"] = blocks
        if attachments:
            message["attachments"] = attachments
        return message

    def store(self, channel_id: str, message: Json, thread_ts: str | None) -> None:
        """Add a message to the channel, or to the thread of `thread_ts` (parent or reply)."""
        if not thread_ts:
            self._top.setdefault(channel_id, []).append(message)
            return
        thread = self.thread(channel_id, thread_ts)
        if not thread:
            raise ApiError("thread_not_found")
        parent = thread[0]
        message["thread_ts"] = parent["ts"]
        message["parent_user_id"] = parent.get("user")
        replies = self._replies.setdefault((channel_id, parent["ts"]), [])
        replies.append(message)
        _summarise_thread(parent, replies)

    def add_ephemeral(self, user: str, channel_id: str, message: Json, *, via: str) -> MessageRef:
        message.update(channel=channel_id, via=via)
        self._ephemerals.setdefault(user, []).append(message)
        return MessageRef(channel_id, message["ts"], ephemeral_user=user)

    def show_reply(
        self,
        user: str,
        channel_id: str,
        reply: Json,
        blocks: list[Json] | None,
        now: float,
        *,
        via: str,
    ) -> MessageRef:
        """Show a reply to an interaction: in the channel if `in_channel`, else to `user`."""
        message = self.bot_message(str(reply.get("text") or ""), blocks, None, now)
        thread_ts = reply.get("thread_ts")
        if reply.get("response_type") == "in_channel":
            self.store(channel_id, message, thread_ts)
            return MessageRef(channel_id, message["ts"])
        if thread_ts:
            message["thread_ts"] = thread_ts
        return self.add_ephemeral(user, channel_id, message, via=via)

    def replace_content(self, ref: MessageRef, reply: Json, blocks: list[Json] | None) -> bool:
        slot = self.slot(ref)
        if slot is None:
            return False
        messages, index = slot
        replaced = dict(messages[index])
        replaced["text"] = reply.get("text", "")
        replaced.pop("blocks", None)
        if blocks:
            replaced["blocks"] = blocks
        messages[index] = replaced
        return True

    def delete(self, ref: MessageRef) -> bool:
        slot = self.slot(ref)
        if slot is None:
            return False
        messages, index = slot
        deleted = messages.pop(index)
        if ref.ephemeral_user is not None:
            return True
        self._replies.pop((ref.channel, deleted["ts"]), None)
        parent_ts = deleted.get("thread_ts")
        if parent_ts and parent_ts != deleted["ts"]:
            parent = self.parent(ref.channel, parent_ts)
            if parent is not None:
                _summarise_thread(parent, self._replies.get((ref.channel, parent_ts), []))
        return True


def _summarise_thread(parent: Json, replies: list[Json]) -> None:
    if not replies:
        for key in _THREAD_SUMMARY:
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
