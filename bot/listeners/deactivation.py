"""``/jethub deactivate``: the request modal, the run once approved, Retry, and resumption.

The verb (operator) opens a "Loading…" modal at once, reads the blast radius and swaps in the
request modal. Submitting it is checked in the ack (typed account number, reason), then the
request is stored and posted to the approvals channel. Approval (see ``bot.listeners.approvals``)
creates the run in the same transaction; ``run_deactivation`` works it here, drawing progress on
the approval message (paced) and in its thread.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from audit.models import RunState
from bot.boundary import after_ack, user_message
from bot.listeners import approvals as approval_ui
from bot.listeners.slash import VerbCall, VerbRouter
from bot.services import Services
from bot.views import deactivation as views
from commands.approvals import ApprovalDecided, ApprovalView, load_approval
from commands.deactivation import (
    KIND,
    BlastRadius,
    DeactivationSummary,
    Growth,
    PreviewDeactivation,
    RequestDeactivation,
    RetryRun,
    RunOutcome,
    check_confirmation,
    execute_run,
    load_run,
    preview_deactivation,
    request_deactivation,
    retry_run,
    run_for_approval,
    run_steps,
    summarise,
)
from commands.errors import CommandError
from commands.trail import record
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)

UPDATE_EVERY_S = 1.5
NO_CHANNEL = (
    "Deactivation needs an approvals channel, and none is configured "
    "(`JETHUB_APPROVALS_CHANNEL`). Nothing was requested."
)


# -- progress on Slack --------------------------------------------------------------------------


def run_blocks(
    services: Services, request: ApprovalView, live: tuple[str, int, int] | None = None
) -> list[Block]:
    """The run's part of the approval message: steps, then the failure or the summary."""
    run = run_for_approval(services.deps, request.id)
    if run is None:
        return []
    blocks: list[Block] = [views.steps_block(run_steps(services.deps, run.id), live)]
    if run.state is RunState.FAILED:
        failed = next((s for s in run_steps(services.deps, run.id) if s.error), None)
        blocks.extend(
            views.failure_blocks(
                run.id,
                failed.name if failed else "?",
                run.error or (failed.error if failed else "") or "",
            )
        )
    elif run.state is RunState.SUCCEEDED:
        blocks.extend(views.summary_blocks(summarise(services.deps, run.id, request)))
    return blocks


