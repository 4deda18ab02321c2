"""A deactivation resumed after its worker died (the approval committed, the run never worked)
tells the same people as a first run: the request's thread and the requester's DM (issue 29)."""

from __future__ import annotations

from bot.runs.runner import work_run
from commands.approvals.decisions import decide_approval
from commands.approvals.model import DecideApproval
from commands.runs.records import run_for_approval
from tests.deactivation.test_e2e import ask, dm, request_id_of, text_of
from tests.fixtures.bot import ALICE, BOB, BotHarness


def test_a_resumed_deactivation_tells_the_requester_as_a_first_run_does(bot: BotHarness) -> None:
    posted = ask(bot)
    bob = bot.services.roles.actor(BOB)
    order = DecideApproval(request_id=request_id_of(posted), decision="approve")
    decided = decide_approval(order, bob, bot.services.deps)  # ... and the process died here
    run = run_for_approval(bot.services.deps, decided.request.id)
    assert run is not None
    before = len(bot.slack.messages(dm(ALICE)))
    work_run(bot.services, bot.services.slack, run.id)  # what any process's sweeper does
    bot.wait_idle()
    told = [text_of(m) for m in bot.slack.messages(dm(ALICE))[before:]]
    assert any("finished" in t for t in told), told


def test_a_stale_approve_after_a_lost_answer_says_what_the_run_became(bot: BotHarness) -> None:
    """The approval committed and the run was worked to the end, but the approver's answer and
    every redraw were lost (the process died): the approvals message still shows Approve. A click
    on it says the deactivation is done — from the run's record — and redraws the message."""
    from commands.deactivation.request import execute_run
    from tests.deactivation.test_e2e import approval_message, buttons, click
    from tests.deactivation.test_follows_state import told

    posted = ask(bot)
    bob = bot.services.roles.actor(BOB)
    order = DecideApproval(request_id=request_id_of(posted), decision="approve")
    decided = decide_approval(order, bob, bot.services.deps)
    run = run_for_approval(bot.services.deps, decided.request.id)
    assert run is not None
    assert execute_run(bot.services.deps, run.id).state == "succeeded"  # no Slack: then it died
    assert buttons(approval_message(bot)) == ["approvals.approve", "approvals.deny"]

    click(bot, BOB, "approvals.approve", posted)
    answer = told(bot, BOB)
    assert "already *approved* by <@U0BOB>" in answer
    assert "the deactivation is done" in answer, answer
    assert "nothing was done" not in answer and "in progress" not in answer
    redrawn = approval_message(bot)
    assert "approvals.approve" not in buttons(redrawn)
    assert "is deactivated" in text_of(redrawn)
