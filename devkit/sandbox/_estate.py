"""Builders of realistic Australian account contents, shared by the demo and generated worlds."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from devkit.sandbox._ids import zuora_account_number, zuora_id
from devkit.sandbox._platform_state import (
    Allowances,
    Emergency,
    Estate,
    PhoneNumber,
    PlatformAccount,
    SentEmail,
)
from devkit.sandbox._sbc_state import expected_rule
from devkit.sandbox._world import SandboxWorld
from devkit.sandbox._zuora_state import (
    RatePlan,
    RatePlanCharge,
    Subscription,
    ZuoraAccount,
    ZuoraContact,
)
from integrations.clock import BusinessClock

FIRST_NAMES = (
    "Olivia", "Jack", "Charlotte", "Noah", "Mia", "William", "Amelia", "Oliver", "Isla", "Lachlan",
    "Chloe", "Thomas", "Ruby", "Cooper", "Grace", "Harrison", "Zara", "Liam", "Matilda", "Ethan",
    "Priya", "Wei", "Aroha", "Nguyen", "Fatima", "Sione", "Hannah", "Declan", "Sienna", "Riley",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Johnson", "Martin",
    "White", "Anderson", "Walker", "Thompson", "Kelly", "Ryan", "Chen", "Patel", "Singh",
    "O'Brien", "Murphy", "Campbell", "Stewart", "Tran", "Lee", "Russo", "Papadopoulos", "Clarke",
)  # fmt: skip
QUEUE_NAMES = ("Reception", "Sales", "Support", "Accounts", "After Hours", "Bookings", "Dispatch")
MEDIA_NAMES = ("Hold Music - Acoustic", "Hold Music - Jazz", "Welcome Message", "Closed Message")
WEBHOOK_KINDS = (
    ("HubSpot CRM", "https://hooks.hubspot.example/jethub"),
    ("Zendesk", "https://support.zendesk.example/api/v2/jethub"),
    ("Slack alerts", "https://hooks.slack.example/services/T000/B000"),
    ("Xero call logging", "https://api.xero.example/jethub/calls"),
)
EMAIL_SUBJECTS = (
    "Your Jet Phone login details",
    "Jet Hub password reset",
    "Welcome to Jet Hub",
    "Voicemail PIN changed",
    "New phone user added to your account",
    "Call recording export is ready",
    "Your Jet Phone app has been activated",
)
STREET_TYPES = {
    "Street": "ST", "Road": "RD", "Avenue": "AV", "Parade": "PDE", "Drive": "DR", "Lane": "LANE",
    "Place": "PL", "Terrace": "TCE", "Highway": "HWY", "Crescent": "CR", "Esplanade": "ESP",
    "Boulevard": "BVD", "Court": "CT", "Circuit": "CCT",
}  # fmt: skip
LOCALITIES = (
    ("Sydney", "NSW", "2000"), ("Surry Hills", "NSW", "2010"), ("Parramatta", "NSW", "2150"),
    ("Newcastle", "NSW", "2300"), ("Wollongong", "NSW", "2500"), ("Melbourne", "VIC", "3000"),
    ("Fitzroy", "VIC", "3065"), ("Richmond", "VIC", "3121"), ("Geelong", "VIC", "3220"),
    ("Brisbane City", "QLD", "4000"), ("Fortitude Valley", "QLD", "4006"),
    ("Southport", "QLD", "4215"), ("Burleigh Heads", "QLD", "4220"), ("Cairns", "QLD", "4870"),
    ("Adelaide", "SA", "5000"), ("Glenelg", "SA", "5045"), ("Perth", "WA", "6000"),
    ("Fremantle", "WA", "6160"), ("Hobart", "TAS", "7000"), ("Launceston", "TAS", "7250"),
    ("Darwin", "NT", "0800"), ("Alice Springs", "NT", "0870"), ("Canberra", "ACT", "2600"),
    ("Braddon", "ACT", "2612"),
)  # fmt: skip
STREET_NAMES = (
    "George", "Pitt", "Clarence", "Collins", "Flinders", "Queen", "Adelaide", "King William",
    "Hay", "Murray", "Elizabeth", "Smith", "Brunswick", "Gold Coast", "Marine", "Todd",
    "Northbourne", "Chapel", "Beach", "Church", "Victoria", "Hunter", "Crown", "Oxford",
)  # fmt: skip
AREA_CODES = {"NSW": "02", "ACT": "02", "VIC": "03", "TAS": "03", "QLD": "07"}
UNIT_TYPES = {"Level": ("floor", "L"), "Suite": ("unit", "SE"), "Shop": ("unit", "SHOP"),
              "Unit": ("unit", "UNIT")}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SiteAddress:
    """A street address, as Zuora's free text and as IPND's fields."""

    number: str
    street: str
    street_type: str  # the full word, e.g. "Street"
    locality: str
    state: str
    postcode: str
    sub: tuple[str, str] | None = None  # ("Level", "3"), ("Suite", "4"), ...

    def address1(self) -> str:
        street = f"{self.number} {self.street} {self.street_type}"
        return f"{self.sub[0]} {self.sub[1]}, {street}" if self.sub else street

    def ipnd(self) -> dict[str, str]:
        fields = {
            "house_number": self.number,
            "street_name": self.street.upper(),
            "street_type": STREET_TYPES[self.street_type],
            "locality": self.locality.upper(),
            "state": self.state,
            "postcode": self.postcode,
        }
        if self.sub:
            kind, code = UNIT_TYPES[self.sub[0]]
            fields[f"{kind}_type"] = code
            fields[f"{kind}_number"] = self.sub[1]
        return fields


def queue_name(i: int) -> str:
    return QUEUE_NAMES[i % len(QUEUE_NAMES)] + ("" if i < len(QUEUE_NAMES) else f" {i}")


def hex_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def random_address(rng: random.Random) -> SiteAddress:
    locality, state, postcode = rng.choice(LOCALITIES)
    subs = [None, None, ("Level", str(rng.randint(1, 20))), ("Shop", str(rng.randint(1, 30)))]
    sub = rng.choice(subs)
    return SiteAddress(
        str(rng.randint(1, 400)),
        rng.choice(STREET_NAMES),
        rng.choice(list(STREET_TYPES)),
        locality,
        state,
        postcode,
        sub,
    )


def mobile_number(rng: random.Random) -> str:
    return f"04{rng.randint(0, 99_999_999):08d}"


def fixed_number(rng: random.Random, state: str) -> str:
    return f"{AREA_CODES.get(state, '08')}{rng.randint(50_000_000, 99_999_999):08d}"


def inbound_number(rng: random.Random) -> str:
    return f"1300{rng.randint(0, 999_999):06d}"


def kind_of(number: str) -> str:
    if number.startswith("04"):
        return "mobile"
    return "inbound" if number.startswith("1") else "fixed"


def slug(name: str) -> str:
    kept = "".join(ch if ch.isalnum() else "-" for ch in name.lower())
    return "-".join(part for part in kept.split("-") if part)[:40] or "account"


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    sku: str
    price: Decimal


PRODUCTS = {
    p.name: p
    for p in (
        Product("Cloud PBX Seat", "SKU-PBX-SEAT", Decimal("29.95")),
        Product("Cloud Mobile", "SKU-CLOUD-MOB", Decimal("39.00")),
        Product("Mobile Number", "SKU-MOB-NUM", Decimal("5.00")),
        Product("Fixed Number", "SKU-FIX-NUM", Decimal("4.00")),
        Product("1300 Number", "SKU-1300-NUM", Decimal("25.00")),
        Product("Call Recording", "SKU-CALL-REC", Decimal("9.95")),
    )
}


class SubscriptionBuilder:
    """Builds Zuora subscriptions with recognisable numbering for one account."""

    def __init__(self, account: ZuoraAccount, start: date) -> None:
        self.account = account
        self.start = start
        self.count = 0
        self.base = int(account.account_number[1:])

    def _id(self, kind: str) -> str:
        self.count += 1
        return zuora_id(kind, self.base * 1000 + self.count)

    def charge(
        self,
        product: str,
        quantity: int | None,
        *,
        kind: str = "Recurring",
        start: date | None = None,
        end: date | None = None,
        name: str | None = None,
    ) -> RatePlanCharge:
        self.count += 1
        p = PRODUCTS.get(product)
        return RatePlanCharge(
            name=name or f"{product} Monthly",
            number=f"C-{self.base:08d}{self.count:03d}",
            type=kind,
            model="DiscountPercentage" if quantity is None else "PerUnit",
            quantity=None if quantity is None else Decimal(quantity),
            price=Decimal("10") if quantity is None else (p.price if p else Decimal("0")),
            effective_start=start or self.start,
            effective_end=end or self.start + timedelta(days=730),
            uom=None if quantity is None else "Each",
        )

    def plan(self, product: str, charges: list[RatePlanCharge], plan_name: str = "") -> RatePlan:
        p = PRODUCTS.get(product)
        return RatePlan(
            id=self._id("rate_plan"),
            product_name=product,
            product_sku=p.sku if p else "SKU-DISCOUNT",
            rate_plan_name=plan_name or f"{product} - Monthly",
            charges=charges,
        )

    def subscription(
        self, plans: list[RatePlan], *, status: str = "Active", n: int = 1
    ) -> Subscription:
        return Subscription(
            id=self._id("subscription"),
            subscription_number=f"A-S{self.base:08d}-{n}",
            account_id=self.account.id,
            status=status,
            term_start=self.start,
            term_end=self.start + timedelta(days=730),
            rate_plans=plans,
        )


def allowances_of(subscriptions: list[Subscription], today: date) -> list[tuple[str, int]]:
    """What the allowance refresh should show: per product, the largest in-effect recurring
    quantity of each rate plan, summed over the product's rate plans of active subscriptions."""
    totals: dict[str, int] = {}
    for sub in subscriptions:
        if sub.status != "Active":
            continue
        for plan in sub.rate_plans:
            quantities = [
                int(c.quantity)
                for c in plan.charges
                if c.type == "Recurring"
                and c.quantity is not None
                and c.effective_start <= today < c.effective_end
            ]
            if quantities:
                totals[plan.product_name] = totals.get(plan.product_name, 0) + max(quantities)
    return list(totals.items())


