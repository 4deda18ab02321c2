"""The read side with the ledger on PostgreSQL: a refresh is audited and the audit verb reads it."""

from __future__ import annotations

import pytest

from tests.fixtures.bot import ALICE, VERA
from tests.reading.conftest import action_ids, assert_valid_message, block_text, events

pytestmark = pytest.mark.postgres


def test_refresh_then_audit_on_postgres(bot_pg):
    bot = bot_pg
    bot.command(ALICE, "billing 1006")
    [view] = bot.slack.ephemerals(ALICE)
    assert "reading.billing_refresh" in action_ids(view)
    bot.send.block_action(ALICE, "reading.billing_refresh", message=view["ts"])
    bot.wait_idle()
    with bot.sandbox.world.lock:
        stored = dict(bot.sandbox.world.platform.estate("1006").allowances.items)
    assert stored["Cloud Mobile"] == 5

    bot.command(VERA, "audit 1006")
    page = bot.slack.ephemerals(VERA)[-1]
    assert_valid_message(page)
    assert "billing.refresh" in block_text(page) and f"<@{ALICE}>" in block_text(page)
    assert [e.action for e in events(bot.ledger, "1006")][-1] == "billing.refresh"
    bot.send.close()
