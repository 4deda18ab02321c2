"""What suspension deals in: its refusals, the confirmation a person is shown, and the results."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from commands.approvals.model import ApprovalView
from commands.errors import CommandError, Conflict, NothingToDo

if TYPE_CHECKING:
    from integrations.zuora import Invoice

SUSPEND: Literal["suspend"] = "suspend"
UNSUSPEND: Literal["unsuspend"] = "unsuspend"
OVERRIDE = "suspend.override"  # the audit action: never mistaken for an ordinary suspension
OVERRIDE_KIND = "suspension_override"  # its approval
PROMISE = "promise"  # the audit action of a promise to pay (``commands.suspension.promises``)
Action = Literal["suspend", "unsuspend"]
MAX_REASON = 500  # the platform's limit for a suspension reason


ORIGIN = re.compile(r"^digest:\d{4}-\d{2}-\d{2}$")


def clean_origin(value: object) -> str | None:
    """Keep an origin only in the one shape buttons send (``digest:YYYY-MM-DD``)."""
    if isinstance(value, str) and ORIGIN.match(value):
        return value
    return None


# -- errors -------------------------------------------------------------------------------------


class NotOverdue(NothingToDo):
    """Nothing is overdue enough to suspend for (checked before asking to confirm)."""


class PaidSinceConfirmation(Conflict):
    """The overdue balance was paid between the confirmation (or digest) and the execution."""


class AwaitingApproval(NothingToDo):
    """A suspension request for the account is already waiting for an approver."""

    def __init__(self, account: str, request: ApprovalView, zone: ZoneInfo) -> None:
        self.account = account
        self.request = request
        self.zone = zone  # the team's, to say when it expires
        super().__init__(
            f"A suspension of account {account} requested by {request.requested_by} is already "
            "waiting for an approver. Nothing new was requested."
        )


class UnknownConfirmation(CommandError):
    def __init__(self) -> None:
        super().__init__(
            "That button does not match any suspension confirmation, so nothing was done."
        )


class NotYourConfirmation(CommandError):
    def __init__(self) -> None:
        super().__init__(
            "Only the person who asked can confirm or cancel this; nothing was done. "
            "Run the command yourself if it is needed."
        )


class ConfirmationExpired(CommandError):
    def __init__(self, confirmation: Confirmation) -> None:
        self.confirmation = confirmation
        super().__init__(
            f"This confirmation has expired, so nothing was done. Run "
            f"`/jethub {confirmation.action} {confirmation.account}` again if it is still needed."
        )


class AlreadySettled(CommandError):
    """The second click: the confirmation was already used (confirmed or cancelled)."""

    def __init__(self, confirmation: Confirmation, settled: Settled, zone: ZoneInfo) -> None:
        self.confirmation = confirmation
        self.settled = settled
        self.zone = zone
        self.when = settled.at.astimezone(zone).strftime("%H:%M:%S %Z")
        super().__init__(
            f"Already done: this was {settled.state} by {settled.by} at {self.when}. "
            "Nothing more was done by this click."
        )


class AlreadySuspended(NothingToDo):
    def __init__(self, account: str, state: SuspensionState, zone: ZoneInfo) -> None:
        self.account = account
        self.state = state
        self.zone = zone  # the team's, to say since when
        super().__init__(
            f"Account {account} is already suspended (since {state.at:%d %b %Y}, by {state.by}: "
            f"“{state.reason}”). Nothing changed."
        )


# -- models -------------------------------------------------------------------------------------


class OverdueInvoice(BaseModel):
    """An invoice still owing, ``days_overdue`` past its due date (negative: not due yet)."""

    model_config = ConfigDict(frozen=True)

    number: str
    due_date: date
    balance: Decimal
    days_overdue: int


def open_invoices(
    invoices: Iterable[Invoice], today: date
) -> tuple[list[OverdueInvoice], str | None]:
    """The Posted invoices still owing, due or not, oldest first; and their currency (a Zuora
    account bills in one currency: the first one named)."""
    found: list[OverdueInvoice] = []
    currency: str | None = None
    for invoice in invoices:
        if (invoice.status or "Posted") != "Posted" or invoice.balance <= 0:
            continue
        currency = currency or invoice.currency
        found.append(
            OverdueInvoice(
                number=invoice.invoice_number,
                due_date=invoice.due_date,
                balance=invoice.balance,
                days_overdue=(today - invoice.due_date).days,
            )
        )
    found.sort(key=lambda inv: (inv.due_date, inv.number))
    return found, currency


class OverdueSummary(BaseModel):
    """The invoices that make an account a suspension candidate, oldest first."""

    model_config = ConfigDict(frozen=True)

    as_of: date
    overdue_days: int
    count: int
    total: Decimal
    currency: str | None = None
    oldest_due: date | None = None
    invoices: list[OverdueInvoice] = Field(default_factory=list)  # at most MAX_INVOICES_KEPT

    @property
    def oldest_days(self) -> int | None:
        return None if self.oldest_due is None else (self.as_of - self.oldest_due).days

    def brief(self) -> dict[str, Any]:
        """For audit details: the figures without the invoice list."""
        return {
            "count": self.count,
            "total": str(self.total),
            "currency": self.currency,
            "oldest_due": self.oldest_due.isoformat() if self.oldest_due else None,
            "as_of": self.as_of.isoformat(),
        }


class SuspensionState(BaseModel):
    """The platform's ``suspended`` record: why, who, when."""

    model_config = ConfigDict(frozen=True)

    reason: str
    by: str
    at: datetime


