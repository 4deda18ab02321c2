"""A denied or expired request leaves its requester one click from asking again."""

from __future__ import annotations

from typing import Any

from tests.deactivation.test_e2e import ACCOUNT, ask, click, dm
from tests.fixtures.bot import ALICE, BOB, BotHarness


def test_a_denied_request_offers_request_again_which_opens_the_request_modal(
    bot: BotHarness,
) -> None:
    posted = ask(bot)
    click(bot, BOB, "approvals.deny", posted)
    bot.send.view_submission(BOB, values={"reason": {"value": "wrong account"}})
    bot.wait_idle()
    told: dict[str, Any] = bot.slack.messages(dm(ALICE))[-1]
    again = [
        e
        for b in told.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Request again"
    ]
    assert len(again) == 1 and again[0]["action_id"] == "verb:deactivate"
    assert "Denied by <@U0BOB>" in str(told.get("text"))

    bot.send.block_action(
        ALICE, "verb:deactivate", again[0]["value"], message=told["ts"], channel=dm(ALICE)
    )
    bot.wait_idle()
    view = bot.slack.open_view(ALICE)
    assert view is not None and view["callback_id"] == "deactivation.request"
    assert ACCOUNT in str(view)


def test_an_approved_request_has_no_request_again(bot: BotHarness) -> None:
    posted = ask(bot, "1004")
    click(bot, BOB, "approvals.approve", posted)
    for message in bot.slack.messages(dm(ALICE)):
        assert "Request again" not in str(message.get("blocks"))
