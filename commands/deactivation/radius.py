"""What deactivating an account would remove: its blast radius, read from the platform, and what
it gained between the request and the run; what it leaves behind — its child accounts and its
Zuora account with the balance still owing, a credit owed to the customer, unpaid invoices; and
what stands in its way — numbers with a port-out under way (``commands.deactivation.checks``)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from integrations.errors import IntegrationError, NotFound
from integrations.platform import Account, Collection

if TYPE_CHECKING:
    from commands.deps import Deps

COLLECTION_STEPS: tuple[Collection, ...] = tuple(Collection)


# -- the blast radius ---------------------------------------------------------------------------


class Growth(BaseModel):
    """What the account gained between the request and the run."""

    model_config = ConfigDict(frozen=True)

    added: dict[str, int] = Field(default_factory=dict)  # collection → how many more
    new_numbers: list[str] = Field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.new_numbers)


class Child(BaseModel):
    """A child account: it is not deactivated with its parent; unless detached, it will point
    at it."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    status: str | None = None  # None: read before child statuses were

    @property
    def active(self) -> bool:
        return self.status != "deactivated"


class PortOut(BaseModel):
    """A port request still under way on some of the account's numbers."""

    model_config = ConfigDict(frozen=True)

    id: str
    numbers: list[str]
    carrier: str | None = None
    state: str


# What the request says becomes of the active child accounts: detached (accounts of their own,
# a step of the run) or kept (active, under the deactivated parent).
ChildrenPlan = Literal["detach", "keep"]


class ZuoraLeft(BaseModel):
    """The Zuora account the bot leaves alone (it stays Active there): its number and balance,
    or why they could not be read."""

    model_config = ConfigDict(frozen=True)

    account_number: str | None = None
    status: str | None = None
    balance: Decimal | None = None
    currency: str | None = None
    problem: str | None = None
    credit: Decimal | None = None  # a credit balance owed to the customer
    unpaid_invoices: int = 0  # posted invoices with something still owing
    unpaid_total: Decimal | None = None
    invoices_problem: str | None = None  # why the unpaid invoices are not known


class BlastRadius(BaseModel):
    """What deactivating the account will remove, quarantine and unlink — and what it leaves:
    its children (a preview stored before they were read has none) and its Zuora account."""

    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    counts: dict[str, int]  # per collection; phone_numbers: the in-service numbers
    numbers: list[str]  # in-service numbers that will be quarantined (national form)
    already_quarantined: int = 0
    subscription_ids: list[str] = Field(default_factory=list)
    children: list[Child] = Field(default_factory=list)
    zuora: ZuoraLeft | None = None
    port_outs: list[PortOut] = Field(default_factory=list)
    children_plan: ChildrenPlan | None = None  # set by the request, for its active children

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def active_children(self) -> list[Child]:
        return [child for child in self.children if child.active]

    @property
    def porting_numbers(self) -> list[str]:
        return sorted({number for port in self.port_outs for number in port.numbers})

    def growth_since(self, before: BlastRadius) -> Growth:
        added = {
            name: count - before.counts.get(name, 0)
            for name, count in self.counts.items()
            if count > before.counts.get(name, 0) and name != Collection.PHONE_NUMBERS.value
        }
        known = set(before.numbers)
        new_numbers = [number for number in self.numbers if number not in known]
        if new_numbers:
            added[Collection.PHONE_NUMBERS.value] = len(new_numbers)
        return Growth(added=added, new_numbers=new_numbers)


def blast_radius(deps: Deps, account: Account) -> BlastRadius:
    """List every collection (fanned out over the platform client's pool) and count."""
    results = deps.platform.map_concurrent(
        lambda c: _listing(deps, account.id, c), list(COLLECTION_STEPS)
    )
    counts: dict[str, int] = {}
    numbers: list[str] = []
    quarantined = 0
    subscription_ids: list[str] = []
    for result in results:
        if result.error is not None:
            raise result.error
        collection, listing = result.value  # type: ignore[misc]
        if collection is Collection.PHONE_NUMBERS:
            numbers = sorted(str(n["number"]) for n in listing if n.get("state") == "in_service")
            quarantined = len(listing) - len(numbers)
            counts[collection.value] = len(numbers)
        else:
            counts[collection.value] = len(listing)
            if collection is Collection.SUBSCRIPTIONS:
                subscription_ids = sorted(
                    str(item.get("subscription_number") or item.get("name") or item["id"])
                    for item in listing
                )
    return BlastRadius(
        account=account.id,
        name=account.name,
        counts=counts,
        numbers=numbers,
        already_quarantined=quarantined,
        subscription_ids=subscription_ids,
        children=sorted(
            (
                Child(id=c.id, name=c.name, status=c.status)
                for c in deps.platform.children(account.id)
            ),
            key=lambda c: c.id,
        ),
        zuora=zuora_left(deps, account),
        port_outs=port_outs(deps, account.id),
    )


def port_outs(deps: Deps, account: str) -> list[PortOut]:
    """The port requests still under way on the account's numbers."""
    return [
        PortOut(id=p.id, numbers=sorted(p.numbers), carrier=p.carrier, state=p.state)
        for p in deps.platform.port_requests(account)
        if p.open
    ]


def zuora_left(deps: Deps, account: Account) -> ZuoraLeft:
    """The linked Zuora account's balance; a Zuora that cannot be read is said, not hidden
    (the deactivation does not depend on it)."""
    key = account.zuora_account_number
    if not key:
        return ZuoraLeft(problem="No Zuora account is linked to this account.")
    try:
        found = deps.zuora.get_account(key)
    except NotFound:
        return ZuoraLeft(account_number=key, problem=f"Zuora has no account {key}.")
    except IntegrationError as exc:
        return ZuoraLeft(account_number=key, problem=f"Zuora could not be read: {exc}")
    billing = found.billing_and_payment
    credit = found.metrics.credit_balance if found.metrics else None
    left = ZuoraLeft(
        account_number=found.account_number,
        status=found.basic_info.status,
        balance=found.metrics.balance if found.metrics else None,
        currency=billing.currency if billing else None,
        credit=credit if credit and credit > 0 else None,
    )
    try:
        invoices = deps.zuora.invoices_for_account(key)
    except IntegrationError as exc:
        return left.model_copy(update={"invoices_problem": f"Zuora could not be read: {exc}"})
    unpaid = [i for i in invoices if (i.status or "Posted") == "Posted" and i.balance > 0]
    return left.model_copy(
        update={
            "unpaid_invoices": len(unpaid),
            "unpaid_total": sum((i.balance for i in unpaid), Decimal("0")) if unpaid else None,
        }
    )


def _listing(
    deps: Deps, account: str, collection: Collection
) -> tuple[Collection, list[dict[str, Any]]]:
    if collection is Collection.PHONE_NUMBERS:
        return collection, [n.model_dump() for n in deps.platform.phone_numbers(account)]
    return collection, [item.model_dump() for item in deps.platform.list(account, collection)]
