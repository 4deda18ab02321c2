"""Suspension through four-eyes approval (``Policy.suspend_requires_approval``).

A confirmed suspension becomes an approval request (``commands.approvals.requests``, kind
``suspend``, holding the account's destructive-action lock); the approval creates the run, and
``suspend_approved`` works it and reports from its record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from audit import approvals as ledger_approvals
from commands.actor import Actor
from commands.approvals.requests import (
    ApprovalKind,
    ApprovalView,
    RequestApproval,
    RequestLocked,
    create_request,
    load_approval,
    locked_out,
    vet_request,
)
from commands.runs import records as run_records
from commands.suspension.confirmation import settle
from commands.suspension.models import (
    SUSPEND,
    Confirmation,
    SentForApproval,
    Suspended,
    UnknownConfirmation,
    clean_origin,
)
from commands.suspension.run import work

if TYPE_CHECKING:
    from audit.models import ApprovalRequest
    from commands.deps import Deps

APPROVAL_KIND = "suspend"


def send_for_approval(
    deps: Deps, actor: Actor, confirmation: Confirmation, reason: str
) -> SentForApproval:
    """Settle the confirmation and store the four-eyes request in one transaction; when another
    suspension holds the account, neither happens and the refusal points at it."""
    assert confirmation.overdue is not None
    order = RequestApproval(
        kind=APPROVAL_KIND,
        account=confirmation.account,
        reason=reason,
        origin=confirmation.origin,
        preview={
            "name": confirmation.name,
            "confirmation_id": confirmation.id,
            "overdue": confirmation.overdue.model_dump(mode="json"),
        },
    )
    kind, clean = vet_request(order, actor, deps)
    try:
        request_id = settle(
            deps,
            actor,
            confirmation,
            state="confirmed",
            details={"reason": reason, "origin": confirmation.origin},
            then=lambda session: create_request(session, deps, actor, kind, order, clean).id,
        )
    except RequestLocked:
        raise locked_out(deps, actor, kind, confirmation.account) from None
    request = load_approval(deps, request_id or "")
    assert request is not None
    return SentForApproval(request=request, confirmation=confirmation)


def suspend_approved(deps: Deps, request: ApprovalView) -> Suspended:
    """Carry out an approved suspension request: work its run (created with the approval) and
    report from the run's record."""
    if request.kind != APPROVAL_KIND or request.decided_by is None:
        raise UnknownConfirmation()
    run = run_records.run_for_approval(deps, request.id)
    if run is None:
        raise UnknownConfirmation()
    result = work(deps, run.id)
    assert isinstance(result, Suspended)
    return result


def pending_request(deps: Deps, account: str) -> ApprovalView | None:
    """The suspension request for ``account`` still waiting for an approver, if any."""
    with deps.ledger.read_session() as session:
        rows = ledger_approvals.pending(
            session=session, account=account, kind=APPROVAL_KIND, now=deps.now()
        )
        return ApprovalView.of(rows[0]) if rows else None


def _approved_params(request: ApprovalRequest) -> dict[str, Any]:
    return {
        "by": request.requested_by,
        "reason": request.reason,
        "origin": clean_origin(request.origin),
        "shown": dict(request.preview.get("overdue") or {}),
        "approved_by": request.decided_by,
        "reference": {"request_id": request.id},
    }


def approval_kind() -> ApprovalKind:
    return ApprovalKind(
        name=APPROVAL_KIND,
        label="suspension",
        run=SUSPEND,
        params=_approved_params,
        exclusive=True,
        break_glass=True,  # an admin may suspend at once in an emergency, reviewed after
    )
