"""The activity channel's line: who, what, which account, how it ended, where its trail is."""

from __future__ import annotations

from typing import Any

from bot.blocks import esc, message, section, who
from commands.activity import FinishedChange

_MARK = {"done": "✅", "refused": "⛔", "stopped": "❌"}


def activity_line(
    change: FinishedChange, by: str | None, *, approved_by: str | None = None
) -> dict[str, Any]:
    """One line for a finished change. ``by``: who asked for it (None: the bot on its own)."""
    person = who(by) if by else "The bot"
    what = esc(change.label)
    if change.until is not None:
        what = f"{what} until {change.until.strftime('%d %b %Y')}"
    approved = f" (approved by {who(approved_by)})" if approved_by else ""
    if change.result == "done":
        result = "done"
    elif change.result == "refused":
        result = "refused" + (f": {esc(change.problem)}" if change.problem else "")
    else:
        result = "stopped" + (f" at “{esc(change.step)}”" if change.step else "")
    trail = f"`/jethub audit {esc(change.account)}` (event {change.seq})"
    line = (
        f"{_MARK[change.result]} {person}{approved} · {what} · account {esc(change.account)}"
        f" · {result} · {trail}"
    )
    return message(line, [section(line)], unfurl_links=False, unfurl_media=False)
