"""Break glass: an admin suspends at once, without waiting for approvers, with a mandatory
reason; a review item lands in the approvals channel, an approver (not the admin) acknowledges
it, unreviewed items are reminded once a day across clocks and shown on App Home, and the audit
holds the use and its review."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from audit.models import ApprovalState
from bot.approvals.breakglass import remind_reviews
from bot.suspension import views as suspension_views
from commands.approvals.requests import load_approval
from tests.deactivation.conftest import actions, later
from tests.deactivation.test_e2e import ask as ask_deactivation
from tests.deactivation.test_e2e import request_id_of, text_of
from tests.fixtures.bot import ADAM, APPROVALS_CHANNEL, BETTY, BotHarness, start_bot
from tests.suspension.conftest import OVERDUE, suspension_of
from tests.suspension.test_e2e import ask, click


@pytest.fixture
def strict_bot(tmp_path: Path) -> Iterator[BotHarness]:
    yield from start_bot(
        f"sqlite:///{tmp_path / 'ledger.db'}", jethub_suspend_requires_approval=True
    )


def _press(bot: BotHarness, user: str, action: str, message: dict[str, Any], value: str) -> None:
    block = "approvals.review" if "review" in action else "approvals.decide"
    bot.send.block_action(
        user, action, value, message=message["ts"], channel=APPROVALS_CHANNEL, block_id=block
    )
    bot.wait_idle()


def _request_break_glass(bot: BotHarness) -> dict[str, Any]:
    shown = ask(bot, f"suspend {OVERDUE} unpaid", user=ADAM)
    click(bot, ADAM, suspension_views.CONFIRM, shown)
    [request] = bot.slack.messages(APPROVALS_CHANNEL)
    assert "approvals.break_glass" in text_of(request)
    return request


def test_an_admin_breaks_glass_and_an_approver_reviews_it(strict_bot: BotHarness) -> None:
    bot = strict_bot
    request = _request_break_glass(bot)
    request_id = request_id_of_first(request)

    _press(bot, ADAM, "approvals.break_glass", request, request_id)
    view = bot.slack.open_view(ADAM)
    assert view is not None and view["callback_id"] == "approvals.break_glass_modal"
    blank = bot.send.view_submission(ADAM, values={"reason": {"value": "  "}})
    assert blank.ack_body()["response_action"] == "errors"  # the reason is mandatory
    assert suspension_of(bot.sandbox, OVERDUE) is None

    bot.send.view_submission(ADAM, values={"reason": {"value": "fraud on the line right now"}})
    bot.wait_idle()
    found = suspension_of(bot.sandbox, OVERDUE)
    assert found is not None  # carried out at once, without an approver
    decided = load_approval(bot.services.deps, request_id)
    assert decided is not None and decided.state is ApprovalState.APPROVED
    messages = bot.slack.messages(APPROVALS_CHANNEL)
    assert "with break glass" in text_of(messages[0])
    review = messages[-1]
    assert "*Break glass:* <@U0ADAM>" in text_of(review)
    assert "fraud on the line right now" in text_of(review)

    # App Home shows it to approvers, until it is reviewed.
    bot.send.event({"type": "app_home_opened", "user": BETTY, "tab": "home"})
    bot.wait_idle()
    assert "Break-glass uses to review" in str(bot.slack.home(BETTY))

    _press(bot, ADAM, "approvals.review_agree", review, request_id)  # not their own
    told = [str(e.get("text")) for e in bot.slack.ephemerals(ADAM)]
    assert any("a *different* approver has to review it" in t for t in told), told

    _press(bot, BETTY, "approvals.review_flag", review, request_id)
    redrawn = bot.slack.messages(APPROVALS_CHANNEL)[-1]
    assert "Reviewed: <@U0BETTY> flagged it for follow-up" in text_of(redrawn)
    assert "approvals.review_agree" not in text_of(redrawn)

    trail = actions(bot.ledger, OVERDUE)
    assert (ADAM, "suspend.break_glass", "ok") in trail
    assert (ADAM, "suspend.break_glass_review", "refused") in trail
    assert (BETTY, "suspend.break_glass_review", "ok") in trail
    bot.send.event({"type": "app_home_opened", "user": BETTY, "tab": "home"})
    bot.wait_idle()
    assert "Break-glass uses to review" not in str(bot.slack.home(BETTY))


def test_unreviewed_items_are_reminded_once_a_day_across_clocks(strict_bot: BotHarness) -> None:
    bot = strict_bot
    request = _request_break_glass(bot)
    _press(bot, ADAM, "approvals.break_glass", request, request_id_of_first(request))
    bot.send.view_submission(ADAM, values={"reason": {"value": "fraud"}})
    bot.wait_idle()
    review = bot.slack.messages(APPROVALS_CHANNEL)[-1]

    first = remind_reviews(bot.services, bot.services.slack, owner="clock-a")
    second = remind_reviews(bot.services, bot.services.slack, owner="clock-b")
    assert len(first) == 1 and second == []
    tomorrow = replace(bot.services, deps=later(bot.services.deps, timedelta(days=1)))
    assert len(remind_reviews(tomorrow, bot.services.slack, owner="clock-b")) == 1
    thread = bot.slack.thread(APPROVALS_CHANNEL, review["ts"])
    assert sum("still waits for an approver's review" in m.get("text", "") for m in thread) == 2


def test_break_glass_is_not_offered_for_a_deactivation_by_default(bot: BotHarness) -> None:
    posted = ask_deactivation(bot)
    assert "approvals.break_glass" not in text_of(posted)
    _press(bot, ADAM, "approvals.break_glass", posted, request_id_of(posted))  # a forged click
    told = [str(e.get("text")) for e in bot.slack.ephemerals(ADAM)]
    assert any("Break glass is not allowed for a deactivation" in t for t in told), told
    assert bot.slack.open_view(ADAM) is None


def request_id_of_first(message: dict[str, Any]) -> str:
    actions_block = next(b for b in message["blocks"] if b["type"] == "actions")
    return str(actions_block["elements"][0]["value"])
