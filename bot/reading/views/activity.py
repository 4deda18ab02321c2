"""The activity channel's line: who, what, which account, how it ended, where its trail is."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.edge.blocks import context, esc, message, section, who
from commands.reading.activity import FinishedChange

SHARE_CHANGE_ACTION = "change.share"

_MARK = {"done": "✅", "refused": "⛔", "stopped": "❌"}


def activity_line(
    change: FinishedChange, by: str | None, *, approved_by: str | None = None
) -> dict[str, Any]:
    """One line for a finished change. ``by``: who asked for it (None: the bot on its own)."""
    person = who(by) if by else "The bot"
    what = esc(change.label)
    if change.until is not None:
        what = f"{what} until {change.until.day} {change.until:%b %Y}"
    approved = f" (approved by {who(approved_by)})" if approved_by else ""
    if change.result == "done":
        result = "done"
    elif change.result == "refused":
        result = "refused" + (f": {esc(change.problem)}" if change.problem else "")
    else:
        result = "stopped" + (f" at “{esc(change.step)}”" if change.step else "")
    trail = f"`/jethub audit {esc(change.account)}`" + (
        f" (event {change.seq})" if change.seq is not None else ""
    )
    line = (
        f"{_MARK[change.result]} {person}{approved} · {what} · account {esc(change.account)}"
        f" · {result} · {trail}"
    )
    return message(line, [section(line)], unfurl_links=False, unfurl_media=False)


def share_change_button(run_id: str) -> ButtonElement:
    """Share a change's result in the channel: the button names the run, never the result."""
    return ButtonElement(text="Share in channel", action_id=SHARE_CHANGE_ACTION, value=run_id)


def share_blocks(run_id: str | None) -> list[Block]:
    """The Share button a change's result ends with (nothing when no run made it)."""
    if run_id is None:
        return []
    return [ActionsBlock(block_id="change.result", elements=[share_change_button(run_id)])]


def shared_change(
    change: FinishedChange, by: str | None, *, approved_by: str | None, shared_by: str
) -> dict[str, Any]:
    """A change's result as shared in a channel: its activity line, and who shared it."""
    line = activity_line(change, by, approved_by=approved_by)
    blocks = [section(line["text"]), context(f"Shared by {who(shared_by)}")]
    return message(line["text"], blocks)
