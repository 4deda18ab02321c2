"""The account changes' modals, submitted: each is checked inside the ack — the role, the typed
order (a wrong field is refused on that field), and the few checks that need a backend within
the ack's short budget (``bot.edge.boundary.check_in_time``) — then carried out after it and
answered to the person, in the channel they started from."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from bot.changes.views.edit import EDIT_MODAL, REMOVE_PARENT_BLOCK, REMOVE_PARENT_VALUE, edit_answer
from bot.changes.views.emergency import (
    EMERGENCY_MODAL,
    SOLD_TO_BLOCK,
    SOLD_TO_UPDATE,
    emergency_done,
)
from bot.changes.views.invoice_email import INVOICE_EMAIL_MODAL, invoice_email_done
from bot.changes.views.pbx import (
    ACKNOWLEDGE_VALUE,
    PBX_NAME_MODAL,
    PBX_SUBSCRIPTION_MODAL,
    pbx_done,
)
from bot.edge.boundary import Message, Post, check_in_time
from bot.edge.codecs import ModalContext
from bot.edge.turns import Later, Submission
from commands.actor import Role
from commands.changes.edit import RenameAccount, SetParent, check_parent
from commands.changes.edit_modal import apply_edit
from commands.changes.emergency import (
    SaveEmergency,
    address_digest,
    address_from_form,
    check_address,
    save_emergency,
)
from commands.changes.invoice_email import ChangeInvoiceEmail, change_invoice_email
from commands.changes.pbx import (
    ChangePbxSubscription,
    RenamePbxGroup,
    change_pbx_subscription,
    check_subscription,
    rename_pbx_group,
)
from commands.errors import InvalidInput
from commands.orders import order
from commands.trail import authorize
from integrations.ipnd import ADDRESS_FIELDS

EDITED_PULLED_ADDRESS = (
    "You changed the address pulled from Zuora: saved as it is, the platform will differ from "
    "Zuora's Sold To. Pick whether to update Zuora's Sold To too."
)


def on_edit(sub: Submission) -> Later:
    meta, state = _operator(sub, "edit"), sub.submitted.view.state
    rename = order(RenameAccount, {"account": meta.account, "name": state.text("name") or ""})
    removed = REMOVE_PARENT_VALUE in state.chosen(REMOVE_PARENT_BLOCK)
    wanted = None if removed else state.text("parent")
    parent = order(SetParent, {"account": meta.account, "parent": wanted})
    check_in_time(sub.services, "parent", lambda: check_parent(parent, sub.deps))
    return Later(partial(_edit, sub, rename, parent), meta.channel)


def on_invoice_email(sub: Submission) -> Later:
    meta = _operator(sub, "invoice_email.update")
    email = sub.submitted.view.state.text("email") or ""
    cmd = order(ChangeInvoiceEmail, {"account": meta.account, "email": email})
    return _told(meta, lambda: invoice_email_done(change_invoice_email(cmd, sub.actor, sub.deps)))


def on_pbx_subscription(sub: Submission) -> Later:
    meta = _operator(sub, "pbx.subscription")
    chosen = sub.submitted.view.state.text("subscription") or ""
    cmd = order(
        ChangePbxSubscription,
        {"account": meta.account, "pbx_id": meta.pbx_id, "subscription": chosen},
    )
    check_in_time(sub.services, "subscription", lambda: check_subscription(cmd, sub.deps))
    return _told(meta, lambda: pbx_done(change_pbx_subscription(cmd, sub.actor, sub.deps)))


def on_pbx_name(sub: Submission) -> Later:
    meta, state = _operator(sub, "pbx.name"), sub.submitted.view.state
    ticked = ACKNOWLEDGE_VALUE in state.chosen("acknowledged")
    cmd = order(
        RenamePbxGroup,
        {
            "account": meta.account,
            "pbx_id": meta.pbx_id,
            "name": state.text("name") or "",
            "acknowledged": ticked,
        },
    )
    return _told(meta, lambda: pbx_done(rename_pbx_group(cmd, sub.actor, sub.deps)))


def on_emergency(sub: Submission) -> Later:
    meta, state = _operator(sub, "emergency.save"), sub.submitted.view.state
    address = address_from_form({name: state.text(name) for name in ADDRESS_FIELDS})
    check_address(address)  # AddressRejected while a hard error remains
    choice = state.text(SOLD_TO_BLOCK)
    edited = bool(meta.pulled) and address_digest(address) != meta.pulled
    if edited and not choice:
        raise InvalidInput(SOLD_TO_BLOCK, EDITED_PULLED_ADDRESS)
    update_sold_to = edited and choice == SOLD_TO_UPDATE
    cmd = SaveEmergency(account=meta.account, address=address, update_sold_to=update_sold_to)
    return _told(meta, lambda: emergency_done(save_emergency(cmd, sub.actor, sub.deps)))


def _edit(sub: Submission, rename: RenameAccount, parent: SetParent, post: Post) -> None:
    """After the ack: each step of the edit answered on its own."""
    for answer in apply_edit(rename, parent, sub.actor, sub.deps):
        post(edit_answer(answer))


def _told(meta: ModalContext, change: Callable[[], Message]) -> Later:
    """After the ack: carry the change out and tell the person what it came to."""
    return Later(partial(_tell, change), meta.channel)


def _tell(change: Callable[[], Message], post: Post) -> None:
    post(change())


def _operator(sub: Submission, action: str) -> ModalContext:
    """What the modal carries, once its submitter is found to be an operator (else refused,
    audited, in place of the modal)."""
    meta = sub.meta(ModalContext)
    authorize(
        sub.deps,
        sub.actor,
        Role.OPERATOR,
        action=action,
        to="make this change",
        account=meta.account,
    )
    return meta


LISTENERS = {
    EDIT_MODAL: on_edit,
    INVOICE_EMAIL_MODAL: on_invoice_email,
    PBX_SUBSCRIPTION_MODAL: on_pbx_subscription,
    PBX_NAME_MODAL: on_pbx_name,
    EMERGENCY_MODAL: on_emergency,
}
