"""The overdue-invoice digest: which accounts are overdue for suspension today.

An account is a *candidate* when its Posted invoices that are at least ``overdue_days`` past due
(``today - due_date >= overdue_days``, at least one day) together still owe at least
``overdue_min_balance``. Candidates that are already suspended on the platform, or snoozed in the
ledger, are counted in the summary but not listed.

The invoices come from one Zuora Object Query with the account expanded and cursor paging, so
the number of Zuora calls grows with pages of invoices (99 a page), not with accounts; suspended
accounts come from one paged platform listing and snoozes from the ledger. Accounts promised to
pay by a day to come are listed apart; a promise whose day has passed is settled (kept or broken,
``commands.suspension.promises``) before the rows are drawn, so a broken one is listed, flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from audit import active, excluded, promises, takes
from commands.actor import Actor, Role
from commands.deps import threshold_days
from commands.fanout import fetch_together
from commands.suspension import settle_due_promises
from commands.suspension.models import PromiseInfo
from commands.trail import authorize

if TYPE_CHECKING:
    from commands.deps import Deps
    from integrations.zuora import Invoice

# Object Query asks for every invoice with something owing; the policy's minimum applies to what
# the account owes on its overdue invoices together, not to each invoice.
OWING = Decimal("0.01")


class DigestRow(BaseModel):
    """One account overdue for suspension."""

    model_config = ConfigDict(frozen=True)

    account: str  # Jet Hub account number
    name: str
    zuora_account: str | None
    amount_overdue: Decimal
    currency: str
    oldest_due: date
    days_overdue: int
    invoices: int
    newly_overdue: bool  # its oldest overdue invoice reached the threshold today
    broken_promise: PromiseInfo | None = None  # its newest promise to pay was broken
    taken_by: str | None = None  # who is chasing it (the row's Take)


class ExcludedRow(BaseModel):
    """An overdue account an admin excluded from suspension: listed apart, never offered."""

    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    amount_overdue: Decimal
    currency: str
    reason: str
    by: str


class PromisedRow(BaseModel):
    """An overdue account whose customer promised to pay by a day not yet passed: listed apart,
    not offered for suspension until the day after."""

    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    amount_overdue: Decimal
    currency: str
    promise: PromiseInfo


class Digest(BaseModel):
    """The digest for one day: candidates to list and what was held back, with the policy."""

    model_config = ConfigDict(frozen=True)

    day: date
    overdue_days: int
    min_balance: Decimal
    rows: list[DigestRow]
    suspended: int  # overdue accounts already suspended (not listed)
    snoozed: int  # overdue accounts snoozed (not listed)
    unlinked_invoices: int  # overdue invoices whose Zuora account names no Jet Hub account
    excluded: list[ExcludedRow] = []  # overdue but excluded from suspension (listed apart)
    promised: list[PromisedRow] = []  # overdue but promised to pay, by a day to come (apart)

    @property
    def total_overdue(self) -> Decimal:
        return sum((row.amount_overdue for row in self.rows), Decimal(0))

    @property
    def newly_overdue(self) -> int:
        return sum(1 for row in self.rows if row.newly_overdue)

    @property
    def currency(self) -> str:
        currencies = {row.currency for row in self.rows}
        return currencies.pop() if len(currencies) == 1 else "AUD"

    @property
    def aging(self) -> list[AgingBucket]:
        """The listed accounts (and what they owe) by days overdue, for the digest's chart."""
        return aging_buckets(self.rows, self.overdue_days)

    @property
    def origin(self) -> str:
        """How actions started from this digest are recorded in the audit log."""
        return f"digest:{self.day.isoformat()}"


# The overdue book's buckets by days overdue: (lowest, highest); None is open-ended.
AGING_EDGES: tuple[tuple[int, int | None], ...] = (
    (7, 14),
    (15, 30),
    (31, 60),
    (61, 90),
    (91, None),
)
EN_DASH = "\u2013"


class AgingBucket(BaseModel):
    """The listed accounts whose oldest overdue invoice is ``low``..``high`` days overdue."""

    model_config = ConfigDict(frozen=True)

    low: int
    high: int | None  # None: and older
    accounts: int
    amount: Decimal

    @property
    def label(self) -> str:
        """``7-14`` (with an en dash), ..., and ``90+`` for the last (over 90 days)."""
        return f"{self.low - 1}+" if self.high is None else f"{self.low}{EN_DASH}{self.high}"


def aging_buckets(rows: Iterable[DigestRow], threshold: int) -> list[AgingBucket]:
    """The digest's rows by days overdue: 7-14, 15-30, 31-60, 61-90, 90+ (every bucket, empty
    ones too). A policy threshold under 7 days widens the first bucket down to it."""
    lows = [
        min(low, max(threshold, 1)) if i == 0 else low for i, (low, _) in enumerate(AGING_EDGES)
    ]
    counts = [0] * len(AGING_EDGES)
    amounts = [Decimal(0)] * len(AGING_EDGES)
    for row in rows:
        index = 0
        for i, low in enumerate(lows):
            if row.days_overdue >= low:
                index = i
        counts[index] += 1
        amounts[index] += row.amount_overdue
    return [
        AgingBucket(low=low, high=high, accounts=count, amount=amount)
        for low, (_, high), count, amount in zip(lows, AGING_EDGES, counts, amounts, strict=True)
    ]


