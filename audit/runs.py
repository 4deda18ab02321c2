"""Long actions as ordered, resumable steps, worked by whichever process holds the lease.

A run is created once per approval (``approval_id`` is unique). A worker ``claim``s it (a
compare-and-set on the lease: free, expired, or already its own), renews the lease while it
works, and records each step. Given the worker's ``owner``, step updates first re-check the
lease in the same transaction (``finish_run``/``fail_run`` always do), so a worker whose lease
was taken over cannot overwrite the new owner's progress: it gets ``LeaseLost``. A crashed
worker's run shows up in ``claimable`` once its lease runs out, and the next worker skips the
steps already done.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlmodel import Session, col

from audit._sql import changed, insert_if_absent
from audit.errors import InvalidTransition, LeaseLost, RunConflict, RunNotFound, StepNotFound
from audit.models import ActionRun, ActionStep, RunState, StepState
from audit.types import as_utc, json_dict

ACTIVE = (RunState.PENDING.value, RunState.RUNNING.value)
ABANDONED = "abandoned"  # the outcome of a run the team gave up (``abandon``)


def new_run_id() -> str:
    return secrets.token_urlsafe(9)


def get_run(*, session: Session, run_id: str) -> ActionRun | None:
    return session.get(ActionRun, run_id, populate_existing=True)


def require_run(*, session: Session, run_id: str) -> ActionRun:
    run = get_run(session=session, run_id=run_id)
    if run is None:
        raise RunNotFound(run_id)
    return run


def for_approval(*, session: Session, approval_id: str) -> ActionRun | None:
    return session.scalars(
        select(ActionRun)
        .where(col(ActionRun.approval_id) == approval_id)
        .execution_options(populate_existing=True)
    ).one_or_none()


def create_run(
    *,
    session: Session,
    approval_id: str | None,
    kind: str,
    account: str,
    steps: Sequence[str],
    now: datetime,
    requested_by: str | None = None,
    params: Mapping[str, Any] | None = None,
    not_before: datetime | None = None,
) -> ActionRun:
    """A pending run with its steps; for an approval that already has one, that run.
    ``not_before``: nobody claims it before then (a cancel window).

    A second call for the same approval (a retry, a second process) returns the existing run
    whatever ``steps`` it passes; a different kind or account raises ``RunConflict``.
    """
    if not steps:
        raise InvalidTransition("a run needs at least one step")
    when = as_utc(now, "now")
    run_id = new_run_id()
    session.flush()
    inserted = insert_if_absent(
        session,
        ActionRun,
        id=run_id,
        approval_id=approval_id,
        kind=kind,
        account=account,
        state=RunState.PENDING.value,
        created_at=when,
        updated_at=when,
        requested_by=requested_by,
        params=json_dict(params, "params")[0] if params is not None else None,
        not_before=as_utc(not_before, "not_before") if not_before is not None else None,
    )
    if not inserted:
        existing = for_approval(session=session, approval_id=approval_id or "")
        if existing is None:  # pragma: no cover - only a run-id collision gets here
            raise RunConflict(approval_id or "", run_id)
        if existing.kind != kind or existing.account != account:
            raise RunConflict(approval_id or "", existing.id)
        return existing
    for position, name in enumerate(steps):
        session.add(ActionStep(run_id=run_id, position=position, name=name, attempts=0))
    session.flush()
    return require_run(session=session, run_id=run_id)


def claim(
    *, session: Session, run_id: str, owner: str, now: datetime, lease_for: timedelta
) -> bool:
    """Take (or extend) the lease on an unfinished run that is due; True iff ``owner`` now
    holds it."""
    session.flush()
    when = as_utc(now, "now")
    return _set_run(
        session,
        run_id,
        [
            col(ActionRun.state).in_(ACTIVE),
            _due(when),
            or_(
                col(ActionRun.lease_owner).is_(None),
                col(ActionRun.lease_until).is_(None),
                col(ActionRun.lease_until) <= when,
                col(ActionRun.lease_owner) == owner,
            ),
        ],
        state=RunState.RUNNING.value,
        lease_owner=owner,
        lease_until=when + lease_for,
        updated_at=when,
    )


def renew(
    *, session: Session, run_id: str, owner: str, now: datetime, lease_for: timedelta
) -> bool:
    """Push the lease out; False if someone else holds it now (stop working on the run)."""
    session.flush()
    when = as_utc(now, "now")
    return _set_run(
        session,
        run_id,
        [col(ActionRun.state) == RunState.RUNNING.value, col(ActionRun.lease_owner) == owner],
        lease_until=when + lease_for,
        updated_at=when,
    )


def release(*, session: Session, run_id: str, owner: str, now: datetime) -> bool:
    """Give the lease up early so another worker may resume at once."""
    session.flush()
    return _set_run(
        session,
        run_id,
        [col(ActionRun.lease_owner) == owner],
        lease_owner=None,
        lease_until=None,
        updated_at=as_utc(now, "now"),
    )


def claimable(*, session: Session, now: datetime) -> list[str]:
    """Unfinished runs that are due and nobody holds a live lease on, oldest first: the
    sweeper's work list."""
    when = as_utc(now, "now")
    return list(
        session.scalars(
            select(col(ActionRun.id))
            .where(
                col(ActionRun.state).in_(ACTIVE),
                _due(when),
                or_(col(ActionRun.lease_until).is_(None), col(ActionRun.lease_until) <= when),
            )
            .order_by(col(ActionRun.created_at), col(ActionRun.id))
        )
    )


