"""Zuora's payments, as Invoice Settlement has them: ``POST /v1/payments`` creates a processed
payment and applies it to the named invoices (their balance falls, their status stays Posted);
``GET /v1/transactions/payments/accounts/{key}`` reads an account's payments back, newest first.

Over-applying an invoice, or naming one the account does not have, fails as Zuora does: HTTP 200,
``success: false`` and a reason, with nothing changed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from devkit.sandbox._http import BadRequest, Call, Reply, Route, read_json
from devkit.sandbox._zuora_api import (
    MALFORMED_JSON,
    _validation_failure,
    account_transactions,
    failure,
    not_found,
)
from devkit.sandbox._zuora_state import Payment, PaymentRefused, ZuoraAccount, money


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", populate_by_name=True)


class InvoiceApplication(_Camel):
    invoice_id: str = Field(min_length=1, max_length=64)
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)


class CreatePayment(_Camel):
    """Zuora's request body (the fields the sandbox plays; others are refused by name)."""

    account_id: str | None = Field(None, min_length=1, max_length=64)
    account_number: str | None = Field(None, min_length=1, max_length=70)
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3)
    effective_date: date | None = None
    type: Literal["External", "Electronic"] = "External"
    invoices: list[InvoiceApplication] | None = Field(None, max_length=1000)
    comment: str | None = Field(None, max_length=255)
    payment_method_id: str | None = None

    @model_validator(mode="after")
    def _one_account(self) -> CreatePayment:
        if not (self.account_id or self.account_number):
            raise ValueError("either accountId or accountNumber is required")
        return self


def payment_json(account: ZuoraAccount, payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "number": payment.number,
        "paymentNumber": payment.number,
        "accountId": payment.account_id,
        "accountID": payment.account_id,
        "accountNumber": account.account_number,
        "accountName": account.name,
        "amount": money(payment.amount),
        "appliedAmount": money(payment.applied_amount),
        "unappliedAmount": money(payment.unapplied_amount),
        "currency": payment.currency,
        "effectiveDate": payment.effective_date.isoformat(),
        "createdDate": payment.created.isoformat(),
        "status": payment.status,
        "type": payment.type,
        "comment": payment.comment,
        "paidInvoices": [
            {
                "invoiceId": a.invoice_id,
                "invoiceNumber": a.invoice_number,
                "appliedPaymentAmount": money(a.amount),
            }
            for a in payment.applied
        ],
    }


def post_payment(call: Call) -> Reply:
    z = call.world.zuora
    try:
        order = CreatePayment.model_validate(read_json(call.request))
    except BadRequest as exc:
        return failure(200, MALFORMED_JSON, exc.message)
    except ValidationError as exc:
        return _validation_failure(exc)
    key = order.account_id or order.account_number
    assert key is not None
    account = z.account(key)
    if account is None:
        return not_found(z, key)
    if order.account_id and order.account_number and account.account_number != order.account_number:
        return failure(200, 53100320, "accountId and accountNumber name different accounts.")
    applications = (
        None if order.invoices is None else [(i.invoice_id, i.amount) for i in order.invoices]
    )
    try:
        payment = z.pay(
            account.id,
            order.amount,
            invoices=applications or [],  # none named: the payment stays unapplied
            effective_date=order.effective_date,
            currency=order.currency,
            comment=order.comment,
        )
    except PaymentRefused as exc:
        return failure(200, exc.code, exc.message)
    return Reply(200, {**payment_json(account, payment), "success": True})


def get_account_payments(call: Call) -> Reply:
    z = call.world.zuora
    return account_transactions(
        call,
        "payments",
        lambda account: sorted(z.payments_of(account), key=lambda p: p.seq, reverse=True),
        payment_json,
    )


def routes() -> list[Route]:
    return [
        Route("/v1/payments", ("POST",), post_payment),
        Route("/v1/transactions/payments/accounts/<key>", ("GET",), get_account_payments),
    ]
