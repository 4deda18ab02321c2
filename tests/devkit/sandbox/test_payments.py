"""Zuora's payments as the sandbox plays them, over real HTTP: POST /v1/payments applies a
processed payment to the named invoices; the account's payments read back, newest first."""

from __future__ import annotations

from decimal import Decimal

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.sandbox import Sandbox
from integrations.zuora import ZuoraClient


def _open_invoice(zuora: httpx.Client, account: str = "A00001003") -> dict:
    invoices = zuora.get(f"/v1/transactions/invoices/accounts/{account}").json()["invoices"]
    return next(i for i in invoices if i["balance"] > 0)


def _reason(response: httpx.Response) -> dict:
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is False
    return body["reasons"][0]


def test_a_payment_is_applied_to_its_invoice_and_lowers_the_balance(
    sandbox: Sandbox, zuora: httpx.Client
):
    invoice = _open_invoice(zuora)
    body = {
        "accountNumber": "A00001003",
        "amount": 189.50,
        "currency": "AUD",
        "effectiveDate": "2026-12-07",
        "type": "External",
        "invoices": [{"invoiceId": invoice["id"], "amount": 189.50}],
        "comment": "paid by phone",
    }
    response = zuora.post("/v1/payments", json=body)
    assert response.status_code == 200
    paid = response.json()
    assert paid["success"] is True
    assert paid["status"] == "Processed"
    assert paid["number"].startswith("P-")
    assert len(paid["id"]) == 32
    assert (paid["appliedAmount"], paid["unappliedAmount"]) == (189.5, 0.0)
    after = zuora.get("/v1/transactions/invoices/accounts/A00001003").json()["invoices"]
    same = next(i for i in after if i["id"] == invoice["id"])
    assert (same["balance"], same["status"]) == (0.0, "Posted")
    account = zuora.get("/v1/accounts/A00001003").json()
    assert account["metrics"]["balance"] == 0.0
    listed = zuora.get("/v1/transactions/payments/accounts/A00001003").json()
    assert listed["success"] is True
    (payment,) = listed["payments"]
    assert payment["paymentNumber"] == paid["number"]
    assert payment["paidInvoices"] == [
        {
            "invoiceId": invoice["id"],
            "invoiceNumber": invoice["invoiceNumber"],
            "appliedPaymentAmount": 189.5,
        }
    ]


def test_a_partial_payment_leaves_the_rest_owing_and_an_account_id_works(
    sandbox: Sandbox, zuora: httpx.Client
):
    invoice = _open_invoice(zuora)
    account_id = zuora.get("/v1/accounts/A00001003").json()["basicInfo"]["id"]
    body = {
        "accountId": account_id,
        "amount": 100,
        "type": "External",
        "invoices": [{"invoiceId": invoice["invoiceNumber"], "amount": 50}],
    }
    paid = zuora.post("/v1/payments", json=body).json()
    assert (paid["appliedAmount"], paid["unappliedAmount"]) == (50.0, 50.0)
    assert sandbox.world.zuora.invoice(invoice["invoiceNumber"]).balance == Decimal("139.50")


def test_over_applying_or_an_unknown_invoice_fails_as_zuora_does_and_changes_nothing(
    sandbox: Sandbox, zuora: httpx.Client
):
    invoice = _open_invoice(zuora)
    over = {
        "accountNumber": "A00001003",
        "amount": 500,
        "type": "External",
        "invoices": [{"invoiceId": invoice["id"], "amount": 200}],
    }
    assert _reason(zuora.post("/v1/payments", json=over))["code"] == 53100330
    unknown = {**over, "amount": 10, "invoices": [{"invoiceId": "INV99999999", "amount": 10}]}
    reason = _reason(zuora.post("/v1/payments", json=unknown))
    assert reason == {"code": 50000040, "message": "Cannot find entity by key: 'INV99999999'."}
    other = _open_invoice(zuora, "A00001005")  # another account's invoice is unknown here
    theirs = {**unknown, "invoices": [{"invoiceId": other["id"], "amount": 10}]}
    assert _reason(zuora.post("/v1/payments", json=theirs))["code"] == 50000040
    assert (
        _reason(zuora.post("/v1/payments", json={**over, "accountNumber": "NOPE"}))["code"]
        == 50000040
    )
    assert sandbox.world.zuora.invoice(invoice["invoiceNumber"]).balance == Decimal("189.50")
    assert zuora.get("/v1/transactions/payments/accounts/A00001003").json()["payments"] == []


def test_malformed_bodies_are_refused_by_field(zuora: httpx.Client):
    assert _reason(zuora.post("/v1/payments", content=b"{"))["code"] == 50000090
    for body in (
        {"amount": 10, "type": "External"},  # no account
        {"accountNumber": "A00001003", "amount": -1, "type": "External"},
        {"accountNumber": "A00001003", "amount": 1, "type": "Cheque"},
        {"accountNumber": "A00001003", "amount": 1, "colour": "blue"},
    ):
        assert _reason(zuora.post("/v1/payments", json=body))["code"] in (53100320, 53100321)


FIXTURES_KEPT = [HealthCheck.function_scoped_fixture]  # one world: balances fall across examples


@settings(max_examples=25, deadline=None, suppress_health_check=FIXTURES_KEPT)
@given(parts=st.lists(st.decimals("0.01", "900", places=2), min_size=1, max_size=4))
def test_an_invoice_is_never_paid_below_zero(sandbox: Sandbox, zuora: httpx.Client, parts):
    account = sandbox.world.zuora.account("A00001009")  # owes 3210.40 on one invoice
    assert account is not None
    invoice = sandbox.world.zuora.invoices_of(account)[-1].to_json()
    for part in parts:
        before = sandbox.world.zuora.invoice(invoice["invoiceNumber"]).balance
        body = {
            "accountNumber": "A00001009",
            "amount": float(part),
            "type": "External",
            "invoices": [{"invoiceId": invoice["id"], "amount": float(part)}],
        }
        answer = zuora.post("/v1/payments", json=body).json()
        after = sandbox.world.zuora.invoice(invoice["invoiceNumber"]).balance
        assert answer["success"] is (part <= before)
        assert after == (before - part if part <= before else before)
        assert after >= 0


def test_the_client_reads_payments_back(sandbox: Sandbox):
    z = sandbox.world.zuora
    first = z.pay("A00001005", "100.00")
    second = z.pay("A00001005", "2240.00")
    with ZuoraClient(base_url=sandbox.url, client_id="c", client_secret="s") as client:
        payments = client.payments_for_account("A00001005")
        assert [p.payment_number for p in payments] == [second.number, first.number]
        assert payments[0].amount == Decimal("2240.00") and payments[0].processed
        assert payments[0].paid_invoices[0].applied_payment_amount == Decimal("2240.00")
        assert client.payments_for_account("A00001005", since=z.clock.today()) == payments
