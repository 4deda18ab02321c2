"""The Jet Hub platform's side of the sandbox world: accounts and everything they hold."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from integrations.clock import BusinessClock

# The account's collections, in the order deactivation removes them.
COLLECTIONS: tuple[str, ...] = (
    "queues",
    "parking",
    "media",
    "users",
    "phone_numbers",
    "portal_users",
    "callflows",
    "pbxs",
    "subscriptions",
    "webhooks",
    "webtrackers",
)

IPND_ADDRESS_FIELDS: tuple[str, ...] = (
    "building_type",
    "building_number",
    "building_suffix",
    "floor_type",
    "floor_number",
    "floor_suffix",
    "unit_type",
    "unit_number",
    "property_name",
    "house_number",
    "house_suffix",
    "house_number_2",
    "house_suffix_2",
    "street_name",
    "street_type",
    "street_suffix",
    "locality",
    "state",
    "postcode",
)

Item = dict[str, Any]


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class Suspension:
    reason: str
    by: str
    at: datetime

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason, "by": self.by, "at": iso_utc(self.at)}


@dataclass(slots=True)
class PlatformAccount:
    id: str
    name: str
    zuora_account_number: str | None
    created: datetime
    parent_id: str | None = None
    status: str = "active"  # active | deactivated
    suspended: Suspension | None = None
    deactivated_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "parent_id": self.parent_id,
            "suspended": self.suspended.to_json() if self.suspended else None,
            "zuora_account_number": self.zuora_account_number,
            "created": iso_utc(self.created),
        }

    def summary_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "parent_id": self.parent_id,
        }


@dataclass(slots=True)
class PhoneNumber:
    id: str
    number: str  # national, 10 digits
    kind: str  # mobile | fixed | inbound
    state: str = "in_service"  # in_service | quarantined
    quarantine_until: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.number,
            "number": self.number,
            "kind": self.kind,
            "state": self.state,
            "quarantine_until": self.quarantine_until.isoformat()
            if self.quarantine_until
            else None,
        }


@dataclass(slots=True)
class Allowances:
    items: list[tuple[str, int]] = field(default_factory=list)
    subscription_numbers: list[str] = field(default_factory=list)
    refreshed_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "items": [{"name": name, "quantity": qty} for name, qty in self.items],
            "subscription_numbers": list(self.subscription_numbers),
            "refreshed_at": iso_utc(self.refreshed_at) if self.refreshed_at else None,
        }


@dataclass(slots=True)
class Emergency:
    address: dict[str, str]
    updated_at: datetime
    updated_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "address": dict(self.address),
            "updated_at": iso_utc(self.updated_at),
            "updated_by": self.updated_by,
        }


@dataclass(slots=True)
class SentEmail:
    id: str
    sent_at: datetime
    subject: str
    recipient: str

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "sent_at": iso_utc(self.sent_at),
            "subject": self.subject,
            "recipient": self.recipient,
        }


@dataclass(slots=True)
class Estate:
    """What one platform account holds besides its own record."""

    collections: dict[str, dict[str, Item]] = field(
        default_factory=lambda: {name: {} for name in COLLECTIONS if name != "phone_numbers"}
    )
    phone_numbers: dict[str, PhoneNumber] = field(default_factory=dict)
    allowances: Allowances = field(default_factory=Allowances)
    emergency: Emergency | None = None
    sent_emails: list[SentEmail] = field(default_factory=list)  # newest first

    def add(self, collection: str, item: Item) -> Item:
        self.collections[collection][item["id"]] = item
        return item

    def add_number(self, number: PhoneNumber) -> PhoneNumber:
        self.phone_numbers[number.id] = number
        return number

    def number(self, national: str) -> PhoneNumber:
        for item in self.phone_numbers.values():
            if item.number == national:
                return item
        raise KeyError(national)


class PlatformWorld:
    """In-memory Jet Hub platform. Hold the world's lock while changing it from another thread."""

    def __init__(self, clock: BusinessClock | None = None) -> None:
        self.clock = clock or BusinessClock()
        self.accounts: dict[str, PlatformAccount] = {}
        self._estates: dict[str, Estate] = {}
        self._children: dict[str, list[str]] = {}
        self._ensure: Callable[[str], None] = lambda _platform_id: None
        self._unbuilt_holders: Callable[[str], set[str]] = lambda _national: set()
        self._listing: list[tuple[tuple[int, str], PlatformAccount]] | None = None

    def listing(self) -> list[tuple[tuple[int, str], PlatformAccount]]:
        """Every account by its listing key (number length, then number), kept between calls
        so paging 100,000 accounts does not sort them again for every page."""
        if self._listing is None:
            self._listing = sorted(((len(a.id), a.id), a) for a in self.accounts.values())
        return self._listing

    def add_account(
        self, account: PlatformAccount, estate: Estate | None = None
    ) -> PlatformAccount:
        self._listing = None
        self.accounts[account.id] = account
        if account.parent_id:
            self._children.setdefault(account.parent_id, []).append(account.id)
        if estate is not None:
            self._estates[account.id] = estate
        return account

    def estate(self, account_id: str) -> Estate:
        """The account's collections and records (built on first use in generated worlds)."""
        self._ensure(account_id)
        found = self._estates.get(account_id)
        if found is None:
            found = self._estates[account_id] = Estate()
        return found

    def holders_of_number(self, national: str) -> set[str]:
        """The accounts whose estate holds ``national``: those built so far, and in a generated
        world those whose estate (built when first read) will."""
        built = {
            account_id
            for account_id, estate in self._estates.items()
            if any(n.number == national for n in estate.phone_numbers.values())
        }
        return built | self._unbuilt_holders(national)

    def set_estate(self, account_id: str, estate: Estate) -> None:
        self._estates[account_id] = estate

    def children(self, account_id: str) -> list[PlatformAccount]:
        return [self.accounts[c] for c in self._children.get(account_id, [])]

    def descendants(self, account_id: str) -> list[PlatformAccount]:
        found: list[PlatformAccount] = []
        pending = [account_id]
        while pending:
            for child in self.children(pending.pop(0)):
                found.append(child)
                pending.append(child.id)
        return found

    def set_parent(self, account_id: str, parent_id: str | None) -> None:
        account = self.accounts[account_id]
        if account.parent_id:
            self._children[account.parent_id].remove(account_id)
        account.parent_id = parent_id
        if parent_id:
            self._children.setdefault(parent_id, []).append(account_id)

    def suspend(self, account_id: str, *, reason: str, by: str, at: datetime | None = None) -> None:
        self.accounts[account_id].suspended = Suspension(reason, by, at or self.clock.now())
