"""Block Kit for promises to pay: the modal (date, amount, note) and what its submission says.
Pure functions of ``commands.suspension.promises``' results; outside text goes through ``esc``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
)
from slack_sdk.models.views import View

from bot.edge.blocks import context, esc, message, section, who
from bot.edge.codecs import PromiseRef
from bot.edge.modals import modal, text_input
from commands.suspension.models import PromiseInfo
from commands.suspension.promises import (
    AMOUNT_FIELD,
    DUE_FIELD,
    MAX_NOTE,
    NOTE_FIELD,
    Promised,
    PromiseForm,
)

PROMISE_MODAL = "suspension.promise_modal"
TITLE = "Promise to pay"
INPUT_ACTION = "value"
DUE_BLOCK, AMOUNT_BLOCK, NOTE_BLOCK = DUE_FIELD, AMOUNT_FIELD, NOTE_FIELD  # errors land on them


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def dollars(promise: PromiseInfo) -> str:
    return f"${promise.amount:,.2f}"


def promise_modal(form: PromiseForm, meta: PromiseRef) -> View:
    blocks: list[Block] = [
        section(
            f"*{esc(form.name)}* (`{esc(form.account)}`) is kept out of the suspension list "
            "until the day you pick. The day after, the bot checks Zuora: if less than the "
            "amount was paid since today, the account comes back flagged *promise broken*."
        )
    ]
    if form.current is not None and form.current.in_force(form.today):
        blocks.append(
            context(
                f"Already promised {dollars(form.current)} by {day_text(form.current.due)} "
                f"(recorded by {who(form.current.by)}). A new promise replaces it."
            )
        )
    tomorrow = min(form.today + timedelta(days=1), form.last_day)
    blocks += [
        InputBlock(
            block_id=DUE_BLOCK,
            label=f"Pays by (today to {day_text(form.last_day)})",
            element=DatePickerElement(action_id=INPUT_ACTION, initial_date=tomorrow.isoformat()),
        ),
        text_input(
            AMOUNT_BLOCK,
            "Amount (AUD)",
            max_length=20,
            placeholder="e.g. 189.50",
            action_id=INPUT_ACTION,
        ),
        text_input(
            NOTE_BLOCK,
            "Note (who promised, how)",
            max_length=MAX_NOTE,
            multiline=True,
            placeholder="e.g. Sam in accounts, paying by card on Friday",
            action_id=INPUT_ACTION,
        ),
    ]
    return modal(TITLE, blocks, callback_id=PROMISE_MODAL, submit="Record promise", meta=meta)


def promised_message(result: Promised) -> dict[str, Any]:
    p = result.promise
    text = (
        f":handshake: *{esc(result.name)}* (`{esc(result.account)}`) promised to pay "
        f"{dollars(p)} by {day_text(p.due)}: “{esc(p.note)}”. It is not offered for suspension "
        f"until then; on {day_text(p.due + timedelta(days=1))} the bot checks what was paid."
    )
    blocks: list[Block] = [section(text)]
    if result.before is not None and result.before.state == "open":
        blocks.append(
            context(
                f"Replaces the promise of {dollars(result.before)} by "
                f"{day_text(result.before.due)} recorded by {who(result.before.by)}."
            )
        )
    return message(f"{result.account} promised {p.amount} by {p.due.isoformat()}", blocks)
