"""What is on the person's screen: which messages they have seen (so only what is new or changed
is shown again), how each one is headed, and the numbered buttons they can press.

Buttons are numbered afresh for each screen; the session marks a new screen on each typed line.
Methods return lines; the session shows them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.console.render import Control, Rendered, render_message, render_view
from devkit.console.world import CHANNELS, Person, World

Json = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """Where a numbered control lives: a message (channel + ts) or a modal (view id)."""

    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None


@dataclass(frozen=True)
class Item:
    """A message the person can see, and where."""

    key: tuple[str, ...]
    order: float
    channel: str
    message: Json
    thread: bool = False
    ephemeral: bool = False


class Screen:
    def __init__(self, world: World) -> None:
        self.world = world
        self.fresh = True  # the next controls shown start a new screen, numbered from 1
        self.shown_view: tuple[str, str] | None = None  # (id, hash) of the modal last shown
        self._seen: dict[tuple[str, ...], str] = {}
        self._controls: dict[int, tuple[Control, Target]] = {}
        self._next_number = 1

    def clear(self) -> None:
        """Nothing seen and nothing to press (a fresh world)."""
        self._seen.clear()
        self._controls.clear()
        self._next_number = 1
        self.shown_view = None

    def control(self, number: int) -> tuple[Control, Target] | None:
        return self._controls.get(number)

    def changed(self, me: Person) -> list[Item]:
        """What `me` can see that is new or changed since last shown, oldest first."""
        changed = [item for item in self._visible(me) if self._seen.get(item.key) != _print(item)]
        return sorted(changed, key=lambda i: i.order)

    def channel_history(self, channel: str) -> Iterator[Item]:
        """A channel's messages with their threads, oldest first (for `/channel`)."""
        slack = self.world.slack
        for message in slack.messages(channel):
            yield Item(("msg", channel, message["ts"]), 0, channel, message)
            if message.get("reply_count"):
                for reply in slack.thread(channel, message["ts"])[1:]:
                    yield Item(("msg", channel, reply["ts"]), 0, channel, reply, thread=True)

    def item_lines(
        self, item: Item, *, edited: bool | None = None, after: str | None = None
    ) -> tuple[str, list[str]]:
        """One message's header and lines; under the same header as the one just shown
        (`after`), no header again."""
        rendered = render_message(item.message, names=self.name, first_number=self._first_number())
        self._adopt(rendered, Target(channel=item.channel, ts=item.message["ts"]))
        if edited is None:
            edited = self._seen.get(item.key) is not None
        self._seen[item.key] = _print(item)
        header = self._header(item, edited)
        indent = "    " if item.thread else "  "
        body = [indent + line for line in rendered.lines]
        body.extend(indent + f"  saved to {path}" for path in self._save_files(item.message))
        return header, body if header == after and not edited else ["", header, *body]

    def view_lines(self, view: Json) -> list[str]:
        """A modal, its buttons made pressable."""
        self.shown_view = (view["id"], view["hash"])
        rendered = render_view(view, names=self.name, first_number=self._first_number())
        self._adopt(rendered, Target(view_id=view["id"]))
        return ["", *rendered.lines]

    def name(self, object_id: str) -> str:
        directory = self.world.slack.directory
        if object_id[:1] in ("U", "W"):
            # Only the demo people (and the bot) have names here; anyone else (a Zuora or
            # platform user id in the sandbox's data) is named plainly, not given a made-up name.
            user = directory.registered(object_id)
            return user.name if user is not None else f"{object_id} (not a demo person)"
        channel = directory.channel(object_id)
        return channel.name if channel is not None else object_id

    def channel_name(self, channel_id: str) -> str:
        return CHANNELS.get(channel_id) or self.name(channel_id)

    def _visible(self, me: Person) -> Iterator[Item]:
        slack = self.world.slack
        for channel in self._channels(me):
            for message in slack.messages(channel):
                yield Item(("msg", channel, message["ts"]), _order(message), channel, message)
                if message.get("reply_count"):
                    for reply in slack.thread(channel, message["ts"])[1:]:
                        key = ("msg", channel, reply["ts"])
                        yield Item(key, _order(reply), channel, reply, thread=True)
        for message in slack.ephemerals(me.user_id):
            key = ("eph", me.user_id, message["ts"])
            yield Item(key, _order(message), str(message.get("channel")), message, ephemeral=True)

    def _channels(self, me: Person) -> list[str]:
        """Public channels the bot posted in, and the person's own direct messages."""
        mine = "D" + me.user_id[1:]
        found = dict.fromkeys([*CHANNELS, mine])
        for call in self.world.slack.calls("chat.postMessage"):
            channel = call.response.get("channel")
            if isinstance(channel, str) and (channel == mine or not channel.startswith("D")):
                found[channel] = None
        return list(found)

    def _save_files(self, message: Json) -> list[Path]:
        """Write the files shared in `message` (e.g. the digest's chart) where you can open them."""
        wanted = {str(f.get("id")) for f in message.get("files") or []}
        if not wanted:
            return []
        saved = []
        for uploaded in self.world.slack.files():
            if uploaded["id"] in wanted and uploaded.get("content") is not None:
                path = self.world.files_dir / f"{uploaded['id']}-{Path(uploaded['name']).name}"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(uploaded["content"])
                saved.append(path)
        return saved

    def _header(self, item: Item, edited: bool) -> str:
        message = item.message
        author = "jethub" if message.get("bot_id") else self.name(str(message.get("user", "")))
        if item.channel.startswith("D"):
            place = "direct message"
        else:
            place = "#" + self.channel_name(item.channel)
        thread = " › thread" if item.thread else ""  # noqa: RUF001 — the arrow is meant
        parts = [place + thread, author]
        if item.ephemeral:
            parts.append("only you can see this")
        return ("  ↳ " if item.thread else "") + " · ".join(parts) + (" (edited)" if edited else "")

    def _first_number(self) -> int:
        if self.fresh:
            return 1
        return self._next_number

    def _adopt(self, rendered: Rendered, target: Target) -> None:
        """Make this screen's buttons pressable; a new screen with buttons replaces the old."""
        if not rendered.controls:
            return
        if self.fresh:
            self._controls = {}
            self.fresh = False
        for control in rendered.controls:
            self._controls[control.number] = (control, target)
        self._next_number = rendered.controls[-1].number + 1


def _order(message: Json) -> float:
    edited = message.get("edited") or {}
    return float(edited.get("ts") or message["ts"])


def _print(item: Item) -> str:
    """What decides whether a message looks different from when it was last shown."""
    message = item.message
    return json.dumps(
        [message.get("text"), message.get("blocks"), message.get("attachments")], sort_keys=True
    )
