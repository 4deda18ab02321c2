"""A digest row's Snooze: the snooze modal for that account. (The rows' Suspend and View account
are ``verb:<name>`` buttons.) Submitting it is ``bot.digest.submissions``."""

from __future__ import annotations

from functools import partial

from slack_sdk.models.views import View

from bot.digest import views
from bot.digest.rows import stale_row
from bot.edge.codecs import AccountRef, SnoozeRef
from bot.edge.turns import Click
from commands.actor import Role
from commands.digest.snooze import load_snooze_form
from commands.trail import authorize


def on_snooze(click: Click) -> None:
    """Refused at once for a viewer; a row someone acted on since it was shown says so."""
    account = click.value(AccountRef).account
    deps = click.deps
    authorize(
        deps, click.actor, Role.OPERATOR, action="snooze", to="snooze an account", account=account
    )
    stale = stale_row(deps, deps.zone, account, click.clicked)
    if stale is not None:
        click.tell(stale)
        return
    meta = SnoozeRef(account=account, channel=click.channel_id)
    click.open_modal(views.SNOOZE_TITLE, partial(snooze_form, click, meta))


def snooze_form(click: Click, meta: SnoozeRef) -> View:
    return views.snooze_modal(load_snooze_form(meta.account, click.actor, click.deps), meta)


LISTENERS = {views.SNOOZE_ACTION: on_snooze}
