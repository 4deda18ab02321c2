"""Approve / Deny / Cancel for every kind of four-eyes request, and the request's message.

A kind's Slack side (its title, the body of its request message, what happens once approved) is
a ``KindUI`` registered with ``register_kind_ui``; deactivation registers one, suspension can
register another. Buttons carry only the request id; the click is resolved from the ledger and the
clicker's roles from the settings. Every refusal is audited by ``commands.approvals``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.boundary import Notify, after_ack
from bot.listeners.slash import VerbRouter
from bot.services import Services
from bot.views import approvals as views
from commands.approvals import (
    ApprovalDecided,
    ApprovalView,
    CancelApproval,
    DecideApproval,
    RequestExpired,
    cancel_approval,
    decide_approval,
    expire_due,
    load_approval,
    set_approval_message,
    vet_decision,
)
from commands.errors import CommandError

log = logging.getLogger(__name__)

OnApprovedUI = Callable[[Services, WebClient, ApprovalDecided], None]


@dataclass(frozen=True)
class KindUI:
    """How one kind of request looks and what approving it starts."""

    label: str  # "deactivation"
    title: Callable[[ApprovalView], str]
    body: Callable[[ApprovalView], list[Block]]
    on_approved: OnApprovedUI | None = None
    after: Callable[[Services, ApprovalView], list[Block]] = field(
        default=lambda services, request: []
    )


_UI: dict[str, KindUI] = {}


def register_kind_ui(kind: str, ui: KindUI) -> None:
    _UI[kind] = ui


def kind_ui(kind: str) -> KindUI:
    found = _UI.get(kind)
    if found is None:
        return KindUI(
            label=kind, title=lambda r: f"{r.kind} of account {r.account}", body=lambda r: []
        )
    return found


# -- the request's message ----------------------------------------------------------------------


def render_request(
    services: Services, request: ApprovalView, after: Sequence[Block] | None = None
) -> dict[str, Any]:
    ui = kind_ui(request.kind)
    extra = list(after) if after is not None else ui.after(services, request)
    return views.approval_message(
        request,
        ui.body(request),
        title=ui.title(request),
        label=ui.label,
        zone=services.settings.zone,
        after=extra,
    )


def post_request(services: Services, client: WebClient, request: ApprovalView) -> ApprovalView:
    """Post a new request to the approvals channel and remember where it is."""
    channel = services.settings.jethub_approvals_channel
    assert channel, "checked before the request was created"
    answer = client.chat_postMessage(channel=channel, **render_request(services, request))
    set_approval_message(services.deps, request.id, channel=answer["channel"], ts=answer["ts"])
    ui = kind_ui(request.kind)
    client.chat_postMessage(
        channel=request.requested_by,
        **views.requester_confirmation(
            request, label=ui.label, zone=services.settings.zone, where=channel
        ),
    )
    return load_approval(services.deps, request.id) or request


def refresh_request(
    services: Services,
    client: WebClient,
    request: ApprovalView,
    after: Sequence[Block] | None = None,
) -> None:
    """Redraw the request's message from the ledger's state (buttons only while pending)."""
    if not request.channel or not request.message_ts:
        return
    client.chat_update(
        channel=request.channel, ts=request.message_ts, **render_request(services, request, after)
    )


def thread_reply(client: WebClient, request: ApprovalView, payload: dict[str, Any]) -> None:
    if request.channel and request.message_ts:
        client.chat_postMessage(channel=request.channel, thread_ts=request.message_ts, **payload)


def tell_requester(services: Services, client: WebClient, request: ApprovalView) -> None:
    ui = kind_ui(request.kind)
    text = views.outcome_notice(request, label=ui.label, zone=services.settings.zone)
    try:
        client.chat_postMessage(channel=request.requested_by, text=text)
    except SlackApiError as exc:
        log.warning("could not tell the requester: %s", exc.response.get("error"))


def expire_and_announce(services: Services, client: WebClient) -> list[ApprovalView]:
    """Expire every pending request past its time, update its message, tell its requester."""
    expired = expire_due(services.deps)
    for request in expired:
        try:
            refresh_request(services, client, request)
        except SlackApiError as exc:
            log.warning(
                "could not update expired request %s: %s", request.id, exc.response.get("error")
            )
        tell_requester(services, client, request)
    return expired


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
            refresh_request(services, client, decided.request)
            tell_requester(services, client, decided.request)
            ui = kind_ui(decided.request.kind)
            if ui.on_approved is not None:
                ui.on_approved(services, client, decided)

        after_ack(services, "approve", work, ephemeral(respond))

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
                view=views.deny_modal(request, label=kind_ui(request.kind).label),
            )

        after_ack(services, "deny", work, ephemeral(respond))

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
            refresh_request(services, client, decided.request)
            tell_requester(services, client, decided.request)

        after_ack(services, "deny", work, logged)

    @app.action(views.CANCEL)
    def on_cancel(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        value, _ = _clicked(body)
        actor = services.roles.actor(body["user"]["id"])

        def work() -> None:
            request = cancel_approval(CancelApproval(request_id=value), actor, deps)
            refresh_request(services, client, request)
            respond(
                text=views.outcome_notice(
                    request, label=kind_ui(request.kind).label, zone=services.settings.zone
                ),
                replace_original=True,
            )

        after_ack(services, "cancel", work, ephemeral(respond))
