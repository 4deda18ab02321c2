"""``/pay <account> [amount]``: a customer paying, played on Zuora's side of the console.

The payment is made as a customer's payment reaches Zuora: ``POST /v1/payments`` on the sandbox,
applied to the account's open invoices, oldest first (all of them when no amount is given). Then
Zuora's callout is delivered to the bot as the notification in ``docs/collections.md`` sends it:
``POST /zuora/events`` with HTTP Basic credentials and the payment's number.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import httpx

from devkit.sandbox import zuora_account_number
from integrations.http import shared_tls

MAX_AMOUNT = Decimal("1000000")


class PayError(Exception):
    """What the console says instead of paying."""


def parse_pay(text: str) -> tuple[str, Decimal | None]:
    """``1003`` or ``1003 50.25`` → (account, amount or None for everything owing)."""
    words = text.split()
    if not words or len(words) > 2 or not re.fullmatch(r"[0-9]{1,12}", words[0]):
        raise PayError("Usage: /pay <account number> [amount], e.g. /pay 1003 or /pay 1003 50")
    if len(words) == 1:
        return words[0], None
    try:
        amount = Decimal(words[1].lstrip("$").replace(",", ""))
    except InvalidOperation:
        raise PayError(f"{words[1]!r} is not an amount like 50 or 189.50") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT or amount != round(amount, 2):
        raise PayError(f"{words[1]!r} is not an amount from 0.01 to 1,000,000 (cents at most)")
    return words[0], amount


def pay(sandbox_url: str, account: str, amount: Decimal | None) -> dict[str, object]:
    """Pay over HTTP as Zuora records a payment; Zuora's answer (``number``, ``appliedAmount``…)."""
    key = zuora_account_number(account)
    with httpx.Client(base_url=sandbox_url, timeout=10, verify=shared_tls()) as zuora:
        form = {"client_id": "console", "client_secret": "console"}
        form["grant_type"] = "client_credentials"
        token = zuora.post("/oauth/token", data=form).json()["access_token"]
        zuora.headers["Authorization"] = f"Bearer {token}"
        listed = zuora.get(f"/v1/transactions/invoices/accounts/{key}", params={"pageSize": 40})
        body = listed.json()
        if not body.get("success", False):
            raise PayError(f"Zuora has no account {key} for Jet Hub account {account}.")
        owing = sorted(
            (i for i in body["invoices"] if i["balance"] > 0 and i["status"] == "Posted"),
            key=lambda i: (i["dueDate"], i["invoiceNumber"]),
        )
        if not owing:
            raise PayError(f"Account {account} owes nothing in Zuora; nothing was paid.")
        total = sum((Decimal(str(i["balance"])) for i in owing), Decimal("0"))
        left = total if amount is None else min(amount, total)
        applied = []
        for invoice in owing:
            part = min(left, Decimal(str(invoice["balance"])))
            if part > 0:
                applied.append({"invoiceId": invoice["id"], "amount": float(part)})
                left -= part
        paid = amount if amount is not None else total
        request = {
            "accountNumber": key,
            "amount": float(paid),
            "type": "External",
            "invoices": applied,
            "comment": "paid at the console",
        }
        answer: dict[str, object] = zuora.post("/v1/payments", json=request).json()
    if not answer.get("success"):
        raise PayError(f"Zuora refused the payment: {answer.get('reasons')}")
    return answer


def deliver_callout(
    bot_url: str, credentials: tuple[str, str], account: str, answer: dict[str, object]
) -> int:
    """Zuora's callout for the payment; the bot's HTTP status (202 when it took it)."""
    body = {
        "event": "payment.processed",
        "accountNumber": zuora_account_number(account),
        "paymentNumber": answer["number"],
        "amount": answer["amount"],
    }
    response = httpx.post(
        f"{bot_url}/zuora/events", json=body, auth=credentials, timeout=10, verify=shared_tls()
    )
    return response.status_code
