"""The ``digest`` verb (today's digest now, only to the asker) and the digest rows' Snooze button
with its modal. The rows' Suspend and View account buttons are ``verb_button``s: the slash layer
routes them to the suspend and account verbs.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.blocks import esc, message, section
from bot.boundary import user_message
from bot.digest_rows import stale_row
from bot.listeners.slash import VerbCall, VerbRouter, after_ack_text
from bot.services import Services
from bot.views import digest as views
from commands.actor import Actor, Role
from commands.changes import order
from commands.digest import show_digest
from commands.errors import CommandError, Forbidden, InvalidInput
from commands.snooze import SnoozeAccount, load_snooze_form, snooze_account, snooze_until
from commands.trail import authorize
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)

# A response URL takes five posts; one is kept for reporting a failure.
EPHEMERAL_MESSAGES = 4


def _channel_of(body: dict[str, Any]) -> str:
    return str(
        (body.get("channel") or {}).get("id")
        or (body.get("container") or {}).get("channel_id")
        or ""
    )


def _input(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    values = ((view.get("state") or {}).get("values") or {}).get(block_id) or {}
    found = values.get(views.INPUT_ACTION)
    return found if isinstance(found, dict) else {}


def _refusal(services: Services, actor: Actor, account: str) -> str | None:
    try:
        authorize(
            services.deps,
            actor,
            Role.OPERATOR,
            action="snooze",
            to="snooze an account",
            account=account,
        )
    except Forbidden as exc:
        return str(exc)
    return None


def register(app: App, services: Services, router: VerbRouter) -> None:
    deps = services.deps

    def digest_verb(call: VerbCall) -> None:
        digest = show_digest(call.actor, deps)
        pages = views.ephemeral_pages(
            digest, at=deps.now(), zone=deps.zone, max_messages=EPHEMERAL_MESSAGES
        )
        for page in pages:
            call.say(**page)

    router.add("digest", digest_verb)

    @app.action(views.SNOOZE_ACTION)
    def on_snooze(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        account = str(action.get("value") or "")

        def tell(text: str) -> object:
            return respond(text=text, response_type="ephemeral", replace_original=False)

        if not account.isdigit():
            services.executor.submit(tell, "That button is not valid any more.")
            return
        actor = services.roles.actor(body["user"]["id"])
        refusal = _refusal(services, actor, account)
        if refusal:
            services.executor.submit(tell, refusal)
            return
        meta = views.SnoozeContext(account, _channel_of(body))
        trigger = str(body.get("trigger_id") or "")

        def work() -> None:
            stale = stale_row(deps, deps.zone, account, body)
            if stale is not None:  # someone suspended or snoozed it since the row was shown
                tell(stale)
                return
            opened = client.views_open(trigger_id=trigger, view=views.loading_modal())
            view_id, view_hash = opened["view"]["id"], opened["view"].get("hash")
            view: View
            try:
                view = views.snooze_modal(load_snooze_form(account, actor, deps), meta)
            except (CommandError, IntegrationError) as exc:
                view = views.notice_modal(user_message(exc))
            client.views_update(view_id=view_id, hash=view_hash, view=view)

        after_ack_text(services, "snooze", work, tell)

    @app.view(views.SNOOZE_MODAL)
    def on_snooze_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view = body.get("view") or {}
        meta = views.SnoozeContext.load(view.get("private_metadata"))
        actor = services.roles.actor(body["user"]["id"])
        refusal = _refusal(services, actor, meta.account)
        if refusal:
            ack(response_action="update", view=views.notice_modal(esc(refusal)))
            return
        picked = _input(view, views.UNTIL_BLOCK).get("selected_date")
        preset = (_input(view, views.FOR_BLOCK).get("selected_option") or {}).get("value")
        try:
            day = date.fromisoformat(picked) if picked else None
            until = snooze_until(str(preset) if preset else None, day, deps.today())
            cmd = order(
                SnoozeAccount,
                {
                    "account": meta.account,
                    "until": until,
                    "reason": _input(view, views.REASON_BLOCK).get("value") or "",
                },
            )
        except InvalidInput as exc:
            if exc.field in (views.UNTIL_BLOCK, views.REASON_BLOCK):
                ack(response_action="errors", errors={exc.field: str(exc)})
            else:
                ack(response_action="update", view=views.notice_modal(esc(str(exc))))
            return
        except ValueError:
            ack(response_action="errors", errors={views.UNTIL_BLOCK: "That is not a date."})
            return
        ack()

        def post(payload: dict[str, Any]) -> object:
            if meta.channel:
                return client.chat_postEphemeral(
                    channel=meta.channel, user=actor.user_id, **payload
                )
            return client.chat_postMessage(channel=actor.user_id, **payload)

        def tell(text: str) -> object:  # safe mrkdwn from user_message: not escaped again
            return post(message(text, [section(text)]))

        def work() -> None:
            post(views.snoozed_message(snooze_account(cmd, actor, deps)))

        after_ack_text(services, "snooze", work, tell)
