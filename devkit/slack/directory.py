"""Who and what exists in the fake workspace: team, users, user groups, channels.

Users and channels need no set-up: any well-formed id answers with a name derived from it
(`U0ALICE` is `alice`, `C0APPROVALS` is `#approvals`), so tests can use plain ids. Register a
user or channel only to give it other names or flags.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_CREATED = 1_600_000_000


def is_user_id(value: str) -> bool:
    return bool(_USER_ID.match(value))


def is_channel_id(value: str) -> bool:
    return bool(_CHANNEL_ID.match(value))


def _name_from_id(object_id: str) -> str:
    body = object_id[1:]
    if body.startswith("0") and len(body) > 1:
        body = body[1:]
    return body.lower()


@dataclass(frozen=True)
class Team:
    id: str = "T0JETHUB"
    domain: str = "jethub"
    name: str = "Jet Hub"
    enterprise_id: str | None = None


@dataclass(frozen=True)
class BotIdentity:
    user_id: str = "U0JETBOT"
    bot_id: str = "B0JETBOT"
    app_id: str = "A0JETHUB"
    name: str = "jethub"


@dataclass(frozen=True)
class User:
    id: str
    name: str
    real_name: str
    email: str
    is_bot: bool = False
    deleted: bool = False
    tz: str = "Australia/Sydney"


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None


@dataclass
class Directory:
    team: Team = field(default_factory=Team)
    bot: BotIdentity = field(default_factory=BotIdentity)
    _users: dict[str, User] = field(default_factory=dict)
    _channels: dict[str, Channel] = field(default_factory=dict)
    _usergroups: dict[str, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_user(self, user: User) -> None:
        with self._lock:
            self._users[user.id] = user

    def add_channel(self, channel: Channel) -> None:
        with self._lock:
            self._channels[channel.id] = channel

    def set_usergroup(self, usergroup_id: str, members: list[str]) -> None:
        if not _USERGROUP_ID.match(usergroup_id):
            raise ValueError(f"not a user-group id: {usergroup_id!r}")
        with self._lock:
            self._usergroups[usergroup_id] = list(members)

    def registered(self, user_id: str) -> User | None:
        """A user added to the workspace (or the bot), never one made up from an id."""
        with self._lock:
            known = self._users.get(user_id)
        if known is None and user_id == self.bot.user_id:
            return User(user_id, self.bot.name, self.bot.name, "", is_bot=True)
        return known

    def user(self, user_id: str) -> User | None:
        with self._lock:
            known = self._users.get(user_id)
        if known is not None:
            return known
        if user_id == self.bot.user_id:
            return User(user_id, self.bot.name, self.bot.name, "", is_bot=True)
        if not is_user_id(user_id):
            return None
        name = _name_from_id(user_id)
        return User(user_id, name, name.title(), f"{name}@jethub.example")

    def channel(self, channel_ref: str) -> Channel | None:
        """A channel by id, by `#name`, or a user id (the bot's direct messages with them)."""
        with self._lock:
            if channel_ref in self._channels:
                return self._channels[channel_ref]
            if channel_ref.startswith("#"):
                wanted = channel_ref[1:]
                for known in self._channels.values():
                    if known.name == wanted:
                        return known
                return None
        if is_user_id(channel_ref):
            return Channel("D" + channel_ref[1:], channel_ref, is_im=True, im_user=channel_ref)
        if not is_channel_id(channel_ref):
            return None
        if channel_ref.startswith("D"):
            user = "U" + channel_ref[1:]
            return Channel(channel_ref, user, is_im=True, im_user=user)
        return Channel(channel_ref, _name_from_id(channel_ref), is_private=channel_ref[0] == "G")

    def usergroup_members(self, usergroup_id: str) -> list[str] | None:
        with self._lock:
            members = self._usergroups.get(usergroup_id)
            return None if members is None else list(members)


def user_json(user: User, team: Team) -> dict[str, Any]:
    return {
        "id": user.id,
        "team_id": team.id,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "is_admin": False,
        "is_owner": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": _CREATED,
        "profile": {
            "real_name": user.real_name,
            "display_name": user.name,
            "real_name_normalized": user.real_name,
            "display_name_normalized": user.name,
            "email": user.email,
            "team": team.id,
        },
    }


def channel_json(channel: Channel) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": channel.id,
        "created": _CREATED,
        "is_archived": False,
        "is_im": channel.is_im,
        "is_private": channel.is_private or channel.is_im,
        "is_member": True,
    }
    if channel.is_im:
        result["user"] = channel.im_user
    else:
        result.update(
            name=channel.name,
            name_normalized=channel.name,
            is_channel=not channel.is_private,
            is_group=channel.is_private,
            is_general=channel.name == "general",
        )
    return result
