"""Retry of a failed run, any kind: the button carries only the run id; the role it needs is
the run kind's (approver for a deactivation, operator for a suspension)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.boundary import after_ack
from bot.listeners.slash import VerbRouter
from bot.requests import redraw, tell_requester_retried, thread_reply
from bot.runner import work_run
from bot.services import Services
from bot.views.deactivation import RETRY
from commands.approvals import load_approval
from commands.deactivation import KIND as DEACTIVATE
from commands.deactivation import RetryRun, retry_run


def register(app: App, services: Services, router: VerbRouter) -> None:
    deps = services.deps

    @app.action(RETRY)
    def on_retry(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        value = str(((body.get("actions") or [{}])[0]).get("value") or "")
        actor = services.roles.actor(body["user"]["id"])

        def work() -> None:
            run = retry_run(RetryRun(run_id=value), actor, deps)
            label = deps.actions.label(run.kind)
            request = load_approval(deps, run.approval_id or "") if run.approval_id else None
            if request is not None:
                thread_reply(
                    client,
                    request,
                    {
                        "text": f":repeat: <@{actor.user_id}> retried the {label}; resuming "
                        "from the step that failed."
                    },
                )
                redraw(services, client, request)  # the failure and its Retry go at once
                if run.kind == DEACTIVATE:
                    tell_requester_retried(services, client, request, actor.user_id)
            work_run(services, client, run.id)

        def notify(text: str) -> object:
            return respond(text=text, response_type="ephemeral", replace_original=False)

        after_ack(services, "run.retry", work, notify)
