"""What the team is told when an account the bot suspended is paid, drawn from what the ledger
recorded (the ``collections.payment`` event, the ``unsuspend`` run's event): the lift (DM to the
suspender, a line in the digest channel), the question with its Unsuspend button (``ask``), a
part payment with what is still overdue, a suspension the bot does not lift."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_sdk.models.blocks import ActionsBlock, Block

from bot.edge.blocks import context, esc, message, money, plural, section, verb_button, who
from commands.suspension.models import SuspensionState
from commands.suspension.paid import PaidPayment

ASK_BLOCK = "payment_ask"


class Remaining(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    count: int
    total: Decimal
    currency: str | None = None
    oldest_due: date | None = None


class Recorded(BaseModel):
    """A payment decision as its audit event recorded it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    decision: str
    payments: list[PaidPayment] = []
    remaining: Remaining | None = None
    suspended: SuspensionState | None = None
    policy: str = "ask"

    @classmethod
    def of(cls, details: Mapping[str, Any]) -> Recorded | None:
        try:
            return cls.model_validate(dict(details))
        except ValidationError:
            return None


def paid_words(payments: Sequence[PaidPayment], currency: str | None = None) -> str:
    """``$189.50 AUD (P-00000042)``; several: the total and every number."""
    if not payments:
        return "in full"
    total = sum((p.amount for p in payments), Decimal("0"))
    numbers = ", ".join(esc(p.number) for p in payments)
    return f"{money(total, currency)} ({numbers})"


def _suspension_line(state: SuspensionState | None, zone: ZoneInfo) -> str | None:
    if state is None:
        return None
    since = state.at.astimezone(zone).strftime("%d %b %Y")
    return f"Suspended since {since} by {who(state.by)}: {esc(state.reason)}"


def _with_context(text: str, state: SuspensionState | None, zone: ZoneInfo) -> list[Block]:
    blocks: list[Block] = [section(text)]
    line = _suspension_line(state, zone)
    if line:
        blocks.append(context(line))
    return blocks


def lifted_message(
    account: str,
    payments: Sequence[PaidPayment],
    was: SuspensionState | None,
    *,
    zone: ZoneInfo,
) -> dict[str, Any]:
    text = (
        f":white_check_mark: Account {esc(account)} paid {paid_words(payments)}: nothing is "
        "overdue any more, so the bot lifted its suspension (`JETHUB_UNSUSPEND_ON_PAYMENT=auto`)."
    )
    return message(text, _with_context(text, was, zone))


def ask_message(account: str, recorded: Recorded, *, zone: ZoneInfo) -> dict[str, Any]:
    text = (
        f":moneybag: {esc(account)} paid {paid_words(recorded.payments)}; still suspended. "
        "Nothing is overdue any more: an operator can lift the suspension."
    )
    blocks = _with_context(text, recorded.suspended, zone)
    blocks.append(
        ActionsBlock(
            block_id=ASK_BLOCK,
            elements=[verb_button("unsuspend", account, "Unsuspend", style="primary")],
        )
    )
    return message(text, blocks)


def partial_message(account: str, recorded: Recorded, *, zone: ZoneInfo) -> dict[str, Any]:
    left = recorded.remaining
    owing = (
        f"{plural(left.count, 'invoice')} still overdue, {money(left.total, left.currency)}"
        + (f" (oldest due {left.oldest_due:%d %b %Y})" if left.oldest_due else "")
        if left is not None
        else "something is still overdue"
    )
    text = (
        f":warning: {esc(account)} paid {paid_words(recorded.payments)}, but {owing}: "
        "the suspension stays until that is paid."
    )
    return message(text, _with_context(text, recorded.suspended, zone))


def reported_message(account: str, recorded: Recorded, *, zone: ZoneInfo) -> dict[str, Any]:
    text = (
        f":information_source: {esc(account)} paid {paid_words(recorded.payments)}. It is "
        "suspended with an override or outside the bot, so the bot does not lift it; "
        "lift it yourself if it should be."
    )
    blocks = _with_context(text, recorded.suspended, zone)
    blocks.append(
        ActionsBlock(block_id=ASK_BLOCK, elements=[verb_button("unsuspend", account, "Unsuspend")])
    )
    return message(text, blocks)