class SlackProgress:
    """Draws a run's progress on its approval message; chat.update is paced, the thread gets
    one line per finished step."""

    def __init__(
        self,
        services: Services,
        client: WebClient,
        request: ApprovalView,
        *,
        every_s: float = UPDATE_EVERY_S,
    ) -> None:
        self.services = services
        self.client = client
        self.request = request
        self.every_s = every_s
        self._last = 0.0
        self._live: tuple[str, int, int] | None = None
        self._lock = threading.Lock()

    def _redraw(self, *, force: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < self.every_s:
                return
            self._last = now
        try:
            approval_ui.refresh_request(
                self.services,
                self.client,
                self.request,
                after=run_blocks(self.services, self.request, self._live),
            )
        except SlackApiError as exc:
            log.warning("could not update the approval message: %s", exc.response.get("error"))

    def _reply(self, payload: dict[str, Any]) -> None:
        try:
            approval_ui.thread_reply(self.client, self.request, payload)
        except SlackApiError as exc:
            log.warning("could not reply in the approval thread: %s", exc.response.get("error"))

    def grew(self, growth: Growth) -> None:
        self._reply(views.growth_reply(growth))

    def step_started(self, position: int, name: str) -> None:
        self._live = None
        self._redraw(force=position == 0)

    def step_progress(self, name: str, done: int, total: int) -> None:
        self._live = (name, done, total)
        self._redraw()

    def step_done(self, position: int, name: str, detail: dict[str, Any]) -> None:
        self._live = None
        self._reply({"text": views.step_reply(name, detail)})
        self._redraw()

    def failed(self, run_id: str, name: str, error: str) -> None:
        self._reply(views.failure_reply(run_id, name, error))
        self._redraw(force=True)

    def finished(self, summary: DeactivationSummary) -> None:
        self._reply(views.summary_reply(summary))
        self._redraw(force=True)


def run_deactivation(services: Services, client: WebClient, run_id: str) -> RunOutcome | None:
    """Work a run (new, resumed or retried) with its progress on the approval message."""
    run = load_run(services.deps, run_id)
    if run is None or run.approval_id is None:
        return None
    request = load_approval(services.deps, run.approval_id)
    if request is None:
        return None
    return execute_run(services.deps, run_id, progress=SlackProgress(services, client, request))


def _on_approved(services: Services, client: WebClient, decided: ApprovalDecided) -> None:
    run = run_for_approval(services.deps, decided.request.id)
    if run is not None:
        run_deactivation(services, client, run.id)


def _title(request: ApprovalView) -> str:
    name = str(request.preview.get("name") or "")
    return views.title(request.account, name)


def _body(request: ApprovalView) -> list[Block]:
    try:
        return views.radius_blocks(BlastRadius.model_validate(request.preview))
    except ValueError:
        return []


# -- listeners ----------------------------------------------------------------------------------


def _input(state: dict[str, Any], block: str) -> str:
    return str(((state.get(block) or {}).get(views.INPUT_ACTION) or {}).get("value") or "")


def register(app: App, services: Services, router: VerbRouter) -> None:
    deps = services.deps
    approval_ui.register(app, services, router)  # the Approve/Deny/Cancel buttons, all kinds
    approval_ui.register_kind_ui(
        KIND,
        approval_ui.KindUI(
            label="deactivation",
            title=_title,
            body=_body,
            on_approved=_on_approved,
            after=lambda svc, request: run_blocks(svc, request),
        ),
    )

    def on_verb(call: VerbCall) -> None:
        if not services.settings.jethub_approvals_channel:
            record(
                deps,
                actor=call.actor,
                action=f"{KIND}.request",
                account=call.account,
                outcome="refused",
                details={"problem": "no approvals channel configured"},
            )
            call.say(NO_CHANNEL)
            return
        opened = call.client.views_open(
            trigger_id=call.trigger_id, view=views.loading_modal(call.account)
        )
        view_id, view_hash = opened["view"]["id"], opened["view"]["hash"]
        try:
            preview = preview_deactivation(
                PreviewDeactivation(account=call.account), call.actor, deps
            )
        except (CommandError, IntegrationError) as exc:
            call.client.views_update(
                view_id=view_id, hash=view_hash, view=views.refusal_modal(user_message(exc))
            )
            return
        call.client.views_update(view_id=view_id, hash=view_hash, view=views.request_modal(preview))

    router.add("deactivate", on_verb)

    @app.view(views.REQUEST_MODAL)
    def on_submitted(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view = body["view"]
        user = body["user"]["id"]
        account = str(view.get("private_metadata") or "")
        state = (view.get("state") or {}).get("values") or {}
        reason, typed = _input(state, views.REASON_BLOCK), _input(state, views.CONFIRM_BLOCK)
        actor = services.roles.actor(user)
        problems = check_confirmation(account, typed, reason)
        if not services.settings.jethub_approvals_channel:
            problems[views.REASON_BLOCK] = NO_CHANNEL
        if problems:
            record(
                deps,
                actor=actor,
                action=f"{KIND}.request",
                account=account or None,
                outcome="refused",
                details={"problems": problems},
            )
            ack(response_action="errors", errors=problems)
            return
        ack()

        def work() -> None:
            requested = request_deactivation(
                RequestDeactivation(account=account, reason=reason, typed_account=typed),
                actor,
                deps,
            )
            approval_ui.post_request(services, client, requested.request)

        def tell(text: str) -> object:
            return client.chat_postMessage(channel=user, text=text)

        after_ack(services, f"{KIND}.request", work, tell)

    @app.action(views.RETRY)
    def on_retry(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        value = str(((body.get("actions") or [{}])[0]).get("value") or "")
        actor = services.roles.actor(body["user"]["id"])

        def work() -> None:
            run = retry_run(RetryRun(run_id=value), actor, deps)
            request = load_approval(deps, run.approval_id or "")
            if request is not None:
                approval_ui.thread_reply(
                    client,
                    request,
                    {
                        "text": f":repeat: <@{actor.user_id}> retried the deactivation; resuming "
                        "from the step that failed."
                    },
                )
            run_deactivation(services, client, run.id)

        def notify(text: str) -> object:
            return respond(text=text, response_type="ephemeral", replace_original=False)

        after_ack(services, f"{KIND}.retry", work, notify)
