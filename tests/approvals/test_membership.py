"""Membership is re-read from Slack at a destructive decision: an approver removed from the
approver user group is refused at once (not when the roles cache next refreshes), and a Slack
that cannot answer refuses the decision instead of deciding on what was known before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from audit.models import ApprovalState
from commands.approvals.requests import load_approval
from tests.deactivation.conftest import actions, deletes
from tests.deactivation.test_e2e import ACCOUNT, ask, click, request_id_of, type_to_approve
from tests.fixtures.bot import APPROVALS_CHANNEL, BOB, BotHarness, start_bot

APPROVER_GROUP = "S0APPROVERS"
GRACE = "U0GRACE"  # an approver only through APPROVER_GROUP


@pytest.fixture
def grouped(tmp_path: Path) -> Iterator[BotHarness]:
    for bot in start_bot(
        f"sqlite:///{tmp_path / 'ledger.db'}", jethub_approvers=f"{BOB},{APPROVER_GROUP}"
    ):
        bot.slack.add_user(GRACE, name="grace")
        bot.slack.set_usergroup(APPROVER_GROUP, [GRACE])
        bot.services.roles.refresh(force=True)
        yield bot


def _told(bot: BotHarness, response: object) -> str:
    return str(getattr(response, "ack_body")())  # noqa: B009


def test_an_approver_removed_from_the_group_is_refused_at_once(grouped: BotHarness) -> None:
    bot = grouped
    posted = ask(bot)
    assert bot.services.roles.holds(GRACE, "approver")  # type: ignore[arg-type]
    bot.slack.set_usergroup(APPROVER_GROUP, [])  # removed; the cache still says approver

    bot.send.block_action(
        GRACE,
        "approvals.approve",
        request_id_of(posted),
        message=posted["ts"],
        channel=APPROVALS_CHANNEL,
        block_id="approvals.decide",
    )
    bot.wait_idle()
    before = len(bot.slack.calls("usergroups.users.list"))
    response = type_to_approve(bot, GRACE)

    assert response is not None
    assert "no longer lists you in a user group holding the *approver* role" in _told(bot, response)
    assert len(bot.slack.calls("usergroups.users.list")) == before + 1  # read at the decision
    request = load_approval(bot.services.deps, request_id_of(posted))
    assert request is not None and request.state is ApprovalState.PENDING
    assert not [k for k in deletes(bot.sandbox) if "DELETE" in k]
    assert (GRACE, "deactivate.approve", "refused") in actions(bot.ledger, ACCOUNT)
    assert not bot.services.roles.holds(GRACE, "approver")  # type: ignore[arg-type]


def test_a_group_member_approves_after_the_slack_check(grouped: BotHarness) -> None:
    bot = grouped
    posted = ask(bot)
    click(bot, GRACE, "approvals.approve", posted)
    request = load_approval(bot.services.deps, request_id_of(posted))
    assert request is not None and request.state is ApprovalState.APPROVED
    assert (GRACE, "deactivate.approve", "ok") in actions(bot.ledger, ACCOUNT)


def test_slack_failing_to_answer_refuses_a_destructive_decision(grouped: BotHarness) -> None:
    bot = grouped
    posted = ask(bot)
    bot.send.block_action(
        GRACE,
        "approvals.approve",
        request_id_of(posted),
        message=posted["ts"],
        channel=APPROVALS_CHANNEL,
        block_id="approvals.decide",
    )
    bot.wait_idle()
    bot.slack.fail_next("usergroups.users.list", "internal_error")
    response = type_to_approve(bot, GRACE)

    assert response is not None
    assert "Slack could not confirm just now" in _told(bot, response)
    request = load_approval(bot.services.deps, request_id_of(posted))
    assert request is not None and request.state is ApprovalState.PENDING
    trail = [e for e in actions(bot.ledger, ACCOUNT) if e[0] == GRACE]
    assert trail == [(GRACE, "deactivate.approve", "refused")]


def test_a_direct_grant_needs_no_slack_call(grouped: BotHarness) -> None:
    bot = grouped
    posted = ask(bot)
    before = len(bot.slack.calls("usergroups.users.list"))
    click(bot, BOB, "approvals.approve", posted)
    assert len(bot.slack.calls("usergroups.users.list")) == before
    request = load_approval(bot.services.deps, request_id_of(posted))
    assert request is not None and request.state is ApprovalState.APPROVED
