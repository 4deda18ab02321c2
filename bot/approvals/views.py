"""Block Kit for four-eyes requests, whatever is being approved: the request's header, the
Approve/Deny buttons (carrying only the request id), the decision line, the Deny modal and the
requester's confirmation with its Cancel button."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict, Unpack
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
)
from slack_sdk.models.views import View

from audit.models import ApprovalState
from bot.edge.blocks import approver_mention, context, esc, local_time, message, section, who
from bot.edge.codecs import RecordRef
from bot.edge.modals import modal, text_input
from commands.approvals.breakglass import BREAK_GLASS_PREFIX, ReviewView
from commands.approvals.model import MANY_ACCOUNTS, TYPED_FIELD, ApprovalView
from commands.approvals.requests import MAX_REASON

APPROVE = "approvals.approve"
DENY = "approvals.deny"
CANCEL = "approvals.cancel"
DENY_MODAL = "approvals.deny_modal"
APPROVE_MODAL = "approvals.approve_modal"
BREAK_GLASS = "approvals.break_glass"
BREAK_GLASS_MODAL = "approvals.break_glass_modal"
REVIEW_AGREE = "approvals.review_agree"
REVIEW_FLAG = "approvals.review_flag"
REVIEW_BLOCK = "approvals.review"
APPROVE_TYPED_ACTION = "value"
DECIDE_BLOCK = "approvals.decide"
DENY_REASON_BLOCK = "reason"
DENY_REASON_ACTION = "value"


def approvers_text(approvers: Sequence[str]) -> str:
    """The approvers from our own settings as mentions (users and user groups), or ""."""
    return ", ".join(approver_mention(a) for a in approvers)


def request_header(
    request: ApprovalView, *, title: str, zone: ZoneInfo, approvers: Sequence[str] = ()
) -> Block:
    """Who asked, for what, why, until when it can be decided, and (while it waits) who may
    decide it — mentioned, so Slack notifies them."""
    asked = approvers_text(approvers) if request.state is ApprovalState.PENDING else ""
    return section(
        f"*{esc(title)}*\n"
        f"Requested by <@{request.requested_by}> · expires {local_time(request.expires_at, zone)}\n"
        f"*Reason:* {esc(request.reason)}" + (f"\n*Approvers:* {asked}" if asked else "")
    )


def decision_buttons(
    request: ApprovalView, *, label: str, typed: bool = False, break_glass: bool = False
) -> ActionsBlock:
    """Approve and Deny; ``typed``: Approve opens a modal asking for the account number (that
    modal is the confirmation), else Slack's confirm dialog asks first; ``break_glass``: a
    Break glass button for an admin (a modal asks the reason)."""
    value = RecordRef(id=request.id).encode()
    confirm = (
        None
        if typed
        else ConfirmObject(
            title=f"Approve this {label}?"[:100],
            text=f"{_sentence(request)}This starts the {label} at once."[:300],
            confirm="Approve",
            deny="Not yet",
        )
    )
    return ActionsBlock(
        block_id=DECIDE_BLOCK,
        elements=[
            ButtonElement(
                text="Approve",
                action_id=APPROVE,
                value=value,
                style="primary",
                confirm=confirm,
            ),
            ButtonElement(text="Deny", action_id=DENY, value=value, style="danger"),
            *(
                [ButtonElement(text="Break glass (admin)", action_id=BREAK_GLASS, value=value)]
                if break_glass
                else []
            ),
        ],
    )


def decision_line(request: ApprovalView, zone: ZoneInfo) -> str:
    """The one line that replaces the buttons once the request left pending."""
    when = local_time(request.decided_at, zone)
    if request.state is ApprovalState.APPROVED:
        reason = request.decision_reason or ""
        if reason.startswith(BREAK_GLASS_PREFIX):  # only break glass gives an approval a reason
            why = esc(reason.removeprefix(BREAK_GLASS_PREFIX))
            return (
                f":rotating_light: Carried out by <@{request.decided_by}> with break glass, "
                f"without its approvers ({why}) · {when} · an approver reviews it"
            )
        if len(request.approved_by) > 1:
            return f":white_check_mark: Approved by {_people(request.approved_by)} · {when}"
        return f":white_check_mark: Approved by <@{request.decided_by}> · {when}"
    if request.state is ApprovalState.DENIED:
        why = f" ({esc(request.decision_reason)})" if request.decision_reason else ""
        return f":no_entry: Denied by <@{request.decided_by}>{why} · {when}"
    if request.state is ApprovalState.CANCELLED:
        why = f" ({esc(request.decision_reason)})" if request.decision_reason else ""
        return (
            f":heavy_multiplication_x: Cancelled by {who(request.decided_by or '')}{why} · {when}"
        )
    if request.state is ApprovalState.EXPIRED:
        return f":hourglass: Expired {local_time(request.expires_at, zone)}: nobody decided in time"
    if request.approvals_needed > 1:
        so_far = f" (approved by {_people(request.approved_by)})" if request.approved_by else ""
        return (
            f":hourglass_flowing_sand: {request.quorum_text}{so_far}: waiting for "
            f"{'another' if request.approved_by else 'an'} approver (not the requester"
            f"{' nor one who approved' if request.approved_by else ''})"
        )
    return ":hourglass_flowing_sand: Waiting for an approver (not the requester)"


def _people(users: Sequence[str]) -> str:
    mentions = [f"<@{user}>" for user in users]
    return ", ".join(mentions[:-1]) + f" and {mentions[-1]}" if len(mentions) > 1 else mentions[0]


def approval_blocks(
    request: ApprovalView,
    body: Sequence[Block],
    *,
    title: str,
    label: str,
    zone: ZoneInfo,
    after: Sequence[Block] = (),
    approvers: Sequence[str] = (),
    typed: bool = False,
    break_glass: bool = False,
) -> list[Block]:
    """The request as posted in the approvals channel: buttons only while it is pending."""
    blocks: list[Block] = [
        request_header(request, title=title, zone=zone, approvers=approvers),
        *body,
    ]
    if request.state is ApprovalState.PENDING:
        blocks.append(context(decision_line(request, zone)))
        blocks.append(decision_buttons(request, label=label, typed=typed, break_glass=break_glass))
    else:
        blocks.append(section(decision_line(request, zone)))
    blocks.extend(after)
    return blocks


class RequestLooks(TypedDict, total=False):
    """``approval_blocks``' optional keywords, which ``approval_message`` hands on."""

    after: Sequence[Block]
    approvers: Sequence[str]
    typed: bool
    break_glass: bool


