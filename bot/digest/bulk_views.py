"""Block Kit for the digest's bulk suspension: its button, the one confirmation listing every
account and amount (or, when suspensions need approval, the one four-eyes request listing
them), and the summary message that shows each account's progress."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.digest.text import money, plural
from bot.edge.blocks import context, esc, message, section, who
from commands.approvals.model import ApprovalView
from commands.digest.bulk import BulkConfirmation, BulkItem, BulkRequested
from commands.digest.bulk_progress import BulkLine, BulkProgress
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
    approval = (
        " Suspensions need a second person's approval here: confirming sends one request for "
        "them all to the approvers."
        if shown.needs_approval
        else ""
    )
    head = section(
        f"*Suspend {plural(n, 'account')} for non-payment?* "
        f"{money(shown.total)} overdue in total. Each is checked again just before it is "
        f"suspended: one paid, promised or excluded since is skipped and named.{approval}"
    )
    verb = "Request approval to suspend" if shown.needs_approval else "Suspend"
    buttons = ActionsBlock(
        block_id="digest.bulk_confirm",
        elements=[
            ButtonElement(
                text=f"{verb} {plural(n, 'account')}",
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


# -- the four-eyes request (kind ``suspend_bulk``) ------------------------------------------------


def _requested_items(request: ApprovalView) -> list[BulkItem]:
    items = []
    for raw in request.preview.get("items") or ():
        try:
            items.append(BulkItem.model_validate(raw))
        except ValueError:
            continue
    return items


def request_title(request: ApprovalView) -> str:
    n = len(_requested_items(request))
    return f"Suspend {plural(n, 'account')} for non-payment (from the overdue digest)"


def request_body(request: ApprovalView) -> list[Block]:
    items = _requested_items(request)
    total = sum((i.amount for i in items), Decimal(0))
    head = context(
        f"{money(total)} overdue in total. Approving suspends each in turn; each is checked "
        "again just before: one paid, promised or excluded since is skipped and named."
    )
    return [*_sections([f"• {_item(i)}" for i in items]), head]


def sent_for_approval_message(requested: BulkRequested, channel: str | None) -> dict[str, Any]:
    n = len(requested.items)
    where = f" in <#{channel}>" if channel else ""
    text = (
        f":hourglass_flowing_sand: Sent for approval{where}: one request to suspend "
        f"{plural(n, 'account')}. Nothing is suspended until an approver approves it."
    )
    return message(text, [section(text)])
