"""Block Kit for suspend / unsuspend: the confirmation (account, overdue invoices, effects, the
reason box, Confirm and Cancel carrying only the confirmation id), the outcomes, and the body of
a four-eyes suspension request. Pure functions; every outside string goes through ``esc()``."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    PlainTextInputElement,
)

from bot.edge.blocks import (
    context,
    esc,
    local_time,
    message,
    section,
    verb_button,
    who,
)
from bot.runs.share import share_change_button
from commands.approvals.model import ApprovalView
from commands.suspension.exclusions import Excluded, Included
from commands.suspension.models import (
    MAX_REASON,
    Confirmation,
    OverdueSummary,
    SentForApproval,
    Suspended,
    SuspensionState,
    Unsuspended,
)

CONFIRM = "suspension.confirm"
CANCEL = "suspension.cancel"
ACTIONS_BLOCK = "suspension.decide"
REASON_BLOCK = "suspension.reason"
REASON_ACTION = "value"
RESULT_BLOCK = "suspension.result"  # Unsuspend and Share on a result
INVOICES_SHOWN = 10

SUSPEND_EFFECTS = (
    "*What suspension does*\n"
    "• Inbound calls go straight to voicemail.\n"
    "• Outbound callers hear that the account is not allowed to make calls.\n"
    "• Account admins see a suspension banner in the Jet Hub Action Bar."
)
LIFT_EFFECTS = (
    "*What lifting does*\n"
    "• Inbound calls ring as before instead of going to voicemail.\n"
    "• Outbound calls are allowed again.\n"
    "• The suspension banner leaves the Jet Hub Action Bar."
)


def money(overdue: OverdueSummary) -> str:
    code = f" {esc(overdue.currency)}" if overdue.currency else ""
    return f"${overdue.total:,.2f}{code}"


def account_line(account: str, name: str) -> str:
    return f"*{esc(name)}* · account `{esc(account)}`"


def origin_line(origin: str | None) -> str | None:
    if origin and origin.startswith("digest:"):
        return f"From the overdue digest of {esc(origin.removeprefix('digest:'))}."
    return None


def overdue_blocks(overdue: OverdueSummary) -> list[Block]:
    """Count, total and oldest due date, then the oldest few invoices."""
    oldest = (
        f"{overdue.oldest_due:%d %b %Y} ({overdue.oldest_days} days overdue)"
        if overdue.oldest_due
        else "—"
    )
    noun = "invoice" if overdue.count == 1 else "invoices"
    blocks: list[Block] = [
        section(
            f"*Overdue:* {overdue.count} {noun} · {money(overdue)} · oldest due {oldest}\n"
            f"_(posted, {overdue.overdue_days}+ days past due, as of {overdue.as_of:%d %b %Y})_"
        )
    ]
    lines = [
        f"`{esc(inv.number)}` due {inv.due_date:%d %b %Y} · ${inv.balance:,.2f} owing"
        for inv in overdue.invoices[:INVOICES_SHOWN]
    ]
    more = overdue.count - len(lines)
    if more > 0:
        lines.append(f"… and {more} more")
    if lines:
        blocks.append(context("\n".join(lines)))
    return blocks


def suspension_line(state: SuspensionState, zone: ZoneInfo) -> str:
    return (
        f"*Suspended* since {local_time(state.at, zone)} by {who(state.by)}\n"
        f"*Reason:* {esc(state.reason)}"
    )


def _buttons(confirmation: Confirmation, confirm_text: str) -> ActionsBlock:
    return ActionsBlock(
        block_id=ACTIONS_BLOCK,
        elements=[
            ButtonElement(
                text=confirm_text,
                action_id=CONFIRM,
                value=confirmation.id,
                style="danger" if confirmation.action == "suspend" else "primary",
            ),
            ButtonElement(text="Cancel", action_id=CANCEL, value=confirmation.id),
        ],
    )


def _reason_input(confirmation: Confirmation) -> InputBlock:
    suspend = confirmation.action == "suspend"
    return InputBlock(
        block_id=REASON_BLOCK,
        label="Reason (stored on the account and in the audit log)"
        if suspend
        else "Note for the audit log",
        optional=not suspend,
        element=PlainTextInputElement(
            action_id=REASON_ACTION,
            initial_value=confirmation.reason or None,
            max_length=MAX_REASON,
            placeholder="e.g. invoices unpaid after reminders" if suspend else "e.g. paid in full",
        ),
    )


def confirmation_message(confirmation: Confirmation, *, zone: ZoneInfo) -> dict[str, Any]:
    """The ephemeral confirmation shown to the asker."""
    head = account_line(confirmation.account, confirmation.name)
    expires = f"This confirmation expires {local_time(confirmation.expires_at, zone)}."
    blocks: list[Block]
    if confirmation.action == "suspend":
        assert confirmation.overdue is not None
        title = f"Suspend account {confirmation.account} for non-payment?"
        blocks = [section(f"*Suspend for non-payment?*\n{head}")]
        blocks += overdue_blocks(confirmation.overdue)
        blocks.append(section(SUSPEND_EFFECTS))
        origin = origin_line(confirmation.origin)
        if origin:
            blocks.append(context(origin))
        blocks.append(_reason_input(confirmation))
        if confirmation.needs_approval:
            confirm_text = "Request approval"
            expires = (
                "Suspension needs a second person's approval: *Request approval* sends it to the "
                "approvers. " + expires
            )
        else:
            confirm_text = "Suspend"
    else:
        assert confirmation.suspended is not None
        title = f"Lift the suspension of account {confirmation.account}?"
        blocks = [
            section(f"*Lift the suspension?*\n{head}"),
            section(suspension_line(confirmation.suspended, zone)),
            section(LIFT_EFFECTS),
            _reason_input(confirmation),
        ]
        confirm_text = "Lift suspension"
    blocks.append(context(expires))
    blocks.append(_buttons(confirmation, confirm_text))
    return message(title, blocks)


def suspended_message(result: Suspended, *, zone: ZoneInfo) -> dict[str, Any]:
    text = f":no_entry: Account {esc(result.account)} is suspended."
    lines = [
        f"{text}\n{account_line(result.account, result.name)}",
        f"*Reason:* {esc(result.reason)}",
        f"By {who(result.by)} · {local_time(result.at, zone)}"
        + (f" · approved by <@{result.approved_by}>" if result.approved_by else ""),
    ]
    blocks: list[Block] = [section("\n".join(lines)), *overdue_blocks(result.overdue)]
    origin = origin_line(result.origin)
    if origin:
        blocks.append(context(origin))
    blocks.append(
        context(
            "Inbound calls now go to voicemail, outbound calls are barred, and account admins "
            "see the banner."
        )
    )
    buttons = [verb_button("unsuspend", result.account, "Unsuspend")]
    if result.run_id is not None:
        buttons.append(share_change_button(result.run_id))
    blocks.append(ActionsBlock(block_id=RESULT_BLOCK, elements=buttons))
    return message(text, blocks)


def unsuspended_message(result: Unsuspended, *, zone: ZoneInfo) -> dict[str, Any]:
    text = f":white_check_mark: The suspension of account {esc(result.account)} is lifted."
    lines = [f"{text}\n{account_line(result.account, result.name)}", f"Lifted by {who(result.by)}"]
    if result.note:
        lines.append(f"*Note:* {esc(result.note)}")
    blocks: list[Block] = [section("\n".join(lines))]
    if result.was is not None:
        blocks.append(
            context(
                f"It had been suspended since {local_time(result.was.at, zone)} by "
                f"{who(result.was.by)}: {esc(result.was.reason)}"
            )
        )
    if result.run_id is not None:
        blocks.append(
            ActionsBlock(block_id=RESULT_BLOCK, elements=[share_change_button(result.run_id)])
        )
    return message(text, blocks)


def sent_for_approval_message(
    result: SentForApproval, *, zone: ZoneInfo, channel: str | None
) -> dict[str, Any]:
    request = result.request
    where = f" in <#{channel}>" if channel else ""
    text = (
        f":hourglass_flowing_sand: The suspension of account {esc(request.account)} is waiting "
        f"for a second person's approval{where}. It expires {local_time(request.expires_at, zone)}."
    )
    return message(text, [section(text)])


def cancelled_message(confirmation: Confirmation) -> dict[str, Any]:
    what = "Suspension" if confirmation.action == "suspend" else "Lifting the suspension"
    text = f"{what} of account {esc(confirmation.account)} cancelled. Nothing was changed."
    return message(text, [section(text)])


# -- the four-eyes request ----------------------------------------------------------------------


def approval_title(request: ApprovalView) -> str:
    name = str(request.preview.get("name") or "")
    return f"Suspend account {request.account} ({name}) for non-payment"


def approval_body(request: ApprovalView) -> list[Block]:
    blocks: list[Block] = []
    try:
        overdue = OverdueSummary.model_validate(request.preview.get("overdue") or {})
    except ValueError:
        overdue = None
    if overdue is not None:
        blocks += overdue_blocks(overdue)
    blocks.append(context(SUSPEND_EFFECTS.replace("\n", " ").replace("*", "")))
    origin = origin_line(request.origin)
    if origin:
        blocks.append(context(origin))
    return blocks


def approved_reply(result: Suspended, *, zone: ZoneInfo) -> dict[str, Any]:
    return suspended_message(result, zone=zone)


def excluded_message(result: Excluded, *, zone: ZoneInfo) -> dict[str, Any]:
    text = (
        f":shield: Account {esc(result.account)} is excluded from suspension: it is never "
        "offered for suspension, and suspending it is refused unless an approver overrides."
    )
    lines = [
        text,
        account_line(result.account, result.name),
        f"*Reason:* {esc(result.exclusion.reason)}",
    ]
    blocks: list[Block] = [section("\n".join(lines))]
    if result.before is not None:
        blocks.append(
            context(
                f"It replaces the exclusion of {local_time(result.before.at, zone)} by "
                f"{who(result.before.by)}: {esc(result.before.reason)}"
            )
        )
    return message(text, blocks)


def included_message(result: Included, *, zone: ZoneInfo) -> dict[str, Any]:
    text = (
        f":white_check_mark: Account {esc(result.account)} is no longer excluded from "
        "suspension: the digest offers it again while it is overdue."
    )
    was = (
        f"It had been excluded since {local_time(result.was.at, zone)} by {who(result.was.by)}: "
        f"{esc(result.was.reason)}"
    )
    return message(
        text, [section(f"{text}\n{account_line(result.account, result.name)}"), context(was)]
    )
