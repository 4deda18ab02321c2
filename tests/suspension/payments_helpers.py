"""Helpers for the collections tests: suspend through Slack, pay through Zuora's API, deliver
Zuora's callout to the served bot."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from bot.suspension import views
from tests.fixtures.bot import ALICE, BotHarness
from tests.fixtures.sandbox import zuora_token

CALLOUT_USER = "zuora-workflow"
CALLOUT_PASSWORD = "callout-password-5f1e9c"
CALLOUT = {
    "jethub_zuora_callout_user": CALLOUT_USER,
    "jethub_zuora_callout_password": CALLOUT_PASSWORD,
}


def suspend_through_slack(bot: BotHarness, account: str, user: str = ALICE) -> None:
    bot.command(user, f"suspend {account} three reminders unanswered")
    shown = bot.slack.ephemerals(user)[-1]
    bot.send.block_action(user, views.CONFIRM, message=shown["ts"], block_id=views.ACTIONS_BLOCK)
    bot.wait_idle()


def pay(zuora_url: str, zuora_account: str, amount: Decimal | None = None) -> dict[str, Any]:
    """Pay the account's open invoices (oldest first, as far as ``amount`` goes) with
    ``POST /v1/payments``, as a payment recorded in Zuora; Zuora's answer."""
    headers = {"Authorization": f"Bearer {zuora_token(zuora_url)}"}
    with httpx.Client(base_url=zuora_url, headers=headers) as zuora:
        listed = zuora.get(f"/v1/transactions/invoices/accounts/{zuora_account}").json()
        owing = sorted(
            (i for i in listed["invoices"] if i["balance"] > 0), key=lambda i: i["dueDate"]
        )
        left = sum((Decimal(str(i["balance"])) for i in owing), Decimal(0))
        total = left if amount is None else amount
        left = total
        applied = []
        for invoice in owing:
            part = min(left, Decimal(str(invoice["balance"])))
            if part > 0:
                applied.append({"invoiceId": invoice["id"], "amount": float(part)})
                left -= part
        body = {
            "accountNumber": zuora_account,
            "amount": float(total),
            "currency": "AUD",
            "type": "External",
            "invoices": applied,
        }
        answer: dict[str, Any] = zuora.post("/v1/payments", json=body).json()
    assert answer["success"] is True, answer
    return answer


def callout_body(zuora_account: str, paid: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": "payment.processed",
        "accountNumber": zuora_account,
        "paymentNumber": paid["number"],
        "amount": paid["amount"],
    }


def deliver(
    bot_url: str,
    body: dict[str, Any] | bytes,
    auth: tuple[str, str] | None = (CALLOUT_USER, CALLOUT_PASSWORD),
) -> httpx.Response:
    """Zuora's callout, as its Workflow delivers it."""
    content = body if isinstance(body, bytes) else None
    return httpx.post(
        f"{bot_url}/zuora/events",
        json=None if content is not None else body,
        content=content,
        auth=auth,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
