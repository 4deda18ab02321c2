"""``/jethub suspend`` and ``/jethub unsuspend`` (also run by the account view's, a result's and
the overdue digest's buttons — a stale row's is answered by the digest first, see
``bot.listeners.verbs``): the confirmation, shown to the asker only. Its Confirm and Cancel are
``bot.suspension.actions``."""

from __future__ import annotations

from functools import partial

from slack_sdk.models.views import View

from bot.edge.codecs import PromiseRef
from bot.edge.turns import VerbCall
from bot.suspension.promise_views import TITLE as PROMISE_TITLE
from bot.suspension.promise_views import promise_modal
from bot.suspension.views import confirmation_message, excluded_message, included_message
from commands.accounts import resolve_account
from commands.errors import InvalidInput
from commands.orders import order
from commands.suspension.exclusions import (
    ExcludeAccount,
    IncludeAccount,
    exclude_account,
    include_account,
)
from commands.suspension.models import PrepareSuspension, PrepareUnsuspension
from commands.suspension.promises import load_promise_form
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


def promise(call: VerbCall) -> None:
    """The promise-to-pay modal (its submission is ``bot.suspension.submissions``)."""
    account = resolve_account(call.deps, call.account).id
    meta = PromiseRef(account=account, channel=call.channel_id)
    call.open_modal(PROMISE_TITLE, partial(promise_form, call, meta))


def promise_form(call: VerbCall, meta: PromiseRef) -> View:
    return promise_modal(load_promise_form(meta.account, call.actor, call.deps), meta)


VERBS = {
    "suspend": suspend,
    "unsuspend": unsuspend,
    "exclude": exclude,
    "include": include,
    "promise": promise,
}
