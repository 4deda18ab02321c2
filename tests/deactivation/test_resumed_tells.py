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
    order = DecideApproval(
        request_id=request_id_of(posted), decision="approve", typed_account="1001"
    )
    decided = decide_approval(order, bob, bot.services.deps)  # ... and the process died here
    run = run_for_approval(bot.services.deps, decided.request.id)
    assert run is not None
    before = len(bot.slack.messages(dm(ALICE)))
    work_run(bot.services, bot.services.slack, run.id)  # what any process's sweeper does
    bot.wait_idle()
    told = [text_of(m) for m in bot.slack.messages(dm(ALICE))[before:]]
    assert any("finished" in t for t in told), told
