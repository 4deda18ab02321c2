"""A payment on an account the bot suspended for non-payment: is it paid up now, and what then.

Zuora's callout (``PaymentReceived``) and the backstop check (``commands.suspension.backstop``)
both end here, in ``decide``. The callout's body is only a hint: the account, its suspension and
its invoices are read again before anything is decided, by the rule that made it eligible — an
account is *paid up* when nothing is overdue by ``Policy.threshold_days`` or more
(``overdue_for``). Then, by ``Policy.unsuspend_on_payment``:

- ``auto``: the suspension is lifted as a durable ``unsuspend`` run, actor ``system``, with the
  payments as its reason (``note``) and in its audit details;
- ``ask``: the team is asked (the bot's Slack side posts an Unsuspend button);
- ``off``: it is noted (the account card shows it).

A part payment lifts nothing and records what is still overdue. Only a suspension the bot made
for non-payment (its last ``suspend`` run, still the platform's suspension) is lifted; one made
with an override or outside the bot is only reported.

Each decision is made once: its ``payment_decision`` row (``audit.payments``) is inserted with its
audit event ``collections.payment`` — and, for ``auto``, the unsuspend run — in one transaction,
keyed by the suspension (paid up) or the payment (part paid, reported). The same payment
delivered twice, a callout and a check, two clocks: one decision, one effect.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from audit import attach_run, decide_once
from audit.models import ActionRun, RunState
from audit.types import as_utc
from commands.errors import CommandError
from commands.runs import records as run_records
from commands.runs.kinds import SYSTEM
from commands.suspension.models import (
    OVERRIDE,
    SUSPEND,
    UNSUSPEND,
    OverdueSummary,
    SuspensionState,
)
from commands.suspension.run import overdue_for, state_of, work
from commands.trail import record

if TYPE_CHECKING:
    from commands.deps import Deps
    from integrations.platform import Account

PAYMENT_ACTION = "collections.payment"  # the audit event of every payment decision
ZUORA_KEY = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$"  # an account or payment number, as Zuora's

Decision = Literal["lifted", "asked", "noted", "partial", "reported"]
Source = Literal["callout", "check"]


class PaymentReceived(BaseModel):
    """Zuora's callout, as its Workflow is set up to send it (``docs/collections.md``)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    event: Literal["payment.processed"]
    account_number: str = Field(alias="accountNumber", pattern=ZUORA_KEY)
    payment_number: str = Field(alias="paymentNumber", pattern=ZUORA_KEY)
    amount: Decimal = Field(gt=0, le=Decimal("1000000000"), decimal_places=2)


class PaidPayment(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str
    amount: Decimal
    on: date


class BotSuspension(BaseModel):
    """The bot's last suspension of an account for non-payment, not lifted since (its run)."""

    model_config = ConfigDict(frozen=True)

    account: str
    run_id: str
    by: str
    reason: str
    at: datetime


class PaymentDecided(BaseModel):
    """What was decided for one account, for the bot to tell; ``new`` is False when an earlier
    callout or check had already decided it (then nothing more is done or said)."""

    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    decision: Decision
    new: bool
    payments: list[PaidPayment] = []
    remaining: OverdueSummary | None = None  # part paid: what is still overdue
    suspension: SuspensionState | None = None
    suspend_run_id: str | None = None
    run_id: str | None = None  # the unsuspend run (auto)
    lifted: bool = False  # auto: the run lifted it
    problem: str | None = None  # auto: why the run did not (lifted since, a backend failed)

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal("0"))


class NothingDecided(BaseModel):
    """Why a payment needed no decision (not suspended, still owing with no payment named)."""

    model_config = ConfigDict(frozen=True)

    account: str
    why: str


# -- what the bot has suspended ---------------------------------------------------------------


def outstanding(deps: Deps, accounts: Iterable[str] | None = None) -> dict[str, BotSuspension]:
    """Accounts whose newest suspension run or lifting run is a non-payment ``suspend`` that
    suspended them (of ``accounts``, or all): the suspensions the bot may lift on payment."""
    kinds = (SUSPEND, UNSUSPEND, OVERRIDE)
    runs = ActionRun.__table__.c  # type: ignore[attr-defined]  # columns only: 10k rows fast
    statement = select(runs.id, runs.kind, runs.account, runs.params, runs.updated_at).where(
        runs.kind.in_(kinds), runs.state == RunState.SUCCEEDED.value, runs.outcome == "done"
    )
    if accounts is not None:
        statement = statement.where(runs.account.in_(list(accounts)))
    newest: dict[str, Any] = {}
    with deps.ledger.read_session() as session:
        for row in session.execute(statement.order_by(runs.created_at, runs.id)):
            newest[row.account] = row
    return {
        account: BotSuspension(
            account=account,
            run_id=row.id,
            by=str((row.params or {}).get("by") or ""),
            reason=str((row.params or {}).get("reason") or ""),
            at=as_utc(row.updated_at, "updated_at"),
        )
        for account, row in newest.items()
        if row.kind == SUSPEND
    }


def _still_ours(account: Account, suspension: BotSuspension) -> bool:
    s = account.suspended
    return s is not None and s.by == suspension.by and s.reason == suspension.reason


# -- deciding -----------------------------------------------------------------------------------


