"""`/jethub reconcile` and its fix buttons over signed HTTP, with the fake Slack and the demo
sandbox: drift made on the platform is shown with its fixes; the buttons bring it back in line,
audited with who pressed them; a finding fixed elsewhere first is said so, nothing done."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.cli.reconcile import reconcile_once
from bot.reconcile.codecs import FixRef
from bot.reconcile.views import FIX_ACTIONS
from commands.reconcile import Reconciliation
from tests.fixtures.bot import ALICE, VERA, BotHarness, start_bot
from tests.reconcile.conftest import platform_call
from tests.suspension.conftest import trail

BILLING = "C0BILLING"


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotHarness]:
    for harness in start_bot(f"sqlite:///{tmp_path / 'ledger.db'}", jethub_billing_channel=BILLING):
        harness.slack.add_channel(BILLING, "billing")
        yield harness


def shown(bot: BotHarness, user: str = ALICE) -> dict[str, Any]:
    message = bot.slack.ephemerals(user)[-1]
    blocks = message.get("blocks") or []
    assert len(blocks) <= 50
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
    return message


def fix(bot: BotHarness, report: dict[str, Any], account: str, check: str, name: str) -> None:
    value = FixRef(account=account, check=check, fix=name).encode()
    bot.send.block_action(ALICE, FIX_ACTIONS[name], value, message=report["ts"])
    bot.wait_idle()


def text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks") or [], ensure_ascii=False) + message.get("text", "")


def test_the_fix_buttons_bring_1005_and_1006_back_in_line(bot: BotHarness) -> None:
    url = bot.sandbox.url
    platform_call(url, "DELETE", "/v2/accounts/1005/suspension")
    platform_call(
        url, "PUT", "/v2/accounts/1005/suspension", {"by": "U0PORTAL", "reason": "Chargeback"}
    )
    items = [{"name": "Cloud Mobile", "quantity": 9}]
    platform_call(url, "PUT", "/v2/accounts/1006/allowances", {"items": items})

    bot.command(ALICE, "reconcile")
    report = shown(bot)
    body = text(report)
    assert "1005 · Suspended outside the bot" in body and "Chargeback" in body
    assert "1006 · Allowances differ from Zuora" in body
    assert "1001 ·" not in body and "1003 ·" not in body  # consistent accounts are not listed

    fix(bot, report, "1005", "suspended-outside-bot", "adopt")
    assert "fixed account 1005" in shown(bot)["text"]
    fix(bot, report, "1006", "allowances", "refresh-allowances")
    assert "fixed account 1006" in shown(bot)["text"]

    for account in ("1005", "1006"):
        run = Reconciliation(bot.services.deps, account=account)
        assert list(run.findings()) == [] and run.end and run.end.complete
    # `jethub reconcile --account 1005` now agrees: exit 0.
    out, err = io.StringIO(), io.StringIO()
    assert reconcile_once(bot.services.settings, account="1005", out=out, err=err) == 0
    assert "1 account checked: the platform, Zuora and the ledger agree" in out.getvalue()
    assert (ALICE, "reconcile.adopt", "ok") in trail(bot.ledger, "1005")
    assert (ALICE, "reconcile.fix", "ok") in trail(bot.ledger, "1005")
    assert (ALICE, "billing.refresh", "ok") in trail(bot.ledger, "1006")
    assert (ALICE, "reconcile.fix", "ok") in trail(bot.ledger, "1006")

    # Pressed again: the finding is gone, so nothing is done and that is said.
    fix(bot, report, "1005", "suspended-outside-bot", "adopt")
    assert "fixed elsewhere" in shown(bot)["text"]
    assert trail(bot.ledger, "1005")[-1] == (ALICE, "reconcile.fix", "refused")


def test_a_finding_fixed_elsewhere_before_the_click_says_so(bot: BotHarness) -> None:
    bot.command(ALICE, "reconcile 1005")
    report = shown(bot)
    assert "Suspended outside the bot" in text(report)
    platform_call(bot.sandbox.url, "DELETE", "/v2/accounts/1005/suspension")  # lifted elsewhere
    fix(bot, report, "1005", "suspended-outside-bot", "lift")
    assert "fixed elsewhere" in shown(bot)["text"]
    assert bot.sandbox.counters.get("platform", "DELETE /v2/accounts/{A}/suspension") == 1
    assert (ALICE, "unsuspend", "ok") not in trail(bot.ledger, "1005")


def test_tell_billing_posts_what_they_need(bot: BotHarness) -> None:
    platform_call(bot.sandbox.url, "POST", "/v2/accounts/1007/deactivate", {"by": "U0PORTAL"})
    bot.command(ALICE, "reconcile 1007")
    report = shown(bot)
    assert "Still billed after deactivation" in text(report)
    fix(bot, report, "1007", "billed-after-deactivation", "tell-billing")
    [note] = bot.slack.messages(BILLING)
    assert "1007" in note["text"] and "Active" in note["text"] and f"<@{ALICE}>" in note["text"]
    assert (ALICE, "reconcile.fix", "ok") in trail(bot.ledger, "1007")


def test_a_viewer_may_not_reconcile(bot: BotHarness) -> None:
    response = bot.command(VERA, "reconcile")
    assert "operator" in response.text
    assert trail(bot.ledger, "") == [] or all(
        e[1] != "reconcile.fix" for e in trail(bot.ledger, "")
    )
