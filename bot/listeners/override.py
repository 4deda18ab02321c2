"""``/jethub override <account> <reason>``: suspend before the account is overdue enough.

The verb shows a confirmation; its button suspends at once for an approver, or posts a four-eyes
request for anyone else (its Approve works the override's run, like every approved action).
Failures go through the boundary: a refusal or a backend error is told to the person who clicked.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.listeners.pick import offering_matches
from bot.listeners.slash import Notify, VerbCall, VerbRouter, after_ack_text
from bot.requests import post_request
from bot.services import Services
from bot.views import override as views
from commands.actor import Role
from commands.errors import InvalidInput
from commands.override import (
    OverrideDone,
    SuspendOverride,
    preview_override,
    suspend_override,
)

log = logging.getLogger(__name__)

NO_CHANNEL = (
    "Only an approver can override now: no approvals channel is configured "
    "(`JETHUB_APPROVALS_CHANNEL`) to ask one. Nothing was requested."
)


def _order(account: str, reason: str) -> SuspendOverride:
    try:
        return SuspendOverride(account=account, reason=reason)
    except ValidationError as exc:
        message = str(exc.errors()[0].get("msg", "")).removeprefix("Value error, ")
        raise InvalidInput("reason", message) from None


def register(app: App, services: Services, router: VerbRouter) -> None:
    deps = services.deps

    def on_override(call: VerbCall) -> None:
        reason = call.invocation.rest
        if not reason:
            call.say(
                f"An override needs a reason: `/jethub override {call.account} <reason in a few "
                "words>`."
            )
            return
        preview = preview_override(_order(call.account, reason), call.actor, deps)
        call.say(**views.override_message(preview))

    router.add("override", offering_matches(on_override))

    def tell(respond: Respond) -> Notify:
        def notify(text: str) -> object:
            return respond(text=text, response_type="ephemeral", replace_original=False)

        return notify

    @app.action(views.CONFIRM)
    def on_confirm(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        picked = views.read_button_value(str(action.get("value") or ""))
        actor = services.roles.actor(body["user"]["id"])

        def work() -> None:
            if picked is None:
                raise InvalidInput("reason", "That button is not valid any more.")
            account, reason = picked
            if not services.settings.jethub_approvals_channel and not actor.has(Role.APPROVER):
                respond(replace_original=True, response_type="ephemeral", text=NO_CHANNEL)
                return
            result = suspend_override(_order(account, reason), actor, deps)
            if isinstance(result, OverrideDone):
                payload = views.override_done(result)
            else:
                post_request(services, client, result)
                payload = views.requested(result)
            respond(replace_original=True, response_type="ephemeral", **payload)

        after_ack_text(services, "override.confirm", work, tell(respond))

    @app.action(views.CANCEL)
    def on_cancel(ack: Ack, action: dict[str, Any], respond: Respond) -> None:
        ack()
        account = str(action.get("value") or "")
        services.executor.submit(
            respond, replace_original=True, response_type="ephemeral", **views.cancelled(account)
        )
