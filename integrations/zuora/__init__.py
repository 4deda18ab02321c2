"""Zuora: accounts, contacts, subscriptions (allowances), invoices and payments.

``ZuoraClient`` is the public face; its answers are the models below, its failures the
:mod:`integrations.errors` family (re-exported here).
"""

from integrations.allowances import AllowanceItem, describe_allowances
from integrations.errors import (
    AuthFailed,
    BackendRejected,
    BackendUnavailable,
    IntegrationError,
    NotFound,
    RateLimited,
    UnexpectedResponse,
)
from integrations.zuora._allowances import compute_allowances
from integrations.zuora._client import ZuoraClient
from integrations.zuora._models import (
    AccountBasicInfo,
    AccountMetrics,
    Allowances,
    BillingAndPayment,
    ContactUpdate,
    Invoice,
    InvoiceAccount,
    PaidInvoice,
    Payment,
    QueriedAccount,
    RatePlan,
    RatePlanCharge,
    Subscription,
    ZuoraAccount,
    ZuoraContact,
)

__all__ = [
    "AccountBasicInfo",
    "AccountMetrics",
    "AllowanceItem",
    "Allowances",
    "AuthFailed",
    "BackendRejected",
    "BackendUnavailable",
    "BillingAndPayment",
    "ContactUpdate",
    "IntegrationError",
    "Invoice",
    "InvoiceAccount",
    "NotFound",
    "PaidInvoice",
    "Payment",
    "QueriedAccount",
    "RateLimited",
    "RatePlan",
    "RatePlanCharge",
    "Subscription",
    "UnexpectedResponse",
    "ZuoraAccount",
    "ZuoraClient",
    "ZuoraContact",
    "compute_allowances",
    "describe_allowances",
]
