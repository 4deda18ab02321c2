"""Taking back a pending four-eyes request: its requester cancels it, or the bot withdraws one
it could not show to approvers. Either frees the account's lock; both are audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit import approvals as ledger_approvals
from audit import locks as ledger_locks
from commands.actor import Actor
from commands.approvals.model import (
    SYSTEM_ACTOR,
    AlreadyDecided,
    ApprovalView,
    CancelApproval,
    NotYourRequest,
    UnknownRequest,
)
from commands.approvals.requests import load_approval
from commands.trail import audited, record

if TYPE_CHECKING:
    from commands.deps import Deps


def cancel_approval(cmd: CancelApproval, actor: Actor, deps: Deps) -> ApprovalView:
    """The requester withdraws a pending request."""
    request = load_approval(deps, cmd.request_id)
    if request is None:
        unknown = {"value": cmd.request_id[:64]}
        with audited(deps, actor, "approval.cancel", None, details=unknown) as trail:
            raise trail.refuse(UnknownRequest(), problem="no such request")
    details = {"request_id": request.id}
    with audited(deps, actor, f"{request.kind}.cancel", request.account, details=details) as trail:
        if actor.user_id != request.requested_by:
            raise trail.refuse(NotYourRequest(), problem="not the requester")
        with deps.ledger.session() as session:
            won = ledger_approvals.cancel(
                session=session, request_id=request.id, by=actor.user_id, now=deps.now()
            )
            if won:
                ledger_locks.release(session=session, approval_id=request.id)
                trail.ok(session=session)
        after = load_approval(deps, request.id) or request
        if not won:
            raise trail.refuse(
                AlreadyDecided(after, deps.zone), problem=f"already {after.state.value}"
            )
    return after


def withdraw_approval(deps: Deps, request_id: str, *, why: str) -> ApprovalView | None:
    """Cancel a pending request that could not be shown to approvers (its message could not be
    posted): audited as ``<kind>.withdraw``; None when it was no longer pending."""
    now = deps.now()
    with deps.ledger.session() as session:
        won = ledger_approvals.cancel(
            session=session, request_id=request_id, by=SYSTEM_ACTOR, reason=why, now=now
        )
        if not won:
            return None
        ledger_locks.release(session=session, approval_id=request_id)
        row = ledger_approvals.require(session=session, request_id=request_id)
        record(
            deps,
            actor=SYSTEM_ACTOR,
            action=f"{row.kind}.withdraw",
            account=row.account,
            outcome="ok",
            session=session,
            details={"request_id": row.id, "requested_by": row.requested_by, "why": why},
        )
        return ApprovalView.of(row)
