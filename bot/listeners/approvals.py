"""Approve / Deny / Cancel for every kind of four-eyes request.

Buttons carry only the request id; the click is resolved from the ledger and the clicker's roles
from the settings. Every refusal is audited by ``commands.approvals``. A winning approval has
already created the request's run (same transaction); the click's work then redraws the message,
tells the requester and works the run (``bot.runner``). If this process dies in between, the
sweeper of any process works the run instead.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.listeners.slash import Notify, VerbRouter, after_ack_text
from bot.requests import expire_and_announce, redraw, tell_requester
from bot.runner import work_run
from bot.services import Services
from bot.views import approvals as views
from commands.approval_decisions import RequesterLostRole, decide_approval, vet_decision
from commands.approval_model import CancelApproval, DecideApproval, RequestExpired
from commands.approval_withdrawal import cancel_approval
from commands.errors import CommandError
from commands.run_records import run_for_approval

log = logging.getLogger(__name__)


# -- listeners ----------------------------------------------------------------------------------


def _clicked(body: dict[str, Any]) -> tuple[str, str | None]:
    action = (body.get("actions") or [{}])[0]
    value = str(action.get("value") or "")
    ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
    return value, ts


def register(app: App, services: Services, router: VerbRouter) -> None:
    deps = services.deps

    def ephemeral(respond: Respond) -> Notify:
        def notify(text: str) -> object:
            return respond(text=text, response_type="ephemeral", replace_original=False)

        return notify

    def logged(text: str) -> object:
        log.warning("after a deny: %s", text)
        return None

    @app.action(views.APPROVE)
    def on_approve(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        value, ts = _clicked(body)
        actor = services.roles.actor(body["user"]["id"])

        def work() -> None:
            try:
                decided = decide_approval(
                    DecideApproval(request_id=value, decision="approve", message_ts=ts), actor, deps
                )
            except RequestExpired:
                expire_and_announce(services, client)
                raise
            except RequesterLostRole as exc:  # cancelled instead: both people are told
                redraw(services, client, exc.request)
                tell_requester(services, client, exc.request)
                raise
            redraw(services, client, decided.request)
            tell_requester(services, client, decided.request)
            run = run_for_approval(deps, decided.request.id)
            if run is not None:
                work_run(services, client, run.id)

        after_ack_text(services, "approve", work, ephemeral(respond))

    @app.action(views.DENY)
    def on_deny(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        value, ts = _clicked(body)
        actor = services.roles.actor(body["user"]["id"])
        trigger = body.get("trigger_id", "")

        def work() -> None:
            try:
                request = vet_decision(
                    DecideApproval(request_id=value, decision="deny", message_ts=ts), actor, deps
                )
            except RequestExpired:
                expire_and_announce(services, client)
                raise
            client.views_open(
                trigger_id=trigger,
                view=views.deny_modal(request, label=services.looks(request.kind).label),
            )

        after_ack_text(services, "deny", work, ephemeral(respond))

    @app.view(views.DENY_MODAL)
    def on_deny_submitted(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view = body["view"]
        request_id = str(view.get("private_metadata") or "")
        state = (view.get("state") or {}).get("values") or {}
        reason = (
            (state.get(views.DENY_REASON_BLOCK) or {}).get(views.DENY_REASON_ACTION) or {}
        ).get("value") or ""
        actor = services.roles.actor(body["user"]["id"])
        try:
            decided = decide_approval(
                DecideApproval(request_id=request_id, decision="deny", reason=reason), actor, deps
            )
        except CommandError as exc:
            ack(response_action="errors", errors={views.DENY_REASON_BLOCK: str(exc)[:2000]})
            return
        ack()

        def work() -> None:
            redraw(services, client, decided.request)
            tell_requester(services, client, decided.request)

        after_ack_text(services, "deny", work, logged)

    @app.action(views.CANCEL)
    def on_cancel(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        value, _ = _clicked(body)
        actor = services.roles.actor(body["user"]["id"])

        def work() -> None:
            request = cancel_approval(CancelApproval(request_id=value), actor, deps)
            redraw(services, client, request)
            respond(
                text=views.outcome_notice(
                    request, label=services.looks(request.kind).label, zone=services.settings.zone
                ),
                replace_original=True,
            )

        after_ack_text(services, "cancel", work, ephemeral(respond))