class Confirmation(BaseModel):
    """What the person was shown and is confirming; stored in the ledger by id."""

    model_config = ConfigDict(frozen=True)

    id: str
    action: Action
    account: str
    name: str
    requested_by: str
    reason: str = ""
    origin: str | None = None
    created_at: datetime
    expires_at: datetime
    overdue: OverdueSummary | None = None  # suspend
    suspended: SuspensionState | None = None  # unsuspend: the suspension being lifted
    needs_approval: bool = False


class Settled(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: Literal["confirmed", "cancelled"]
    by: str
    at: datetime


class PrepareSuspension(BaseModel):
    """Order: show the suspension of ``account`` for confirmation."""

    account: str = Field(min_length=1)
    reason: str = ""
    origin: str | None = None

    @field_validator("origin", mode="before")
    @classmethod
    def _origin(cls, value: object) -> str | None:
        return clean_origin(value)


class PrepareUnsuspension(BaseModel):
    account: str = Field(min_length=1)
    origin: str | None = None

    @field_validator("origin", mode="before")
    @classmethod
    def _origin(cls, value: object) -> str | None:
        return clean_origin(value)


class ConfirmAction(BaseModel):
    """Order: carry out the confirmation with this id (from a button: untrusted text).

    ``reason`` is what the reason box holds at the click; None keeps the one shown.
    """

    confirmation_id: str
    reason: str | None = None


class CancelConfirmation(BaseModel):
    confirmation_id: str


class Suspended(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    reason: str
    by: str
    at: datetime | None
    overdue: OverdueSummary
    origin: str | None = None
    approved_by: str | None = None
    run_id: str | None = None  # the run that did it (what its Share button names)


class Unsuspended(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    by: str
    was: SuspensionState | None
    note: str = ""
    run_id: str | None = None


class SentForApproval(BaseModel):
    model_config = ConfigDict(frozen=True)

    request: ApprovalView
    confirmation: Confirmation


# -- promises to pay (``commands.suspension.promises``) ----------------------------------------


class PromiseInfo(BaseModel):
    """An account's newest promise to pay, as recorded: ``open`` through ``due``, then ``kept``
    or ``broken`` by what was paid since it was made (``paid``)."""

    model_config = ConfigDict(frozen=True)

    amount: Decimal
    currency: str = "AUD"
    due: date
    note: str
    by: str
    at: datetime
    state: Literal["open", "kept", "broken"] = "open"
    paid: Decimal | None = None

    @classmethod
    def of(cls, row: Any) -> PromiseInfo:
        """From a ``promise`` row (the ORM's, or a Core row's mapping)."""
        get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
        paid = get("paid")
        return cls(
            amount=Decimal(str(get("amount"))),
            currency=get("currency") or "AUD",
            due=get("due"),
            note=get("note") or "",
            by=get("by"),
            at=get("created_at"),
            state=get("state"),
            paid=None if paid is None else Decimal(str(paid)),
        )

    def in_force(self, today: date) -> bool:
        """Open and its day not passed: the account is *promised*."""
        return self.state == "open" and self.due >= today
