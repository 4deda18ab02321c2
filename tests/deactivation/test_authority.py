"""Authority at the moment of effect: a requester who lost the role since asking gets nothing
done on their behalf — Approve cancels the request instead, and both people are told."""

from __future__ import annotations

from sqlmodel import col, select

from audit.models import ApprovalState, AuditEvent
from commands.approvals.requests import load_approval
from tests.deactivation.test_e2e import ACCOUNT, ask, click, dm, request_id_of, text_of
from tests.fixtures.bot import BOB, GROUPIE, OPS_GROUP, BotHarness


def test_approval_is_refused_and_the_request_cancelled_when_the_requester_lost_the_role(
    bot: BotHarness,
) -> None:
    posted = ask(bot, ACCOUNT, user=GROUPIE)  # an operator through the ops user group
    request_id = request_id_of(posted)
    bot.slack.set_usergroup(OPS_GROUP, [])  # removed from the group since
    bot.services.roles.refresh(force=True)  # what the background refresh does within minutes

    click(bot, BOB, "approvals.approve", posted)

    request = load_approval(bot.services.deps, request_id)
    assert request is not None and request.state is ApprovalState.CANCELLED
    told_bob = [str(e.get("text")) for e in bot.slack.ephemerals(BOB)]
    assert any(f"<@{GROUPIE}> no longer holds the operator role" in t for t in told_bob), told_bob
    redrawn = text_of(bot.slack.messages("C0APPROVALS")[0])
    assert "Cancelled by system" in redrawn and "approvals.approve" not in redrawn
    told_groupie = [str(m.get("text")) for m in bot.slack.messages(dm(GROUPIE))]
    assert any("Cancelled by system" in t for t in told_groupie), told_groupie
    deactivations = [c for c in bot.sandbox.counters.snapshot() if "deactivate" in str(c)]
    assert not deactivations, deactivations

    with bot.ledger.read_session() as session:
        trail = [
            (e.actor, e.action, str(e.outcome))
            for e in session.scalars(select(AuditEvent).where(col(AuditEvent.account) == ACCOUNT))
        ]
    assert (BOB, "deactivate.approve", "refused") in trail
    assert ("system", "deactivate.cancel", "ok") in trail