@dataclass(slots=True)
class AccountSpec:
    """Everything needed to place one account in all three systems."""

    id: str
    name: str
    address: SiteAddress
    created: datetime
    numbers: list[str]
    parent_id: str | None = None
    contact: tuple[str, str] | None = None
    shared_contact: bool = False
    users: int = 4
    emails: int = 6
    queues: int = 2
    callflows: int = 3
    quarantined: int = 0
    emergency: bool = True
    invoice_copies: list[str] | None = None  # Zuora additionalEmailAddresses


def domain_of(name: str) -> str:
    return slug(name).replace("-", "")[:24] + ".com.au"


def place_core(world: SandboxWorld, spec: AccountSpec) -> ZuoraAccount:
    """The account records themselves, in Zuora and on the platform (built eagerly)."""
    number = int(spec.id)
    bill_to_id = zuora_id("bill_to", number)
    zaccount = ZuoraAccount(
        id=zuora_id("account", number),
        account_number=zuora_account_number(spec.id),
        name=spec.name,
        jethub_account=spec.id,
        bill_to_id=bill_to_id,
        sold_to_id=bill_to_id if spec.shared_contact else zuora_id("sold_to", number),
        parent_id=zuora_id("account", int(spec.parent_id)) if spec.parent_id else None,
        bill_cycle_day=1 + number % 28,
        additional_email_addresses=list(spec.invoice_copies)
        if spec.invoice_copies is not None
        else ([f"cfo@{domain_of(spec.name)}"] if number % 3 == 0 else []),
    )
    world.zuora.add_account(zaccount)
    account = PlatformAccount(
        id=spec.id,
        name=spec.name,
        zuora_account_number=zaccount.account_number,
        created=spec.created,
        parent_id=spec.parent_id,
    )
    world.platform.add_account(account)
    return zaccount


