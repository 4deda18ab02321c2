"""A one-system change (invoice email, PBX subscription or group name, emergency address) as a
one-step run on the engine.

The accepted order is recorded as a run before the backend is called. Its step writes the wanted
value and records the change's audit event with its result. A resumed step (after a crash or a
ledger outage) first asks the system whether it already holds the wanted value — the lost
attempt's write — and records that as done; a backend failure is checked the same way before it
fails the run, so a failed change is one the system does not show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commands.errors import NothingToDo
from commands.runs import engine
from commands.runs import records as run_records
from commands.runs.engine import StepContext
from commands.runs.kinds import Effect, RunKind, RunView, Step, StepResult, StepView
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from commands.deps import Deps
    from commands.runs.kinds import RunOutcome
    from commands.trail import Trail


CHECKED_AFTER_FAILURE = "The system was checked after the failure and does not show the change."


@dataclass(frozen=True)
class Change:
    """What one kind of change does to its system, from the run's params alone (so any process
    can resume it)."""

    name: str  # the audit action, e.g. "invoice_email.update"
    label: str  # "invoice email change"
    step_label: str
    apply: Callable[[Deps, RunView], object]
    holds: Callable[[Deps, RunView], bool]  # does the system hold the wanted value now?


def change_kind(change: Change) -> RunKind:
    def do(ctx: StepContext) -> StepResult:
        details = dict(ctx.params.get("details") or {})
        if ctx.attempted_before and change.holds(ctx.deps, ctx.run):
            details["reconciled"] = "the change was made by an earlier attempt of this run"
        else:
            try:
                change.apply(ctx.deps, ctx.run)
            except IntegrationError:
                if not change.holds(ctx.deps, ctx.run):  # did it go through after all?
                    raise
        return StepResult({"changed": True}, Effect(change.name, "ok", details))

    def failure(_deps: Deps, run: RunView, _steps: list[StepView], _step: str) -> dict[str, Any]:
        return dict(run.p.get("details") or {})

    return RunKind(
        name=change.name,
        label=change.label,
        steps=(Step("change", change.step_label, do),),
        failure_details=failure,
        failure_note=CHECKED_AFTER_FAILURE,
    )


def run_order(trail: Trail, *, kind: str, params: Mapping[str, Any]) -> RunOutcome:
    """Record the accepted order as a run of ``kind`` on the trail's account and work it; the
    outcome as recorded. From the run's creation on, the command's outcome is the run's to record
    (its step and end events), not the trail's."""
    deps = trail.deps
    account = trail.account
    if account is None:
        raise ValueError(f"a run of {kind} needs the account it changes")
    with deps.ledger.session() as session:
        run = run_records.create(
            session,
            deps.actions.run(kind),
            account=account,
            requested_by=trail.actor.user_id,
            params=params,
            now=deps.now(),
        )
    trail.recorded_elsewhere()
    return engine.execute(deps, run.id)


def carry_out(
    trail: Trail, *, kind: str, details: Mapping[str, Any], params: Mapping[str, Any]
) -> str:
    """Record the accepted change as a run, work it, and raise unless its record says done;
    the run's id. ``details`` go in the change's audit event."""
    outcome = run_order(trail, kind=kind, params={**params, "details": dict(details)})
    if outcome.state == "succeeded":
        return outcome.run_id
    if outcome.state == "refused":
        raise NothingToDo(outcome.refused or "Nothing was done.")
    raise run_records.ActionFailed.of(trail.deps, outcome)
