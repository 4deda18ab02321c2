"""Approvers are told: the request mentions them, and one reminder is posted in its thread when
75 % of its time has gone without a decision — once, however many sweeps run."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from audit import JobRun
from audit.models import ApprovalState
from bot.approvals import views
from bot.jobs.sweeper import sweep
from commands.approvals.expiry import REMIND_JOB
from commands.approvals.model import ApprovalView
from commands.approvals.requests import load_approval
from tests.deactivation.conftest import actions, later
from tests.deactivation.test_e2e import ask, check_blocks, click, request_id_of, text_of
from tests.fixtures.bot import APPROVALS_CHANNEL, BOB, BotHarness

ACCOUNT = "1001"


def reminders(bot: BotHarness, ts: str) -> list[dict]:
    thread = bot.slack.thread(APPROVALS_CHANNEL, ts)
    return [m for m in thread[1:] if "still waiting for a decision" in m.get("text", "")]


def sweep_at(bot: BotHarness, by: timedelta, owner: str | None = None) -> None:
    moved = replace(bot.services, deps=later(bot.services.deps, by))
    sweep(moved, bot.services.slack, owner=owner)


def test_the_request_mentions_every_approver(bot: BotHarness) -> None:
    posted = ask(bot)
    check_blocks(posted)
    body = text_of(posted)
    assert "*Approvers:* <@U0BOB>, <@U0BETTY>" in body
    assert "<@U0BOB>" in posted["text"]  # in the notification text too
    click(bot, BOB, "approvals.approve", posted)
    bot.wait_idle()
    final = bot.slack.messages(APPROVALS_CHANNEL)[0]
    assert "Approvers:" not in text_of(final)  # only while it waits


def test_user_groups_are_mentioned_as_subteams_and_nothing_else_is() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    request = ApprovalView(
        id="r1",
        kind="deactivate",
        account="1012",
        requested_by="U0ALICE",
        reason="<!channel> please",
        preview={},
        state=ApprovalState.PENDING,
        decided_by=None,
        decided_at=None,
        decision_reason=None,
        created_at=now,
        expires_at=now + timedelta(hours=24),
        channel=None,
        message_ts=None,
        origin=None,
    )
    from zoneinfo import ZoneInfo

    payload = views.approval_message(
        request,
        [],
        title="Deactivate <@U123>",
        label="deactivation",
        zone=ZoneInfo("Australia/Sydney"),
        approvers=("U0BOB", "S0APPROVERS"),
    )
    body = str(payload)
    assert "<@U0BOB>, <!subteam^S0APPROVERS>" in body
    assert "<!channel>" not in body and "<@U123>" not in body  # outside text stays escaped
    reminder = views.reminder_message(
        request, label="deactivation", zone=ZoneInfo("UTC"), approvers=("S0APPROVERS",)
    )
    assert reminder["text"].startswith(":alarm_clock: <!subteam^S0APPROVERS>:")


def test_one_reminder_at_three_quarters_of_the_ttl(bot: BotHarness) -> None:
    posted = ask(bot)
    request_id = request_id_of(posted)
    sweep_at(bot, timedelta(hours=17, minutes=50))  # 24 h TTL: due at 18 h
    assert reminders(bot, posted["ts"]) == []
    sweep_at(bot, timedelta(hours=18, minutes=5))
    sweep_at(bot, timedelta(hours=18, minutes=6))  # the same clock again
    sweep_at(bot, timedelta(hours=20), owner="another-clock")  # another clock
    found = reminders(bot, posted["ts"])
    assert len(found) == 1
    check_blocks(found[0])
    assert "<@U0BOB>, <@U0BETTY>" in found[0]["text"] and ACCOUNT in found[0]["text"]
    assert [a for a in actions(bot.ledger, ACCOUNT) if a[1] == "deactivate.remind"] == [
        ("system", "deactivate.remind", "ok")
    ]
    request = load_approval(bot.services.deps, request_id)
    assert request is not None and request.state is ApprovalState.PENDING


def test_no_reminder_for_a_decided_request(bot: BotHarness) -> None:
    posted = ask(bot)
    bot.send.block_action(
        BOB,
        "approvals.deny",
        request_id_of(posted),
        message=posted["ts"],
        channel=APPROVALS_CHANNEL,
        block_id="approvals.decide",
    )
    bot.wait_idle()
    view = bot.slack.open_view(BOB)
    assert view is not None
    bot.send.view_submission(BOB, values={"reason": {"value": "not yet"}})
    bot.wait_idle()
    assert load_approval(bot.services.deps, request_id_of(posted)).state is ApprovalState.DENIED  # type: ignore[union-attr]
    sweep_at(bot, timedelta(hours=19))
    assert reminders(bot, posted["ts"]) == []
    assert not [a for a in actions(bot.ledger, ACCOUNT) if a[1] == "deactivate.remind"]


@pytest.mark.postgres
def test_two_clocks_sweeping_at_once_post_one_reminder(bot_pg: BotHarness) -> None:
    bot = bot_pg
    posted = ask(bot)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def clock(i: int) -> None:
        try:
            barrier.wait()
            sweep_at(bot, timedelta(hours=18, minutes=30), owner=f"clock-{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=clock, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(reminders(bot, posted["ts"])) == 1
    with bot.ledger.session() as session:
        claims = list(session.exec(select(JobRun).where(JobRun.job == REMIND_JOB)))
        assert [(c.period, c.outcome) for c in claims] == [(request_id_of(posted), "ok")]