def _set_run(session: Session, run_id: str, where: Sequence[Any], **values: Any) -> bool:
    """A compare-and-set on one run: set ``values`` iff every ``where`` holds; True iff it did."""
    statement = (
        update(ActionRun)
        .where(col(ActionRun.id) == run_id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return changed(session, statement) == 1


def _due(when: datetime) -> Any:
    return or_(col(ActionRun.not_before).is_(None), col(ActionRun.not_before) <= when)


def _unstarted(run_id: str) -> Any:
    """No step of the run was ever started (a reopened failed run has started steps)."""
    return ~exists().where(
        col(ActionStep.run_id) == run_id, col(ActionStep.state) != StepState.PENDING.value
    )


def cancel_scheduled(
    *, session: Session, run_id: str, now: datetime, note: Mapping[str, Any]
) -> bool:
    """End a run that has not started — waiting for its time, or due but not yet claimed —
    without doing any of it (``outcome`` cancelled, ``note`` kept in its params under
    ``cancelled``). A compare-and-set against ``claim``: of a cancel and a worker, exactly one
    wins; True iff this call cancelled it."""
    run = require_run(session=session, run_id=run_id)
    params = {**dict(run.params or {}), "cancelled": json_dict(note, "note")[0]}
    when = as_utc(now, "now")
    return _set_run(
        session,
        run_id,
        [
            col(ActionRun.state) == RunState.PENDING.value,
            col(ActionRun.lease_owner).is_(None),
            _unstarted(run_id),
        ],
        state=RunState.SUCCEEDED.value,
        outcome="cancelled",
        params=params,
        updated_at=when,
    )


def bring_forward(*, session: Session, run_id: str, now: datetime) -> bool:
    """Make a run still waiting for its time due now; True iff this call moved it."""
    when = as_utc(now, "now")
    return _set_run(
        session,
        run_id,
        [col(ActionRun.state) == RunState.PENDING.value, col(ActionRun.not_before) > when],
        not_before=when,
        updated_at=when,
    )


def steps(*, session: Session, run_id: str) -> list[ActionStep]:
    """The run's steps in order."""
    return list(
        session.scalars(
            select(ActionStep)
            .where(col(ActionStep.run_id) == run_id)
            .order_by(col(ActionStep.position))
            .execution_options(populate_existing=True)
        )
    )


def _fence(session: Session, run_id: str, owner: str | None, when: datetime) -> None:
    """Check that ``owner`` still holds the run's lease, and keep it until this commits.

    The check is itself an UPDATE, so it takes the run's row lock: a competing claim waits
    for this transaction instead of slipping in between the check and the write. Without an
    owner there is nothing to check (the caller takes the risk of a lapsed lease).
    """
    session.flush()
    if owner is None:
        return
    if not _set_run(
        session,
        run_id,
        [col(ActionRun.state) == RunState.RUNNING.value, col(ActionRun.lease_owner) == owner],
        updated_at=when,
    ):
        raise LeaseLost(run_id, owner)


def _open_step(
    session: Session, run_id: str, position: int, owner: str | None, now: datetime
) -> tuple[ActionStep, datetime]:
    """The step, fenced by ``owner``'s lease and not done yet, and ``now`` in UTC."""
    when = as_utc(now, "now")
    _fence(session, run_id, owner, when)
    step = session.get(ActionStep, (run_id, position), populate_existing=True)
    if step is None:
        raise StepNotFound(run_id, position)
    if step.state == StepState.DONE:
        raise InvalidTransition(f"step {position} of run {run_id!r} is already done")
    return step, when


def start_step(
    *, session: Session, run_id: str, position: int, now: datetime, owner: str | None = None
) -> ActionStep:
    """Mark a step running (again, after a crash or a failure); a done step is never restarted."""
    step, when = _open_step(session, run_id, position, owner, now)
    step.state = StepState.RUNNING
    step.started_at = when
    step.finished_at = None
    step.error = None
    session.flush()
    return step


def note_intent(
    *,
    session: Session,
    run_id: str,
    position: int,
    intent: Mapping[str, Any],
    now: datetime,
    owner: str | None = None,
) -> ActionStep:
    """Record what a running step is about to do (the ids it will delete...), before it calls
    the backend, so a resumed attempt can count what a lost one did. Earlier intents are kept."""
    step, _ = _open_step(session, run_id, position, owner, now)
    detail = dict(step.detail or {})
    detail["intent"] = json_dict(intent, "intent")[0]
    step.detail = detail
    session.flush()
    return step


def finish_step(
    *,
    session: Session,
    run_id: str,
    position: int,
    now: datetime,
    detail: Mapping[str, Any] | None = None,
    owner: str | None = None,
) -> ActionStep:
    """Mark a step done, with what it did (ids created, numbers changed...)."""
    step, when = _open_step(session, run_id, position, owner, now)
    step.state = StepState.DONE
    step.detail = json_dict(detail, "detail")[0]
    step.error = None
    step.started_at = step.started_at or when
    step.finished_at = when
    session.flush()
    return step


def fail_step(
    *,
    session: Session,
    run_id: str,
    position: int,
    now: datetime,
    error: str,
    owner: str | None = None,
) -> ActionStep:
    """Record a failed attempt of a step (``attempts`` counts them); it may be started again."""
    step, when = _open_step(session, run_id, position, owner, now)
    step.state = StepState.FAILED
    step.attempts += 1
    step.error = error[:2000]
    step.finished_at = when
    session.flush()
    return step


def _end(
    session: Session,
    run_id: str,
    owner: str,
    when: datetime,
    state: RunState,
    error: str | None,
    outcome: str | None = None,
) -> None:
    session.flush()
    if not _set_run(
        session,
        run_id,
        [col(ActionRun.state) == RunState.RUNNING.value, col(ActionRun.lease_owner) == owner],
        state=state.value,
        lease_owner=None,
        lease_until=None,
        updated_at=when,
        error=error,
        outcome=outcome,
    ):
        raise LeaseLost(run_id, owner)


def finish_run(
    *, session: Session, run_id: str, owner: str, now: datetime, outcome: str = "done"
) -> ActionRun:
    """The run came to its end (``outcome`` done, or refused when a step found it must not act);
    its lease is released and it is never claimable again."""
    _end(session, run_id, owner, as_utc(now, "now"), RunState.SUCCEEDED, None, outcome)
    return require_run(session=session, run_id=run_id)


def fail_run(*, session: Session, run_id: str, owner: str, now: datetime, error: str) -> ActionRun:
    """The run gave up (a step cannot succeed); it is never claimable again."""
    _end(session, run_id, owner, as_utc(now, "now"), RunState.FAILED, error, "failed")
    return require_run(session=session, run_id=run_id)


def reopen(*, session: Session, run_id: str, now: datetime) -> bool:
    """Put a failed run back to pending so it can be claimed and resumed from its failed step.

    True iff this call reopened it (a compare-and-set on ``state = 'failed'``).
    """
    session.flush()
    return _set_run(
        session,
        run_id,
        [
            col(ActionRun.state) == RunState.FAILED.value,
            or_(col(ActionRun.outcome).is_(None), col(ActionRun.outcome) != ABANDONED),
        ],
        state=RunState.PENDING.value,
        lease_owner=None,
        lease_until=None,
        error=None,
        updated_at=as_utc(now, "now"),
    )


def abandon(*, session: Session, run_id: str, now: datetime, by: str) -> bool:
    """Give up a run nobody is working: failed, or unfinished with its lease lapsed. It ends
    failed with outcome ``abandoned`` and is never claimable or retried again. True iff this
    call abandoned it (a compare-and-set: a run that came back to life is left alone)."""
    when = as_utc(now, "now")
    session.flush()
    return _set_run(
        session,
        run_id,
        [
            or_(
                col(ActionRun.state) == RunState.FAILED.value,
                and_(
                    col(ActionRun.state).in_(ACTIVE),
                    or_(col(ActionRun.lease_until).is_(None), col(ActionRun.lease_until) <= when),
                ),
            ),
            or_(col(ActionRun.outcome).is_(None), col(ActionRun.outcome) != ABANDONED),
        ],
        state=RunState.FAILED.value,
        lease_owner=None,
        lease_until=None,
        updated_at=when,
        error=f"abandoned by {by}",
        outcome=ABANDONED,
    )
