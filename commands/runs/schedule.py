"""A run waiting for its time (its kind's cancel window, ``RunKind.delay``): cancelled before it
starts — by its requester, or by someone holding its kind's retry role (an approver, an admin),
always with a reason — or started at once by an admin ("Run now"). Both are compare-and-sets
against the worker's claim (``audit.runs``), so a cancel and the clock's start never both win;
both are audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

from audit import locks as ledger_locks
from audit import runs as ledger_runs
from commands.actor import Actor, Role
from commands.approvals.requests import clean_reason
from commands.errors import Conflict, Forbidden
from commands.runs.kinds import RunView, UnknownRun
from commands.runs.records import load_run, run_steps
from commands.trail import audited
from integrations.clock import local_time

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from commands.deps import Deps


class CancelScheduledRun(BaseModel):
    run_id: str
    reason: str


class RunNow(BaseModel):
    run_id: str


class NotWaiting(Conflict):
    """The run is no longer waiting for its time: it started, finished or was cancelled."""


def not_waiting_text(deps: Deps, run: RunView, label: str, zone: ZoneInfo) -> str:
    """Why a Cancel or Run now no longer applies, from the run's record."""
    when = local_time(run.updated_at, zone)
    if run.cancelled is not None:
        by = run.cancelled.get("by")
        who = f" by <@{by}>" if by else ""
        return f"This {label} was already cancelled{who} on {when}; nothing was done."
    if run.terminal:
        return f"This {label} has already finished, on {when}: it cannot be cancelled now."
    started = any(step.started_at for step in run_steps(deps, run.id))
    if started or run.lease_owner is not None:
        return f"This {label} has already started: it cannot be cancelled now."
    return f"This {label} is due now and about to start: it can no longer be held back."


def _scheduled_run(deps: Deps, actor: Actor, run_id: str, action: str) -> RunView:
    run = load_run(deps, run_id)
    if run is None:
        unknown = {"problem": "no such run", "value": run_id[:64]}
        with audited(deps, actor, action, None, details=unknown):
            raise UnknownRun()
    return run


def cancel_scheduled_run(cmd: CancelScheduledRun, actor: Actor, deps: Deps) -> RunView:
    """Cancel a run that has not started (audited ``<kind>.cancel`` with the reason); the
    account's lock is released in the same transaction."""
    run = _scheduled_run(deps, actor, cmd.run_id, "run.cancel")
    kind = deps.actions.run(run.kind)
    details = {"run_id": run.id, "request_id": run.approval_id}
    with audited(deps, actor, f"{run.kind}.cancel", run.account, details=details) as trail:
        if actor.user_id != run.requested_by and not actor.has(kind.retry_role):
            raise trail.refuse(
                Forbidden(
                    role=kind.retry_role,
                    action=f"cancel a {kind.label} someone else asked for",
                    contact=deps.policy.role_contact,
                ),
                problem="neither the requester nor holding the role",
            )
        reason = clean_reason(cmd.reason)
        now = deps.now()
        note = {"by": actor.user_id, "reason": reason, "at": now.isoformat()}
        with deps.ledger.session() as session:
            won = ledger_runs.cancel_scheduled(session=session, run_id=run.id, now=now, note=note)
            if won:
                if kind.exclusive:
                    ledger_locks.release(
                        session=session, run_id=run.id, approval_id=run.approval_id
                    )
                trail.ok(session=session, reason=reason, not_before=_iso(run))
        if not won:
            now_run = load_run(deps, run.id) or run
            raise trail.refuse(
                NotWaiting(not_waiting_text(deps, now_run, kind.label, deps.zone)),
                problem="not waiting",
                state=now_run.state.value,
            )
    after = load_run(deps, run.id)
    assert after is not None
    return after


def run_now(cmd: RunNow, actor: Actor, deps: Deps) -> RunView:
    """Skip the rest of a run's wait (admin; audited ``<kind>.run_now``): it is due at once and
    whoever works it next (the clicker, else the sweeper) starts it."""
    run = _scheduled_run(deps, actor, cmd.run_id, "run.run_now")
    kind = deps.actions.run(run.kind)
    details = {"run_id": run.id, "request_id": run.approval_id, "not_before": _iso(run)}
    with audited(deps, actor, f"{run.kind}.run_now", run.account, details=details) as trail:
        trail.require(Role.ADMIN, to=f"start a {kind.label} before its time")
        with deps.ledger.session() as session:
            won = ledger_runs.bring_forward(session=session, run_id=run.id, now=deps.now())
            if won:
                trail.ok(session=session)
        if not won:
            now_run = load_run(deps, run.id) or run
            raise trail.refuse(
                NotWaiting(not_waiting_text(deps, now_run, kind.label, deps.zone)),
                problem="not waiting",
                state=now_run.state.value,
            )
    after = load_run(deps, run.id)
    assert after is not None
    return after


def _iso(run: RunView) -> str | None:
    return run.not_before.isoformat() if run.not_before else None
