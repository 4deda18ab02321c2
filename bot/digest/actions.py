"""A digest row's Snooze: the snooze modal for that account (submitting it is
``bot.digest.submissions``); its Take and Take over (who is chasing the account). The rows'
Suspend, Promise to pay and View account are ``verb:<name>`` buttons."""

from __future__ import annotations

from functools import partial

from slack_sdk.models.views import View

from bot.digest import views
from bot.digest.rows import stale_row
from bot.digest.take_views import taken_already_message, taken_message
from bot.edge.codecs import AccountRef, SnoozeRef, TakeOverRef
from bot.edge.turns import Click
from commands.actor import Role
from commands.digest.snooze import load_snooze_form
from commands.digest.take import TakenAlready, take_account
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


def on_take(click: Click) -> None:
    """Take the row: yours now, or told who has it (with Take over)."""
    account = click.value(AccountRef).account
    try:
        click.say(taken_message(take_account(account, click.actor, click.deps)))
    except TakenAlready as taken:
        click.say(taken_already_message(taken))


def on_take_over(click: Click) -> None:
    """Take the account over from the person shown (not from whoever took it since)."""
    ref = click.value(TakeOverRef)
    try:
        done = take_account(ref.account, click.actor, click.deps, over=ref.holder)
    except TakenAlready as taken:
        click.say(taken_already_message(taken))
        return
    click.say(taken_message(done))


LISTENERS = {
    views.SNOOZE_ACTION: on_snooze,
    views.TAKE_ACTION: on_take,
    views.TAKE_OVER_ACTION: on_take_over,
}
