"""The snooze modal, submitted: checked inside the ack (a wrong date or an empty reason lands on
its field), then the snooze is written and the person told where the modal was opened from."""

from __future__ import annotations

from datetime import date
from functools import partial

from bot.digest import views
from bot.edge.boundary import Post
from bot.edge.codecs import SnoozeRef
from bot.edge.turns import Later, Submission
from commands.actor import Role
from commands.digest.snooze import SnoozeAccount, snooze_account, snooze_until
from commands.errors import InvalidInput
from commands.orders import order
from commands.trail import authorize


def on_snooze_submit(sub: Submission) -> Later:
    meta, deps, state = sub.meta(SnoozeRef), sub.deps, sub.submitted.view.state
    authorize(
        deps,
        sub.actor,
        Role.OPERATOR,
        action="snooze",
        to="snooze an account",
        account=meta.account,
    )
    until = snooze_until(
        state.text(views.FOR_BLOCK) or None, _day(state.text(views.UNTIL_BLOCK)), deps.today()
    )
    reason = state.text(views.REASON_BLOCK) or ""
    cmd = order(SnoozeAccount, {"account": meta.account, "until": until, "reason": reason})
    return Later(partial(snooze, cmd, sub), meta.channel)


def snooze(cmd: SnoozeAccount, sub: Submission, post: Post) -> None:
    """After the ack: write the snooze and say so."""
    post(views.snoozed_message(snooze_account(cmd, sub.actor, sub.deps)))


def _day(picked: str | None) -> date | None:
    try:
        return date.fromisoformat(picked) if picked else None
    except ValueError:
        raise InvalidInput(views.UNTIL_BLOCK, "That is not a date.") from None


LISTENERS = {views.SNOOZE_MODAL: on_snooze_submit}
