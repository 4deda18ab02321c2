"""``/jethub deactivate``: the request modal and its submission.

The verb (operator) opens a "Loading…" modal at once, reads the blast radius and swaps in the
request modal. Submitting it is checked in the ack (typed account number, reason), then the
request is stored (holding the account's destructive-action lock) and posted to the approvals
channel. Approval (``bot.listeners.approvals``) creates the run in the same transaction and works
it (``bot.progress`` draws its progress); Retry is ``bot.listeners.runs``.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.boundary import user_message
from bot.listeners import approvals
from bot.listeners.slash import VerbCall, VerbRouter, after_ack_text
from bot.requests import post_request
from bot.services import Services
from bot.views import deactivation as views
from commands.deactivation import (
    KIND,
    PreviewDeactivation,
    RequestDeactivation,
    check_confirmation,
    preview_deactivation,
    request_deactivation,
)
from commands.errors import CommandError
from commands.trail import record
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)

NO_CHANNEL = (
    "Deactivation needs an approvals channel, and none is configured "
    "(`JETHUB_APPROVALS_CHANNEL`). Nothing was requested."
)


# -- listeners ----------------------------------------------------------------------------------


def _input(state: dict[str, Any], block: str) -> str:
    return str(((state.get(block) or {}).get(views.INPUT_ACTION) or {}).get("value") or "")


def register(app: App, services: Services, router: VerbRouter) -> None:
    deps = services.deps
    approvals.register(app, services, router)  # the Approve/Deny/Cancel buttons, all kinds

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
            post_request(services, client, requested.request)

        def tell(text: str) -> object:
            return client.chat_postMessage(channel=user, text=text)

        after_ack_text(services, f"{KIND}.request", work, tell)
