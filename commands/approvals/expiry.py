"""The clock's part of four-eyes approval: pending requests past their time expire (freeing the
account's lock), and approvers are reminded once of a request still waiting."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from audit import approvals as ledger_approvals
from audit import claim_period, finish_period
from audit import locks as ledger_locks
from commands.approvals.model import SYSTEM_ACTOR, ApprovalView
from commands.trail import record

if TYPE_CHECKING:
    from commands.deps import Deps

REMIND_JOB = "approval.remind"  # job_run: one row per request (period = the request id)
REMIND_AT = 0.75  # of the request's time to live, gone without a decision
# A reminder claimed by a process that died before posting it is taken over after this long.
REMIND_TAKEOVER = timedelta(minutes=5)


def expire_due(deps: Deps) -> list[ApprovalView]:
    """Expire every pending request past its time; returns only those this caller expired."""
    now = deps.now()
    with deps.ledger.session() as session:
        rows = ledger_approvals.expire_due(session=session, now=now)
        views = [ApprovalView.of(row) for row in rows]
        for view in views:
            ledger_locks.release(session=session, approval_id=view.id)
            record(
                deps,
                actor=SYSTEM_ACTOR,
                action=f"{view.kind}.expire",
                account=view.account,
                outcome="ok",
                session=session,
                details={
                    "request_id": view.id,
                    "requested_by": view.requested_by,
                    "expired_at": view.expires_at,
                },
            )
    return views


def remind_at(request: ApprovalView, after: timedelta | None = None) -> datetime:
    """When the approvers are reminded: ``after`` the request was made (the approval policy's
    ``remind_after``), else when ``REMIND_AT`` of the request's time has gone."""
    if after is not None:
        return request.created_at + after
    return request.created_at + (request.expires_at - request.created_at) * REMIND_AT


def claim_reminders(deps: Deps, *, owner: str) -> list[ApprovalView]:
    """The pending, posted requests whose reminder is due and that this caller claimed.

    The claim is a ``job_run`` row keyed by the request id, committed before anything is
    posted: of any number of sweeps on any number of clocks, one gets it. A claim never
    finished (its process died before posting) is taken over after ``REMIND_TAKEOVER``.
    """
    now = deps.now()
    with deps.ledger.read_session() as session:
        waiting = [
            ApprovalView.of(row) for row in ledger_approvals.pending(session=session, now=now)
        ]
    claimed: list[ApprovalView] = []
    for request in waiting:
        after = deps.policy.approvals.of(request.kind).remind_after
        if not (request.channel and request.message_ts) or now < remind_at(request, after):
            continue
        with deps.ledger.session() as session:
            if claim_period(
                session=session,
                job=REMIND_JOB,
                period=request.id,
                owner=owner,
                now=now,
                stale_after=REMIND_TAKEOVER,
            ):
                claimed.append(request)
    return claimed


def finish_reminder(deps: Deps, request: ApprovalView, *, owner: str, outcome: str) -> bool:
    """Close this caller's claim on ``request``'s reminder: ``outcome`` "ok" (posted; audited
    as ``<kind>.remind``) or "skipped" (decided meanwhile). False if the claim was lost."""
    with deps.ledger.session() as session:
        if not finish_period(
            session=session,
            job=REMIND_JOB,
            period=request.id,
            owner=owner,
            now=deps.now(),
            outcome=outcome,
        ):
            return False
        if outcome == "ok":
            record(
                deps,
                actor=SYSTEM_ACTOR,
                action=f"{request.kind}.remind",
                account=request.account,
                outcome="ok",
                session=session,
                details={"request_id": request.id, "expires_at": request.expires_at},
            )
    return True