def approval_message(
    request: ApprovalView,
    body: Sequence[Block],
    *,
    title: str,
    label: str,
    zone: ZoneInfo,
    **looks: Unpack[RequestLooks],
) -> dict[str, Any]:
    text = f"{esc(title)} — {decision_line(request, zone)}"
    approvers = looks.get("approvers", ())
    if request.state is ApprovalState.PENDING and approvers:
        text += f" · {approvers_text(approvers)}"
    blocks = approval_blocks(request, body, title=title, label=label, zone=zone, **looks)
    return message(text, blocks)


def reminder_message(
    request: ApprovalView,
    *,
    label: str,
    zone: ZoneInfo,
    approvers: Sequence[str],
    escalate_to: Sequence[str] = (),
) -> dict[str, Any]:
    """The one reminder posted in a request's thread when most of its time has gone (or when
    the approval policy's ``remind_after`` has), mentioning its ``escalate_to`` as well."""
    to = approvers_text([*approvers, *(e for e in escalate_to if e not in approvers)])
    to = to or "Approvers"
    text = (
        f":alarm_clock: {to}: this {esc(label)} request{_for_account(request)} "
        f"from <@{request.requested_by}> is still waiting for a decision. It expires "
        f"{local_time(request.expires_at, zone)}; after that it can no longer be approved."
    )
    return message(text, [section(text)])


def deny_modal(request: ApprovalView, *, label: str) -> View:
    blocks = [
        section(
            f"Deny the {esc(label)}{_of_account(request)} requested by <@{request.requested_by}>?"
        ),
        text_input(
            DENY_REASON_BLOCK,
            "Why? (shown in the channel and to the requester)",
            max_length=MAX_REASON,
            multiline=True,
            action_id=DENY_REASON_ACTION,
        ),
    ]
    return _request_modal("Deny request", blocks, DENY_MODAL, "Deny", request)


def approve_modal(request: ApprovalView, *, label: str) -> View:
    """The approver's typed confirmation: only its submission approves (a stray tap on the
    button approves nothing)."""
    blocks = [
        section(
            f"Approve the {esc(label)}{_of_account(request)} requested by "
            f"<@{request.requested_by}>? It cannot be undone.\n*Reason:* {esc(request.reason)}"
        ),
        _typed_account(request, "approve"),
    ]
    return _request_modal("Approve request", blocks, APPROVE_MODAL, "Approve", request)


