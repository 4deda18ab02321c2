"""The read verbs (account, billing, pbx, emergency, emails, audit) and their buttons.

Every view is rendered by a *reader*: (services, actor, account, cursor, audience) → message.
The verb handlers, the page buttons and Share all go through the readers, so a shared copy is
re-read from the backends by account number — never copied from the payload — and the role is
checked again (inside the command) for whoever clicked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.boundary import Notify, after_ack
from bot.listeners.pick import offering_matches
from bot.listeners.slash import VerbCall, VerbRouter
from bot.services import Services
from bot.views.account import account_message
from bot.views.details import billing_message, emergency_message, pbx_message
from bot.views.emergency import emergency_action_buttons
from bot.views.history import (
    audit_message,
    emails_cursor_value,
    emails_message,
    read_emails_cursor,
)
from bot.views.pbx import pbx_action_buttons
from bot.views.reading import (
    AUDIT_NEWER_ACTION,
    AUDIT_OLDER_ACTION,
    EMAILS_NEXT_ACTION,
    EMAILS_PREVIOUS_ACTION,
    REFRESH_ACTION,
    SHARE_ACTION,
    Audience,
    LinksOut,
    ShareRef,
)
from commands.actor import Actor, Role
from commands.reading import (
    BillingOverview,
    ListAuditEvents,
    ListSentEmails,
    RefreshAllowances,
    ShowAccount,
    ShowBilling,
    ShowEmergency,
    ShowPbx,
    list_audit_events,
    list_sent_emails,
    refresh_allowances,
    show_account,
    show_billing,
    show_emergency,
    show_pbx,
)

log = logging.getLogger(__name__)

Message = dict[str, Any]
Reader = Callable[[Services, Actor, str, str, Audience], Message]


def read_account(services: Services, actor: Actor, account: str, _: str, to: Audience) -> Message:
    return account_message(show_account(ShowAccount(account=account), actor, services.deps), to)


def read_billing(services: Services, actor: Actor, account: str, _: str, to: Audience) -> Message:
    return billing_message(show_billing(ShowBilling(account=account), actor, services.deps), to)


def read_pbx(services: Services, actor: Actor, account: str, _: str, to: Audience) -> Message:
    view = show_pbx(ShowPbx(account=account), actor, services.deps)
    actions = []
    if to.holds(Role.OPERATOR) and not view.account.is_deactivated:
        actions = [pbx_action_buttons(view.account.id, pbx.id) for pbx in view.pbxs]
    return pbx_message(view, to, actions=actions)


def read_emergency(services: Services, actor: Actor, account: str, _: str, to: Audience) -> Message:
    view = show_emergency(ShowEmergency(account=account), actor, services.deps)
    actions = []
    if to.holds(Role.OPERATOR) and not view.account.is_deactivated:
        actions = emergency_action_buttons(view.account.id)
    return emergency_message(view, to, actions=actions)


def read_emails(
    services: Services, actor: Actor, account: str, cursor: str, to: Audience
) -> Message:
    """``cursor`` is ``"<page>[~<filter>]|<start key>"`` (empty: the newest page)."""
    page, containing, start_key = read_emails_cursor(cursor)
    order = ListSentEmails(account=account, page=page, start_key=start_key, containing=containing)
    return emails_message(list_sent_emails(order, actor, services.deps), to, start_key=start_key)


def read_audit(
    services: Services, actor: Actor, account: str, cursor: str, to: Audience
) -> Message:
    """``cursor`` is the ``before_seq`` of the page (empty: the newest events)."""
    before = int(cursor) if cursor.isdigit() and int(cursor) > 0 else None
    order = ListAuditEvents(account=account, before_seq=before)
    return audit_message(list_audit_events(order, actor, services.deps), to)


READERS: dict[str, Reader] = {
    "account": read_account,
    "billing": read_billing,
    "pbx": read_pbx,
    "emergency": read_emergency,
    "emails": read_emails,
    "audit": read_audit,
}


def register(app: App, services: Services, router: VerbRouter) -> None:
    zone = services.settings.zone
    links = LinksOut(services.settings.zuora_ui_url, services.settings.jethub_portal_url)

    def verb_handler(reader: Reader) -> Callable[[VerbCall], None]:
        def handle(call: VerbCall) -> None:
            # Only `emails` takes text after the account: what to look for.
            rest = call.invocation.rest
            cursor = emails_cursor_value(0, rest, None) if rest else ""
            audience = Audience.asker(zone, call.actor, links)
            call.say(**reader(services, call.actor, call.account, cursor, audience))

        return offering_matches(handle)

    for verb, reader in READERS.items():
        router.add(verb, verb_handler(reader))

    def tell(respond: Respond) -> Notify:
        def notify(text: str) -> object:
            return respond(text=text, response_type="ephemeral", replace_original=False)

        return notify

    def in_worker(
        action: str, body: dict[str, Any], respond: Respond, work: Callable[[Actor], None]
    ) -> None:
        """Resolve the clicker's roles from settings/ledger and run ``work`` after the ack."""
        user = body["user"]["id"]
        after_ack(services, action, lambda: work(services.roles.actor(user)), tell(respond))

    @app.action(SHARE_ACTION)
    def on_share(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = ShareRef.decode(str(action.get("value") or ""))
        reader = READERS.get(ref.verb) if ref else None
        if ref is None or reader is None:
            services.executor.submit(tell(respond), "That button is not valid any more.")
            return
        user, target = body["user"]["id"], ref

        def share(actor: Actor) -> None:
            payload = reader(
                services, actor, target.account, target.cursor, Audience.channel(zone, user, links)
            )
            respond(response_type="in_channel", replace_original=False, **payload)

        in_worker(SHARE_ACTION, body, respond, share)

    @app.action(REFRESH_ACTION)
    def on_refresh(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        account = str(action.get("value") or "")
        if not account.isdigit():
            services.executor.submit(tell(respond), "That button is not valid any more.")
            return

        def refresh(actor: Actor) -> None:
            result = refresh_allowances(RefreshAllowances(account=account), actor, services.deps)
            view = BillingOverview(account=result.account, allowances=result.after)
            respond(
                replace_original=True,
                **billing_message(view, Audience.asker(zone, actor, links), changes=result.changes),
            )

        in_worker(REFRESH_ACTION, body, respond, refresh)

    def pager(action_id: str, reader: Reader) -> None:
        @app.action(action_id)
        def on_page(
            ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
        ) -> None:
            ack()
            account, _, rest = str(action.get("value") or "").partition("|")
            if not account.isdigit():
                services.executor.submit(tell(respond), "That button is not valid any more.")
                return

            def turn(actor: Actor) -> None:
                payload = reader(services, actor, account, rest, Audience.asker(zone, actor, links))
                respond(replace_original=True, **payload)

            in_worker(action_id, body, respond, turn)

    pager(EMAILS_NEXT_ACTION, read_emails)
    pager(EMAILS_PREVIOUS_ACTION, read_emails)
    pager(AUDIT_OLDER_ACTION, read_audit)
    pager(AUDIT_NEWER_ACTION, read_audit_newer)


def read_audit_newer(
    services: Services, actor: Actor, account: str, cursor: str, to: Audience
) -> Message:
    """The page just newer than the one whose newest event is ``cursor``."""
    after = int(cursor) if cursor.isdigit() else 0
    order = ListAuditEvents(account=account, after_seq=after)
    return audit_message(list_audit_events(order, actor, services.deps), to)
