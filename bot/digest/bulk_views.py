"""Block Kit for the digest's bulk suspension: its button, the one confirmation listing every
account and amount, and the summary message that shows each account's progress."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.digest.text import money, plural
from bot.edge.blocks import context, esc, message, section, who
from commands.digest.bulk import BulkConfirmation, BulkItem, BulkLine, BulkProgress
from commands.digest.overdue import Digest

BULK_ACTION = "digest.bulk"
BULK_CONFIRM, BULK_CANCEL = "digest.bulk_confirm", "digest.bulk_cancel"
LINES_PER_SECTION = 20  # a section holds 3000 characters: 20 lines of up to ~140
MAX_SECTIONS = 40


def bulk_button(digest: Digest) -> ActionsBlock:
    return ActionsBlock(
        block_id="digest.bulk",
        elements=[
            ButtonElement(
                text=f"Suspend all eligible ({len(digest.rows)})",
                action_id=BULK_ACTION,
                value=digest.origin,
                style="danger",
            )
        ],
    )


def _item(item: BulkItem) -> str:
    return f"*{esc(item.name)}* · `{esc(item.account)}` {money(item.amount, item.currency)}"


def _sections(lines: list[str]) -> list[Block]:
    chunks = [lines[i : i + LINES_PER_SECTION] for i in range(0, len(lines), LINES_PER_SECTION)]
    return [section("\n".join(chunk)[:3000]) for chunk in chunks[:MAX_SECTIONS]]


def bulk_confirmation_message(shown: BulkConfirmation) -> dict[str, Any]:
    n = len(shown.items)
    head = section(
        f"*Suspend {plural(n, 'account')} for non-payment?* "
        f"{money(shown.total)} overdue in total. Each is checked again just before it is "
        "suspended: one paid, promised or excluded since is skipped and named."
    )
    buttons = ActionsBlock(
        block_id="digest.bulk_confirm",
        elements=[
            ButtonElement(
                text=f"Suspend {plural(n, 'account')}",
                action_id=BULK_CONFIRM,
                value=shown.id,
                style="danger",
            ),
            ButtonElement(text="Cancel", action_id=BULK_CANCEL, value=shown.id),
        ],
    )
    reason = context(f"Reason recorded on each: “{esc(shown.reason)}”")
    blocks = [head, *_sections([f"• {_item(i)}" for i in shown.items]), reason, buttons]
    return message(f"Suspend {n} accounts for non-payment?", blocks)


_MARK = {"suspended": ":white_check_mark:", "skipped": ":fast_forward:", "failed": ":x:"}


def _line(line: BulkLine) -> str:
    mark = _MARK.get(line.state, ":hourglass:")
    why = f" — skipped: {esc(line.why)}" if line.state == "skipped" else ""
    if line.state == "failed":
        why = f" — {esc(line.why)}"
    done = " suspended" if line.state == "suspended" else ""
    return f"{mark} {_item(line.item)}{done}{why}"


def bulk_summary_message(progress: BulkProgress) -> dict[str, Any]:
    total = len(progress.lines)
    settled = total - progress.count("waiting")
    state = "done" if progress.finished else "under way"
    head = (
        f"*Bulk suspension by {who(progress.by)}* ({state}): {settled} of {total} handled — "
        f"{progress.count('suspended')} suspended, {progress.count('skipped')} skipped"
        + (f", {progress.count('failed')} stopped" if progress.count("failed") else "")
        + "."
    )
    blocks = [section(head), *_sections([_line(line) for line in progress.lines])]
    return message(f"Bulk suspension: {progress.count('suspended')} of {total} suspended", blocks)
