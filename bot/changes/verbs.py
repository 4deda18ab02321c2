"""The change verbs: ``edit`` and ``invoice-email`` open their modal on the account (named
first, so an ambiguous name gets the pick-list), ``refresh-auth`` fixes the auth rules."""

from __future__ import annotations

from bot.changes.views.auth_rules import auth_refreshed
from bot.changes.views.edit import edit_modal
from bot.changes.views.invoice_email import invoice_email_modal
from bot.edge.codecs import ModalContext
from bot.edge.turns import VerbCall
from commands.accounts import resolve_account
from commands.changes.auth_rules import refresh_auth_rules
from commands.changes.edit import load_edit_form
from commands.changes.invoice_email import load_invoice_contacts


def edit(call: VerbCall) -> None:
    meta = _named(call)
    call.open_modal(
        "Edit account",
        lambda: edit_modal(load_edit_form(meta.account, call.actor, call.deps), meta),
    )


def invoice_email(call: VerbCall) -> None:
    meta = _named(call)
    call.open_modal(
        "Invoice email",
        lambda: invoice_email_modal(
            load_invoice_contacts(meta.account, call.actor, call.deps), meta
        ),
    )


def refresh_auth(call: VerbCall) -> None:
    call.say(auth_refreshed(refresh_auth_rules(call.account, call.actor, call.deps)))


def _named(call: VerbCall) -> ModalContext:
    """The account the verb names (a name matching several is answered with a pick-list), as
    its modal carries it."""
    account = resolve_account(call.deps, call.account).id
    return ModalContext(account=account, channel=call.channel_id)


VERBS = {"edit": edit, "invoice-email": invoice_email, "refresh-auth": refresh_auth}
