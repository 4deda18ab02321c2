"""Suspend and unsuspend over signed HTTP: the served app, the fake Slack, the demo sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.suspension import views
from tests.fixtures.bot import (
    ALICE,
    APPROVALS_CHANNEL,
    BOB,
    NOBODY,
    OSCAR,
    SUPPORT_CHANNEL,
    VERA,
    BotHarness,
    start_bot,
)
from tests.suspension.conftest import (
    OVERDUE,
    SUSPEND_DELETE,
    SUSPENDED,
    events,
    pay_everything,
    puts,
    suspension_of,
    trail,
)


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks") or [], ensure_ascii=False) + message.get("text", "")


def check_blocks(message: dict[str, Any]) -> None:
    blocks = message.get("blocks") or []
    assert len(blocks) <= 50
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e.get("value", ""))
        for b in message.get("blocks") or []
        if b["type"] in ("actions", "section")
        for e in (b.get("elements") or ([b["accessory"]] if b.get("accessory") else []))
        if e.get("type") == "button"
    ]


def latest_ephemeral(bot: BotHarness, user: str) -> dict[str, Any]:
    shown = bot.slack.ephemerals(user)
    assert shown, f"nothing shown to {user}"
    return shown[-1]


def ask(bot: BotHarness, text: str, user: str = ALICE) -> dict[str, Any]:
    """Run the command; return the confirmation it showed (checked against Block Kit limits)."""
    response = bot.command(user, text)
    assert response.status_code == 200
    shown = latest_ephemeral(bot, user)
    check_blocks(shown)
    return shown


def click(
    bot: BotHarness,
    user: str,
    action: str,
    message: dict[str, Any],
    *,
    reason: str | None = None,
    wait: bool = True,
) -> None:
    state = None if reason is None else {views.REASON_BLOCK: {views.REASON_ACTION: reason}}
    bot.send.block_action(
        user, action, message=message["ts"], block_id=views.ACTIONS_BLOCK, state=state
    )
    if wait:
        bot.wait_idle()


def test_suspend_then_unsuspend(bot: BotHarness) -> None:
    shown = ask(bot, f"suspend {OVERDUE} three reminders unanswered")
    body = text_of(shown)
    assert "1 invoice" in body and "oldest due" in body and "8 days overdue" in body
    assert "voicemail" in body and "Action Bar" in body and "not allowed to make calls" in body
    assert "three reminders unanswered" in body  # the reason box is prefilled
    assert [a for a, _ in buttons(shown)] == [views.CONFIRM, views.CANCEL]
    assert suspension_of(bot.sandbox, OVERDUE) is None

    click(bot, ALICE, views.CONFIRM, shown)
    found = suspension_of(bot.sandbox, OVERDUE)
    assert found is not None and found[:2] == ("three reminders unanswered", ALICE)
    result = bot.slack.message(bot.slack.find_message(shown["ts"], user=ALICE))  # type: ignore[arg-type]
    assert result is not None and "is suspended" in text_of(result)
    [(_, run_id)] = [b for b in buttons(result) if b[0] == "change.share"]
    assert buttons(result) == [("verb:unsuspend", OVERDUE), ("change.share", run_id)]
    check_blocks(result)

    lift = ask(bot, f"unsuspend {OVERDUE}")
    assert "Lift the suspension" in text_of(lift) and "three reminders unanswered" in text_of(lift)
    click(bot, ALICE, views.CONFIRM, lift, reason="paid by card")
    assert suspension_of(bot.sandbox, OVERDUE) is None
    assert bot.sandbox.counters.get("platform", SUSPEND_DELETE) == 1

    assert trail(bot.ledger, OVERDUE) == [
        (ALICE, "suspend.confirm", "ok"),
        (ALICE, "suspend", "ok"),
        (ALICE, "unsuspend.confirm", "ok"),
        (ALICE, "unsuspend", "ok"),
    ]
    assert all(e.correlation_id for e in events(bot.ledger, OVERDUE))


def test_the_edited_reason_is_used(bot: BotHarness) -> None:
    shown = ask(bot, f"suspend {OVERDUE} first draft")
    click(bot, ALICE, views.CONFIRM, shown, reason="final wording")
    found = suspension_of(bot.sandbox, OVERDUE)
    assert found is not None and found[0] == "final wording"


def test_a_missing_reason_is_asked_for(bot: BotHarness) -> None:
    shown = ask(bot, f"suspend {OVERDUE}")
    click(bot, ALICE, views.CONFIRM, shown, reason="")
    assert "type a reason" in latest_ephemeral(bot, ALICE)["text"]
    assert suspension_of(bot.sandbox, OVERDUE) is None
    click(bot, ALICE, views.CONFIRM, shown, reason="unpaid")  # the same buttons still work
    assert suspension_of(bot.sandbox, OVERDUE) is not None


def test_double_click_suspends_once_and_the_second_is_told(bot: BotHarness) -> None:
    double_click(bot)


@pytest.mark.postgres
def test_double_click_on_postgres(bot_pg: BotHarness) -> None:
    double_click(bot_pg)


def double_click(bot: BotHarness) -> None:
    shown = ask(bot, f"suspend {OVERDUE} unpaid")
    bot.sandbox.counters.reset()
    # Hold the sandbox so the first click is still suspending when the second lands.
    with bot.sandbox.world.lock:
        click(bot, ALICE, views.CONFIRM, shown, wait=False)
        click(bot, ALICE, views.CONFIRM, shown, wait=False)
        told = bot.slack.wait_for(
            lambda: [m for m in bot.slack.ephemerals(ALICE) if "Already done" in m["text"]]
        )
    bot.wait_idle()
    assert len(told) == 1 and "confirmed by <@U0ALICE>" in told[0]["text"]
    assert puts(bot.sandbox) == 1
    assert suspension_of(bot.sandbox, OVERDUE) is not None
    got = trail(bot.ledger, OVERDUE)
    assert got.count((ALICE, "suspend", "ok")) == 1
    assert (ALICE, "suspend.confirm", "refused") in got


def test_paid_between_confirmation_and_confirm_is_not_suspended(bot: BotHarness) -> None:
    shown = ask(bot, f"suspend {OVERDUE} unpaid")
    pay_everything(bot.sandbox, OVERDUE)
    click(bot, ALICE, views.CONFIRM, shown)
    assert suspension_of(bot.sandbox, OVERDUE) is None and puts(bot.sandbox) == 0
    result = bot.slack.message(bot.slack.find_message(shown["ts"], user=ALICE))  # type: ignore[arg-type]
    assert result is not None and "has paid" in result["text"] and buttons(result) == []
    assert trail(bot.ledger, OVERDUE)[-1] == (ALICE, "suspend", "refused")


def test_cancel_does_nothing_but_is_audited(bot: BotHarness) -> None:
    shown = ask(bot, f"suspend {OVERDUE} unpaid")
    click(bot, ALICE, views.CANCEL, shown)
    result = bot.slack.message(bot.slack.find_message(shown["ts"], user=ALICE))  # type: ignore[arg-type]
    assert result is not None and "cancelled" in result["text"] and buttons(result) == []
    assert suspension_of(bot.sandbox, OVERDUE) is None and puts(bot.sandbox) == 0
    assert trail(bot.ledger, OVERDUE) == [(ALICE, "suspend.cancel", "ok")]


def test_already_suspended_and_not_suspended_say_so(bot: BotHarness) -> None:
    before = suspension_of(bot.sandbox, SUSPENDED)
    said = ask(bot, f"suspend {SUSPENDED} again")
    assert "already suspended" in said["text"] and buttons(said) == []
    assert suspension_of(bot.sandbox, SUSPENDED) == before
    said = ask(bot, f"unsuspend {OVERDUE}")
    assert "is not suspended" in said["text"] and buttons(said) == []
    assert puts(bot.sandbox) == 0


@pytest.mark.parametrize("user", [VERA, NOBODY])
def test_only_operators(bot: BotHarness, user: str) -> None:
    response = bot.command(user, f"suspend {OVERDUE} x")
    assert "operator" in response.text
    assert (user, "suspend", "refused") in trail(bot.ledger, OVERDUE)


def test_a_forged_click_with_someone_elses_confirmation_is_refused(bot: BotHarness) -> None:
    mine = ask(bot, f"suspend {OVERDUE} unpaid")
    value = buttons(mine)[0][1]
    assert value and OVERDUE not in value  # the button carries only an opaque id
    his = ask(bot, "suspend 1009 unpaid", user=OSCAR)
    bot.send.block_action(
        OSCAR, views.CONFIRM, value, message=his["ts"], block_id=views.ACTIONS_BLOCK
    )
    bot.wait_idle()
    assert "Only the person who asked" in latest_ephemeral(bot, OSCAR)["text"]
    assert suspension_of(bot.sandbox, OVERDUE) is None
    assert suspension_of(bot.sandbox, "1009") is None
    assert (OSCAR, "suspend.confirm", "refused") in trail(bot.ledger, OVERDUE)
    bot.send.block_action(
        OSCAR, views.CONFIRM, "tampered", message=his["ts"], block_id=views.ACTIONS_BLOCK
    )
    bot.wait_idle()
    assert "does not match" in latest_ephemeral(bot, OSCAR)["text"]
    assert puts(bot.sandbox) == 0


def test_from_the_digest_it_is_audited_with_the_digest_as_origin(bot: BotHarness) -> None:
    bot.command(ALICE, "digest")
    digest = [m for m in bot.slack.ephemerals(ALICE) if "verb:suspend" in json.dumps(m)]
    assert digest, "the digest shows Suspend buttons"
    message = digest[-1]
    value = next(v for a, v in buttons(message) if a == "verb:suspend" and v.startswith(OVERDUE))
    bot.send.block_action(ALICE, "verb:suspend", value, message=message["ts"])
    bot.wait_idle()
    shown = latest_ephemeral(bot, ALICE)
    assert "From the overdue digest of" in text_of(shown)
    click(bot, ALICE, views.CONFIRM, shown, reason="digest run")
    assert suspension_of(bot.sandbox, OVERDUE) is not None
    done = events(bot.ledger, OVERDUE)[-1]
    assert done.action == "suspend" and done.details["origin"] == value.partition("|")[2]
    assert done.details["origin"].startswith("digest:")


def test_from_the_account_view(bot: BotHarness) -> None:
    view = ask(bot, f"account {OVERDUE}")
    assert ("verb:suspend", OVERDUE) in buttons(view)
    bot.send.block_action(ALICE, "verb:suspend", OVERDUE, message=view["ts"])
    bot.wait_idle()
    shown = latest_ephemeral(bot, ALICE)
    assert [a for a, _ in buttons(shown)] == [views.CONFIRM, views.CANCEL]
    click(bot, ALICE, views.CONFIRM, shown, reason="from the account view")
    assert suspension_of(bot.sandbox, OVERDUE) is not None
    assert events(bot.ledger, OVERDUE)[-1].details["origin"] is None


@pytest.fixture
def strict_bot(tmp_path: Path) -> Iterator[BotHarness]:
    yield from start_bot(
        f"sqlite:///{tmp_path / 'ledger.db'}", jethub_suspend_requires_approval=True
    )


def test_with_approval_required_an_approver_decides(strict_bot: BotHarness) -> None:
    bot = strict_bot
    shown = ask(bot, f"suspend {OVERDUE} unpaid")
    assert "Request approval" in text_of(shown)
    click(bot, ALICE, views.CONFIRM, shown)
    assert suspension_of(bot.sandbox, OVERDUE) is None
    [request] = bot.slack.messages(APPROVALS_CHANNEL)
    check_blocks(request)
    assert "Suspend account 1003" in text_of(request) and "unpaid" in text_of(request)
    approve = next(v for a, v in buttons(request) if a == "approvals.approve")
    bot.send.block_action(
        BOB, "approvals.approve", approve, message=request["ts"], channel=APPROVALS_CHANNEL
    )
    bot.wait_idle()
    found = suspension_of(bot.sandbox, OVERDUE)
    assert found is not None and found[:2] == ("unpaid", ALICE)
    thread = bot.slack.thread(APPROVALS_CHANNEL, request["ts"])
    assert any("is suspended" in m.get("text", "") for m in thread[1:])
    got = trail(bot.ledger, OVERDUE)
    assert (ALICE, "suspend.request", "ok") in got and (BOB, "suspend.approve", "ok") in got
    assert got[-1] == (ALICE, "suspend", "ok")


def test_with_approval_required_but_no_channel_it_is_refused(tmp_path: Path) -> None:
    for bot in start_bot(
        f"sqlite:///{tmp_path / 'ledger.db'}",
        jethub_suspend_requires_approval=True,
        jethub_approvals_channel=None,
    ):
        said = ask(bot, f"suspend {OVERDUE} unpaid")
        assert "no approvals channel" in said["text"]
        assert trail(bot.ledger, OVERDUE) == [(ALICE, "suspend", "refused")]


def test_a_suspension_result_offers_unsuspend_and_share(bot: BotHarness) -> None:
    shown = ask(bot, f"suspend {OVERDUE} unpaid")
    click(bot, ALICE, views.CONFIRM, shown)
    result = bot.slack.message(bot.slack.find_message(shown["ts"], user=ALICE))  # type: ignore[arg-type]
    assert result is not None
    (share,) = [value for action, value in buttons(result) if action == "change.share"]

    # Share: the change as recorded, posted in the channel for everyone, with who shared it.
    bot.send.block_action(ALICE, "change.share", share, message=shown["ts"])
    bot.wait_idle()
    [posted] = bot.slack.messages(SUPPORT_CHANNEL)
    check_blocks(posted)
    assert posted["text"].startswith(f"✅ <@U0ALICE> · suspension · account {OVERDUE} · done")
    assert "Shared by <@U0ALICE>" in text_of(posted)
    # A crafted run id shares nothing.
    bot.send.block_action(ALICE, "change.share", "no-such-run", message=shown["ts"])
    bot.wait_idle()
    assert latest_ephemeral(bot, ALICE)["text"] == "That button is not valid any more."
    assert len(bot.slack.messages(SUPPORT_CHANNEL)) == 1

    # Unsuspend from the result: the lift confirmation, then lifted; its result can be shared too.
    bot.send.block_action(ALICE, "verb:unsuspend", OVERDUE, message=shown["ts"])
    bot.wait_idle()
    lift = latest_ephemeral(bot, ALICE)
    assert "Lift the suspension" in text_of(lift)
    click(bot, ALICE, views.CONFIRM, lift, reason="paid by card")
    assert suspension_of(bot.sandbox, OVERDUE) is None
    lifted = bot.slack.message(bot.slack.find_message(lift["ts"], user=ALICE))  # type: ignore[arg-type]
    assert lifted is not None and [a for a, _ in buttons(lifted)] == ["change.share"]
    check_blocks(lifted)
