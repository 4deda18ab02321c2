"""What a simulated user points at in the fake: a user, a channel, an open modal, a message
they can see. Anything else raises `UnknownTarget`, as a click on nothing would be a test bug."""

from __future__ import annotations

from devkit.slack.directory import Channel, User
from devkit.slack.errors import UnknownTarget
from devkit.slack.records import Json, MessageRef
from devkit.slack.web_api import FakeSlack


def find_user(fake: FakeSlack, user_id: str) -> User:
    user = fake.directory.user(user_id)
    if user is None:
        raise UnknownTarget(f"not a Slack user id: {user_id!r}")
    return user


def find_channel(fake: FakeSlack, channel: str) -> Channel:
    found = fake.directory.channel(channel)
    if found is None:
        raise UnknownTarget(f"not a Slack channel: {channel!r}")
    return found


def find_view(fake: FakeSlack, user: User, view: Json | str | None) -> Json:
    """`view` (a dict or an id) among `user`'s open modals, or the top one when None."""
    view_id = view.get("id") if isinstance(view, dict) else view
    stack = fake.view_stack(user.id)
    if view_id is None:
        if not stack:
            raise UnknownTarget(f"{user.id} has no modal open")
        return stack[-1]
    for open_view in stack:
        if open_view["id"] == view_id:
            return open_view
    raise UnknownTarget(f"view {view_id} is not open for {user.id}")


def find_message(
    fake: FakeSlack, user: User, message: Json | str | None, channel: str | None
) -> tuple[MessageRef, Json]:
    """Where `message` (a dict or a ts) is and what `user` sees of it, checked against
    `channel` when given."""
    ts = message.get("ts") if isinstance(message, dict) else message
    if not isinstance(ts, str):
        raise UnknownTarget("the message has no ts")
    ref = fake.find_message(ts, user=user.id)
    if ref is None or ref.ephemeral_user not in (None, user.id):
        raise UnknownTarget(f"{user.id} cannot see a message with ts {ts}")
    if channel is not None and find_channel(fake, channel).id != ref.channel:
        raise UnknownTarget(f"message {ts} is not in {channel}")
    shown = fake.message(ref)
    if shown is None:
        raise UnknownTarget(f"message {ts} is gone")
    return ref, shown
