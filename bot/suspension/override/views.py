"""Block Kit for the suspension override: the confirmation (what is owed, not yet overdue
enough, and who decides), the outcome, and the body of its approval request."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.edge.blocks import context, esc, message, section
from bot.edge.codecs import AccountRef, OverrideRef
from bot.suspension.views import SUSPEND_EFFECTS
from commands.approvals.model import ApprovalView
from commands.suspension.override import OverrideDone, OverridePreview

CONFIRM = "override.confirm"
CANCEL = "override.cancel"
MAX_INVOICES_SHOWN = 10


def _owing(preview: OverridePreview) -> list[str]:
    if not preview.open_invoices:
        return ["Nothing is owing in Zuora."]
    lines = []
    for invoice in preview.open_invoices[:MAX_INVOICES_SHOWN]:
        days = invoice.days_overdue
        when = f"{days} days overdue" if days > 0 else ("due today" if days == 0 else "not due yet")
        lines.append(
            f"`{esc(invoice.number)}` due {invoice.due_date:%d %b %Y} · "
            f"${invoice.balance:,.2f} owing ({when})"
        )
    more = len(preview.open_invoices) - MAX_INVOICES_SHOWN
    if more > 0:
        lines.append(f"… and {more} more")
    return lines


def override_message(preview: OverridePreview) -> dict[str, Any]:
    """The ephemeral confirmation: why this is an override, the reason, and one button."""
    head = f"*{esc(preview.name)}* · account `{esc(preview.account)}`"
    why = (
        f"No invoice is {preview.overdue_days}+ days overdue, so suspending now is an *override*: "
        "it needs an approver"
        + (" — you are one." if preview.direct else ", and goes to the approvals channel.")
    )
    press = "Suspend (override)" if preview.direct else "Request approval"
    blocks: list[Block] = [
        section(f"*Suspend before it is overdue?*\n{head}"),
        section(why),
        section("*Owing*\n" + "\n".join(_owing(preview))),
        section(SUSPEND_EFFECTS),
        section(f"*Reason:* {esc(preview.reason)}"),
        context(f"Audited as an override (`suspend.override`). *{press}* does it."),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=press,
                    action_id=CONFIRM,
                    value=OverrideRef(
                        account=preview.account,
                        reason=preview.reason,
                        asked_by=preview.asked_by,
                    ).encode(),
                    style="danger" if preview.direct else "primary",
                ),
                ButtonElement(
                    text="Cancel",
                    action_id=CANCEL,
                    value=AccountRef(account=preview.account).encode(),
                ),
            ]
        ),
    ]
    return message(f"Suspend account {preview.account} before it is overdue?", blocks)


def override_done(result: OverrideDone) -> dict[str, Any]:
    approved = f" · approved by <@{result.approved_by}>" if result.approved_by else ""
    text = f":no_entry: Account {esc(result.account)} is suspended (override)."
    lines = [
        f"{text}\n*{esc(result.name)}* · account `{esc(result.account)}`",
        f"*Reason:* {esc(result.reason)}",
        f"By <@{result.by}>{approved}",
    ]
    return message(
        text,
        [
            section("\n".join(lines)),
            context("Inbound calls now go to voicemail, outbound calls are barred."),
        ],
    )


def requested(request: ApprovalView) -> dict[str, Any]:
    text = (
        f":hourglass_flowing_sand: Override of account {esc(request.account)} sent for approval: "
        "an approver (not you) decides in the approvals channel."
    )
    return message(text, [section(text)])


def cancelled(account: str) -> dict[str, Any]:
    text = f"Override of account {esc(account)} cancelled. Nothing was changed."
    return message(text, [section(text)])


def approval_title(request: ApprovalView) -> str:
    name = str(request.preview.get("name") or "")
    return f"Suspend account {request.account} ({name}) before it is overdue (override)"


def approval_body(request: ApprovalView) -> list[Block]:
    days = request.preview.get("overdue_days", 7)
    return [
        section(
            f"No invoice is {esc(str(days))}+ days overdue yet: suspending is an *override* of "
            "the usual rule."
        ),
        section(SUSPEND_EFFECTS),
    ]
