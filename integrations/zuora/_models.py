"""Zuora's documented payloads as typed models (camelCase on the wire, snake_case here)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from integrations.allowances import AllowanceItem, describe_allowances

__all__ = [
    "AccountBasicInfo",
    "AccountMetrics",
    "Allowances",
    "BillingAndPayment",
    "ContactUpdate",
    "Invoice",
    "InvoiceAccount",
    "PaidInvoice",
    "Payment",
    "QueriedAccount",
    "RatePlan",
    "RatePlanCharge",
    "Subscription",
    "ZuoraAccount",
    "ZuoraContact",
]


class _ZuoraModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class ZuoraContact(_ZuoraModel):
    """A Bill To / Sold To contact."""

    id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    work_email: str | None = None
    personal_email: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None
    work_phone: str | None = None
    mobile_phone: str | None = None

    @property
    def email(self) -> str | None:
        """Where Zuora sends this contact's invoices: work email, else personal email."""
        return self.work_email or self.personal_email

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class ContactUpdate(_ZuoraModel):
    """Fields to change on a contact; only the fields set are sent (a partial update)."""

    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    work_email: str | None = Field(default=None, max_length=80)
    personal_email: str | None = Field(default=None, max_length=80)
    address1: str | None = Field(default=None, max_length=255)
    address2: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=100)
    zip_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=64)
    work_phone: str | None = Field(default=None, max_length=40)
    mobile_phone: str | None = Field(default=None, max_length=100)

    def to_wire(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, exclude_unset=True)


class AccountBasicInfo(_ZuoraModel):
    id: str
    account_number: str
    name: str
    status: str | None = None
    parent_id: str | None = None
    jethub_account: str | None = Field(default=None, alias="JetHubAccount__c")


class BillingAndPayment(_ZuoraModel):
    additional_email_addresses: list[str] = []
    invoice_delivery_prefs_email: bool | None = None
    bill_cycle_day: int | None = None
    currency: str | None = None
    payment_term: str | None = None
    auto_pay: bool | None = None


class AccountMetrics(_ZuoraModel):
    balance: Decimal | None = None
    total_invoice_balance: Decimal | None = None
    credit_balance: Decimal | None = None


class ZuoraAccount(_ZuoraModel):
    """``GET /v1/accounts/{key}``."""

    basic_info: AccountBasicInfo
    bill_to_contact: ZuoraContact | None = None
    sold_to_contact: ZuoraContact | None = None
    billing_and_payment: BillingAndPayment | None = None
    metrics: AccountMetrics | None = None

    @property
    def account_number(self) -> str:
        return self.basic_info.account_number

    @property
    def name(self) -> str:
        return self.basic_info.name

    @property
    def jethub_account(self) -> str | None:
        """The Jet Hub platform account number (custom field ``JetHubAccount__c``)."""
        return self.basic_info.jethub_account

    @property
    def invoice_email(self) -> str | None:
        """The address invoices go to: the Bill To contact's work email, else personal email."""
        return self.bill_to_contact.email if self.bill_to_contact else None

    @property
    def contacts_shared(self) -> bool:
        """True when Bill To and Sold To are one contact, so editing one edits both."""
        bill, sold = self.bill_to_contact, self.sold_to_contact
        return bool(bill and sold and bill.id and bill.id == sold.id)


class RatePlanCharge(_ZuoraModel):
    name: str | None = None
    number: str | None = None
    quantity: Decimal | None = None
    uom: str | None = None
    model: str | None = None
    type: str | None = None
    price: Decimal | None = None
    effective_start_date: date | None = None
    effective_end_date: date | None = None

    def in_effect(self, today: date) -> bool:
        """Start inclusive, end exclusive: Zuora's end date is the first day it stops."""
        if self.effective_start_date is not None and today < self.effective_start_date:
            return False
        return self.effective_end_date is None or today < self.effective_end_date


class RatePlan(_ZuoraModel):
    product_name: str | None = None
    product_sku: str | None = None
    rate_plan_name: str | None = None
    rate_plan_charges: list[RatePlanCharge] = []


class Subscription(_ZuoraModel):
    id: str | None = None
    subscription_number: str
    status: str | None = None
    account_number: str | None = None
    term_start_date: date | None = None
    term_end_date: date | None = None
    rate_plans: list[RatePlan] = []


class Allowances(BaseModel):
    """What an account pays for, as computed from its Zuora subscriptions."""

    model_config = ConfigDict(frozen=True)

    items: list[AllowanceItem]
    subscription_numbers: list[str]

    def describe(self) -> str:
        """Items as "5 {TIMES} Cloud Mobile, 5 {TIMES} Mobile Number, 1 {TIMES} 1300 Number"."""
        return describe_allowances(self.items)

    def __str__(self) -> str:
        return self.describe()


class InvoiceAccount(_ZuoraModel):
    """The account expanded into an Object Query invoice (``expand[]=account``)."""

    id: str | None = None
    account_number: str | None = None
    name: str | None = None
    jethub_account: str | None = Field(default=None, alias="JetHubAccount__c")


class Invoice(_ZuoraModel):
    """An invoice from Object Query or from the per-account invoice list."""

    id: str | None = None
    invoice_number: str
    account_id: str | None = None
    account_number: str | None = None
    account_name: str | None = None
    amount: Decimal | None = None
    balance: Decimal
    due_date: date
    invoice_date: date | None = None
    status: str | None = None
    currency: str | None = None
    account: InvoiceAccount | None = None

    @property
    def jethub_account(self) -> str | None:
        """The Jet Hub account number, when the account was expanded."""
        return self.account.jethub_account if self.account else None


class PaidInvoice(_ZuoraModel):
    """How much of a payment went to one invoice."""

    invoice_id: str | None = None
    invoice_number: str | None = None
    applied_payment_amount: Decimal = Decimal("0")


class Payment(_ZuoraModel):
    """A payment from the per-account payment list (``/v1/transactions/payments/accounts``)."""

    id: str | None = None
    payment_number: str = Field(alias="paymentNumber")
    account_number: str | None = None
    amount: Decimal
    effective_date: date
    status: str | None = None  # Processed | Canceled | Error | ...
    type: str | None = None
    currency: str | None = None
    paid_invoices: list[PaidInvoice] = Field(default_factory=list)

    @property
    def processed(self) -> bool:
        return (self.status or "Processed") == "Processed"


class QueriedAccount(_ZuoraModel):
    """An account from Object Query (``/object-query/accounts``), its Sold To contact and its
    subscriptions expanded."""

    id: str | None = None
    account_number: str
    name: str | None = None
    status: str | None = None
    balance: Decimal = Decimal("0")
    jethub_account: str | None = Field(default=None, alias="JetHubAccount__c")
    sold_to: ZuoraContact | None = None
    subscriptions: list[Subscription] = []
