"""Promises to pay: a customer says they will pay ``amount`` by ``due``; until that day the
account is not offered for suspension (the digest shows it apart, "promised $X by D"). The day
after, the promise is settled once from what Zuora shows paid since it was made: *kept* when at
least the amount was paid, else *broken* — and a broken promise's account, if still overdue,
is back in the digest flagged, with who recorded it.

Recording one (``promise_to_pay``, operator) writes the ``promise`` row and its audit event
(``promise``, with before and after) in one transaction; settling (``settle_due_promises``, run
when the digest is built) writes ``promise.kept`` / ``promise.broken`` by ``system`` with the
compare-and-set that settles it, so two digests racing settle it once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from audit import due_promises, get_promise, settle
from audit import promise as record_promise
from commands.accounts import live_account
from commands.actor import Actor, Role
from commands.errors import Conflict, InvalidInput
from commands.reasons import few_words
from commands.runs.kinds import SYSTEM
from commands.suspension.models import PROMISE, PromiseInfo
from commands.trail import audited, authorize, record
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from commands.deps import Deps

log = logging.getLogger(__name__)

KEPT, BROKEN = f"{PROMISE}.kept", f"{PROMISE}.broken"
MAX_NOTE = 500
MAX_AMOUNT = Decimal("10000000")  # ten million dollars: anything more is a typo
AMOUNT_FIELD, DUE_FIELD, NOTE_FIELD = "amount", "due", "note"

# "189.50", "$1,234.5", "1234": dollars (thousands grouped by commas, or not), then at most two
# decimals. Only ASCII digits: "١٢٣" or "1e3" are not amounts a person typed.
_AMOUNT = re.compile(r"\$?(?P<dollars>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<cents>[0-9]{1,2}))?")


def parse_amount(text: str | None) -> Decimal:
    """A promised amount in AUD: positive, at most two decimals; ``InvalidInput("amount")``
    saying what is wrong otherwise."""
    typed = (text or "").strip().removesuffix("AUD").strip()
    if not typed:
        raise InvalidInput(AMOUNT_FIELD, "Say how much the customer promised to pay, e.g. 189.50.")
    if typed.startswith("-"):
        raise InvalidInput(AMOUNT_FIELD, "A promised amount is more than $0.")
    found = _AMOUNT.fullmatch(typed)
    if found is None:
        if re.fullmatch(r"\$?[0-9,]*\.[0-9]{3,}", typed):
            raise InvalidInput(AMOUNT_FIELD, "Dollars and cents only: at most two decimals.")
        raise InvalidInput(
            AMOUNT_FIELD, "That is not an amount in dollars: write it as 189.50 (AUD)."
        )
    amount = Decimal(found["dollars"].replace(",", "")) + Decimal(f"0.{found['cents'] or '0'}")
    if amount <= 0:
        raise InvalidInput(AMOUNT_FIELD, "A promised amount is more than $0.")
    if amount > MAX_AMOUNT:
        raise InvalidInput(AMOUNT_FIELD, f"A promised amount is at most ${MAX_AMOUNT:,.0f}.")
    return amount.quantize(Decimal("0.01"))


def parse_due(text: str | None, today: date, max_days: int) -> date:
    """The day the customer promised to pay by: today up to ``max_days`` ahead;
    ``InvalidInput("due")`` otherwise."""
    if not text:
        raise InvalidInput(DUE_FIELD, "Pick the day the customer promised to pay by.")
    try:
        due = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(DUE_FIELD, "That is not a date.") from None
    if due < today:
        raise InvalidInput(DUE_FIELD, "That day has passed: pick today or a later day.")
    if due > today + timedelta(days=max_days):
        raise InvalidInput(
            DUE_FIELD,
            f"A promise to pay is for the next {max_days} days at most (by "
            f"{today + timedelta(days=max_days):%d %b %Y}); snooze the account for longer plans.",
        )
    return due


class PromiseToPay(BaseModel):
    """Order: ``account``'s customer promised to pay ``amount`` (AUD) by ``due``; ``note``."""

    model_config = ConfigDict(frozen=True)

    account: str
    amount: Decimal
    due: date
    note: str

    @field_validator("amount")
    @classmethod
    def _cents(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
            raise ValueError(f"A promised amount is more than $0 and at most ${MAX_AMOUNT:,.0f}.")
        if value != value.quantize(Decimal("0.01")):
            raise ValueError("Dollars and cents only: at most two decimals.")
        return value.quantize(Decimal("0.01"))

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        return few_words(
            value,
            asking="Say in a few words who promised what, e.g. “Sam in accounts, paying by card "
            "on Friday” — the team reads it in the digest.",
            max_length=MAX_NOTE,
        )


class PromiseForm(BaseModel):
    """What the promise modal shows: the account, what it owes, any promise already made."""

    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    today: date
    max_days: int
    current: PromiseInfo | None

    @property
    def last_day(self) -> date:
        return self.today + timedelta(days=self.max_days)


class Promised(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    promise: PromiseInfo
    before: PromiseInfo | None


class PromiseSettled(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    state: Literal["kept", "broken"]
    promise: PromiseInfo
    paid: Decimal
    payments: list[str]


class PromisedSince(Conflict):
    def __init__(self, account: str, promise: PromiseInfo) -> None:
        self.account, self.promise = account, promise
        super().__init__(
            f"Account {account} was promised to pay ${promise.amount:,.2f} by "
            f"{promise.due:%d %b %Y} (recorded by {promise.by}), so it was not suspended."
        )


def promised_refusal(deps: Deps, account: str) -> PromisedSince | None:
    """The refusal to suspend ``account`` while a promise to pay is in force, else None."""
    with deps.ledger.read_session() as session:
        row = get_promise(session=session, account=account)
        found = None if row is None else PromiseInfo.of(row)
    in_force = found is not None and found.in_force(deps.today())
    return PromisedSince(account, found) if in_force and found is not None else None


def load_promise_form(account: str, actor: Actor, deps: Deps) -> PromiseForm:
    authorize(
        deps, actor, Role.OPERATOR, action=PROMISE, to="record a promise to pay", account=account
    )
    found = live_account(deps, account)
    with deps.ledger.read_session() as session:
        row = get_promise(session=session, account=found.id)
        current = None if row is None else PromiseInfo.of(row)
    return PromiseForm(
        account=found.id,
        name=found.name,
        today=deps.today(),
        max_days=deps.policy.promise_max_days,
        current=current,
    )


def promise_to_pay(cmd: PromiseToPay, actor: Actor, deps: Deps) -> Promised:
    """Write the promise and its audit event (before and after) in one ledger transaction."""
    with audited(deps, actor, PROMISE, cmd.account) as trail:
        trail.require(Role.OPERATOR, to="record a promise to pay")
        parse_due(cmd.due.isoformat(), deps.today(), deps.policy.promise_max_days)
        found = live_account(deps, cmd.account)
        with deps.ledger.session() as session:
            earlier = get_promise(session=session, account=found.id)
            before = None if earlier is None else PromiseInfo.of(earlier)
            row = record_promise(
                session=session,
                account=found.id,
                amount=str(cmd.amount),
                currency="AUD",
                due=cmd.due,
                note=cmd.note,
                by=actor.user_id,
                now=deps.now(),
            )
            after = PromiseInfo.of(row)
            trail.ok(
                session=session,
                before=before.model_dump(mode="json") if before else None,
                after=after.model_dump(mode="json"),
            )
    return Promised(account=found.id, name=found.name, promise=after, before=before)


def settle_due_promises(
    deps: Deps, today: date, zuora_accounts: Mapping[str, str | None] | None = None
) -> list[PromiseSettled]:
    """Settle every open promise whose day has passed by ``today``: kept when Zuora shows at
    least the amount paid (processed payments effective on or after the day it was made), else
    broken. ``zuora_accounts`` names accounts' Zuora numbers already known (the digest's rows);
    others are read from the platform."""
    with deps.ledger.read_session() as session:
        due = [
            (row.account, PromiseInfo.of(row)) for row in due_promises(session=session, today=today)
        ]
    known = zuora_accounts or {}
    settled: list[PromiseSettled] = []
    for account, info in due:
        since = info.at.astimezone(deps.zone).date()
        try:
            key = known.get(account) or deps.platform.get_account(account).zuora_account_number
            found = deps.zuora.payments_for_account(key, since=since) if key else []
        except IntegrationError as exc:  # this one waits for the next digest; the rest go on
            log.warning("could not settle the promise of account %s: %s", account, exc)
            continue
        paying = [p for p in found if p.processed]
        paid = sum((p.amount for p in paying), Decimal("0"))
        state: Literal["kept", "broken"] = "kept" if paid >= info.amount else "broken"
        numbers = [p.payment_number for p in reversed(paying)]
        with deps.ledger.session() as session:
            won = settle(
                session=session,
                account=account,
                created_at=info.at,
                state=state,
                paid=str(paid),
                now=deps.now(),
            )
            if won:
                record(
                    deps,
                    actor=SYSTEM,
                    action=KEPT if state == "kept" else BROKEN,
                    account=account,
                    outcome="ok",
                    details={
                        "promise": info.model_dump(mode="json"),
                        "paid": str(paid),
                        "payments": numbers,
                        "recorded_by": info.by,
                    },
                    session=session,
                )
        if won:
            update = {"state": state, "paid": paid}
            settled.append(
                PromiseSettled(
                    account=account,
                    state=state,
                    promise=info.model_copy(update=update),
                    paid=paid,
                    payments=numbers,
                )
            )
    return settled
