"""The activity channel's line: who, what, which account, how it ended, where its trail is."""

from __future__ import annotations

from typing import Any

from bot.edge.blocks import context, esc, message, section, who
from commands.reading.activity import FinishedChange

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


def shared_change(
    change: FinishedChange, by: str | None, *, approved_by: str | None, shared_by: str
) -> dict[str, Any]:
    """A change's result as shared in a channel: its activity line, and who shared it."""
    line = activity_line(change, by, approved_by=approved_by)
    blocks = [section(line["text"]), context(f"Shared by {who(shared_by)}")]
    return message(line["text"], blocks)
