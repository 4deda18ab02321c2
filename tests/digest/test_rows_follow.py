"""A posted digest's rows follow what was done to them, for everyone: a row suspended or snoozed
by one operator loses its buttons and says who did what; a stale button on it says so too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.digest import views
from bot.suspension import views as suspension
from tests.digest.conftest import all_events, check_message
from tests.digest.test_over_slack import post_digest_now, snooze_values, text_of
from tests.fixtures.bot import ALICE, DIGEST_CHANNEL, OSCAR, BotHarness, start_bot


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotHarness]:
    yield from start_bot(f"sqlite:///{tmp_path / 'ledger.db'}", jethub_digest_time="00:00")


def the_digest(bot: BotHarness) -> dict[str, Any]:
    bot.wait_idle()
    [posted] = bot.slack.messages(DIGEST_CHANNEL)
    check_message(posted)
    return posted


def row_buttons(message: dict[str, Any], account: str) -> list[str]:
    return [
        element["action_id"]
        for block in message["blocks"]
        if block.get("block_id") == f"{views.ROW_ACTIONS_BLOCK}{account}"
        for element in block["elements"]
    ]


def done_line(message: dict[str, Any], account: str) -> str:
    [block] = [b for b in message["blocks"] if b.get("block_id") == f"digest.done.{account}"]
    return str(block["elements"][0]["text"])


def suspend_from_row(bot: BotHarness, user: str, posted: dict[str, Any], account: str) -> None:
    origin = f"digest:{bot.services.deps.today().isoformat()}"
    bot.send.block_action(user, "verb:suspend", f"{account}|{origin}", message=posted)
    bot.wait_idle()
    confirmation = bot.slack.ephemerals(user)[-1]
    bot.send.block_action(
        user,
        suspension.CONFIRM,
        message=confirmation["ts"],
        block_id=suspension.ACTIONS_BLOCK,
        state={suspension.REASON_BLOCK: {suspension.REASON_ACTION: "listed in the digest"}},
    )
    bot.wait_idle()


@pytest.fixture
def pg_bot(fresh_pg_url: str) -> Iterator[BotHarness]:
    yield from start_bot(fresh_pg_url, jethub_digest_time="00:00")


def test_a_row_suspended_by_one_operator_is_updated_for_everyone(bot: BotHarness) -> None:
    a_row_suspended_is_updated_for_everyone(bot)


@pytest.mark.postgres
def test_a_row_suspended_is_updated_for_everyone_on_postgres(pg_bot: BotHarness) -> None:
    a_row_suspended_is_updated_for_everyone(pg_bot)


def a_row_suspended_is_updated_for_everyone(bot: BotHarness) -> None:
    posted = post_digest_now(bot)
    assert row_buttons(posted, "1003") == [
        "verb:suspend",
        views.SNOOZE_ACTION,
        "verb:promise",
        views.TAKE_ACTION,
        "verb:account",
    ]

    suspend_from_row(bot, ALICE, posted, "1003")

    updated = the_digest(bot)
    assert updated["ts"] == posted["ts"] and len(updated["blocks"]) == len(posted["blocks"])
    assert row_buttons(updated, "1003") == []
    assert re.fullmatch(r"Suspended by <@U0ALICE> \d\d:\d\d", done_line(updated, "1003"))
    assert row_buttons(updated, "1008") != []  # the other rows keep their buttons

    # Oscar's Slack still shows the old buttons: both answer who acted, and nothing is done.
    suspensions = len([e for e in all_events(bot.ledger) if e.action == "suspend"])
    bot.send.block_action(
        OSCAR, "verb:suspend", f"1003|digest:{bot.services.deps.today()}", message=posted
    )
    bot.wait_idle()
    said = bot.slack.ephemerals(OSCAR)[-1]["text"]
    assert said.startswith("Account 1003 was suspended by <@U0ALICE> at ")
    assert "Nothing was done" in said
    bot.send.block_action(OSCAR, views.SNOOZE_ACTION, "1003", message=posted)
    bot.wait_idle()
    assert bot.slack.ephemerals(OSCAR)[-1]["text"] == said
    assert bot.slack.open_view(OSCAR) is None
    assert len([e for e in all_events(bot.ledger) if e.action == "suspend"]) == suspensions


def test_a_row_snoozed_from_the_digest_is_updated_for_everyone(bot: BotHarness) -> None:
    posted = post_digest_now(bot)
    bot.send.block_action(ALICE, views.SNOOZE_ACTION, "1008", message=posted)
    bot.wait_idle()
    until = bot.services.deps.today() + timedelta(days=3)
    bot.send.view_submission(
        ALICE, values=snooze_values(until.isoformat(), "payment plan", preset="date")
    )
    bot.wait_idle()

    updated = the_digest(bot)
    assert row_buttons(updated, "1008") == []
    assert done_line(updated, "1008") == f"Snoozed until {views.day_text(until)} by <@U0ALICE>"
    assert "Brightwater" in text_of([updated])  # the row itself stays

    # Then another row, by someone else: both rows show what was done to them.
    suspend_from_row(bot, OSCAR, posted, "1003")
    both = the_digest(bot)
    assert row_buttons(both, "1008") == [] and row_buttons(both, "1003") == []
    assert "by <@U0OSCAR>" in done_line(both, "1003")
    assert "by <@U0ALICE>" in done_line(both, "1008")

    # A stale Suspend on the snoozed row says who snoozed it, and until when.
    origin = f"digest:{bot.services.deps.today().isoformat()}"
    bot.send.block_action(OSCAR, "verb:suspend", f"1008|{origin}", message=posted)
    bot.wait_idle()
    said = bot.slack.ephemerals(OSCAR)[-1]["text"]
    assert said.startswith(f"Account 1008 was snoozed until {views.day_text(until)} by <@U0ALICE>")


def test_nothing_is_redrawn_for_an_account_the_digest_does_not_list(bot: BotHarness) -> None:
    posted = post_digest_now(bot)
    bot.command(ALICE, "suspend 1006 unpaid")  # not overdue: refused, nothing recorded ok
    assert the_digest(bot)["blocks"] == posted["blocks"]
    assert bot.slack.calls("chat.update") == []


def test_a_row_suspended_then_lifted_after_payment_says_so(tmp_path: Path) -> None:
    from commands.suspension.paid import decide
    from devkit.console.payments import pay

    url = f"sqlite:///{tmp_path / 'auto.db'}"
    for auto in start_bot(url, jethub_digest_time="00:00", jethub_unsuspend_on_payment="auto"):
        posted = post_digest_now(auto)
        suspend_from_row(auto, ALICE, posted, "1003")
        [shown] = [m for m in auto.slack.messages(DIGEST_CHANNEL) if m["ts"] == posted["ts"]]
        assert done_line(shown, "1003").startswith("Suspended by <@U0ALICE>")
        paid = pay(auto.sandbox.url, "1003", None)
        decide(auto.services.deps, "1003", source="check")
        auto.wait_idle()
        [redrawn] = [m for m in auto.slack.messages(DIGEST_CHANNEL) if m["ts"] == posted["ts"]]
        line = done_line(redrawn, "1003")
        assert line.startswith("Suspended by <@U0ALICE>")
        assert f" · lifted after payment {paid['number']} " in line
