"""The Jet Hub platform's payloads (Kazoo crossbar conventions) as typed models."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from integrations.allowances import AllowanceItem, describe_allowances
from integrations.ipnd import ServiceAddress

__all__ = [
    "Account",
    "AccountDetail",
    "AccountSummary",
    "ChildAccount",
    "Collection",
    "CollectionItem",
    "EmergencyRecord",
    "Page",
    "Pbx",
    "PhoneNumber",
    "PlatformAllowances",
    "SentEmail",
    "Suspension",
]


class _PlatformModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class Collection(StrEnum):
    """An account's collections, in the order deactivation clears them."""

    QUEUES = "queues"
    PARKING = "parking"
    MEDIA = "media"
    USERS = "users"
    PHONE_NUMBERS = "phone_numbers"
    PORTAL_USERS = "portal_users"
    CALLFLOWS = "callflows"
    PBXS = "pbxs"
    SUBSCRIPTIONS = "subscriptions"
    WEBHOOKS = "webhooks"
    WEBTRACKERS = "webtrackers"

    @property
    def label(self) -> str:
        """What the Account Manager guide calls it (``"call parking setups"``)."""
        return _LABELS[self]

    def counted(self, count: int) -> str:
        """``count`` of them, in words: ``"1 integration"``, ``"2 PBXs"``."""
        one, many = _COUNTED.get(self, (self.label, self.label))
        return f"{count} {one if count == 1 else many}"


_LABELS = {
    Collection.QUEUES: "queues",
    Collection.PARKING: "call parking setups",
    Collection.MEDIA: "music on hold",
    Collection.USERS: "phone users",
    Collection.PHONE_NUMBERS: "phone numbers",
    Collection.PORTAL_USERS: "Jet Hub portal users",
    Collection.CALLFLOWS: "callflows",
    Collection.PBXS: "PBX",
    Collection.SUBSCRIPTIONS: "Zuora subscription IDs",
    Collection.WEBHOOKS: "integrations",
    Collection.WEBTRACKERS: "webtracker codes",
}


_COUNTED = {
    Collection.QUEUES: ("queue", "queues"),
    Collection.PARKING: ("call parking setup", "call parking setups"),
    Collection.MEDIA: ("music on hold file", "music on hold files"),
    Collection.USERS: ("phone user", "phone users"),
    Collection.PHONE_NUMBERS: ("phone number", "phone numbers"),
    Collection.PORTAL_USERS: ("Jet Hub portal user", "Jet Hub portal users"),
    Collection.CALLFLOWS: ("callflow", "callflows"),
    Collection.PBXS: ("PBX", "PBXs"),
    Collection.SUBSCRIPTIONS: ("Zuora subscription ID", "Zuora subscription IDs"),
    Collection.WEBHOOKS: ("integration", "integrations"),
    Collection.WEBTRACKERS: ("webtracker code", "webtracker codes"),
}


class Suspension(_PlatformModel):
    reason: str
    by: str
    at: datetime


class AccountSummary(_PlatformModel):
    """An account as it appears in search results."""

    id: str
    name: str
    status: str | None = None
    parent_id: str | None = None


class Account(_PlatformModel):
    """``GET /v2/accounts/{A}``."""

    id: str
    name: str
    status: str
    parent_id: str | None = None
    suspended: Suspension | None = None
    zuora_account_number: str | None = None
    created: datetime | None = None

    @property
    def is_suspended(self) -> bool:
        return self.suspended is not None

    @property
    def is_deactivated(self) -> bool:
        return self.status == "deactivated"


class ChildAccount(_PlatformModel):
    id: str
    name: str
    parent_id: str | None = None


class CollectionItem(_PlatformModel):
    """One item of a collection; every item has an id and a name, the rest is kept as is."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    name: str | None = None


class PhoneNumber(_PlatformModel):
    id: str
    number: str
    kind: str | None = None
    state: str
    quarantine_until: date | None = None

    @property
    def in_service(self) -> bool:
        return self.state == "in_service"


class Pbx(_PlatformModel):
    id: str
    name: str
    billing_subscription: str | None = None


class PlatformAllowances(_PlatformModel):
    """The allowances stored on the account (what the Billing Details page shows)."""

    items: list[AllowanceItem] = []
    subscription_numbers: list[str] = []
    refreshed_at: datetime | None = None

    def describe(self) -> str:
        return describe_allowances(self.items)


class EmergencyRecord(_PlatformModel):
    address: ServiceAddress
    updated_at: datetime | None = None
    updated_by: str | None = None


class AccountDetail(Account):
    """An account with its allowances and emergency record, as a full listing gives it."""

    allowances: PlatformAllowances = PlatformAllowances()
    emergency: EmergencyRecord | None = None


class SentEmail(_PlatformModel):
    id: str
    sent_at: datetime
    subject: str
    recipient: str


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; ``next_start_key`` is None on the last page."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    next_start_key: str | None = None