def break_glass_modal(request: ApprovalView, *, label: str, typed: bool) -> View:
    """An admin's break glass: the reason (mandatory), and the account number for a kind
    confirmed by typing."""
    blocks: list[Block] = [
        section(
            f"Carry out the {esc(label)} of account *{esc(request.account)}* *now*, without "
            "waiting for its approvers? It is done at once; an approver reviews it afterwards."
        ),
        text_input(
            DENY_REASON_BLOCK,
            "Why can it not wait? (shown in the approvals channel and the audit log)",
            max_length=MAX_REASON,
            multiline=True,
            action_id=DENY_REASON_ACTION,
        ),
    ]
    if typed:
        blocks.append(_typed_account(request, "confirm"))
    return _request_modal("Break glass", blocks, BREAK_GLASS_MODAL, "Do it now", request)


def _request_modal(
    title: str, blocks: Sequence[Block], callback_id: str, submit: str, request: ApprovalView
) -> View:
    """A decision's modal: it carries the request's id, and Back leaves the request as it is."""
    meta = RecordRef(id=request.id)
    return modal(title, blocks, callback_id=callback_id, submit=submit, close="Back", meta=meta)


def _typed_account(request: ApprovalView, to: str) -> Block:
    return text_input(
        TYPED_FIELD,
        f"Type the account number ({request.account}) to {to}",
        max_length=20,
        action_id=APPROVE_TYPED_ACTION,
    )


def review_message(review: ReviewView, *, label: str, zone: ZoneInfo) -> dict[str, Any]:
    """The review item in the approvals channel: who broke the glass, on what, why; Agree and
    Flag for follow-up while it waits, then who acknowledged it."""
    text = (
        f":rotating_light: *Break glass:* <@{review.used_by}> carried out the {esc(label)} of "
        f"account *{esc(review.account)}* without waiting for its approvers.\n"
        f"*Reason:* {esc(review.reason)}"
    )
    blocks: list[Block] = [section(text)]
    if review.state.value == "pending":
        value = RecordRef(id=review.request_id).encode()
        blocks.append(context("An approver (not the admin) reviews it: agree, or flag it."))
        blocks.append(
            ActionsBlock(
                block_id=REVIEW_BLOCK,
                elements=[
                    ButtonElement(
                        text="Agree", action_id=REVIEW_AGREE, value=value, style="primary"
                    ),
                    ButtonElement(
                        text="Flag for follow-up",
                        action_id=REVIEW_FLAG,
                        value=value,
                        style="danger",
                    ),
                ],
            )
        )
    else:
        verdict = "agreed" if review.state.value == "agreed" else "flagged it for follow-up"
        blocks.append(section(f":white_check_mark: Reviewed: <@{review.reviewed_by}> {verdict}"))
    return message(f"Break glass: {label} of account {esc(review.account)}", blocks)


def review_reminder(review: ReviewView, *, label: str) -> dict[str, Any]:
    text = (
        f":alarm_clock: This break-glass {esc(label)} of account *{esc(review.account)}* by "
        f"<@{review.used_by}> still waits for an approver's review."
    )
    return message(text, [section(text)])


def requester_confirmation(
    request: ApprovalView, *, label: str, zone: ZoneInfo, where: str | None
) -> dict[str, Any]:
    """What the requester sees after asking: where it went, and a Cancel button."""
    place = f" in <#{where}>" if where else ""
    text = (
        f"Your {label} request{_for_account(request)} is waiting for an approver"
        f"{place}. It expires {local_time(request.expires_at, zone)}."
    )
    cancel = ButtonElement(
        text="Cancel request",
        action_id=CANCEL,
        value=RecordRef(id=request.id).encode(),
        confirm=ConfirmObject(
            title="Cancel this request?",
            text="Nobody will be able to approve it afterwards.",
            confirm="Cancel it",
            deny="Keep it",
        ),
    )
    return message(
        text, [section(text), ActionsBlock(block_id="approvals.mine", elements=[cancel])]
    )


def outcome_notice(request: ApprovalView, *, label: str, zone: ZoneInfo) -> str:
    """Told to the requester when their request is decided, cancelled or expires."""
    return (
        f"Your {label} request{_for_account(request, bold=False)}: {decision_line(request, zone)}"
    )


# -- which account (a request over several lists them in its body) ------------------------------


def _account(request: ApprovalView, bold: bool) -> str | None:
    if request.account == MANY_ACCOUNTS:
        return None
    return f"*{esc(request.account)}*" if bold else esc(request.account)


def _for_account(request: ApprovalView, *, bold: bool = True) -> str:
    """ " for account *1003*", or nothing for a request over several accounts."""
    shown = _account(request, bold)
    return f" for account {shown}" if shown else ""


def _of_account(request: ApprovalView) -> str:
    shown = _account(request, True)
    return f" of account {shown}" if shown else ""


def _sentence(request: ApprovalView) -> str:
    return "" if request.account == MANY_ACCOUNTS else f"Account {request.account}: "
