"""Buttons on a run, any kind: Retry of a failed run (the role it needs is the run kind's:
approver for a deactivation, operator for a suspension); Cancel (asks for a reason, in
``bot.runs.submissions``) and Run now of a run waiting for its time. Each carries only the run
id."""

from __future__ import annotations

from bot.approvals.requests import redraw, thread_reply
from bot.edge.boundary import said
from bot.edge.codecs import RecordRef
from bot.edge.turns import Click
from bot.runs.retry import RETRY
from bot.runs.runner import work_run
from bot.runs.schedule import CANCEL_RUN, RUN_NOW, cancel_modal
from commands.approvals.requests import load_approval
from commands.runs.kinds import UnknownRun
from commands.runs.records import load_run, run_steps
from commands.runs.retry import RetryRun, retry_run
from commands.runs.schedule import NotWaiting, RunNow, not_waiting_text, run_now


def on_retry(click: Click) -> None:
    run = retry_run(RetryRun(run_id=click.value(RecordRef).id), click.actor, click.deps)
    request = load_approval(click.deps, run.approval_id) if run.approval_id else None
    if request is not None:
        label = click.deps.actions.label(run.kind)
        retried = f":repeat: <@{click.actor.user_id}> retried the {label}; resuming "
        thread_reply(click.client, request, {"text": retried + "from the step that failed."})
        redraw(click.services, click.client, request)  # the failure and its Retry go at once
        tell_others = click.services.faces(run.kind).retried
        if tell_others is not None:
            tell_others(click.services, click.client, request, click.actor.user_id)
    work_run(click.services, click.client, run.id)


def on_cancel_run(click: Click) -> None:
    """Ask for the reason; a run that can no longer be cancelled is said at once."""
    deps = click.deps
    run = load_run(deps, click.value(RecordRef).id)
    if run is None:
        raise UnknownRun()
    label = deps.actions.label(run.kind)
    started = any(step.started_at for step in run_steps(deps, run.id))
    if run.terminal or started or run.lease_owner is not None:
        raise NotWaiting(not_waiting_text(deps, run, label, deps.zone))
    click.client.views_open(trigger_id=click.trigger_id, view=cancel_modal(run, label=label))


def on_run_now(click: Click) -> None:
    """An admin skips the rest of the wait: the run starts here, now."""
    run = run_now(RunNow(run_id=click.value(RecordRef).id), click.actor, click.deps)
    request = load_approval(click.deps, run.approval_id) if run.approval_id else None
    if request is not None:
        label = click.deps.actions.label(run.kind)
        thread_reply(
            click.client,
            request,
            {"text": f":fast_forward: <@{click.actor.user_id}> started the {label} now."},
        )
    else:
        click.replace(said(f"Starting the {click.deps.actions.label(run.kind)} now."))
    work_run(click.services, click.client, run.id)


LISTENERS = {RETRY: on_retry, CANCEL_RUN: on_cancel_run, RUN_NOW: on_run_now}
