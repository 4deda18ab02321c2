"""Which audit events finish a change: the facts the activity channel announces, one per change.

A change is finished when its run ends (done, refused by a step, or stopped at a step by a
backend failure) or, for a snooze, when it is written. The engine records exactly one such event
per ending, in the transaction that ends it, so a ledger observer that announces these events
announces each finished change once, in whichever process finished it:

- an announced kind (deactivation): ``<kind>.done`` (ok or refused), or ``<kind>.step`` failed;
- any other kind: its one effect event ``<kind>`` (ok or refused), or ``<kind>`` failed;
- ``snooze`` ok;
- ``promise`` ok (a promise to pay recorded), ``promise.kept`` / ``promise.broken`` (settled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from audit.models import AuditEvent, RunState, StepState
from commands.deps import Deps
from commands.kinds import ActionKinds
from commands.runs.kinds import SYSTEM, RunKind
from commands.runs.records import load_run, run_steps
from commands.suspension.models import PROMISE

KEPT, BROKEN = f"{PROMISE}.kept", f"{PROMISE}.broken"

SNOOZE = "snooze"
PROMISES = {PROMISE: "", KEPT: " kept", BROKEN: " broken"}

Result = Literal["done", "refused", "stopped"]


@dataclass(frozen=True)
class FinishedChange:
    seq: int | None  # the audit event that ended it (None: read from the run's record)
    kind: str  # the run kind ("suspend"), "snooze" or "promise"
    label: str  # how people call it ("suspension")
    account: str
    result: Result
    run_id: str | None = None
    step: str | None = None  # the step it stopped at (its label)
    problem: str | None = None  # why it was refused
    actor: str | None = None  # who, when the event names a person (snooze)
    until: date | None = None  # a snooze's last day


def finished_change(event: AuditEvent, kinds: ActionKinds) -> FinishedChange | None:
    """The finished change ``event`` records, or None when it records something else."""
    if event.account is None:
        return None
    details = event.details or {}
    if event.action == SNOOZE and str(event.outcome) == "ok":
        until = (details.get("after") or {}).get("until")
        return FinishedChange(
            seq=event.seq,
            kind=SNOOZE,
            label="snooze",
            account=event.account,
            result="done",
            actor=event.actor,
            until=date.fromisoformat(until) if until else None,
        )
    if event.action in PROMISES and str(event.outcome) == "ok":
        promise = details.get("after") or details.get("promise") or {}
        due = promise.get("due")
        day = date.fromisoformat(due) if isinstance(due, str) else None
        when = f" by {day.day} {day:%b %Y}" if day else ""
        amount = promise.get("amount")
        what = f" of ${Decimal(str(amount)):,.2f}" if amount is not None else ""
        return FinishedChange(
            seq=event.seq,
            kind=PROMISE,
            label=f"promise to pay{what}{when}{PROMISES[event.action]}",
            account=event.account,
            result="done",
            actor=event.actor,
        )
    run_id = details.get("run_id")
    if not isinstance(run_id, str):
        return None
    kind, ending = _ending(event, kinds)
    if kind is None or not ending:
        return None
    outcome = str(event.outcome)
    result: Result = "done" if outcome == "ok" else "refused" if outcome == "refused" else "stopped"
    step = details.get("step")
    problem = details.get("refused") or details.get("problem")
    return FinishedChange(
        seq=event.seq,
        kind=kind.name,
        label=kind.label,
        account=event.account,
        result=result,
        run_id=run_id,
        step=kind.step_label(step) if result == "stopped" and isinstance(step, str) else None,
        problem=problem if result == "refused" and isinstance(problem, str) else None,
    )


def _ending(event: AuditEvent, kinds: ActionKinds) -> tuple[RunKind | None, bool]:
    """The run kind ``event`` belongs to, and whether it is the event that ends a run."""
    outcome = str(event.outcome)
    kind = kinds.runs.get(event.action)
    if kind is not None and not kind.announce:  # kind names hold dots: match them whole
        return kind, outcome in ("ok", "refused", "failed")
    name, _, suffix = event.action.rpartition(".")
    kind = kinds.runs.get(name)
    if kind is None or not kind.announce:
        return None, False
    return kind, (suffix == "done" and outcome in ("ok", "refused")) or (
        suffix == "step" and outcome == "failed"
    )


def finished_run(deps: Deps, run_id: str) -> FinishedChange | None:
    """The change a finished run made, read from its record (None: unknown or not finished)."""
    run = load_run(deps, run_id)
    kind = deps.actions.runs.get(run.kind) if run is not None else None
    if run is None or kind is None or not run.terminal:
        return None
    steps = run_steps(deps, run_id)
    if run.state is RunState.FAILED:
        failed = next((s for s in steps if s.state is StepState.FAILED), None)
        return FinishedChange(
            seq=None,
            kind=kind.name,
            label=kind.label,
            account=run.account,
            result="stopped",
            run_id=run.id,
            step=kind.step_label(failed.name) if failed is not None else None,
        )
    problem = None
    if run.outcome == "refused":
        refusals = [(s.detail or {}).get("refused") for s in steps]
        refusal: Any = next((r for r in refusals if r), None)
        problem = refusal.get("message") if isinstance(refusal, dict) else refusal
    return FinishedChange(
        seq=None,
        kind=kind.name,
        label=kind.label,
        account=run.account,
        result="refused" if run.outcome == "refused" else "done",
        run_id=run.id,
        problem=problem if isinstance(problem, str) else None,
    )


def people(deps: Deps, change: FinishedChange) -> tuple[str | None, str | None]:
    """Who asked for the change (None: the bot on its own) and who approved it, as recorded."""
    by, approved_by = change.actor, None
    if change.run_id is not None:
        run = load_run(deps, change.run_id)
        if run is not None:
            by = run.requested_by
            decided = run.p.get("decided_by") or run.p.get("approved_by")
            approved_by = decided if isinstance(decided, str) else None
    return (None if by in (None, SYSTEM) else by), approved_by
