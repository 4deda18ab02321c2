"""The change buttons of the read views — a PBX's subscription and group name, the emergency
view's "Pull from Zuora" — each opening its modal for operators, and the Retry of a half-done
edit, which finishes it in place of the warning."""

from __future__ import annotations

from bot.changes.views.edit import EDIT_RETRY_ACTION, edit_answer
from bot.changes.views.emergency import EMERGENCY_PULL_ACTION, emergency_modal
from bot.changes.views.pbx import (
    PBX_NAME_ACTION,
    PBX_SUBSCRIPTION_ACTION,
    pbx_name_modal,
    pbx_subscription_modal,
)
from bot.edge.codecs import AccountRef, EditRetry, ModalContext, PbxRef
from bot.edge.turns import Click
from commands.actor import Role
from commands.changes.edit_modal import finish_edit
from commands.changes.emergency import pull_from_zuora
from commands.changes.pbx import load_pbx
from commands.trail import authorize


def on_pbx_subscription(click: Click) -> None:
    ref = click.value(PbxRef)
    meta = _operator_modal(click, "pbx.subscription", "change a PBX's billing subscription", ref)
    click.open_modal(
        "PBX billing",
        lambda: pbx_subscription_modal(
            load_pbx(ref.account, ref.pbx_id, click.actor, click.deps, subscriptions=True), meta
        ),
    )


def on_pbx_name(click: Click) -> None:
    ref = click.value(PbxRef)
    meta = _operator_modal(click, "pbx.name", "rename a PBX group", ref)
    click.open_modal(
        "PBX group name",
        lambda: pbx_name_modal(load_pbx(ref.account, ref.pbx_id, click.actor, click.deps), meta),
    )


def on_emergency_pull(click: Click) -> None:
    ref = click.value(AccountRef)
    meta = _operator_modal(click, "emergency", "update emergency details", ref)
    click.open_modal(
        "Emergency details",
        lambda: emergency_modal(pull_from_zuora(ref.account, click.actor, click.deps), meta),
    )


def on_edit_retry(click: Click) -> None:
    retry = click.value(EditRetry)
    answer = finish_edit(retry.kind, retry.account, retry.target, click.actor, click.deps)
    click.replace(edit_answer(answer))


def _operator_modal(click: Click, action: str, to: str, ref: AccountRef | PbxRef) -> ModalContext:
    """Refuse (audited) anyone but an operator before a modal opens; what the modal carries."""
    authorize(click.deps, click.actor, Role.OPERATOR, action=action, to=to, account=ref.account)
    pbx_id = ref.pbx_id if isinstance(ref, PbxRef) else ""
    return ModalContext(account=ref.account, channel=click.channel_id, pbx_id=pbx_id)


LISTENERS = {
    PBX_SUBSCRIPTION_ACTION: on_pbx_subscription,
    PBX_NAME_ACTION: on_pbx_name,
    EMERGENCY_PULL_ACTION: on_emergency_pull,
    EDIT_RETRY_ACTION: on_edit_retry,
}
