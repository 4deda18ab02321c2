"""The override confirmation's buttons: suspend now (an approver) or ask an approver; Cancel.

The confirm button carries the account and the reason typed; both are checked again, and the
role is the clicker's, read from the settings."""

from __future__ import annotations

from bot.approvals.requests import post_request
from bot.edge.codecs import AccountRef, OverrideRef
from bot.edge.turns import Click
from bot.suspension.override import views
from commands.orders import order
from commands.suspension.override import OverrideDone, SuspendOverride, suspend_override


def on_confirm(click: Click) -> None:
    ref = click.value(OverrideRef)
    fields = {"account": ref.account, "reason": ref.reason, "asked_by": ref.asked_by}
    cmd = order(SuspendOverride, fields)
    result = suspend_override(cmd, click.actor, click.deps)
    if isinstance(result, OverrideDone):
        click.replace(views.override_done(result))
        return
    post_request(click.services, click.client, result)
    click.replace(views.requested(result))


def on_cancel(click: Click) -> None:
    click.replace(views.cancelled(click.value(AccountRef).account))


LISTENERS = {views.CONFIRM: on_confirm, views.CANCEL: on_cancel}
