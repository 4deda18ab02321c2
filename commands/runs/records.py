"""The run records in the ledger: written durably (retried while the database is out of reach),
created inside the deciding transaction, read back, and what they say to a person."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from audit import locks as ledger_locks
from audit import runs as ledger_runs
from audit.errors import InvalidTransition
from audit.models import RunState, StepState
from commands.errors import CommandError, RecordedByRun
from commands.runs.kinds import (
    AccountLocked,
    InProgress,
    LedgerUnavailable,
    RunKind,
    RunOutcome,
    RunView,
    StepView,
)
from commands.trail import record

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps

log = logging.getLogger(__name__)

UNCLAIMED_GRACE = timedelta(seconds=10)

T = TypeVar("T")


# -- the ledger, durably ------------------------------------------------------------------------


_LEDGER_DOWN = (OperationalError, DBAPIError)


def durably(deps: Deps, write: Callable[[Session], T], *, what: str) -> T:
    """Run ``write`` in a ledger transaction, retrying with backoff while the database is out
    of reach; ``LedgerUnavailable`` once the backoff is spent. ``write`` must be safe to run
    again after a commit whose answer was lost (``InvalidTransition`` on a retry means it was
    already done)."""
    last: BaseException | None = None
    for attempt, pause in enumerate(deps.ledger_backoff):
        if pause:
            time.sleep(pause)
        try:
            with deps.ledger.session() as session:
                return write(session)
        except InvalidTransition:
            if attempt == 0:
                raise
            log.warning("ledger: %s was already recorded by an attempt whose answer was lost", what)
            raise _AlreadyRecorded() from None
        except _LEDGER_DOWN as exc:
            last = exc
            log.warning("ledger unreachable while recording %s (attempt %d)", what, attempt + 1)
    raise LedgerUnavailable(f"could not record {what}: {type(last).__name__}")


class _AlreadyRecorded(Exception):
    pass


def _quietly(deps: Deps, write: Callable[[Session], T], *, what: str) -> T | None:
    try:
        return durably(deps, write, what=what)
    except _AlreadyRecorded:
        return None


# -- creating, reading ---------------------------------------------------------------------------


def create(
    session: Session,
    kind: RunKind,
    *,
    account: str,
    requested_by: str | None,
    params: Mapping[str, Any],
    now: Any,
    approval_id: str | None = None,
    not_before: datetime | None = None,
) -> RunView:
    """The run and its steps, inside the caller's transaction (the one that decides the action).
    A run for an approval that already has one is that run. A run of an exclusive kind that no
    approval came before takes the account's lock itself, in the same transaction: of two such
    actions on one account, the second is refused (``AccountLocked``) and nothing of it stays.
    ``requested_by`` None: the bot acts on its own policy (no person's role is re-checked
    when it takes effect). ``not_before``: nobody works it before then (``scheduled_start``)."""
    row = ledger_runs.create_run(
        session=session,
        approval_id=approval_id,
        kind=kind.name,
        account=account,
        steps=kind.step_names,
        now=now,
        requested_by=requested_by,
        params=params,
        not_before=not_before,
    )
    if kind.exclusive and approval_id is not None:
        ledger_locks.attach_run(
            session=session, kind=kind.name, account=account, approval_id=approval_id, run_id=row.id
        )
    elif kind.exclusive and not ledger_locks.take(
        session=session, kind=kind.name, account=account, now=now, run_id=row.id
    ):
        raise AccountLocked(account, kind.label)
    return RunView.of(row)


def scheduled_start(deps: Deps, kind: RunKind, now: datetime) -> datetime | None:
    """When a run of ``kind`` decided ``now`` may start: after its kind's delay (a cancel
    window), or None — at once."""
    delay = kind.delay(deps.policy) if kind.delay is not None else None
    return now + delay if delay else None


def load_run(deps: Deps, run_id: str) -> RunView | None:
    if not 0 < len(run_id) <= 64:
        return None
    with deps.ledger.read_session() as session:
        row = ledger_runs.get_run(session=session, run_id=run_id)
        return None if row is None else RunView.of(row)


def run_for_approval(deps: Deps, approval_id: str) -> RunView | None:
    with deps.ledger.read_session() as session:
        row = ledger_runs.for_approval(session=session, approval_id=approval_id)
        return None if row is None else RunView.of(row)


def run_steps(deps: Deps, run_id: str) -> list[StepView]:
    with deps.ledger.read_session() as session:
        return [StepView.of(step) for step in ledger_runs.steps(session=session, run_id=run_id)]


def resumable_runs(deps: Deps) -> list[str]:
    """Runs whose worker is gone (lease lapsed or never taken), any kind: the sweeper's list.

    A run untouched since it was created is left to its creator for ``UNCLAIMED_GRACE`` (it is
    about to claim it); after that it is anyone's: its creator died between decision and work.
    """
    now = deps.now()
    with deps.ledger.read_session() as session:
        ids = ledger_runs.claimable(session=session, now=now)
        rows = [ledger_runs.require_run(session=session, run_id=run_id) for run_id in ids]
        return [
            row.id
            for row in rows
            if not (
                row.state == RunState.PENDING
                and row.updated_at == row.created_at
                and row.created_at > now - UNCLAIMED_GRACE
            )
        ]


def recorded_outcome(deps: Deps, run: RunView) -> RunOutcome:
    """A finished (or unfinished) run's outcome as the ledger holds it."""
    steps = run_steps(deps, run.id)
    results = {s.name: dict(s.detail or {}) for s in steps if s.state is StepState.DONE}
    if run.state is RunState.FAILED:
        failed = next((s for s in steps if s.state is StepState.FAILED), None)
        return RunOutcome(
            run.id,
            "failed",
            failed_step=failed.name if failed else None,
            error=run.error,
            results=results,
        )
    if run.state is RunState.SUCCEEDED:
        if run.cancelled is not None:
            return RunOutcome(run.id, "refused", refused=cancelled_text(run), results=results)
        if run.outcome == "refused":
            refused = next((r.get("refused") for r in results.values() if r.get("refused")), None)
            message = (refused or {}).get("message") if isinstance(refused, dict) else None
            return RunOutcome(run.id, "refused", refused=message, results=results)
        summary = summary_of(deps, run, steps)
        return RunOutcome(run.id, "succeeded", summary=summary, results=results)
    if run.waiting(deps.now()):
        return RunOutcome(run.id, "scheduled")
    return RunOutcome(run.id, "interrupted", results=results)


