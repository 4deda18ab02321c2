"""The `demo` data set: a dozen Australian accounts that show every case the bot handles.

Dates are relative to today, so the overdue invoices stay overdue whenever the demo runs.

| account | what it shows |
| --- | --- |
| 1001 | franchise parent (children 1002, 1003, 1004), invoice-copy addresses, paid up |
| 1002 | franchise child, paid up |
| 1003 | franchise child, invoice 8 days overdue |
| 1004 | franchise child, invoice open but not yet due |
| 1005 | already suspended (reason, who, when); invoice 45 days overdue; a quarantined number |
| 1006 | allowances "5 x Cloud Mobile, 5 x Mobile Number, 1 x 1300 Number" (with a cancelled |
|      | subscription and an ended charge that must not count); invoice 3 days overdue |
| 1007 | SBC faults: 0412345678 has no rule, 0412345679's rule is wrong, one stray rule; |
|      | invoice 8 days overdue |
| 1008 | Sold To address fails IPND (postcode 2000 with state VIC); invoice 15 days overdue |
| 1009 | invoices 120 and 45 days overdue |
| 1010 | fully paid; Bill To and Sold To are one contact |
| 1011 | 600 phone numbers and 500 sent emails |
| 1012 | named `<!channel> & <@U123>` (escaping); invoice 8 days overdue |
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta

from devkit.sandbox._estate import (
    AccountSpec,
    SiteAddress,
    SubscriptionBuilder,
    allowances_of,
    fixed_number,
    inbound_number,
    mobile_number,
    place_core,
    place_details,
)
from devkit.sandbox._ids import zuora_account_number
from devkit.sandbox._sbc_state import SbcRule
from devkit.sandbox._world import SandboxWorld
from devkit.sandbox._zuora_state import Subscription
from integrations.clock import BusinessClock

MISSING_RULE_NUMBER = "0412345678"  # account 1007
WRONG_RULE_NUMBER = "0412345679"  # account 1007
STRAY_RULE_ID = "1007-0298765432"
ESCAPE_NAME = "<!channel> & <@U123>"


def _specs(now: datetime, rng: random.Random) -> list[AccountSpec]:
    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    seen: set[str] = set()

    def distinct(make: Callable[[], str]) -> str:
        while (number := make()) in seen:
            pass
        seen.add(number)
        return number

    def numbers(
        mobiles: int, fixed: int, state: str, inbound: list[str] | None = None
    ) -> list[str]:
        found = [distinct(lambda: mobile_number(rng)) for _ in range(mobiles)]
        found += [distinct(lambda: fixed_number(rng, state)) for _ in range(fixed)]
        return found + (inbound or [])

    return [
        AccountSpec(
            "1001",
            "Bean Republic Coffee Co",
            SiteAddress("45", "Clarence", "Street", "Sydney", "NSW", "2000", ("Level", "3")),
            ago(1400),
            numbers(3, 2, "NSW", ["1300532687"]),
            contact=("Olivia", "Marchetti"),
            users=6,
            invoice_copies=["accounts@beanrepublic.com.au", "cfo@beanrepublic.com.au"],
        ),
        AccountSpec(
            "1002",
            "Bean Republic Surry Hills",
            SiteAddress("312", "Crown", "Street", "Surry Hills", "NSW", "2010", ("Shop", "2")),
            ago(1200),
            numbers(2, 1, "NSW"),
            parent_id="1001",
            contact=("Jack", "Nguyen"),
        ),
        AccountSpec(
            "1003",
            "Bean Republic Fitzroy",
            SiteAddress("188", "Brunswick", "Street", "Fitzroy", "VIC", "3065"),
            ago(1100),
            numbers(2, 1, "VIC"),
            parent_id="1001",
            contact=("Ruby", "Papadopoulos"),
        ),
        AccountSpec(
            "1004",
            "Bean Republic Fortitude Valley",
            SiteAddress("670", "Ann", "Street", "Fortitude Valley", "QLD", "4006"),
            ago(900),
            numbers(2, 1, "QLD"),
            parent_id="1001",
            contact=("Cooper", "Walker"),
        ),
        AccountSpec(
            "1005",
            "Koala Freight Logistics Pty Ltd",
            SiteAddress("27", "Foundry", "Road", "Parramatta", "NSW", "2150"),
            ago(800),
            numbers(4, 2, "NSW"),
            contact=("Declan", "Murphy"),
            quarantined=1,
        ),
        AccountSpec(
            "1006",
            "Southern Cross Physiotherapy",
            SiteAddress("9", "Marine", "Parade", "Glenelg", "SA", "5045", ("Suite", "4")),
            ago(700),
            numbers(5, 1, "SA", ["1300798431"]),
            contact=("Priya", "Singh"),
            users=5,
        ),
        AccountSpec(
            "1007",
            "Wattle & Gum Landscaping",
            SiteAddress("14", "Hunter", "Street", "Newcastle", "NSW", "2300"),
            ago(600),
            [MISSING_RULE_NUMBER, WRONG_RULE_NUMBER, "0249671234"],
            contact=("Lachlan", "O'Brien"),
            users=3,
        ),
        AccountSpec(
            "1008",
            "Brightwater Accounting Services",
            # Deliberately wrong: 2000 is a Sydney postcode, the state says VIC.
            SiteAddress("120", "Collins", "Street", "Melbourne", "VIC", "2000", ("Level", "12")),
            ago(500),
            numbers(2, 2, "VIC"),
            contact=("Hannah", "Chen"),
            emergency=False,
        ),
        AccountSpec(
            "1009",
            "Outback Solar Installations",
            SiteAddress("61", "Todd", "Street", "Alice Springs", "NT", "0870"),
            ago(1000),
            numbers(3, 1, "NT"),
            contact=("Sione", "Taufa"),
        ),
        AccountSpec(
            "1010",
            "Gold Coast Surf School",
            SiteAddress("1740", "Gold Coast", "Highway", "Burleigh Heads", "QLD", "4220"),
            ago(400),
            numbers(2, 1, "QLD"),
            contact=("Zara", "Kelly"),
            shared_contact=True,
        ),
        AccountSpec(
            "1011",
            "Metro Cabs Co-operative Ltd",
            SiteAddress("500", "Swanston", "Street", "Melbourne", "VIC", "3000", ("Level", "8")),
            ago(2000),
            numbers(420, 170, "VIC", [distinct(lambda: inbound_number(rng)) for _ in range(10)]),
            contact=("Thomas", "Russo"),
            users=60,
            queues=12,
            callflows=40,
            emails=500,
            quarantined=4,
        ),
        AccountSpec(
            "1012",
            ESCAPE_NAME,
            SiteAddress("88", "Hay", "Street", "Perth", "WA", "6000"),
            ago(300),
            numbers(1, 1, "WA"),
            contact=("Riley", "Stewart"),
        ),
    ]


def _allowance_example(spec: AccountSpec, world: SandboxWorld, today: date) -> list[Subscription]:
    """Account 1006: reads "5 x Cloud Mobile, 5 x Mobile Number, 1 x 1300 Number"."""
    account = world.zuora.account(zuora_account_number(spec.id))
    assert account is not None
    b = SubscriptionBuilder(account, today - timedelta(days=400))
    ended = today - timedelta(days=60)
    active = b.subscription(
        [
            b.plan(
                "Cloud Mobile",
                [
                    # Last year's segment: ended, so its 8 must not count.
                    b.charge("Cloud Mobile", 8, end=ended, name="Cloud Mobile Monthly (2025)"),
                    b.charge("Cloud Mobile", 5, start=ended),
                    b.charge("Cloud Mobile", 5, kind="OneTime", name="Cloud Mobile Setup"),
                ],
            ),
            b.plan(
                "Mobile Number",
                [b.charge("Mobile Number", 3)],
                "Mobile Number - Standard",
            ),
            b.plan(
                "Mobile Number",
                [b.charge("Mobile Number", 2, name="Mobile Number Additional")],
                "Mobile Number - Additional",
            ),
            b.plan("1300 Number", [b.charge("1300 Number", 1)]),
            b.plan(
                "Loyalty Discount",
                [b.charge("Loyalty Discount", None, name="10% Loyalty Discount")],
            ),
        ],
        n=2,
    )
    cancelled = b.subscription(
        [b.plan("Cloud Mobile", [b.charge("Cloud Mobile", 10)])], status="Cancelled", n=1
    )
    return [cancelled, active]


def _renew_terms(world: SandboxWorld, account_id: str, today: date) -> None:
    """An account older than its subscription's two-year term has renewed it: the term and the
    charges that ran to its end run on through the current term. So every demo account has
    allowances to show, stored on the platform and read again from Zuora by *Refresh*."""
    account = world.zuora.account(zuora_account_number(account_id))
    assert account is not None
    subscriptions = world.zuora.subscriptions_of(account)
    for sub in subscriptions:
        length = sub.term_end - sub.term_start
        while sub.term_end <= today:
            ended = sub.term_end
            sub.term_start, sub.term_end = ended, ended + length
            for plan in sub.rate_plans:
                for charge in plan.charges:
                    if charge.effective_end == ended:
                        charge.effective_end = sub.term_end
    stored = world.platform.estate(account_id).allowances
    stored.items = allowances_of(subscriptions, today)


def demo_world(*, seed: int = 2026, clock: BusinessClock | None = None) -> SandboxWorld:
    """A fresh demo world (about a dozen accounts, numbers 1001…1012).

    Its dates are relative to ``clock``'s business date, so "8 days overdue" holds at any hour.
    """
    rng = random.Random(seed)
    world = SandboxWorld(clock=clock)
    now = world.clock.now().replace(microsecond=0)
    today = world.clock.today()
    specs = _specs(now, rng)
    for spec in specs:
        place_core(world, spec)
    for spec in specs:
        plans = _allowance_example(spec, world, today) if spec.id == "1006" else None
        place_details(world, spec, rng, plans)
        if plans is None:
            _renew_terms(world, spec.id, today)
    _invoices(world, today)
    _faults(world, now)
    return world


def _invoices(world: SandboxWorld, today: date) -> None:
    z = world.zuora

    def paid(account: str, amount: str, months_ago: int) -> None:
        z.add_invoice(
            zuora_account_number(account),
            amount=amount,
            balance=0,
            due_date=today - timedelta(days=30 * months_ago - 10),
        )

    for account in ("1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008", "1009"):
        paid(account, "310.00", 3)
        paid(account, "295.50", 2)
    for months in (1, 2, 3, 4, 5, 6):
        paid("1010", "149.00", months)
    paid("1011", "18450.00", 2)
    paid("1012", "55.00", 3)

    def open_invoice(account: str, amount: str, *, overdue: int) -> None:
        z.add_invoice(zuora_account_number(account), amount=amount, days_overdue=overdue)

    open_invoice("1001", "612.40", overdue=-12)  # due in 12 days
    open_invoice("1002", "0.00", overdue=5)  # zero-value invoice
    open_invoice("1003", "189.50", overdue=8)
    open_invoice("1004", "204.15", overdue=-5)
    open_invoice("1005", "2340.00", overdue=45)
    open_invoice("1006", "412.80", overdue=3)
    open_invoice("1007", "96.25", overdue=8)
    open_invoice("1008", "1075.00", overdue=15)
    open_invoice("1009", "3210.40", overdue=120)
    open_invoice("1009", "2610.00", overdue=45)
    open_invoice("1011", "18620.75", overdue=-9)
    open_invoice("1012", "55.00", overdue=8)
    # A partly paid invoice still counts by its balance.
    z.add_invoice(zuora_account_number("1008"), amount="540.00", balance="120.00", days_overdue=40)


def _faults(world: SandboxWorld, now: datetime) -> None:
    p, sbc = world.platform, world.sbc
    p.suspend(
        "1005",
        reason="Invoice 45 days overdue; account manager could not reach the customer",
        by="U02BILLING",
        at=now - timedelta(days=30),
    )
    sbc.delete(f"1007-{MISSING_RULE_NUMBER}")
    wrong = sbc.rule(f"1007-{WRONG_RULE_NUMBER}")
    assert wrong is not None
    wrong.from_pattern = "^\\+6141234567$"  # a digit short: calls from 0412 345 679 are refused
    sbc.put(
        SbcRule(
            id=STRAY_RULE_ID,
            tag="1007",
            source="jethub",
            protocol="any",
            from_pattern="^\\+61298765432$",
            ruri_pattern="^sip:\\+61298765432@",
            priority=10,
        )
    )
    # The allowances shown on the platform are stale until someone refreshes them.
    estate = p.estate("1006")
    estate.allowances.items = [("Cloud Mobile", 4), ("Mobile Number", 4), ("1300 Number", 1)]
    estate.allowances.refreshed_at = now - timedelta(days=41)