def due_before(today: date, overdue_days: int) -> date:
    """Object Query's exclusive bound: due on or before ``today - threshold`` ⇔ due before +1."""
    return today - timedelta(days=threshold_days(overdue_days) - 1)


class _Tally:
    def __init__(self, account: str) -> None:
        self.account = account
        self.name = ""
        self.zuora_account: str | None = None
        self.amount = Decimal(0)
        self.currency = "AUD"
        self.oldest: date | None = None
        self.count = 0

    def add(self, invoice: Invoice) -> None:
        self.amount += invoice.balance
        self.count += 1
        if invoice.currency:
            self.currency = invoice.currency
        if self.oldest is None or invoice.due_date < self.oldest:
            self.oldest = invoice.due_date
        expanded = invoice.account
        if expanded is not None:
            self.name = self.name or (expanded.name or "")
            self.zuora_account = self.zuora_account or expanded.account_number


def _group(invoices: Iterable[Invoice], bound: date) -> tuple[dict[str, _Tally], int]:
    tallies: dict[str, _Tally] = {}
    unlinked = 0
    for invoice in invoices:
        if invoice.due_date >= bound or invoice.balance <= 0:
            continue  # the query already filters; a backend that ignores a filter changes nothing
        account = invoice.jethub_account
        if not account:
            unlinked += 1
            continue
        tallies.setdefault(account, _Tally(account)).add(invoice)
    return tallies, unlinked


def build_digest(deps: Deps, today: date) -> Digest:
    """Today's digest (no role check: the clock runs it; people go through ``show_digest``)."""
    policy = deps.policy
    threshold = policy.threshold_days
    minimum = Decimal(str(policy.overdue_min_balance))
    bound = due_before(today, policy.overdue_days)
    # Zuora's paging and the platform's suspended list are independent: read them together.
    fetched = fetch_together(
        deps,
        {
            "invoices": lambda: _group(
                deps.zuora.overdue_invoices(due_before=bound, min_balance=OWING), bound
            ),
            "suspended": lambda: {account.id for account in deps.platform.suspended_accounts()},
        },
    )
    tallies, unlinked = fetched.get("invoices", tuple)
    suspended_ids: set[str] = fetched.get("suspended", set)
    owing = {key: t for key, t in tallies.items() if t.amount >= minimum and t.oldest is not None}
    # Promises whose day has passed are settled first (kept or broken, from Zuora's payments),
    # so a broken one's account is listed again today, flagged.
    settle_due_promises(deps, today, {key: t.zuora_account for key, t in tallies.items()})
    with deps.ledger.read_session() as session:
        snoozed_ids = set(active(session=session, today=today))
        exclusions = {a: (e.reason, e.by) for a, e in excluded(session=session).items()}
        promised = {a: PromiseInfo.of(p) for a, p in promises(session=session).items()}
        chasing = {a: t.by for a, t in takes(session=session).items()}
    rows: list[DigestRow] = []
    apart: list[ExcludedRow] = []
    held: list[PromisedRow] = []
    suspended = snoozed = 0
    for key, tally in owing.items():
        if key in suspended_ids:
            suspended += 1
            continue
        if key in exclusions:
            reason, by = exclusions[key]
            apart.append(
                ExcludedRow(
                    account=key,
                    name=tally.name or f"account {key}",
                    amount_overdue=tally.amount,
                    currency=tally.currency,
                    reason=reason,
                    by=by,
                )
            )
            continue
        promise = promised.get(key)
        if promise is not None and promise.in_force(today):
            held.append(
                PromisedRow(
                    account=key,
                    name=tally.name or f"account {key}",
                    amount_overdue=tally.amount,
                    currency=tally.currency,
                    promise=promise,
                )
            )
            continue
        if key in snoozed_ids:
            snoozed += 1
            continue
        assert tally.oldest is not None
        days = (today - tally.oldest).days
        rows.append(
            DigestRow(
                account=key,
                name=tally.name or f"account {key}",
                zuora_account=tally.zuora_account,
                amount_overdue=tally.amount,
                currency=tally.currency,
                oldest_due=tally.oldest,
                days_overdue=days,
                invoices=tally.count,
                newly_overdue=days == threshold,
                broken_promise=promise if promise and promise.state == "broken" else None,
                taken_by=chasing.get(key),
            )
        )
    rows.sort(key=lambda r: (-r.days_overdue, -r.amount_overdue, _number_key(r.account)))
    return Digest(
        day=today,
        overdue_days=threshold,
        min_balance=minimum,
        rows=rows,
        suspended=suspended,
        snoozed=snoozed,
        unlinked_invoices=unlinked,
        excluded=sorted(apart, key=lambda r: _number_key(r.account)),
        promised=sorted(held, key=lambda r: (r.promise.due, _number_key(r.account))),
    )


def show_digest(actor: Actor, deps: Deps) -> Digest:
    """``/jethub digest``: today's digest for an operator, built now (nothing is claimed)."""
    authorize(
        deps, actor, Role.OPERATOR, action="digest", to="see the overdue digest", account=None
    )
    return build_digest(deps, deps.today())


def _number_key(account: str) -> tuple[int, str]:
    return (int(account), account) if account.isdigit() else (0, account)