def place_details(
    world: SandboxWorld,
    spec: AccountSpec,
    rng: random.Random,
    plans: list[Subscription] | None = None,
) -> Estate:
    """Contacts, subscriptions, the platform estate and SBC rules of a placed account."""
    z = world.zuora
    zaccount = z.accounts[zuora_id("account", int(spec.id))]
    domain = domain_of(spec.name)
    first, last = spec.contact or person(rng)
    z.add_contact(
        ZuoraContact(
            id=zaccount.sold_to_id,
            first_name=first,
            last_name=last,
            work_email=f"{first.lower()}.{last.lower().replace(chr(39), '')}@{domain}",
            address1=spec.address.address1(),
            address2="",
            city=spec.address.locality,
            state=spec.address.state,
            zip_code=spec.address.postcode,
            country="Australia",
            work_phone=spec.numbers[0] if spec.numbers else None,
            mobile_phone=mobile_number(rng),
        )
    )
    if zaccount.bill_to_id != zaccount.sold_to_id:
        bill_first, bill_last = person(rng)
        z.add_contact(
            ZuoraContact(
                id=zaccount.bill_to_id,
                first_name=bill_first,
                last_name=bill_last,
                work_email=f"accounts@{domain}",
                address1=f"PO Box {rng.randint(100, 9999)}",
                address2="",
                city=spec.address.locality,
                state=spec.address.state,
                zip_code=spec.address.postcode,
                country="Australia",
                work_phone=spec.numbers[0] if spec.numbers else None,
            )
        )
    if plans is None:
        builder = SubscriptionBuilder(zaccount, spec.created.date())
        plans = [default_subscription(builder, spec, rng)]
    for sub in plans:
        z.add_subscription(sub)
    estate = build_estate(spec, rng, domain, [s.subscription_number for s in plans], world.clock)
    estate.allowances = Allowances(
        items=allowances_of(plans, world.clock.today()),
        subscription_numbers=[s.subscription_number for s in plans if s.status == "Active"],
        refreshed_at=world.clock.now().replace(microsecond=0) - timedelta(days=2),
    )
    if spec.emergency:
        estate.emergency = Emergency(
            spec.address.ipnd(), spec.created + timedelta(days=3), "U01JETHUBADMIN"
        )
    world.platform.set_estate(spec.id, estate)
    for phone in estate.phone_numbers.values():
        if phone.state == "in_service":
            world.sbc.put(expected_rule(spec.id, phone.number))
    return estate


