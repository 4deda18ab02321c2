"""The suspension confirmation's Confirm and Cancel: they carry only the confirmation's id; the
click is resolved from the ledger.

Whatever ends the confirmation replaces it — the outcome, or what stopped it (paid since,
already suspended, a failed run with its Retry). A refusal that leaves it usable is said on the
side, keeping its buttons: a reason to type first, or the click that lost the race to another.
The words are ``render_error``'s either way (``bot.edge.boundary.in_place``).
"""

from __future__ import annotations

from bot.approvals.requests import post_request
from bot.edge.boundary import Message, in_place
from bot.edge.codecs import RecordRef
from bot.edge.turns import Click
from bot.suspension import views
from commands.errors import InvalidInput
from commands.suspension.confirmation import cancel_confirmation
from commands.suspension.models import (
    AlreadySettled,
    CancelConfirmation,
    ConfirmAction,
    SentForApproval,
    Suspended,
    Unsuspended,
)
from commands.suspension.suspend import confirm

# Refusals that leave the confirmation usable: said on the side, its buttons kept.
LEAVES_IT_USABLE = (InvalidInput, AlreadySettled)


def on_confirm(click: Click) -> None:
    state = click.clicked.state
    reason = state.text(views.REASON_BLOCK, views.REASON_ACTION) if state else None
    order = ConfirmAction(confirmation_id=click.value(RecordRef).id, reason=reason)
    with in_place(click.replace, unless=LEAVES_IT_USABLE):
        click.replace(outcome(click, confirm(order, click.actor, click.deps)))


def outcome(click: Click, result: Suspended | Unsuspended | SentForApproval) -> Message:
    """The result in place of the confirmation; a request is posted to the approvers first."""
    zone = click.deps.zone
    if isinstance(result, Suspended):
        return views.suspended_message(result, zone=zone)
    if isinstance(result, Unsuspended):
        return views.unsuspended_message(result, zone=zone)
    post_request(click.services, click.client, result.request)  # RequestNotPosted: withdrawn
    channel = click.services.settings.jethub_approvals_channel
    return views.sent_for_approval_message(result, zone=zone, channel=channel)


def on_cancel(click: Click) -> None:
    order = CancelConfirmation(confirmation_id=click.value(RecordRef).id)
    click.replace(views.cancelled_message(cancel_confirmation(order, click.actor, click.deps)))


LISTENERS = {views.CONFIRM: on_confirm, views.CANCEL: on_cancel}
