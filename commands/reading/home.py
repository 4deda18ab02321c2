"""What a person's App Home shows: their own requests and actions, the requests waiting for them
(approvers), the actions that stopped and need Retry and today's digest (operators)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlmodel import Session, col

from audit.approvals import pending
from audit.models import ApprovalRequest, AuditEvent, RunState
from commands.actor import Actor, Role
from commands.approvals.breakglass import ReviewView, unreviewed
from commands.reading.account_state import (
    PendingRequest,
    UnfinishedRun,
    unfinished_runs,
    waiting_since,
)

if TYPE_CHECKING:
    from commands.deps import Deps

MAX_LISTED = 15
DIGEST_ACTION = "digest.post"


class DigestSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: date
    accounts: int
    total_overdue: Decimal
    suspended: int
    snoozed: int
    channel: str | None


class HomeSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    user: str
    mine: list[PendingRequest]  # requests this person made, still waiting
    my_runs: list[UnfinishedRun]  # actions this person asked for, running or stopped
    waiting_for_me: list[PendingRequest]  # approvers: others' requests to decide
    stopped: list[UnfinishedRun]  # operators: actions that stopped at a step (Retry)
    digest: DigestSummary | None  # operators: today's digest, once posted
    reviews: list[ReviewView] = []  # approvers: break-glass uses waiting for a review
    is_approver: bool
    is_operator: bool


def home_for(actor: Actor, deps: Deps) -> HomeSummary:
    """Read from the ledger only: App Home opens often and must not wait on the backends."""
    is_approver, is_operator = actor.has(Role.APPROVER), actor.has(Role.OPERATOR)
    with deps.ledger.read_session() as session:
        waiting = [_request(r) for r in pending(session=session, now=deps.now())]
        my_runs = [waiting_since(run, deps.now()) for run in _runs_asked_by(session, actor.user_id)]
        stopped = unfinished_runs(session, states=(RunState.FAILED,)) if is_operator else []
        digest = _todays_digest(session, deps.today()) if is_operator else None
    mine = [r for r in waiting if r.requested_by == actor.user_id]
    others = [r for r in waiting if r.requested_by != actor.user_id] if is_approver else []
    return HomeSummary(
        user=actor.user_id,
        mine=mine[:MAX_LISTED],
        my_runs=my_runs[:MAX_LISTED],
        waiting_for_me=others[:MAX_LISTED],
        stopped=stopped[:MAX_LISTED],
        digest=digest,
        reviews=unreviewed(deps)[:MAX_LISTED] if is_approver else [],
        is_approver=is_approver,
        is_operator=is_operator,
    )


def _request(row: ApprovalRequest) -> PendingRequest:
    return PendingRequest.model_validate(row, from_attributes=True)


def _runs_asked_by(session: Session, user: str) -> list[UnfinishedRun]:
    """Unfinished runs whose approval request this person made."""
    asked = select(col(ApprovalRequest.id)).where(col(ApprovalRequest.requested_by) == user)
    return unfinished_runs(session, approvals=asked)


def _todays_digest(session: Session, today: date) -> DigestSummary | None:
    event = session.scalars(
        select(AuditEvent)
        .where(col(AuditEvent.action) == DIGEST_ACTION, col(AuditEvent.outcome) == "ok")
        .order_by(col(AuditEvent.seq).desc())
        .limit(1)
    ).first()
    details = dict(event.details or {}) if event is not None else {}
    if details.get("period") != today.isoformat():
        return None
    return DigestSummary(
        day=today,
        accounts=int(details.get("accounts") or 0),
        total_overdue=Decimal(str(details.get("total_overdue") or "0")),
        suspended=int(details.get("suspended") or 0),
        snoozed=int(details.get("snoozed") or 0),
        channel=details.get("channel"),
    )


__all__ = ["DigestSummary", "HomeSummary", "home_for"]
