"""``/jethub deactivate <account>``: the request modal, once the account is named.

The account is resolved first, as for every verb, so a name that matches several accounts gets
the same pick-list; then the modal opens ("Reading everything account … holds…") and is filled
with the blast radius — or with why not. Its submission is
``bot.deactivation.submissions``.
"""

from __future__ import annotations

from bot.deactivation.views import loading_modal, request_modal
from bot.edge.turns import VerbCall
from commands.accounts import resolve_account
from commands.deactivation.request import (
    PreviewDeactivation,
    preview_deactivation,
    require_approvals_channel,
)

TITLE = "Deactivate account"


def deactivate(call: VerbCall) -> None:
    account = resolve_account(call.deps, call.account).id
    require_approvals_channel(call.deps, call.actor, account)
    order = PreviewDeactivation(account=account)
    call.open_modal(
        TITLE,
        lambda: request_modal(preview_deactivation(order, call.actor, call.deps)),
        loading=loading_modal(account),
    )


VERBS = {"deactivate": deactivate}
