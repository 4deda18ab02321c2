"""The read views, one *reader* each: (services, actor, account, cursor, audience) → message.

The read verbs, their page buttons and Share all draw through a reader, so a shared copy is read
again from the backends by account number — never copied from the payload — and the role is
checked again (inside the command) for whoever clicked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.changes import emergency_action_buttons, pbx_action_buttons
from bot.edge.codecs import sequence_cursor
from bot.reading.views.account import account_message
from bot.reading.views.common import Audience, LinksOut
from bot.reading.views.details import billing_message, emergency_message, pbx_message
from bot.reading.views.history import audit_message, emails_message, read_emails_cursor
from bot.runtime.services import Services
from commands.actor import Actor, Role
from commands.reading import (
    ListAuditEvents,
    ListSentEmails,
    ShowAccount,
    ShowBilling,
    ShowEmergency,
    ShowPbx,
    list_audit_events,
    list_sent_emails,
    show_account,
    show_billing,
    show_emergency,
    show_pbx,
)

Message = dict[str, Any]
Reader = Callable[[Services, Actor, str, str, Audience], Message]


def for_asker(services: Services, actor: Actor) -> Audience:
    """The asker's own copy: the buttons their role allows, and Share."""
    return Audience.asker(services.settings.zone, actor, _links(services))


def for_channel(services: Services, shared_by: str) -> Audience:
    """A shared copy: no buttons, "shared by"."""
    return Audience.channel(services.settings.zone, shared_by, _links(services))


def _links(services: Services) -> LinksOut:
    return LinksOut(services.settings.zuora_ui_url, services.settings.jethub_portal_url)


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
    before = sequence_cursor(cursor) or None
    order = ListAuditEvents(account=account, before_seq=before)
    return audit_message(list_audit_events(order, actor, services.deps), to)


def read_audit_newer(
    services: Services, actor: Actor, account: str, cursor: str, to: Audience
) -> Message:
    """The page just newer than the one whose newest event is ``cursor``."""
    after = sequence_cursor(cursor) or 0
    order = ListAuditEvents(account=account, after_seq=after)
    return audit_message(list_audit_events(order, actor, services.deps), to)


READERS: dict[str, Reader] = {
    "account": read_account,
    "billing": read_billing,
    "pbx": read_pbx,
    "emergency": read_emergency,
    "emails": read_emails,
    "audit": read_audit,
}
