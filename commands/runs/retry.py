"""Retry of a failed run, whatever its kind: re-opened so it resumes from the step that failed,
by someone holding the kind's retry role; a run that has not failed is answered with its state."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from audit import ABANDONED
from audit.models import RunState
from commands.actor import Actor
from commands.runs import records as run_records
from commands.runs.kinds import RunNotRetryable, RunView, UnknownRun
from commands.runs.records import load_run
from commands.trail import audited
from integrations.clock import local_time

if TYPE_CHECKING:
    from commands.deps import Deps

_NOT_RETRYABLE = {
    "succeeded": "has already finished",
    "running": "is still running",
    "pending": "is already waiting to run",
}


def not_retryable_text(run: RunView, label: str, zone: ZoneInfo) -> str:
    """A Retry on a run that has not failed, answered with its state in plain words."""
    if run.state is RunState.SUCCEEDED:
        when = local_time(run.updated_at, zone) if run.updated_at else "earlier"
        how = " (it found nothing to do)" if run.outcome == "refused" else ""
        return f"This {label} has already finished, on {when}{how}: there is nothing to retry."
    if run.outcome == ABANDONED:
        return f"This {label} was {run.error or 'abandoned'}: it is not retried."
    state = _NOT_RETRYABLE.get(run.state.value, "has not failed")
    return f"This {label} {state}: there is nothing to retry."


class RetryRun(BaseModel):
    run_id: str


def retry_run(cmd: RetryRun, actor: Actor, deps: Deps) -> RunView:
    """Re-open a failed run so it resumes from the step that failed (role: the kind's)."""
    run = load_run(deps, cmd.run_id)
    if run is None:
        unknown = {"problem": "no such run", "value": cmd.run_id[:64]}
        with audited(deps, actor, "run.retry", None, details=unknown):
            raise UnknownRun("deactivation")
    kind = deps.actions.run(run.kind)
    with audited(deps, actor, f"{run.kind}.retry", run.account) as trail:
        trail.require(kind.retry_role, to=f"retry a {kind.label}")
        trail.details.update(run_id=run.id, state=run.state.value)
        if not run_records.reopen(deps, run, actor=actor.user_id):
            now = load_run(deps, run.id) or run  # as it stands after the lost reopen
            raise RunNotRetryable(not_retryable_text(now, kind.label, deps.zone))
        trail.recorded_elsewhere()  # reopening recorded the retry's ok with the run
    after = load_run(deps, run.id)
    assert after is not None
    return after
