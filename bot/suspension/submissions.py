"""The promise-to-pay modal, submitted: the date and the amount are checked inside the ack (an
error lands on its field), then the promise is written and the person told where the modal was
opened from."""

from __future__ import annotations

from functools import partial

from bot.edge.boundary import Post
from bot.edge.codecs import PromiseRef
from bot.edge.turns import Later, Submission
from bot.suspension import promise_views as views
from commands.actor import Role
from commands.orders import order
from commands.suspension.models import PROMISE
from commands.suspension.promises import PromiseToPay, parse_amount, parse_due, promise_to_pay
from commands.trail import authorize


def on_promise_submit(sub: Submission) -> Later:
    meta, deps, state = sub.meta(PromiseRef), sub.deps, sub.submitted.view.state
    authorize(
        deps,
        sub.actor,
        Role.OPERATOR,
        action=PROMISE,
        to="record a promise to pay",
        account=meta.account,
    )
    due = parse_due(state.text(views.DUE_BLOCK), deps.today(), deps.policy.promise_max_days)
    amount = parse_amount(state.text(views.AMOUNT_BLOCK))
    values = {"account": meta.account, "amount": amount, "due": due}
    cmd = order(PromiseToPay, {**values, "note": state.text(views.NOTE_BLOCK) or ""})
    return Later(partial(promise, cmd, sub), meta.channel)


def promise(cmd: PromiseToPay, sub: Submission, post: Post) -> None:
    """After the ack: write the promise and say so."""
    post(views.promised_message(promise_to_pay(cmd, sub.actor, sub.deps)))


LISTENERS = {views.PROMISE_MODAL: on_promise_submit}
