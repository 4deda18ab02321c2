"""The activity channel over signed HTTP: one line per finished change of each kind, whichever
way it ended; nothing when the setting is unset; a failing post changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.changes.views import edit as edit_views
from bot.changes.views import emergency as emergency_views
from bot.changes.views import invoice_email as invoice_email_views
from bot.changes.views import pbx as pbx_views
from bot.digest import views as digest_views
from bot.jobs.sweeper import sweep
from bot.suspension import views as suspension_views
from commands.changes import auth_rules
from commands.runs import records as run_records
from tests.changes.test_e2e import chose, open_modal, pbx_view, picked, rendered, replies, submit
from tests.deactivation.test_e2e import ask as ask_deactivation
from tests.deactivation.test_e2e import click as click_approval
from tests.digest.test_over_slack import snooze_values
from tests.fixtures.bot import ALICE, BOB, SUPPORT_CHANNEL, BotHarness, start_bot
from tests.suspension.conftest import pay_everything, suspension_of, trail

ACTIVITY = "C0ACTIVITY"


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotHarness]:
    yield from _started(tmp_path, jethub_activity_channel=ACTIVITY)


def _started(tmp_path: Path, **settings: Any) -> Iterator[BotHarness]:
    for harness in start_bot(f"sqlite:///{tmp_path / 'ledger.db'}", **settings):
        harness.slack.add_channel(ACTIVITY, "jethub-activity")
        yield harness


def lines(bot: BotHarness) -> list[str]:
    bot.wait_idle()
    posted = bot.slack.messages(ACTIVITY)
    for message in posted:
        blocks = message.get("blocks") or []
        assert 0 < len(blocks) <= 50
        for block in blocks:
            parsed = Block.parse(block)
            assert parsed is not None
            parsed.validate_json()
    return [m["text"] for m in posted]


def new_line(bot: BotHarness, before: int) -> str:
    got = lines(bot)
    assert len(got) == before + 1, got[before:]
    return got[-1]


def suspend(bot: BotHarness, account: str = "1003", user: str = ALICE) -> dict[str, Any]:
    bot.command(user, f"suspend {account} unpaid")
    shown = bot.slack.ephemerals(user)[-1]
    bot.send.block_action(
        user, suspension_views.CONFIRM, message=shown["ts"], block_id=suspension_views.ACTIONS_BLOCK
    )
    bot.wait_idle()
    return shown


def test_one_line_per_finished_change_of_each_kind(bot: BotHarness) -> None:
    # suspend, and unsuspend
    suspend(bot)
    line = new_line(bot, 0)
    assert line.startswith("✅ <@U0ALICE> · suspension · account 1003 · done")
    assert re.search(r"`/jethub audit 1003` \(event \d+\)$", line)
    bot.command(ALICE, "unsuspend 1003")
    lift = bot.slack.ephemerals(ALICE)[-1]
    state = {suspension_views.REASON_BLOCK: {suspension_views.REASON_ACTION: "paid by card"}}
    bot.send.block_action(
        ALICE,
        suspension_views.CONFIRM,
        message=lift["ts"],
        block_id=suspension_views.ACTIONS_BLOCK,
        state=state,
    )
    assert "lifting of a suspension · account 1003 · done" in new_line(bot, 1)

    # rename, then a parent change
    open_modal(bot, ALICE, "edit 1006", edit_views.EDIT_MODAL)
    submit(bot, ALICE, {"name": "Southern Cross Physio", "parent": ""})
    assert "<@U0ALICE> · rename · account 1006 · done" in new_line(bot, 2)
    open_modal(bot, ALICE, "edit 1009", edit_views.EDIT_MODAL)
    submit(bot, ALICE, {"name": "Outback Solar Installations", "parent": "1005"})
    assert "parent change · account 1009 · done" in new_line(bot, 3)

    # invoice email
    open_modal(bot, ALICE, "invoice-email 1002", invoice_email_views.INVOICE_EMAIL_MODAL)
    submit(bot, ALICE, {"email": "billing@bean.example.com.au"})
    assert "account 1002 · done" in new_line(bot, 4)

    # PBX subscription, then PBX name
    bot.send.block_action(ALICE, pbx_views.PBX_SUBSCRIPTION_ACTION, message=pbx_view(bot, "1006"))
    bot.wait_idle()
    submit(bot, ALICE, {"subscription": picked("A-S00001006-2")})
    assert "account 1006 · done" in new_line(bot, 5)
    bot.send.block_action(ALICE, pbx_views.PBX_NAME_ACTION, message=pbx_view(bot, "1007"))
    bot.wait_idle()
    ticked = {
        "type": "checkboxes",
        "selected_options": [
            {"value": pbx_views.ACKNOWLEDGE_VALUE, "text": {"type": "plain_text", "text": "ok"}}
        ],
    }
    submit(bot, ALICE, {"name": "wattle.pbx", "acknowledged": ticked})
    assert "account 1007 · done" in new_line(bot, 6)

    # emergency details (and Zuora's Sold To with them: two changes, two lines)
    bot.command(ALICE, "emergency 1008")
    view = next(
        m for m in replies(bot, ALICE) if emergency_views.EMERGENCY_PULL_ACTION in rendered(m)
    )
    bot.send.block_action(ALICE, emergency_views.EMERGENCY_PULL_ACTION, message=view)
    bot.wait_idle()
    modal = bot.slack.open_view(ALICE)
    assert modal is not None
    pulled = {
        block["block_id"]: block["element"].get("initial_value") or ""
        for block in modal["blocks"]
        if block["type"] == "input" and block["block_id"] != emergency_views.SOLD_TO_BLOCK
    }
    submit(
        bot, ALICE, {**pulled, "postcode": "3000", emergency_views.SOLD_TO_BLOCK: chose("update")}
    )
    emergency = lines(bot)[7:]
    assert len(emergency) == 2 and all("account 1008 · done" in line for line in emergency)

    # auth-rule refresh
    bot.command(ALICE, "refresh-auth 1007")
    assert "auth-rule refresh · account 1007 · done" in new_line(bot, 9)

    # billing (allowance) refresh
    bot.command(ALICE, "billing 1006")
    bot.send.block_action(
        ALICE,
        "reading.billing_refresh",
        message=bot.slack.ephemerals(ALICE)[-1]["ts"],
    )
    assert "allowance refresh · account 1006 · done" in new_line(bot, 10)

    # snooze
    bot.command(ALICE, "digest")
    bot.send.block_action(
        ALICE, digest_views.SNOOZE_ACTION, "1012", message=bot.slack.ephemerals(ALICE)[-1]["ts"]
    )
    bot.wait_idle()
    until = bot.services.deps.today() + timedelta(days=3)
    bot.send.view_submission(
        ALICE, values=snooze_values(until.isoformat(), "payment plan", preset="date")
    )
    line = new_line(bot, 11)
    assert f"<@U0ALICE> · snooze until {until.day} {until:%b %Y} · account 1012 · done" in line

    # deactivation: requested by one, approved by another, 13 steps, one line
    posted = ask_deactivation(bot, "1001")
    click_approval(bot, BOB, "approvals.approve", posted)
    line = new_line(bot, 12)
    assert "<@U0ALICE> (approved by <@U0BOB>) · deactivation · account 1001 · done" in line


def test_a_refused_and_a_stopped_change_say_so(bot: BotHarness) -> None:
    suspend(bot, "1005")  # already suspended: nothing to confirm, nothing finished
    assert lines(bot) == []

    bot.command(ALICE, "suspend 1003 unpaid")
    shown = bot.slack.ephemerals(ALICE)[-1]
    pay_everything(bot.sandbox, "1003")  # paid between the confirmation and Confirm
    bot.send.block_action(
        ALICE,
        suspension_views.CONFIRM,
        message=shown["ts"],
        block_id=suspension_views.ACTIONS_BLOCK,
    )
    (line,) = lines(bot)
    assert line.startswith("⛔ <@U0ALICE> · suspension · account 1003 · refused: ")

    open_modal(bot, ALICE, "edit 1007", edit_views.EDIT_MODAL)
    bot.sandbox.faults("zuora").set(bucket_capacity=1, bucket_refill_per_s=0.0, retry_after=0)
    submit(bot, ALICE, {"name": "Wattle and Gum", "parent": ""})
    line = lines(bot)[-1]
    assert len(lines(bot)) == 2
    assert line.startswith("❌ <@U0ALICE> · rename · account 1007 · stopped at “rename in Zuora”")


def test_nothing_is_posted_when_the_setting_is_unset(tmp_path: Path) -> None:
    for bot in _started(tmp_path):
        shown = suspend(bot)
        result = bot.slack.message(bot.slack.find_message(shown["ts"], user=ALICE))  # type: ignore[arg-type]
        assert result is not None and "is suspended" in rendered(result)
        assert lines(bot) == []
        assert bot.slack.calls("chat.postMessage") == []


def test_a_failing_post_does_not_change_the_outcome(bot: BotHarness) -> None:
    bot.slack.fail_next("chat.postMessage", "channel_not_found")
    shown = suspend(bot)
    assert lines(bot) == []
    assert suspension_of(bot.sandbox, "1003") is not None
    assert trail(bot.ledger, "1003")[-1] == (ALICE, "suspend", "ok")
    result = bot.slack.message(bot.slack.find_message(shown["ts"], user=ALICE))  # type: ignore[arg-type]
    assert result is not None and "is suspended" in rendered(result)
    suspend(bot, "1008")  # the next change is announced as usual
    assert "account 1008 · done" in lines(bot)[-1]


def share_value(message: dict[str, Any]) -> str:
    (value,) = [
        element["value"]
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "change.share"
    ]
    return str(value)


def test_a_change_result_can_be_shared_in_the_channel(bot: BotHarness) -> None:
    open_modal(bot, ALICE, "edit 1006", edit_views.EDIT_MODAL)
    submit(bot, ALICE, {"name": "Southern Cross Physio", "parent": ""})
    result = replies(bot, ALICE)[-1]
    assert "renamed" in result["text"]

    bot.send.block_action(ALICE, "change.share", share_value(result), message=result["ts"])
    bot.wait_idle()
    [shared] = bot.slack.messages(SUPPORT_CHANNEL)
    assert len(shared["blocks"]) == 2
    for block in shared["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    assert shared["text"].startswith("✅ <@U0ALICE> · rename · account 1006 · done")
    assert shared["blocks"][1]["elements"][0]["text"] == "Shared by <@U0ALICE>"


def test_a_change_the_sweeper_finishes_is_announced_once(bot: BotHarness) -> None:
    """A run whose creator died before working it is finished by the clock's sweeper, in that
    process: the line comes from there, once."""
    deps = bot.services.deps
    with deps.ledger.session() as session:
        run_records.create(
            session,
            deps.actions.run(auth_rules.KIND),
            account="1007",
            requested_by=ALICE,
            params={},
            now=deps.now() - timedelta(minutes=5),  # its creator is long gone
        )
    sweep(bot.services, bot.services.slack)
    sweep(bot.services, bot.services.slack)  # nothing left to do: nothing more said

    (line,) = lines(bot)
    assert line.startswith("✅ <@U0ALICE> · auth-rule refresh · account 1007 · done")


@pytest.mark.postgres
def test_one_line_per_finished_change_on_postgres(fresh_pg_url: str) -> None:
    for bot in start_bot(fresh_pg_url, jethub_activity_channel=ACTIVITY):
        bot.slack.add_channel(ACTIVITY, "jethub-activity")
        suspend(bot)
        (line,) = lines(bot)
        assert line.startswith("✅ <@U0ALICE> · suspension · account 1003 · done")
