"""Zuora's side of the sandbox world: accounts, contacts, subscriptions, invoices, tokens."""

from __future__ import annotations

import bisect
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from devkit.sandbox._ids import parse_zuora_id, zuora_id
from integrations.clock import BusinessClock

# Contact attribute → Zuora JSON field, in the order Zuora lists them.
CONTACT_FIELDS: dict[str, str] = {
    "first_name": "firstName",
    "last_name": "lastName",
    "work_email": "workEmail",
    "personal_email": "personalEmail",
    "address1": "address1",
    "address2": "address2",
    "city": "city",
    "state": "state",
    "zip_code": "zipCode",
    "country": "country",
    "work_phone": "workPhone",
    "mobile_phone": "mobilePhone",
}


def _decimal(value: Decimal | float | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: Decimal) -> float:
    return float(value)


@dataclass(slots=True)
class ZuoraContact:
    id: str
    first_name: str
    last_name: str
    work_email: str | None = None
    personal_email: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = "Australia"
    work_phone: str | None = None
    mobile_phone: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id}
        for attr, key in CONTACT_FIELDS.items():
            body[key] = getattr(self, attr)
        return body


@dataclass(slots=True)
class ZuoraAccount:
    id: str
    account_number: str
    name: str
    jethub_account: str | None
    bill_to_id: str
    sold_to_id: str
    status: str = "Active"
    parent_id: str | None = None
    currency: str = "AUD"
    bill_cycle_day: int = 1
    payment_term: str = "Net 14"
    auto_pay: bool = False
    invoice_delivery_prefs_email: bool = True
    additional_email_addresses: list[str] = field(default_factory=list)
    credit_balance: Decimal = Decimal("0")
    custom_fields: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RatePlanCharge:
    name: str
    number: str
    type: str  # Recurring | OneTime | Usage
    model: str  # PerUnit | FlatFee | DiscountPercentage | ...
    quantity: Decimal | None
    price: Decimal | None
    effective_start: date
    effective_end: date
    uom: str | None = "Each"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "number": self.number,
            "type": self.type,
            "model": self.model,
            "quantity": None if self.quantity is None else float(self.quantity),
            "price": None if self.price is None else money(self.price),
            "uom": self.uom,
            "effectiveStartDate": self.effective_start.isoformat(),
            "effectiveEndDate": self.effective_end.isoformat(),
        }


@dataclass(slots=True)
class RatePlan:
    id: str
    product_name: str
    product_sku: str
    rate_plan_name: str
    charges: list[RatePlanCharge]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "productName": self.product_name,
            "productSku": self.product_sku,
            "ratePlanName": self.rate_plan_name,
            "ratePlanCharges": [c.to_json() for c in self.charges],
        }


@dataclass(slots=True)
class Subscription:
    id: str
    subscription_number: str
    account_id: str
    status: str  # Active | Cancelled | Suspended | Pending Activation | ...
    term_start: date
    term_end: date
    rate_plans: list[RatePlan]

    def charge(self, name: str) -> RatePlanCharge:
        """The first charge called ``name`` (for tests that change quantities)."""
        for plan in self.rate_plans:
            for charge in plan.charges:
                if charge.name == name:
                    return charge
        raise KeyError(name)


@dataclass(slots=True)
class Invoice:
    seq: int
    id: str
    invoice_number: str
    account_id: str
    amount: Decimal
    balance: Decimal
    invoice_date: date
    due_date: date
    status: str = "Posted"  # Draft | Posted | Canceled
    currency: str = "AUD"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "invoiceNumber": self.invoice_number,
            "accountId": self.account_id,
            "amount": money(self.amount),
            "balance": money(self.balance),
            "invoiceDate": self.invoice_date.isoformat(),
            "dueDate": self.due_date.isoformat(),
            "status": self.status,
            "currency": self.currency,
        }


@dataclass(slots=True)
class AppliedPayment:
    invoice_id: str
    invoice_number: str
    amount: Decimal


@dataclass(slots=True)
class Payment:
    """A processed payment and the invoices it was applied to (Zuora's Invoice Settlement)."""

    seq: int
    id: str
    number: str
    account_id: str
    amount: Decimal
    effective_date: date
    created: datetime
    applied: list[AppliedPayment]
    type: str = "External"
    status: str = "Processed"
    currency: str = "AUD"
    comment: str | None = None

    @property
    def applied_amount(self) -> Decimal:
        return sum((a.amount for a in self.applied), Decimal("0"))

    @property
    def unapplied_amount(self) -> Decimal:
        return self.amount - self.applied_amount


