"""Messages follow the run's state: a deactivation that stops part-way and is retried shows
stopped → running → finished in the requester's DM, the approval message, its thread and the
account card; a stale Retry or Approve answers the current state in plain words."""

from __future__ import annotations

import json
from typing import Any

from audit.models import RunState
from bot.jobs.sweeper import sweep
from commands.deactivation.request import run_for_approval
from commands.runs.retry import RetryRun, retry_run
from tests.deactivation.conftest import BOB as BOB_ACTOR
from tests.deactivation.conftest import actions
from tests.deactivation.test_e2e import (
    approval_message,
    ask,
    buttons,
    check_blocks,
    click,
    dm,
    request_id_of,
    text_of,
)
from tests.fixtures.bot import ALICE, APPROVALS_CHANNEL, BETTY, BOB, BotHarness

ACCOUNT = "1003"


def card(bot: BotHarness) -> str:
    bot.command(ALICE, f"account {ACCOUNT}")
    shown = bot.slack.ephemerals(ALICE)[-1]
    return json.dumps(shown.get("blocks") or [], ensure_ascii=False)


def dms(bot: BotHarness) -> list[str]:
    return [text_of(m) for m in bot.slack.messages(dm(ALICE))]


def thread(bot: BotHarness, posted: dict[str, Any]) -> list[dict[str, Any]]:
    return bot.slack.thread(APPROVALS_CHANNEL, posted["ts"])[1:]


def told(bot: BotHarness, user: str) -> str:
    return json.dumps([r.body for r in bot.slack.responses()], ensure_ascii=False) + json.dumps(
        bot.slack.ephemerals(user), ensure_ascii=False
    )


def stop_part_way(bot: BotHarness) -> dict[str, Any]:
    posted = ask(bot, ACCOUNT)
    bot.sandbox.faults("platform").set(fail_next=4)  # every attempt of the first call
    click(bot, BOB, "approvals.approve", posted)
    run = run_for_approval(bot.services.deps, request_id_of(posted))
    assert run is not None and run.state is RunState.FAILED
    bot.sandbox.faults("platform").clear()
    return posted


def test_failed_then_retried_deactivation_follows_the_state_everywhere(bot: BotHarness) -> None:
    posted = stop_part_way(bot)

    # stopped
    stopped = approval_message(bot)
    check_blocks(stopped)
    assert "deactivation.retry" in buttons(stopped) and "Stopped at" in text_of(stopped)
    last_dm = dms(bot)[-1]
    assert "stopped" in last_dm and "Approved" not in last_dm and "Retry" in last_dm
    assert any("Approved by <@U0BOB>" in d for d in dms(bot))  # …which came before
    failure = thread(bot, posted)[-1]
    check_blocks(failure)
    assert "Stopped at" in text_of(failure) and buttons(failure) == []  # no stale Retry there
    assert "stopped" in card(bot) and "verb:deactivate" not in card(bot)

    # retried → running → finished
    click(bot, BETTY, "deactivation.retry", stopped)
    replies = [text_of(m) for m in thread(bot, posted)]
    retried_at = next(i for i, r in enumerate(replies) if "retried the deactivation" in r)
    assert any("is deactivated" in r for r in replies[retried_at:])
    followups = dms(bot)
    running = next(i for i, d in enumerate(followups) if "running again" in d)
    assert "<@U0BETTY>" in followups[running]
    assert "finished" in followups[-1] and running < len(followups) - 1
    for message in bot.slack.messages(dm(ALICE)):
        check_blocks(message)
    final = approval_message(bot)
    check_blocks(final)
    assert buttons(final) == [] and "Stopped at" not in text_of(final)
    assert "is deactivated" in text_of(final)
    shown = card(bot)
    assert "stopped" not in shown and "in progress" not in shown
    assert "eactivated" in shown

    # the stale Retry (the message as it was before) answers in plain words
    retry_value = next(
        e["value"]
        for b in stopped["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "deactivation.retry"
    )
    click(bot, BETTY, "deactivation.retry", stopped, value=retry_value)
    answer = told(bot, BETTY)
    assert "has already finished, on" in answer
    assert run_for_approval(bot.services.deps, request_id_of(posted)).state is RunState.SUCCEEDED  # type: ignore[union-attr]


def test_the_card_shows_a_retried_run_in_progress_until_it_finishes(bot: BotHarness) -> None:
    posted = stop_part_way(bot)
    run = run_for_approval(bot.services.deps, request_id_of(posted))
    assert run is not None
    retry_run(RetryRun(run_id=run.id), BOB_ACTOR, bot.services.deps)  # not worked yet
    assert "in progress" in card(bot)
    sweep(bot.services, bot.services.slack)  # any process picks it up
    assert run_for_approval(bot.services.deps, run.approval_id or "").state is RunState.SUCCEEDED  # type: ignore[union-attr]
    assert "in progress" not in card(bot)
    assert "finished" in dms(bot)[-1]


def test_stale_approve_and_deny_answer_who_and_when(bot: BotHarness) -> None:
    posted = ask(bot, ACCOUNT)
    click(bot, BOB, "approvals.approve", posted)
    bot.wait_idle()
    click(bot, BETTY, "approvals.approve", posted)  # the button as Betty still saw it
    answer = told(bot, BETTY)
    assert "already *approved* by <@U0BOB> on " in answer and "nothing was done" not in answer
    assert "the deactivation is done. Your click changed nothing." in answer
    assert "AEDT" in answer or "AEST" in answer  # JETHUB_TIMEZONE, not UTC


def test_a_deny_reason_for_a_request_decided_meanwhile_is_answered_in_the_modal(
    bot: BotHarness,
) -> None:
    posted = ask(bot, ACCOUNT)
    click(bot, BETTY, "approvals.deny", posted)
    assert (bot.slack.open_view(BETTY) or {}).get("callback_id") == "approvals.deny_modal"
    click(bot, BOB, "approvals.approve", posted)  # while Betty types her reason
    response = bot.send.view_submission(BETTY, values={"reason": {"value": "not yet"}})
    ack = response.ack_body() or {}
    assert ack.get("response_action") == "update", ack
    assert "already *approved* by <@U0BOB>" in json.dumps(ack["view"])
    assert (BETTY, "deactivate.deny", "refused") in actions(bot.ledger)
