"""Generated worlds for benchmarks: any number of accounts, and one very big account.

``generate_world`` builds the account records and invoices eagerly (the digest scans them) and
everything else (contacts, subscriptions, collections, SBC rules) for one account on first use,
from a seed derived from the account number, so 100k accounts build in seconds.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from devkit.sandbox._estate import (
    AccountSpec,
    SiteAddress,
    fixed_number,
    inbound_number,
    mobile_number,
    place_core,
    place_details,
    random_address,
)
from devkit.sandbox._ids import zuora_account_number
from devkit.sandbox._platform_state import Estate
from devkit.sandbox._world import SandboxWorld
from integrations.clock import BusinessClock

FIRST_ACCOUNT = 1001
OVERDUE_SHARE = 0.08
OPEN_SHARE = 0.12
SUSPENDED_SHARE = 0.02
CHILD_SHARE = 0.06

PLACES = (
    "Harbour", "Bayside", "Coastal", "Northern Beaches", "Southern", "Red Gum", "Ironbark",
    "Blue Mountains", "Sunshine", "Golden Wattle", "Pacific", "Tasman", "Eureka", "Kingfisher",
    "Riverina", "Top End", "Hills District", "Inner West", "Bellarine", "Hunter Valley",
    "Barossa", "Swan River", "Derwent", "Capricorn", "Gippsland", "Illawarra", "Mallee",
)  # fmt: skip
TRADES = (
    "Plumbing", "Dental", "Physiotherapy", "Accounting", "Legal", "Electrical", "Cafe",
    "Bakery", "Real Estate", "Logistics", "Veterinary Clinic", "Motors", "Florist", "Fitness",
    "Medical Centre", "Architects", "Landscaping", "Removals", "Pharmacy", "Optometry",
    "Childcare", "Roofing", "Cleaning", "Surveyors", "Dance Studio", "Brewing Co",
)  # fmt: skip
SUFFIXES = ("Pty Ltd", "", "Group", "& Co", "Services", "Pty Ltd", "Australia")
REASONS = (
    "Invoice more than 7 days overdue",
    "Direct debit dishonoured twice",
    "Customer requested a temporary suspension",
)
_AMOUNTS = tuple(
    Decimal(f"{v}.{c:02d}") for v in (55, 89, 149, 310, 612, 1075, 2340) for c in (0, 50, 95)
)
_ZERO = Decimal("0")


def _detail_seed(seed: int, account_id: str) -> int:
    return seed * 1_000_003 + int(account_id)


def _drift(estate: Estate, account_id: str, seed: int, share: float) -> None:
    """Reconciliation's drift, made "outside the bot" on the platform: of every account, with
    chance ``share`` each, its allowances one more than Zuora's and its emergency address on
    another street number (its own generator, so the rest of the world is as without drift)."""
    rng = random.Random(_detail_seed(seed, account_id) ^ 0x5EED)
    if rng.random() < share and estate.allowances.items:
        name, quantity = estate.allowances.items[0]
        estate.allowances.items[0] = (name, quantity + 1)
    if rng.random() < share and estate.emergency is not None:
        number = estate.emergency.address.get("house_number") or "1"
        estate.emergency.address["house_number"] = str(int(number) + 2) if number.isdigit() else "2"


def _site_and_numbers(rng: random.Random) -> tuple[SiteAddress, list[str]]:
    """An account's first draws: its address and phone numbers (the phone index replays them)."""
    address = random_address(rng)
    mobiles = rng.randint(1, 6)
    numbers = [mobile_number(rng) for _ in range(mobiles)]
    numbers += [fixed_number(rng, address.state) for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.15:
        numbers.append(inbound_number(rng))
    return address, numbers


def generate_world(
    n: int, seed: int = 1, clock: BusinessClock | None = None, drift: float = 0.0
) -> SandboxWorld:
    """A deterministic world of ``n`` accounts (``1001`` upwards); ~8 % have overdue invoices.
    ``drift``: the share of accounts whose allowances, and of those whose emergency address,
    the platform holds differently from Zuora (``_drift``), for reconciliation to find."""

    def load(world: SandboxWorld, account_id: str) -> None:
        account = world.platform.accounts[account_id]
        rng = random.Random(_detail_seed(seed, account_id))
        address, numbers = _site_and_numbers(rng)
        spec = AccountSpec(
            id=account_id,
            name=account.name,
            address=address,
            created=account.created,
            numbers=numbers,
            parent_id=account.parent_id,
            users=rng.randint(1, 8),
            emails=rng.randint(0, 12),
            queues=rng.randint(0, 3),
            callflows=rng.randint(1, 5),
            quarantined=1 if rng.random() < 0.1 else 0,
        )
        estate = place_details(world, spec, rng)
        if drift:
            _drift(estate, account_id, seed, drift)

    rng = random.Random(seed)

    def numbers_of(account_id: str) -> list[str]:
        return _site_and_numbers(random.Random(_detail_seed(seed, account_id)))[1]

    world = SandboxWorld(loader=load, clock=clock, numbers_of=numbers_of)
    now = world.clock.now().replace(microsecond=0)
    today = world.clock.today()
    days = [today - timedelta(days=d) for d in range(-30, 400)]  # shared date objects

    def day(offset_ago: int) -> date:
        return days[offset_ago + 30]

    parents: list[str] = []
    z, p = world.zuora, world.platform
    no_address = SiteAddress("", "", "Street", "", "", "")
    for i in range(n):
        account_id = str(FIRST_ACCOUNT + i)
        parent_id = rng.choice(parents) if parents and rng.random() < CHILD_SHARE else None
        name = " ".join(
            part for part in (rng.choice(PLACES), rng.choice(TRADES), rng.choice(SUFFIXES)) if part
        )
        spec = AccountSpec(
            id=account_id,
            name=name,
            address=no_address,
            created=now - timedelta(days=rng.randint(30, 3000)),
            numbers=[],
            parent_id=parent_id,
            shared_contact=i % 10 == 0,
        )
        place_core(world, spec)
        if parent_id is None and i % 20 == 0:
            parents.append(account_id)
        key = zuora_account_number(account_id)
        roll = rng.random()
        amount = rng.choice(_AMOUNTS)
        if roll < OVERDUE_SHARE:
            overdue = rng.choice((1, 3, 5, 8, 10, 15, 21, 30, 45, 60, 90, 120, 180))
            z.add_invoice(key, amount=amount, due_date=day(overdue), invoice_date=day(overdue + 14))
            if rng.random() < 0.25:
                later = max(0, overdue - 30)
                z.add_invoice(key, amount=amount, due_date=day(later), invoice_date=day(later + 14))
            if overdue >= 30 and rng.random() < SUSPENDED_SHARE / OVERDUE_SHARE:
                p.suspend(account_id, reason=rng.choice(REASONS), by="U02BILLING", at=now)
        elif roll < OVERDUE_SHARE + OPEN_SHARE:
            due = -rng.randint(1, 20)
            z.add_invoice(key, amount=amount, due_date=day(due), invoice_date=day(due + 14))
        else:
            due = rng.randint(10, 40)
            z.add_invoice(
                key, amount=amount, balance=_ZERO, due_date=day(due), invoice_date=day(due + 14)
            )
    return world


BIG_ACCOUNT = "9001"


def add_big_account(
    world: SandboxWorld,
    account_id: str = BIG_ACCOUNT,
    *,
    numbers: int = 2_000,
    users: int = 300,
    callflows: int = 200,
    queues: int = 50,
    emails: int = 1_000,
    seed: int = 1,
) -> str:
    """Add one very big account (2,000 numbers, 300 phone users, 200 callflows, 50 queues, ...)
    to ``world``, fully built, with an invoice 30 days overdue; returns its account number."""
    rng = random.Random(_detail_seed(seed, account_id))
    first_mobile = 410_000_000 + rng.randint(0, 9_000_000)
    national = [f"0{first_mobile + i}" for i in range(numbers * 3 // 4)]
    first_fixed = 280_000_000 + rng.randint(0, 9_000_000)
    national += [f"0{first_fixed + i}" for i in range(numbers - len(national) - 5)]
    national += [f"1300{100_000 + i:06d}" for i in range(5)]
    spec = AccountSpec(
        id=account_id,
        name="Pinnacle Health Network Pty Ltd",
        address=SiteAddress("1", "Macquarie", "Street", "Sydney", "NSW", "2000", ("Level", "20")),
        created=world.clock.now().replace(microsecond=0) - timedelta(days=2500),
        numbers=national,
        users=users,
        emails=emails,
        queues=queues,
        callflows=callflows,
        quarantined=25,
    )
    with world.lock:
        place_core(world, spec)
        place_details(world, spec, rng)
        world.zuora.add_invoice(
            zuora_account_number(account_id), amount="48210.00", days_overdue=30
        )
    return account_id


def big_account_world(seed: int = 1, clock: BusinessClock | None = None) -> SandboxWorld:
    """A world holding only the big account (see ``add_big_account``)."""
    world = SandboxWorld(clock=clock)
    add_big_account(world, seed=seed)
    return world


BENCH_SUSPENDER = "U0BENCH"
BENCH_REASON = "non-payment: three reminders unanswered"


def collections_world(
    suspended: int, paid: int, *, overdue_days: int = 30, clock: BusinessClock | None = None
) -> SandboxWorld:
    """``suspended`` accounts (``1001`` upwards), each suspended for non-payment by
    ``BENCH_SUSPENDER`` with one invoice ``overdue_days`` overdue; the first ``paid`` of them
    have since paid it (a processed payment applied to it), for the payment check's benchmark."""
    world = SandboxWorld(clock=clock)
    now = world.clock.now().replace(microsecond=0)
    today = world.clock.today()
    due = today - timedelta(days=overdue_days)
    no_address = SiteAddress("", "", "Street", "", "", "")
    z, p = world.zuora, world.platform
    for i in range(suspended):
        account_id = str(FIRST_ACCOUNT + i)
        spec = AccountSpec(
            id=account_id,
            name=f"Collections Bench {account_id}",
            address=no_address,
            created=now - timedelta(days=400),
            numbers=[],
        )
        place_core(world, spec)
        key = zuora_account_number(account_id)
        issued = due - timedelta(days=14)
        invoice = z.add_invoice(key, amount="120.00", due_date=due, invoice_date=issued)
        p.suspend(account_id, reason=BENCH_REASON, by=BENCH_SUSPENDER, at=now - timedelta(days=2))
        if i < paid:
            z.pay(key, "120.00", invoices=[(invoice.id, "120.00")])
    return world
