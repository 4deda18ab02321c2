"""``/jethub suspend`` and ``/jethub unsuspend`` (also run by the account view's, a result's and
the overdue digest's buttons — a stale row's is answered by the digest first, see
``bot.listeners.verbs``): the confirmation, shown to the asker only. Its Confirm and Cancel are
``bot.suspension.actions``."""

from __future__ import annotations

from bot.edge.turns import VerbCall
from bot.suspension.views import confirmation_message, excluded_message, included_message
from commands.errors import InvalidInput
from commands.orders import order
from commands.suspension.exclusions import (
    ExcludeAccount,
    IncludeAccount,
    exclude_account,
    include_account,
)
from commands.suspension.models import PrepareSuspension, PrepareUnsuspension
from commands.suspension.suspend import prepare_suspension, prepare_unsuspension


def suspend(call: VerbCall) -> None:
    order = PrepareSuspension(account=call.account, reason=call.rest, origin=call.origin)
    confirmation = prepare_suspension(order, call.actor, call.deps)
    call.say(confirmation_message(confirmation, zone=call.deps.zone))


def unsuspend(call: VerbCall) -> None:
    order = PrepareUnsuspension(account=call.account, origin=call.origin)
    confirmation = prepare_unsuspension(order, call.actor, call.deps)
    call.say(confirmation_message(confirmation, zone=call.deps.zone))


def exclude(call: VerbCall) -> None:
    if not call.rest:
        raise InvalidInput(
            "reason",
            f"An exclusion needs a reason: `/jethub exclude {call.account} <reason in a few "
            "words>`.",
        )
    cmd = order(ExcludeAccount, {"account": call.account, "reason": call.rest})
    call.say(excluded_message(exclude_account(cmd, call.actor, call.deps), zone=call.deps.zone))


def include(call: VerbCall) -> None:
    cmd = IncludeAccount(account=call.account)
    call.say(included_message(include_account(cmd, call.actor, call.deps), zone=call.deps.zone))


VERBS = {"suspend": suspend, "unsuspend": unsuspend, "exclude": exclude, "include": include}