def default_subscription(
    builder: SubscriptionBuilder, spec: AccountSpec, rng: random.Random
) -> Subscription:
    mobiles = sum(1 for n in spec.numbers if n.startswith("04")) or 1
    fixed = sum(1 for n in spec.numbers if n[:2] in ("02", "03", "07", "08")) or 0
    inbound = sum(1 for n in spec.numbers if n.startswith("1"))
    plans = [
        builder.plan("Cloud PBX Seat", [builder.charge("Cloud PBX Seat", max(1, spec.users))]),
        builder.plan("Mobile Number", [builder.charge("Mobile Number", mobiles)]),
    ]
    if fixed:
        plans.append(builder.plan("Fixed Number", [builder.charge("Fixed Number", fixed)]))
    if inbound:
        plans.append(builder.plan("1300 Number", [builder.charge("1300 Number", inbound)]))
    if rng.random() < 0.3:
        plans.append(builder.plan("Call Recording", [builder.charge("Call Recording", 1)]))
    return builder.subscription(plans)


def build_estate(
    spec: AccountSpec,
    rng: random.Random,
    domain: str,
    subscription_numbers: list[str],
    clock: BusinessClock,
) -> Estate:
    estate = Estate()
    pbx_name = f"{slug(spec.name)[:30]}.pbx.jethub.com.au"
    for national in spec.numbers:
        estate.add_number(PhoneNumber(hex_id(rng), national, kind_of(national)))
    for _ in range(spec.quarantined):
        state = spec.address.state
        n = mobile_number(rng) if rng.random() < 0.5 else fixed_number(rng, state)
        estate.add_number(
            PhoneNumber(
                hex_id(rng),
                n,
                kind_of(n),
                state="quarantined",
                quarantine_until=clock.today() + timedelta(days=rng.randint(20, 170)),
            )
        )
    people = [person(rng) for _ in range(spec.users)]
    for i, (first, last) in enumerate(people):
        estate.add(
            "users",
            {
                "id": hex_id(rng),
                "name": f"{first} {last}",
                "first_name": first,
                "last_name": last,
                "email": f"{first.lower()}.{i}@{domain}",
                "extension": str(100 + i),
            },
        )
    for i in range(spec.queues):
        estate.add(
            "queues",
            {
                "id": hex_id(rng),
                "name": queue_name(i),
                "strategy": rng.choice(["round_robin", "most_idle", "ring_all"]),
            },
        )
    estate.add("parking", {"id": hex_id(rng), "name": "Call Park", "slots": "701-709"})
    estate.add(
        "media",
        {
            "id": hex_id(rng),
            "name": rng.choice(MEDIA_NAMES),
            "kind": "music_on_hold",
        },
    )
    for i, (first, last) in enumerate(people[:2] or [person(rng)]):
        estate.add(
            "portal_users",
            {
                "id": hex_id(rng),
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower().replace(chr(39), '')}@{domain}",
                "role": "admin" if i == 0 else "user",
            },
        )
    flows = ["Main Number", "After Hours", "Overflow", "Sales Line", "Support Line", "Fax to Email"]
    for i in range(spec.callflows):
        label = flows[i % len(flows)] + ("" if i < len(flows) else f" {i}")
        estate.add(
            "callflows",
            {
                "id": hex_id(rng),
                "name": label,
                "numbers": [spec.numbers[i]] if i < len(spec.numbers) else [],
            },
        )
    estate.add(
        "pbxs",
        {
            "id": hex_id(rng),
            "name": pbx_name,
            "billing_subscription": subscription_numbers[0] if subscription_numbers else None,
        },
    )
    for number in subscription_numbers:
        estate.add(
            "subscriptions", {"id": hex_id(rng), "name": number, "subscription_number": number}
        )
    hook_name, hook_uri = rng.choice(WEBHOOK_KINDS)
    estate.add("webhooks", {"id": hex_id(rng), "name": hook_name, "uri": hook_uri})
    estate.add(
        "webtrackers",
        {
            "id": hex_id(rng),
            "name": f"{domain} website",
            "code": f"JT-{rng.randint(100000, 999999)}",
        },
    )
    now = clock.now().replace(microsecond=0)
    recipients = [u["email"] for u in estate.collections["users"].values()] or [f"admin@{domain}"]
    sent_at = now - timedelta(hours=rng.randint(1, 48))
    for _ in range(spec.emails):
        estate.sent_emails.append(
            SentEmail(hex_id(rng), sent_at, rng.choice(EMAIL_SUBJECTS), rng.choice(recipients))
        )
        sent_at -= timedelta(minutes=rng.randint(7, 60 * 30))
    return estate