def cancelled_text(run: RunView) -> str:
    """A run cancelled before it started, in plain words from its record."""
    note = run.cancelled or {}
    why = f" ({note['reason']})" if note.get("reason") else ""
    return f"It was cancelled before it started{why}; nothing was done."


def summary_of(deps: Deps, run: RunView, steps: list[StepView]) -> dict[str, Any] | None:
    kind = deps.actions.run(run.kind)
    return kind.summarise(deps, run, steps) if kind.summarise else None


# -- retry ---------------------------------------------------------------------------------------


def reopen(deps: Deps, run: RunView, *, actor: str) -> bool:
    """Put a failed run back to pending (audited); True iff this call reopened it."""

    def write(session: Session) -> bool:
        reopened = ledger_runs.reopen(session=session, run_id=run.id, now=deps.now())
        if reopened:
            record(
                deps,
                actor=actor,
                action=f"{run.kind}.retry",
                account=run.account,
                outcome="ok",
                session=session,
                details={"run_id": run.id, "error": run.error},
            )
        return reopened

    with deps.ledger.session() as session:
        return write(session)


class ActionFailed(RecordedByRun):
    """A run failed at a named step; ``run_id`` is what a Retry button carries."""

    def __init__(
        self, message: str, *, run_id: str, step: str | None, error: str | None = None
    ) -> None:
        self.run_id = run_id
        self.step = step
        self.error = error
        super().__init__(message)

    @classmethod
    def of(cls, deps: Deps, outcome: RunOutcome) -> CommandError:
        """The error that tells the truth about an outcome that is not a result (without the
        ledger if need be: an interrupted run may mean the ledger is still out of reach)."""
        try:
            run = load_run(deps, outcome.run_id)
        except _LEDGER_DOWN:
            run = None
        kind = deps.actions.run(run.kind) if run else None
        label = kind.label if kind else "action"
        account = f" of account {run.account}" if run else ""
        if outcome.state == "failed":
            step = kind.step_label(outcome.failed_step or "") if kind else outcome.failed_step
            if kind is not None and len(kind.steps) == 1:
                note = f" {kind.failure_note}" if kind.failure_note else ""
                text = f"The {label}{account} failed: {outcome.error}.{note} It can be tried again."
            else:
                text = (
                    f"The {label}{account} failed at “{step}”: {outcome.error}. What came "
                    "before that step is done and recorded; nothing after it was tried. Retry "
                    "carries on from that step."
                )
            return cls(
                text,
                run_id=outcome.run_id,
                step=outcome.failed_step,
                error=outcome.error,
            )
        if outcome.state in ("lost", "busy"):
            return InProgress(
                f"The {label}{account} is being carried out by another worker; you will be "
                "told when it is done."
            )
        return InProgress(
            f"The {label}{account} is recorded and in progress, but could not be finished just "
            "now (the ledger was out of reach). It will be finished automatically and you will "
            "be told."
        )
