"""``account``: what the Account Details page shows, read from the platform and Zuora at once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.fanout import fetch_together
from commands.reading._models import ReadOrder, ReadResult
from commands.reading.account_state import AccountState, account_state
from commands.trail import authorize
from integrations.errors import NotFound
from integrations.ipnd import same_as_sold_to
from integrations.platform import (
    Account,
    ChildAccount,
    Collection,
    EmergencyRecord,
    PhoneNumber,
)
from integrations.zuora import Invoice, ZuoraAccount

if TYPE_CHECKING:
    from commands.deps import Deps


class ShowAccount(ReadOrder):
    """Show an account's details."""


class Relative(BaseModel):
    """A parent account: its number, and its name when it could be read."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str | None = None


class ZuoraSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    account_number: str
    name: str
    id: str | None = None  # Zuora's internal id (its web app's links use it)
    status: str | None = None
    balance: Decimal | None = None
    currency: str | None = None

    @classmethod
    def of(cls, account: ZuoraAccount) -> ZuoraSummary:
        billing = account.billing_and_payment
        return cls(
            account_number=account.account_number,
            name=account.name,
            id=account.basic_info.id,
            status=account.basic_info.status,
            balance=account.metrics.balance if account.metrics else None,
            currency=billing.currency if billing else None,
        )


class AccountOverview(ReadResult):
    account: Account
    parent: Relative | None = None
    children: list[ChildAccount] = []
    zuora: ZuoraSummary | None = None
    zuora_problem: str | None = None  # why the Zuora part is missing, for the person to read
    pbx_names: list[str] = []
    numbers: int = 0
    numbers_in_service: int = 0
    # When the quarantined numbers may be reused (the earliest and the latest release date).
    quarantine_until: tuple[date, date] | None = None
    phone_users: int = 0
    portal_users: int = 0
    state: AccountState | None = None
    invoices_problem: str | None = None  # why overdue invoices are not shown
    # The platform's emergency (IPND) address is not what Zuora's Sold To reads as (None: could
    # not compare — no record, no Sold To, or a backend unread).
    emergency_differs: bool | None = None


def show_account(cmd: ShowAccount, actor: Actor, deps: Deps) -> AccountOverview:
    """The account with its family, Zuora account, PBX and counts.

    The platform account is read first (it names the Zuora account); everything else is read
    concurrently. Zuora failing still gives the platform part, with ``zuora_problem`` set.
    """
    authorize(deps, actor, Role.VIEWER, action="account", to="view accounts", account=cmd.account)
    account = resolve_account(deps, cmd.account)
    number = account.id
    platform = deps.platform
    reads = {
        "children": lambda: platform.children(number),
        "pbxs": lambda: platform.pbxs(number),
        "numbers": lambda: platform.phone_numbers(number),
        "users": lambda: platform.list(number, Collection.USERS),
        "portal_users": lambda: platform.list(number, Collection.PORTAL_USERS),
        "emergency": lambda: platform.emergency(number),
    }
    if account.parent_id:
        parent_id = account.parent_id
        reads["parent"] = lambda: platform.get_account(parent_id)
    zuora_key = account.zuora_account_number
    if zuora_key:
        reads["zuora"] = lambda: deps.zuora.get_account(zuora_key)
        reads["invoices"] = lambda: deps.zuora.invoices_for_account(zuora_key)
    fetched = fetch_together(deps, reads)

    zuora: ZuoraSummary | None = None
    zuora_problem: str | None = None
    if not zuora_key:
        zuora_problem = "No Zuora account is linked to this account."
    elif (error := fetched.error("zuora")) is not None:
        if isinstance(error, NotFound):
            zuora_problem = f"Zuora has no account {zuora_key}."
        else:
            zuora_problem = f"Zuora could not be read: {error}"
    else:
        zuora = ZuoraSummary.of(fetched.get("zuora", ZuoraAccount))

    parent: Relative | None = None
    if account.parent_id:
        parent_error = fetched.error("parent")
        if parent_error is None:
            parent = Relative(id=account.parent_id, name=fetched.get("parent", Account).name)
        elif isinstance(parent_error, NotFound):
            parent = Relative(id=account.parent_id)
        else:
            raise parent_error

    invoices: list[Invoice] | None = []  # an account with no Zuora account has no invoices
    invoices_problem: str | None = None
    if zuora_key and (error := fetched.error("invoices")) is not None:
        invoices = None  # unknown, never "none"
        invoices_problem = f"Invoices could not be read from Zuora: {error}"
    elif zuora_key:
        invoices = fetched.get("invoices", list)
    differs: bool | None = None
    record = (
        fetched.get("emergency", EmergencyRecord) if fetched.error("emergency") is None else None
    )
    if zuora is not None and record is not None:
        contact = fetched.get("zuora", ZuoraAccount).sold_to_contact
        if contact is not None:
            differs = not same_as_sold_to(record.address, contact)

    numbers = fetched.get("numbers", list)
    return AccountOverview(
        account=account,
        parent=parent,
        children=fetched.get("children", list),
        zuora=zuora,
        zuora_problem=zuora_problem,
        pbx_names=[pbx.name for pbx in fetched.get("pbxs", list)],
        numbers=len(numbers),
        numbers_in_service=sum(1 for n in numbers if n.in_service),
        quarantine_until=_release_dates(numbers),
        phone_users=len(fetched.get("users", list)),
        portal_users=len(fetched.get("portal_users", list)),
        state=account_state(deps, number, invoices),
        invoices_problem=invoices_problem,
        emergency_differs=differs,
    )


__all__ = [
    "AccountOverview",
    "Relative",
    "ShowAccount",
    "ZuoraSummary",
    "show_account",
]


def _release_dates(numbers: list[PhoneNumber]) -> tuple[date, date] | None:
    dates = sorted(n.quarantine_until for n in numbers if not n.in_service and n.quarantine_until)
    return (dates[0], dates[-1]) if dates else None
