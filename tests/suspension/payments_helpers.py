"""Helpers for the collections tests: suspend through Slack, pay through Zuora's API, deliver
Zuora's callout to the served bot."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from bot.suspension import views
from devkit.console.payments import pay as console_pay
from tests.fixtures.bot import ALICE, BotHarness
from tests.fixtures.sandbox import TLS

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
    ``POST /v1/payments``, as the console's ``/pay`` does; Zuora's answer."""
    return console_pay(zuora_url, zuora_account.removeprefix("A").lstrip("0"), amount)


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
        verify=TLS,
    )
