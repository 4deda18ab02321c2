"""Block Kit for ``refresh-auth``: the reply that lists the SBC auth rules fixed (or says that
every rule was already right).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from bot.changes.views.modal import SECTION_CHARS, heading, plain
from bot.edge.blocks import MAX_MESSAGE_BLOCKS, context, esc, message, section
from bot.runs.share import share_blocks
from commands.changes.auth_rules import AuthRefreshed


def auth_refreshed(result: AuthRefreshed) -> dict[str, Any]:
    head = heading("Auth rules", result.account, result.account_name)
    checked = f"{result.numbers} in-service number{'s' if result.numbers != 1 else ''} checked"
    if not result.changes:
        text = f":white_check_mark: Nothing to do: every auth rule was already correct ({checked})."
        return message(plain(text), [head, section(text), *share_blocks(result.run_id)])
    reload = "; the SBC reloaded its rules" if result.reloaded else ""
    summary = (
        f":wrench: Fixed {len(result.changes)} auth rule"
        f"{'s' if len(result.changes) != 1 else ''} ({checked}){reload}:"
    )
    lines = [f"• {esc(change)}" for change in result.changes]
    blocks: list[Block] = [head, section(summary)]
    share = share_blocks(result.run_id)
    blocks += _lines_blocks(lines, room=MAX_MESSAGE_BLOCKS - len(blocks) - len(share))
    fallback = f"{summary} " + "; ".join(result.changes[:20])
    return message(plain(fallback), blocks + share)


def _lines_blocks(lines: Sequence[str], *, room: int) -> list[Block]:
    """``lines`` packed into sections of at most ``SECTION_CHARS`` and ``room`` blocks; what
    does not fit is counted in a last context line."""
    blocks: list[Block] = []
    chunk = ""
    for index, line in enumerate(lines):
        if len(chunk) + len(line) + 1 > SECTION_CHARS:
            if len(blocks) == room - 1:
                blocks.append(context(f"… and {len(lines) - index} more."))
                return blocks
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks
