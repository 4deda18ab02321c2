"""Retry of a failed run, any kind: the button carries only the run id; the role it needs is
the run kind's (approver for a deactivation, operator for a suspension)."""

from __future__ import annotations

from bot.approvals.requests import redraw, thread_reply
from bot.edge.codecs import RecordRef
from bot.edge.turns import Click
from bot.runs.retry import RETRY
from bot.runs.runner import work_run
from commands.approvals.requests import load_approval
from commands.runs.retry import RetryRun, retry_run


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


LISTENERS = {RETRY: on_retry}