class PaymentRefused(Exception):
    """Zuora refuses the payment (``code`` is its 8-digit reason); nothing was changed."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ZuoraWorld:
    """In-memory Zuora tenant. Hold the world's lock while changing it from another thread."""

    def __init__(self, clock: BusinessClock | None = None) -> None:
        self.clock = clock or BusinessClock()
        self.accounts: dict[str, ZuoraAccount] = {}
        self.contacts: dict[str, ZuoraContact] = {}
        self.tokens: dict[str, datetime] = {}
        self.token_ttl_s = 3599
        self.not_found_status = 200  # 404 for the newer API versions' behaviour
        self.invoices: list[Invoice] = []  # ordered by seq: the object-query cursor order
        self._by_number: dict[str, str] = {}
        self._subscriptions: dict[str, list[Subscription]] = {}
        self._subs_by_number: dict[str, Subscription] = {}
        self._invoice_by_number: dict[str, Invoice] = {}
        self._invoices_by_account: dict[str, list[Invoice]] = {}
        self._seq = 0
        self._payments: dict[str, list[Payment]] = {}  # by account id, oldest first
        self._payment_seq = 0
        self._ensure: Callable[[str], None] = lambda _platform_id: None

    # -- accounts -------------------------------------------------------------------------------
    def add_account(self, account: ZuoraAccount) -> ZuoraAccount:
        self.accounts[account.id] = account
        self._by_number[account.account_number] = account.id
        return account

    def account(self, key: str) -> ZuoraAccount | None:
        """An account by accountNumber or id."""
        found = self.accounts.get(key)
        if found is None:
            account_id = self._by_number.get(key)
            found = self.accounts.get(account_id) if account_id else None
        return found

    def _ensure_account(self, account: ZuoraAccount) -> None:
        if account.jethub_account:
            self._ensure(account.jethub_account)

    # -- contacts -------------------------------------------------------------------------------
    def add_contact(self, contact: ZuoraContact) -> ZuoraContact:
        self.contacts[contact.id] = contact
        return contact

    def contact(self, contact_id: str) -> ZuoraContact | None:
        found = self.contacts.get(contact_id)
        if found is None:
            parsed = parse_zuora_id(contact_id)
            if parsed and parsed[0] in ("bill_to", "sold_to"):
                self._ensure(str(parsed[1]))
                found = self.contacts.get(contact_id)
        return found

    def bill_to(self, account: ZuoraAccount) -> ZuoraContact:
        contact = self.contact(account.bill_to_id)
        assert contact is not None, "every account has a Bill To contact"
        return contact

    def sold_to(self, account: ZuoraAccount) -> ZuoraContact:
        contact = self.contact(account.sold_to_id)
        assert contact is not None, "every account has a Sold To contact"
        return contact

    # -- subscriptions --------------------------------------------------------------------------
    def add_subscription(self, subscription: Subscription) -> Subscription:
        self._subscriptions.setdefault(subscription.account_id, []).append(subscription)
        self._subs_by_number[subscription.subscription_number] = subscription
        return subscription

    def subscriptions_of(self, account: ZuoraAccount) -> list[Subscription]:
        self._ensure_account(account)
        return self._subscriptions.get(account.id, [])

    def subscription(self, subscription_number: str) -> Subscription:
        return self._subs_by_number[subscription_number]

    def find_subscription(self, key: str) -> Subscription | None:
        """A subscription by number (``A-S00001006-2``) or id, building its account if lazy."""
        found = self._subs_by_number.get(key)
        if found is None and key.startswith("A-S"):
            account = self.account("A" + key[3:].rsplit("-", 1)[0])
            if account is not None:
                self._ensure_account(account)
                found = self._subs_by_number.get(key)
        if found is None:
            found = next((s for s in self._subs_by_number.values() if s.id == key), None)
        return found

    # -- invoices -------------------------------------------------------------------------------
    def add_invoice(
        self,
        account_key: str,
        *,
        amount: Decimal | float | str,
        balance: Decimal | float | str | None = None,
        days_overdue: int | None = None,
        due_date: date | None = None,
        invoice_date: date | None = None,
        status: str = "Posted",
        invoice_number: str | None = None,
    ) -> Invoice:
        """Add an invoice; ``days_overdue=8`` makes it due eight days before today."""
        account = self.account(account_key)
        if account is None:
            raise KeyError(account_key)
        if due_date is None:
            due_date = self.clock.days_ago(days_overdue or 0)
        if invoice_date is None:
            invoice_date = due_date - timedelta(days=14)
        self._seq += 1
        invoice = Invoice(
            seq=self._seq,
            id=zuora_id("invoice", self._seq),
            invoice_number=invoice_number or f"INV{self._seq:08d}",
            account_id=account.id,
            amount=_decimal(amount),
            balance=_decimal(amount if balance is None else balance),
            invoice_date=invoice_date,
            due_date=due_date,
            status=status,
            currency=account.currency,
        )
        self.invoices.append(invoice)
        self._invoice_by_number[invoice.invoice_number] = invoice
        self._invoices_by_account.setdefault(account.id, []).append(invoice)
        return invoice

    def invoice(self, invoice_number: str) -> Invoice:
        return self._invoice_by_number[invoice_number]

    def mark_paid(self, invoice_number: str) -> Invoice:
        invoice = self.invoice(invoice_number)
        invoice.balance = Decimal("0")
        return invoice

    def invoices_of(self, account: ZuoraAccount) -> list[Invoice]:
        return self._invoices_by_account.get(account.id, [])

    def invoices_after(self, seq: int) -> Iterator[Invoice]:
        """Invoices with a sequence number above ``seq``, in order."""
        start = bisect.bisect_right(self.invoices, seq, key=lambda inv: inv.seq)
        # By index, not a slice: a page of a scan should not copy every later invoice first.
        return (self.invoices[i] for i in range(start, len(self.invoices)))

    def balance_of(self, account: ZuoraAccount) -> Decimal:
        return sum((inv.balance for inv in self.invoices_of(account)), Decimal("0"))

    # -- payments -------------------------------------------------------------------------------
    def pay(
        self,
        account_key: str,
        amount: Decimal | float | str,
        *,
        invoices: Sequence[tuple[str, Decimal | float | str]] | None = None,
        effective_date: date | None = None,
        currency: str | None = None,
        comment: str | None = None,
    ) -> Payment:
        """Record a processed payment and apply it to ``invoices`` ((id or number, amount));
        with no invoices named, to the account's oldest open invoices first. Raises
        ``PaymentRefused`` (and changes nothing) as Zuora refuses one."""
        account = self.account(account_key)
        if account is None:
            raise PaymentRefused(50000040, f"Cannot find entity by key: '{account_key}'.")
        total = _decimal(amount)
        if total <= 0:
            raise PaymentRefused(53100320, "The payment amount must be greater than 0.")
        if currency is not None and currency != account.currency:
            raise PaymentRefused(
                53100320, f"The currency {currency} is not the account's currency."
            )
        plan = self._plan(account, total, invoices)
        self._payment_seq += 1
        payment = Payment(
            seq=self._payment_seq,
            id=zuora_id("payment", self._payment_seq),
            number=f"P-{self._payment_seq:08d}",
            account_id=account.id,
            amount=total,
            effective_date=effective_date or self.clock.today(),
            created=self.clock.now(),
            applied=[AppliedPayment(inv.id, inv.invoice_number, part) for inv, part in plan],
            currency=account.currency,
            comment=comment,
        )
        for invoice, part in plan:
            invoice.balance -= part
        self._payments.setdefault(account.id, []).append(payment)
        return payment

    def _plan(
        self,
        account: ZuoraAccount,
        total: Decimal,
        invoices: Sequence[tuple[str, Decimal | float | str]] | None,
    ) -> list[tuple[Invoice, Decimal]]:
        if invoices is None:  # oldest open invoices first, as far as the amount goes
            plan: list[tuple[Invoice, Decimal]] = []
            left = total
            owing = [i for i in self.invoices_of(account) if i.balance > 0 and i.status == "Posted"]
            for inv in sorted(owing, key=lambda i: (i.due_date, i.seq)):
                share = min(left, inv.balance)
                if share > 0:
                    plan.append((inv, share))
                    left -= share
            return plan
        found: list[tuple[Invoice, Decimal]] = []
        mine = {i.id: i for i in self.invoices_of(account)}
        mine |= {i.invoice_number: i for i in mine.values()}
        for key, part in invoices:
            invoice = mine.get(key)
            if invoice is None:
                raise PaymentRefused(50000040, f"Cannot find entity by key: '{key}'.")
            applied = _decimal(part)
            if applied <= 0:
                raise PaymentRefused(53100320, "The amount applied to an invoice must be > 0.")
            already = sum((p for inv, p in found if inv is invoice), Decimal("0"))
            if applied + already > invoice.balance:
                raise PaymentRefused(
                    53100330,
                    f"The applied amount {applied} is greater than the balance "
                    f"{invoice.balance} of invoice {invoice.invoice_number}.",
                )
            found.append((invoice, applied))
        if sum((p for _, p in found), Decimal("0")) > total:
            raise PaymentRefused(
                53100330, "The total amount applied to invoices exceeds the payment amount."
            )
        return found

    def payments_of(self, account: ZuoraAccount) -> list[Payment]:
        return self._payments.get(account.id, [])

    # -- OAuth tokens ---------------------------------------------------------------------------
    def issue_token(self) -> tuple[str, int]:
        token = secrets.token_hex(16)
        self.tokens[token] = self.clock.now() + timedelta(seconds=self.token_ttl_s)
        return token, self.token_ttl_s

    def token_valid(self, token: str) -> bool:
        expires = self.tokens.get(token)
        return expires is not None and self.clock.now() < expires

    def expire_tokens(self) -> None:
        """Every token issued so far answers 401 from now on."""
        self.tokens.clear()
