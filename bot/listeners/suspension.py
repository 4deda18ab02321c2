"""``/jethub suspend`` and ``/jethub unsuspend``: the confirmation, its Confirm and Cancel buttons,
and — with ``JETHUB_SUSPEND_REQUIRES_APPROVAL`` — the four-eyes request and its execution.

The verbs (also reached from the account view's and the overdue digest's Suspend buttons through
the router) run after the ack: read the account and its overdue invoices, then show an ephemeral
confirmation. Confirm and Cancel carry only the confirmation id; the click is resolved from the
ledger, and whatever the outcome, the confirmation's buttons are replaced by it. A click that
loses the race (a double-click) gets its own ephemeral line saying it was already done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.digest_rows import stale_row
from bot.listeners.pick import offering_matches
from bot.listeners.slash import Notify, VerbCall, VerbRouter, after_ack_text
from bot.requests import RequestNotPosted, post_request
from bot.services import Services
from bot.views import suspension as views
from commands.errors import AccountNotFound, AmbiguousAccount, CommandError, InvalidInput
from commands.run_records import ActionFailed
from commands.suspension import confirm, prepare_suspension, prepare_unsuspension
from commands.suspension_confirmation import cancel_confirmation
from commands.suspension_models import ORIGIN as DIGEST_ORIGIN
from commands.suspension_models import (
    SUSPEND,
    AlreadySettled,
    CancelConfirmation,
    ConfirmAction,
    Confirmation,
    PrepareSuspension,
    PrepareUnsuspension,
    SentForApproval,
    Suspended,
    Unsuspended,
)
from commands.trail import record

log = logging.getLogger(__name__)

NO_CHANNEL = (
    "Suspension needs a second person's approval here (`JETHUB_SUSPEND_REQUIRES_APPROVAL`), but "
    "no approvals channel is configured (`JETHUB_APPROVALS_CHANNEL`). Nothing was requested."
)
# Refusals that leave the confirmation usable (or are someone else's click): said on the side.
_ON_THE_SIDE = (AlreadySettled, AmbiguousAccount, AccountNotFound)


def _clicked_value(body: dict[str, Any]) -> str:
    return str(((body.get("actions") or [{}])[0]).get("value") or "")


def _typed_reason(body: dict[str, Any]) -> str | None:
    """What the reason box holds at the click; None when the payload does not carry it."""
    values = ((body.get("state") or {}).get("values") or {}).get(views.REASON_BLOCK)
    if not isinstance(values, dict) or views.REASON_ACTION not in values:
        return None
    return str((values[views.REASON_ACTION] or {}).get("value") or "")


def register(app: App, services: Services, router: VerbRouter) -> None:
    deps = services.deps
    zone = services.settings.zone

    def show(call: VerbCall, prepare: Callable[[], Confirmation]) -> None:
        try:
            confirmation = prepare()
        except _ON_THE_SIDE:
            raise
        except CommandError as exc:
            call.say(**views.stopped_message(views.describe(exc, zone=zone)))
            return
        call.say(**views.confirmation_message(confirmation, zone=zone))

    def on_suspend(call: VerbCall) -> None:
        if deps.policy.suspend_requires_approval and not services.settings.jethub_approvals_channel:
            record(
                deps,
                actor=call.actor,
                action=SUSPEND,
                account=call.account,
                outcome="refused",
                details={"problem": "no approvals channel configured", "origin": call.origin},
            )
            call.say(NO_CHANNEL)
            return
        if call.origin and DIGEST_ORIGIN.match(call.origin):
            stale = stale_row(deps, zone, call.account, call.body)
            if stale is not None:  # a digest row someone already acted on
                call.say(stale)
                return
        show(
            call,
            lambda: prepare_suspension(
                PrepareSuspension(
                    account=call.account, reason=call.invocation.rest, origin=call.origin
                ),
                call.actor,
                deps,
            ),
        )

    def on_unsuspend(call: VerbCall) -> None:
        show(
            call,
            lambda: prepare_unsuspension(
                PrepareUnsuspension(account=call.account, origin=call.origin), call.actor, deps
            ),
        )

    router.add("suspend", offering_matches(on_suspend))
    router.add("unsuspend", offering_matches(on_unsuspend))

    def side(respond: Respond) -> Notify:
        def notify(text: str) -> object:
            return respond(text=text, response_type="ephemeral", replace_original=False)

        return notify

    @app.action(views.CONFIRM)
    def on_confirm(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        value = _clicked_value(body)
        reason = _typed_reason(body)
        actor = services.roles.actor(body["user"]["id"])

        def replace(payload: dict[str, Any]) -> None:
            respond(replace_original=True, response_type="ephemeral", **payload)

        def work() -> None:
            try:
                result = confirm(ConfirmAction(confirmation_id=value, reason=reason), actor, deps)
            except (AlreadySettled, *_ON_THE_SIDE) as exc:
                side(respond)(views.describe(exc, zone=zone))
                return
            except ActionFailed as exc:
                replace(views.failed_message(exc))
                return
            except CommandError as exc:
                if isinstance(exc, InvalidInput):  # fix the reason box, then Confirm again
                    side(respond)(views.describe(exc, zone=zone))
                    return
                replace(views.stopped_message(views.describe(exc, zone=zone)))
                return
            if isinstance(result, Suspended):
                replace(views.suspended_message(result, zone=zone))
            elif isinstance(result, Unsuspended):
                replace(views.unsuspended_message(result, zone=zone))
            elif isinstance(result, SentForApproval):
                try:
                    post_request(services, client, result.request)
                except RequestNotPosted as exc:  # withdrawn: say so where the buttons were
                    replace(views.stopped_message(views.describe(exc, zone=zone)))
                    return
                replace(
                    views.sent_for_approval_message(
                        result, zone=zone, channel=services.settings.jethub_approvals_channel
                    )
                )

        after_ack_text(services, "suspension.confirm", work, side(respond))

    @app.action(views.CANCEL)
    def on_cancel(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        value = _clicked_value(body)
        actor = services.roles.actor(body["user"]["id"])

        def work() -> None:
            try:
                cancelled = cancel_confirmation(
                    CancelConfirmation(confirmation_id=value), actor, deps
                )
            except CommandError as exc:
                side(respond)(views.describe(exc, zone=zone))
                return
            respond(
                replace_original=True,
                response_type="ephemeral",
                **views.cancelled_message(cancelled),
            )

        after_ack_text(services, "suspension.cancel", work, side(respond))
