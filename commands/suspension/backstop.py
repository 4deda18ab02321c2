"""The backstop: every account the bot suspended for non-payment, checked for payment — so a
callout that never came delays a lift, never loses it.

One Object Query scan of the overdue invoices (cursor paging, 99 a page, the digest's query) says
which of those accounts still owe enough to stay eligible; the rest are paid up by the rule and
go through ``commands.suspension.paid.decide``, which re-reads each one (account, invoices,
payments) before it acts, on the platform client's bounded pool. Accounts whose payment was
already decided (asked, noted, lifted) are not read again. So the Zuora calls grow with pages of
overdue invoices plus the few accounts that paid, not with the accounts suspended.

``jethub collections check`` runs it once; the clock runs it every
``JETHUB_PAYMENT_CHECK_MINUTES`` (``bot.suspension.backstop``), claimed in ``job_run`` so one
clock does it per period.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from audit import decided_keys
from commands.fanout import fetch_together
from commands.suspension.paid import (
    BotSuspension,
    NothingDecided,
    PaymentDecided,
    decide,
    outstanding,
)
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from commands.deps import Deps

OWING = Decimal("0.01")  # Object Query asks for every invoice owing; the minimum is per account


class Failed(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    error: str


class CheckReport(BaseModel):
    """What one check found and did."""

    model_config = ConfigDict(frozen=True)

    suspended: int  # accounts the bot has suspended for non-payment
    still_owing: int  # of them, still overdue by the rule
    already_decided: int  # paid up, decided by an earlier callout or check
    decided: list[PaymentDecided] = []  # decided by this check
    nothing: list[NothingDecided] = []  # read again: nothing to decide (lifted since, …)
    failed: list[Failed] = []  # a backend failed for this account: the next check tries again


def still_owing(deps: Deps) -> set[str]:
    """Every Jet Hub account still overdue enough to be eligible (one paged scan)."""
    policy = deps.policy
    bound = deps.today() - timedelta(days=policy.threshold_days - 1)
    minimum = Decimal(str(policy.overdue_min_balance))
    owed: dict[str, Decimal] = {}
    for invoice in deps.zuora.overdue_invoices(due_before=bound, min_balance=OWING):
        account = invoice.jethub_account
        if account and invoice.due_date < bound and invoice.balance > 0:
            owed[account] = owed.get(account, Decimal("0")) + invoice.balance
    return {account for account, total in owed.items() if total >= minimum}


def check_payments(deps: Deps) -> CheckReport:
    """Check every account the bot suspended for non-payment; decide the paid-up ones."""
    # The ledger's suspensions and Zuora's pages are independent: read them together.
    fetched = fetch_together(
        deps, {"suspended": lambda: outstanding(deps), "owing": lambda: still_owing(deps)}
    )
    suspensions: dict[str, BotSuspension] = fetched.get("suspended", dict)
    owing = fetched.get("owing", set) & set(suspensions)
    paid_up = {a: s for a, s in suspensions.items() if a not in owing}
    with deps.ledger.read_session() as session:
        done = decided_keys(session=session, keys=[f"paid:{s.run_id}" for s in paid_up.values()])
    fresh = sorted(a for a, s in paid_up.items() if f"paid:{s.run_id}" not in done)
    results = deps.platform.map_concurrent(lambda a: decide(deps, a, source="check"), fresh)
    decided: list[PaymentDecided] = []
    nothing: list[NothingDecided] = []
    failed: list[Failed] = []
    for result in results:
        if isinstance(result.error, IntegrationError):
            failed.append(Failed(account=result.item, error=str(result.error)))
        elif isinstance(result.value, PaymentDecided):
            decided.append(result.value)
        elif isinstance(result.value, NothingDecided):
            nothing.append(result.value)
    return CheckReport(
        suspended=len(suspensions),
        still_owing=len(owing),
        already_decided=len(paid_up) - len(fresh),
        decided=decided,
        nothing=nothing,
        failed=failed,
    )