def payments_since(deps: Deps, account: Account, since: date) -> list[PaidPayment]:
    """Processed payments effective on or after ``since``, oldest first, read from Zuora."""
    if not account.zuora_account_number:
        return []
    found = deps.zuora.payments_for_account(account.zuora_account_number, since=since)
    return [
        PaidPayment(number=p.payment_number, amount=p.amount, on=p.effective_date)
        for p in reversed(found)
        if p.processed
    ]


def decide(
    deps: Deps, account_id: str, *, source: Source, hint: PaymentReceived | None = None
) -> PaymentDecided | NothingDecided:
    """Read the account again and decide, once, what its payment does (see the module); a lift
    is worked at once."""
    decided = record_decision(deps, account_id, source=source, hint=hint)
    return carry_out(deps, decided) if isinstance(decided, PaymentDecided) else decided


def record_decision(
    deps: Deps, account_id: str, *, source: Source, hint: PaymentReceived | None = None
) -> PaymentDecided | NothingDecided:
    """The decision, committed (with its unsuspend run under ``auto``) but not yet carried out:
    what a process that dies next leaves for the sweeper to finish."""
    account = deps.platform.get_account(account_id)
    suspension = outstanding(deps, [account.id]).get(account.id)
    if suspension is None or not _still_ours(account, suspension):
        if not account.is_suspended:
            return NothingDecided(account=account.id, why="not suspended")
        if hint is None:
            return NothingDecided(account=account.id, why="not suspended by the bot")
        # Suspended with an override or outside the bot: told, never lifted by the bot.
        named = [PaidPayment(number=hint.payment_number, amount=hint.amount, on=deps.today())]
        return _once(deps, account, f"report:{hint.payment_number}", "reported", source, named)
    payments = payments_since(deps, account, suspension.at.astimezone(deps.zone).date())
    if hint is not None and hint.payment_number not in {p.number for p in payments}:
        payments.append(
            PaidPayment(number=hint.payment_number, amount=hint.amount, on=deps.today())
        )
    overdue = overdue_for(deps, account)
    if overdue.count > 0:
        if hint is None:
            return NothingDecided(account=account.id, why="still overdue")
        key = f"part:{hint.payment_number}"
        return _once(deps, account, key, "partial", source, payments, suspension, overdue)
    policy = deps.policy.unsuspend_on_payment
    decision: Decision = "lifted" if policy == "auto" else "asked" if policy == "ask" else "noted"
    key = f"paid:{suspension.run_id}"
    return _once(deps, account, key, decision, source, payments, suspension)


def _once(
    deps: Deps,
    account: Account,
    key: str,
    decision: Decision,
    source: Source,
    payments: list[PaidPayment],
    suspension: BotSuspension | None = None,
    remaining: OverdueSummary | None = None,
) -> PaymentDecided:
    named = [p.model_dump(mode="json") for p in payments]
    state = state_of(account)
    run_id: str | None = None
    with deps.ledger.session() as session:
        new = decide_once(
            session=session,
            key=key,
            account=account.id,
            decision=decision,
            source=source,
            now=deps.now(),
            payments=named,
            suspend_run_id=suspension.run_id if suspension else None,
            remaining=remaining.brief() if remaining else None,
        )
        if new and decision == "lifted":
            assert suspension is not None
            run_id = run_records.create(
                session,
                deps.actions.run(UNSUSPEND),
                account=account.id,
                requested_by=None,  # the bot, on its policy: no person's role to re-check
                params=_lift_params(state, suspension, named),
                now=deps.now(),
            ).id
            attach_run(session=session, key=key, run_id=run_id)
        if new:
            details: dict[str, Any] = {
                "decision": decision,
                "key": key,
                "source": source,
                "payments": named,
                "policy": deps.policy.unsuspend_on_payment,
                "suspend_run_id": suspension.run_id if suspension else None,
                "suspended": state.model_dump(mode="json") if state else None,
                "remaining": remaining.brief() if remaining else None,
                "run_id": run_id,
            }
            record(
                deps,
                actor=SYSTEM,
                action=PAYMENT_ACTION,
                account=account.id,
                outcome="ok",
                details=details,
                session=session,
            )
    decided = PaymentDecided(
        account=account.id,
        name=account.name,
        decision=decision,
        new=new,
        payments=payments,
        remaining=remaining,
        suspension=state,
        suspend_run_id=suspension.run_id if suspension else None,
        run_id=run_id,
    )
    return decided


def carry_out(deps: Deps, decided: PaymentDecided) -> PaymentDecided:
    """Work the decision's unsuspend run, if it has one; what became of it."""
    if decided.run_id is None:
        return decided
    try:
        work(deps, decided.run_id)
    except CommandError as exc:  # refused (lifted since) or failed: the run's record says which
        return decided.model_copy(update={"problem": str(exc)})
    return decided.model_copy(update={"lifted": True})


def _lift_params(
    state: SuspensionState | None, suspension: BotSuspension, named: list[dict[str, Any]]
) -> dict[str, Any]:
    numbers = ", ".join(str(p["number"]) for p in named) or "no payment named"
    return {
        "by": SYSTEM,
        "actor": SYSTEM,
        "note": f"paid up: {numbers}"[:500],
        "was": state.model_dump(mode="json") if state else None,
        "reference": {
            "payments": named,
            "suspend_run_id": suspension.run_id,
            "suspended_by": suspension.by,
        },
    }
