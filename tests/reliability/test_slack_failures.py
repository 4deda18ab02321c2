"""Slack failing at each point of the approval flow never changes an action's outcome, never
leaves a false message, and never leaves an invisible pending request (issue 14).

FakeSlack answers the chosen Web API calls with an error (``fail_next``); everything else is the
served bot over signed HTTP, the sandbox and the ledger.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from audit import ActionLock, ApprovalRequest, AuditEvent
from bot.suspension.views import CONFIRM
from commands.runs.records import run_for_approval
from tests.deactivation.test_e2e import KEEP_CHILDREN, ask, click, dm, request_id_of
from tests.fixtures.bot import ALICE, APPROVALS_CHANNEL, BOB, BotHarness, start_bot

pytestmark = pytest.mark.slow  # starts processes or waits out real time: run first

ACCOUNT = "1001"


def requests(bot: BotHarness) -> list[ApprovalRequest]:
    with bot.ledger.read_session() as session:
        rows = list(session.scalars(select(ApprovalRequest)).all())
        for row in rows:
            session.expunge(row)
        return rows


def locks(bot: BotHarness) -> list[tuple[str, str]]:
    with bot.ledger.read_session() as session:
        return [(lock.kind, lock.account) for lock in session.scalars(select(ActionLock)).all()]


def said_to(bot: BotHarness, user: str) -> str:
    dms = json.dumps(bot.slack.messages(dm(user)))
    responses = json.dumps([r.body for r in bot.slack.responses() if r.user == user])
    return dms + responses


def submit_request(bot: BotHarness) -> None:
    bot.command(ALICE, f"deactivate {ACCOUNT}")
    bot.send.view_submission(
        ALICE,
        values={
            "reason": {"value": "customer left"},
            "confirm": {"value": ACCOUNT},
            **KEEP_CHILDREN,
        },
    )
    bot.wait_idle(30)


def test_posting_a_request_is_retried(bot: BotHarness) -> None:
    bot.slack.fail_next("chat.postMessage", "internal_error", times=2)
    submit_request(bot)

    [posted] = bot.slack.messages(APPROVALS_CHANNEL)
    [request] = requests(bot)
    assert (request.state, request.message_ts) == ("pending", posted["ts"])
    assert "approvals.cancel" in json.dumps(bot.slack.messages(dm(ALICE)))


def test_a_request_that_cannot_be_posted_is_withdrawn_and_the_requester_told(
    bot: BotHarness,
) -> None:
    bot.slack.fail_next("chat.postMessage", "internal_error", times=4)
    submit_request(bot)

    assert bot.slack.messages(APPROVALS_CHANNEL) == []
    [request] = requests(bot)
    assert request.state == "cancelled" and request.decided_by == "system"
    assert locks(bot) == []  # nothing blocks the account
    told = said_to(bot, ALICE)
    assert "could not be posted" in told and "withdrawn" in told
    with bot.ledger.read_session() as session:
        withdrawn = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "deactivate.withdraw")  # type: ignore[arg-type]
        ).all()
        assert len(withdrawn) == 1
    # Asking again works: the account is free.
    submit_request(bot)
    assert len(bot.slack.messages(APPROVALS_CHANNEL)) == 1


def test_a_failed_update_after_approval_changes_nothing(bot: BotHarness) -> None:
    posted = ask(bot)
    bot.slack.fail_next("chat.update", "internal_error", times=3)
    click(bot, BOB, "approvals.approve", posted)
    bot.wait_idle(60)

    run = run_for_approval(bot.services.deps, request_id_of(posted))
    assert run is not None and (run.state, run.outcome) == ("succeeded", "done")
    final = bot.slack.messages(APPROVALS_CHANNEL)[0]
    assert "is deactivated" in json.dumps(final)  # a later redraw shows the recorded state
    assert "nothing" not in said_to(bot, BOB).lower()
    thread = bot.slack.thread(APPROVALS_CHANNEL, final["ts"])
    assert any("is deactivated" in json.dumps(m) for m in thread)


def test_failed_thread_replies_and_notices_during_the_run_change_nothing(
    bot: BotHarness,
) -> None:
    posted = ask(bot)
    bot.slack.fail_next("chat.postMessage", "internal_error", times=5)
    click(bot, BOB, "approvals.approve", posted)
    bot.wait_idle(60)

    run = run_for_approval(bot.services.deps, request_id_of(posted))
    assert run is not None and (run.state, run.outcome) == ("succeeded", "done")
    with bot.sandbox.world.lock:
        assert bot.sandbox.world.platform.accounts[ACCOUNT].status == "deactivated"
    final: dict[str, Any] = bot.slack.messages(APPROVALS_CHANNEL)[0]
    assert "is deactivated" in json.dumps(final)
    assert "nothing" not in said_to(bot, BOB).lower()


def test_a_suspension_request_that_cannot_be_posted_is_withdrawn(tmp_path: Path) -> None:
    harness = start_bot(
        f"sqlite:///{tmp_path / 'ledger.db'}", jethub_suspend_requires_approval=True
    )
    bot = next(harness)
    try:
        bot.command(ALICE, "suspend 1003 three reminders unanswered")
        [shown] = [e for e in bot.slack.ephemerals(ALICE) if CONFIRM in json.dumps(e)]
        bot.slack.fail_next("chat.postMessage", "internal_error", times=4)
        bot.send.block_action(ALICE, CONFIRM, message=shown)
        bot.wait_idle(30)

        [request] = requests(bot)
        assert request.state == "cancelled" and locks(bot) == []
        last = json.dumps(bot.slack.responses()[-1].body)
        assert "could not be posted" in last and "withdrawn" in last
        assert bot.slack.messages(APPROVALS_CHANNEL) == []
    finally:
        harness.close()
