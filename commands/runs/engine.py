"""The run engine: every change the bot makes is a durable action, done once, reported truly.

An action is a *run* of ordered, idempotent *steps* (``action_run`` / ``action_step``). The run is
written in the same ledger transaction as the decision that authorises it (a confirmation
settled, an approval decided, a modal accepted) — ``commands.runs.records.create`` is called
inside that transaction — so nothing reaches a backend before the ledger knows it is meant to
happen.

``execute`` claims the run's lease and works its steps in order. Each step marks itself running
(its intent) before it calls a backend, and its result is recorded together with the step's
audit event in one transaction (``commands.runs.results``), so an effect never lacks its event.
Steps re-read the backend before they act: one resumed after a lost attempt (a crash, a lost
lease, a ledger outage) finds what that attempt did and counts it as done by this action.

Ledger writes after a backend call are retried with backoff (``commands.runs.records.durably``).
If the ledger stays out of reach the run is left non-terminal: its lease lapses and any
process's sweeper resumes it, and the step, re-reading the backend, records the truth. A step
that finds the action must not go ahead (paid since, already deactivated) ends the run
``refused``; a backend that fails after its client's retries fails the run at that step, to be
retried.

What a run may do is its kind (``RunKind``), looked up in the catalogue the composition root
builds (``commands.kinds.ActionKinds``), never in a global registry.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from audit import runs as ledger_runs
from audit.errors import LeaseLost
from audit.models import StepState
from commands.runs import results as run_results
from commands.runs.kinds import (
    LedgerUnavailable,
    Progress,
    QuietProgress,
    RunKind,
    RunOutcome,
    RunView,
    StepFailed,
    StepView,
    UnknownRun,
)
from commands.runs.records import durably, load_run, recorded_outcome, run_steps
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps
    from integrations.platform import ItemResult

log = logging.getLogger(__name__)

BATCH = 32  # a multiple of the platform client's 8 workers, so no slot idles per batch

T = TypeVar("T")
R = TypeVar("R")


# -- the worker ----------------------------------------------------------------------------------


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class StepContext:
    """What a step gets: the run, the step as it stood before this attempt, and the worker's
    means to keep its lease, record intent and report progress."""

    deps: Deps
    run: RunView
    step: StepView
    owner: str
    progress: Progress
    lease_for: timedelta
    batch: int = BATCH
    _renewed: float = field(default_factory=time.monotonic)

    @property
    def attempted_before(self) -> bool:
        """An earlier attempt of this step started: it may have acted before it was lost."""
        return self.step.state is not StepState.PENDING

    @property
    def params(self) -> dict[str, Any]:
        return self.run.p

    def earlier_intent(self) -> dict[str, Any]:
        return dict((self.step.detail or {}).get("intent") or {})

    def intend(self, **intent: Any) -> None:
        """Record what this attempt is about to do, before doing it."""

        def write(session: Session) -> None:
            ledger_runs.note_intent(
                session=session,
                run_id=self.run.id,
                position=self.step.position,
                intent=intent,
                now=self.deps.now(),
                owner=self.owner,
            )

        durably(self.deps, write, what=f"the intent of step {self.step.name}")

    def renew(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._renewed < self.lease_for.total_seconds() / 4:
            return

        def write(session: Session) -> bool:
            return ledger_runs.renew(
                session=session,
                run_id=self.run.id,
                owner=self.owner,
                now=self.deps.now(),
                lease_for=self.lease_for,
            )

        if not durably(self.deps, write, what="the lease"):
            raise LeaseLost(self.run.id, self.owner)
        self._renewed = now

    def fan_out(
        self, name: str, fn: Callable[[T], R], items: Sequence[T]
    ) -> list[ItemResult[T, R]]:
        """``fn`` over ``items`` through the platform pool, in batches: lease and progress
        move between batches; the first backend error fails the step once its batch is done."""
        results: list[ItemResult[T, R]] = []
        for start in range(0, len(items), self.batch):
            chunk = self.deps.platform.map_concurrent(fn, items[start : start + self.batch])
            results.extend(chunk)
            failed = next((r.error for r in chunk if r.error is not None), None)
            if failed is not None:
                raise StepFailed(failed)
            self.renew()
            self.progress.step_progress(name, len(results), len(items))
        return results


def execute(
    deps: Deps,
    run_id: str,
    *,
    progress: Progress | None = None,
    owner: str | None = None,
    lease_for: timedelta | None = None,
    batch: int = BATCH,
) -> RunOutcome:
    """Claim the run's lease and do every step not yet done, in order; the outcome as recorded.

    A finished run is not worked again: its recorded outcome is returned; a run not due yet
    (``not_before``) is left alone: ``scheduled``.
    """
    progress = progress or QuietProgress()
    owner = owner or new_owner()
    run = load_run(deps, run_id)
    if run is None:
        raise UnknownRun()
    if run.terminal:
        return recorded_outcome(deps, run)
    if run.waiting(deps.now()):
        return RunOutcome(run.id, "scheduled")
    kind = deps.actions.run(run.kind)
    lease = lease_for or kind.lease_for

    def claim(session: Session) -> bool:
        return ledger_runs.claim(
            session=session, run_id=run_id, owner=owner, now=deps.now(), lease_for=lease
        )

    try:
        if not durably(deps, claim, what="the run's lease"):
            return RunOutcome(run.id, "busy")
    except LedgerUnavailable:
        return RunOutcome(run.id, "interrupted")
    steps = run_steps(deps, run_id)
    resumed = any(step.state is not StepState.PENDING for step in steps)
    try:
        lost_role = _lost_authority(deps, kind, run)
        if lost_role is not None:
            refusal = run_results.finish(
                deps, kind, run, owner, refused=lost_role, audit_refusal=True
            )
            progress.finished(refusal)
            return refusal
        if resumed or kind.announce:
            run_results.announce(deps, run, owner, "resume" if resumed else "start")
        for step in steps:
            if step.state is StepState.DONE:
                continue
            ctx = StepContext(deps, run, step, owner, progress, lease, max(1, batch))
            outcome = _do_step(kind, ctx)
            if outcome is not None:  # failed (already reported) or refused
                if outcome.state == "refused":
                    progress.finished(outcome)
                return outcome
        outcome = run_results.finish(deps, kind, run, owner)
    except LeaseLost:
        return RunOutcome(run.id, "lost")
    except LedgerUnavailable:
        log.error("run %s left unfinished: the ledger is out of reach; it will be resumed", run.id)
        return RunOutcome(run.id, "interrupted")
    progress.finished(outcome)
    return outcome


def _lost_authority(deps: Deps, kind: RunKind, run: RunView) -> str | None:
    """The refusal when the requester no longer holds the role the action needs (the hook:
    ``deps.authority``), else None."""
    who = run.requested_by
    if who is None or deps.authority(who, kind.request_role):
        return None
    if kind.also_role is not None and deps.authority(who, kind.also_role):
        return None
    return (
        f"<@{who}> no longer holds the {kind.request_role.value} role this {kind.label} needs, "
        "so nothing more was done."
    )


def _do_step(kind: RunKind, ctx: StepContext) -> RunOutcome | None:
    deps, run, step, owner = ctx.deps, ctx.run, ctx.step, ctx.owner

    def start(session: Session) -> None:
        ledger_runs.start_step(
            session=session, run_id=run.id, position=step.position, owner=owner, now=deps.now()
        )

    durably(deps, start, what=f"the start of step {step.name}")
    ctx.progress.step_started(step.position, step.name)
    try:
        result = kind.step(step.name).do(ctx)
    except (IntegrationError, StepFailed) as exc:
        error = exc.error if isinstance(exc, StepFailed) else exc
        return run_results.record_failure(kind, ctx, error)
    run_results.record_result(kind, ctx, result)
    if result.refused is not None:
        return run_results.finish(deps, kind, run, owner, refused=result.refused)
    ctx.renew(force=True)
    ctx.progress.step_done(step.position, step.name, result.detail)
    return None
