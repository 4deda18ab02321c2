"""What a run writes to the ledger as it goes: its start (or resumption), each step's result
with that step's audit event, a step's failure (failing the run), and the run's end (done or
refused, releasing the account's lock). ``commands.runs.engine`` calls them; every write is durable
(``commands.runs.records.durably``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from audit import locks as ledger_locks
from audit import runs as ledger_runs
from audit.errors import LeaseLost
from audit.models import StepState
from commands.runs.kinds import SYSTEM, RunKind, RunOutcome, RunView, StepResult
from commands.runs.records import _AlreadyRecorded, _quietly, durably, run_steps, summary_of
from commands.trail import record

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps
    from commands.runs.engine import StepContext
    from integrations.errors import IntegrationError


def announce(deps: Deps, run: RunView, owner: str, what: str) -> None:
    def write(session: Session) -> None:
        record(
            deps,
            actor=SYSTEM,
            action=f"{run.kind}.{what}",
            account=run.account,
            outcome="ok",
            session=session,
            details={"run_id": run.id, "request_id": run.approval_id, "owner": owner},
        )

    durably(deps, write, what=f"the {what} of run {run.id}")


def record_result(kind: RunKind, ctx: StepContext, result: StepResult) -> None:
    deps, run, step = ctx.deps, ctx.run, ctx.step
    detail = dict(result.detail)
    if result.refused is not None:
        detail.setdefault("refused", {"message": result.refused})

    def write(session: Session) -> None:
        ledger_runs.finish_step(
            session=session,
            run_id=run.id,
            position=step.position,
            detail=detail,
            now=deps.now(),
            owner=ctx.owner,
        )
        if result.effect is not None:
            effect = result.effect
            record(
                deps,
                actor=effect.actor or run.requested_by or SYSTEM,
                action=effect.action,
                account=run.account,
                outcome=effect.outcome,
                session=session,
                details={"run_id": run.id, **dict(effect.details)},
            )

    _quietly(deps, write, what=f"the result of step {step.name}")


def record_failure(kind: RunKind, ctx: StepContext, error: IntegrationError) -> RunOutcome:
    deps, run, step, owner = ctx.deps, ctx.run, ctx.step, ctx.owner
    text = str(error)[:2000]
    extra = (
        kind.failure_details(deps, run, run_steps(deps, run.id), step.name)
        if kind.failure_details
        else {}
    )

    def write(session: Session) -> None:
        ledger_runs.fail_step(
            session=session,
            run_id=run.id,
            position=step.position,
            error=text,
            now=deps.now(),
            owner=owner,
        )
        ledger_runs.fail_run(
            session=session, run_id=run.id, owner=owner, error=text, now=deps.now()
        )
        record(
            deps,
            actor=SYSTEM if kind.announce else (run.requested_by or SYSTEM),
            action=f"{kind.name}.step" if kind.announce else kind.name,
            account=run.account,
            outcome="failed",
            session=session,
            details={
                "run_id": run.id,
                "step": step.name,
                "position": step.position,
                "error": text,
                **_reference(run),
                **extra,
            },
        )

    _quietly(deps, write, what=f"the failure of step {step.name}")
    ctx.progress.failed(run.id, step.name, text)
    return RunOutcome(run.id, "failed", failed_step=step.name, error=text)


def _reference(run: RunView) -> dict[str, Any]:
    return {key: value for key, value in run.p.get("reference", {}).items()}


def finish(
    deps: Deps,
    kind: RunKind,
    run: RunView,
    owner: str,
    *,
    refused: str | None = None,
    audit_refusal: bool = False,
) -> RunOutcome:
    steps = run_steps(deps, run.id)
    results = {s.name: dict(s.detail or {}) for s in steps if s.state is StepState.DONE}
    summary = None if refused is not None else summary_of(deps, run, steps)

    def write(session: Session) -> None:
        ledger_runs.finish_run(
            session=session,
            run_id=run.id,
            owner=owner,
            now=deps.now(),
            outcome="refused" if refused is not None else "done",
        )
        if kind.exclusive:
            ledger_locks.release(session=session, run_id=run.id, approval_id=run.approval_id)
        if audit_refusal and not kind.announce:
            record(
                deps,
                actor=SYSTEM,
                action=kind.name,
                account=run.account,
                outcome="refused",
                session=session,
                details={"run_id": run.id, "problem": refused, **_reference(run)},
            )
        if kind.announce:
            record(
                deps,
                actor=SYSTEM,
                action=f"{kind.name}.done",
                account=run.account,
                outcome="refused" if refused is not None else "ok",
                session=session,
                details={
                    "run_id": run.id,
                    "request_id": run.approval_id,
                    **({"summary": summary} if summary is not None else {}),
                    **({"refused": refused} if refused is not None else {}),
                },
            )

    try:
        durably(deps, write, what=f"the end of run {run.id}")
    except _AlreadyRecorded:
        pass
    except LeaseLost:
        raise
    if refused is not None:
        return RunOutcome(run.id, "refused", refused=refused, results=results)
    return RunOutcome(run.id, "succeeded", summary=summary, results=results)
