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

from commands import engine, run_records
from commands.engine import StepContext
from commands.errors import NothingToDo
from commands.run_kinds import Effect, RunKind, RunView, Step, StepResult, StepView
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from commands.actor import Actor
    from commands.deps import Deps


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


def carry_out(
    deps: Deps,
    actor: Actor,
    *,
    kind: str,
    account: str,
    details: Mapping[str, Any],
    params: Mapping[str, Any],
) -> str:
    """Record the accepted change as a run, work it, and raise unless its record says done;
    the run's id."""
    with deps.ledger.session() as session:
        run = run_records.create(
            session,
            deps.actions.run(kind),
            account=account,
            requested_by=actor.user_id,
            params={**params, "details": dict(details)},
            now=deps.now(),
        )
    outcome = engine.execute(deps, run.id)
    if outcome.state == "succeeded":
        return run.id
    if outcome.state == "refused":
        raise NothingToDo(outcome.refused or "Nothing was done.")
    raise run_records.ActionFailed.of(deps, outcome)
