"""The whole deactivation over signed HTTP: the served app, the fake Slack, the sandbox."""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any, cast

from slack_sdk.models.blocks import Block

from audit.models import ApprovalState, RunState
from commands.approvals.requests import load_approval
from commands.deactivation.request import STEPS, run_for_approval
from tests.deactivation.conftest import actions, deletes, estate_counts
from tests.fixtures.bot import (
    ALICE,
    APPROVALS_CHANNEL,
    BETTY,
    BOB,
    NOBODY,
    OSCAR,
    VERA,
    BotHarness,
)

ACCOUNT = "1001"
# 1001's children stay active under it, as before the request had to say (the modal's choice).
KEEP_CHILDREN = {
    "children": {"value": {"type": "radio_buttons", "selected_option": {"value": "keep"}}}
}


def dm(user: str) -> str:
    return "D" + user[1:]


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks") or [], ensure_ascii=False) + message.get("text", "")


def check_blocks(message: dict[str, Any], limit: int = 50) -> None:
    """Every block parses back into slack_sdk.models and the message is within Slack's limits."""
    blocks = message.get("blocks") or []
    assert len(blocks) <= limit
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


def approval_message(bot: BotHarness) -> dict[str, Any]:
    messages = bot.slack.messages(APPROVALS_CHANNEL)
    assert len(messages) == 1, messages
    return messages[0]


def buttons(message: dict[str, Any]) -> list[str]:
    return [
        e["action_id"]
        for b in message.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def ask(bot: BotHarness, account: str = ACCOUNT, user: str = ALICE) -> dict[str, Any]:
    """``/jethub deactivate`` → the modal → submit; returns the approval message."""
    bot.command(user, f"deactivate {account}")
    view = bot.slack.open_view(user)
    assert view is not None and view["callback_id"] == "deactivation.request"
    check_blocks(view, limit=100)
    bot.send.view_submission(
        user,
        values={
            "reason": {"value": "customer moved to Telstra"},
            "confirm": {"value": account},
            **KEEP_CHILDREN,
        },
    )
    bot.wait_idle()
    return approval_message(bot)


def request_id_of(message: dict[str, Any]) -> str:
    return str(message["blocks"][-1]["elements"][0]["value"])


def click(
    bot: BotHarness, user: str, action: str, message: dict[str, Any], value: str | None = None
) -> None:
    """A click on ``message`` as the person saw it (maybe before it was updated)."""
    if action.startswith("approvals."):
        value = value if value is not None else request_id_of(message)
        block = "approvals.decide"
    else:
        block = "deactivation.failed"
    opened = bot.slack.open_view(user)
    bot.send.block_action(
        user, action, value, message=message["ts"], channel=APPROVALS_CHANNEL, block_id=block
    )
    bot.wait_idle()
    if action == "approvals.approve":
        type_to_approve(bot, user, since=opened)


def type_to_approve(
    bot: BotHarness, user: str, typed: str | None = None, since: dict[str, Any] | None = None
) -> Any:
    """Submit the approval modal a deactivation's Approve opened (if it opened one), typing the
    account number it asks for (or ``typed``); the response, or None when none opened."""
    view = bot.slack.open_view(user)
    if view is None or view["callback_id"] != "approvals.approve_modal":
        return None
    if since is not None and since.get("id") == view["id"]:
        return None
    label = view["blocks"][-1]["label"]["text"]
    account = label.split("(")[1].split(")")[0]
    response = bot.send.view_submission(
        user, values={"confirm": {"value": typed if typed is not None else account}}
    )
    bot.wait_idle()
    return response


def test_request_approve_and_run_to_the_end(bot: BotHarness) -> None:
    before = estate_counts(bot.sandbox, ACCOUNT)
    posted = ask(bot)
    check_blocks(posted)
    assert buttons(posted) == ["approvals.approve", "approvals.deny"]
    body = text_of(posted)
    assert "<@U0ALICE>" in body and "customer moved to Telstra" in body and "expires" in body
    assert "Bean Republic" in body
    confirmation = bot.slack.messages(dm(ALICE))[-1]
    assert buttons(confirmation) == ["approvals.cancel"]

    bot.sandbox.counters.reset()
    click(bot, BOB, "approvals.approve", posted)

    assert_deactivated(bot, before)
    final = approval_message(bot)
    check_blocks(final)
    assert buttons(final) == []
    assert "Approved by <@U0BOB>" in text_of(final)
    assert "is deactivated" in text_of(final)
    thread = bot.slack.thread(APPROVALS_CHANNEL, final["ts"])
    replies = [m.get("text", "") for m in thread[1:]]
    assert sum(
        any(word in r for word in ("removed", "quarantined", "status", "unchanged", "detached"))
        for r in replies
    ) >= len(STEPS)
    for message in thread:
        check_blocks(message)
    assert any("Approved by <@U0BOB>" in m.get("text", "") for m in bot.slack.messages(dm(ALICE)))

    trail = actions(bot.ledger, ACCOUNT)
    assert (ALICE, "deactivate.request", "ok") in trail
    assert (BOB, "deactivate.approve", "ok") in trail
    assert sum(1 for a in trail if a[1:] == ("deactivate.step", "ok")) == len(STEPS)
    assert ("system", "deactivate.done", "ok") in trail
    updates = bot.slack.calls("chat.update")
    assert len(updates) <= 2 * len(STEPS) + 4  # paced: not one per deleted item


def assert_deactivated(bot: BotHarness, before: dict[str, Any]) -> None:
    after = estate_counts(bot.sandbox, ACCOUNT)
    for name in (
        "queues",
        "parking",
        "media",
        "users",
        "portal_users",
        "callflows",
        "pbxs",
        "subscriptions",
        "webhooks",
        "webtrackers",
    ):
        assert after[name] == 0, name
    assert after["in_service"] == 0 and after["numbers"] == before["numbers"]
    assert after["status"] == "deactivated"
    calls = deletes(bot.sandbox)
    assert calls["POST /v2/accounts/{A}/phone_numbers/{id}/quarantine"] == before["in_service"]


def test_mismatched_account_number_is_an_inline_error(bot: BotHarness) -> None:
    bot.command(ALICE, f"deactivate {ACCOUNT}")
    response = bot.send.view_submission(
        ALICE, values={"reason": {"value": "gone"}, "confirm": {"value": "1002"}}
    )
    ack = response.ack_body()
    assert ack is not None and ack["response_action"] == "errors"
    assert "confirm" in ack["errors"] and "1001" in ack["errors"]["confirm"]
    bot.wait_idle()
    assert bot.slack.messages(APPROVALS_CHANNEL) == []
    assert (ALICE, "deactivate.request", "refused") in actions(bot.ledger)


def test_viewer_cannot_request(bot: BotHarness) -> None:
    response = bot.command(VERA, f"deactivate {ACCOUNT}")
    assert "operator" in response.text
    assert bot.slack.open_view(VERA) is None


def test_self_approval_refused_and_audited(bot: BotHarness) -> None:
    posted = ask(bot, user=ALICE)
    click(bot, ALICE, "approvals.approve", posted)
    told = json.dumps([r.body for r in bot.slack.responses()])
    assert "approver" in told  # ALICE is no approver at all
    assert (ALICE, "deactivate.approve", "refused") in actions(bot.ledger)


def test_non_approver_refused_and_audited(bot: BotHarness) -> None:
    posted = ask(bot)
    for user in (OSCAR, VERA, NOBODY):
        click(bot, user, "approvals.approve", posted)
        assert (user, "deactivate.approve", "refused") in actions(bot.ledger)
    told = [r.body.get("text", "") for r in bot.slack.responses()]
    assert sum("*approver* role" in t for t in told) == 3
    assert buttons(approval_message(bot)) == ["approvals.approve", "approvals.deny"]
    assert estate_counts(bot.sandbox, ACCOUNT)["queues"] == 2


def test_tampered_button_value_refused_and_audited(bot: BotHarness) -> None:
    posted = ask(bot)
    click(bot, BOB, "approvals.approve", posted, value="not-a-request")
    told = json.dumps([r.body for r in bot.slack.responses()])
    assert "does not match any pending request" in told
    assert (BOB, "approval.decide", "refused") in actions(bot.ledger)
    assert estate_counts(bot.sandbox, ACCOUNT)["queues"] == 2


def test_deny_with_reason_and_second_click_told_who(bot: BotHarness) -> None:
    posted = ask(bot)
    click(bot, BOB, "approvals.deny", posted)
    view = bot.slack.open_view(BOB)
    assert view is not None and view["callback_id"] == "approvals.deny_modal"
    response = bot.send.view_submission(BOB, values={"reason": {"value": ""}})
    assert (response.ack_body() or {}).get("response_action") == "errors"
    bot.send.view_submission(BOB, values={"reason": {"value": "they paid <!channel>"}})
    bot.wait_idle()
    final = approval_message(bot)
    assert buttons(final) == []
    assert "Denied by <@U0BOB> (they paid &lt;!channel&gt;)" in text_of(final)
    click(bot, BETTY, "approvals.approve", posted)
    told = json.dumps([r.body for r in bot.slack.responses()])
    assert "already *denied* by <@U0BOB>" in told
    assert (BETTY, "deactivate.approve", "refused") in actions(bot.ledger)
    assert estate_counts(bot.sandbox, ACCOUNT)["queues"] == 2


def test_requester_cancels(bot: BotHarness) -> None:
    posted = ask(bot)
    confirmation = bot.slack.messages(dm(ALICE))[-1]
    bot.send.block_action(ALICE, "approvals.cancel", message=confirmation["ts"], channel=dm(ALICE))
    bot.wait_idle()
    assert "Cancelled by <@U0ALICE>" in text_of(approval_message(bot))
    assert buttons(approval_message(bot)) == []
    click(bot, BOB, "approvals.approve", posted)
    assert (BOB, "deactivate.approve", "refused") in actions(bot.ledger)
    assert ("U0ALICE", "deactivate.cancel", "ok") in actions(bot.ledger)


def test_no_approvals_channel_refuses_at_request_time(tmp_path: Any) -> None:
    from tests.fixtures.bot import start_bot

    harness = cast(
        Generator[BotHarness, None, None],
        start_bot(f"sqlite:///{tmp_path / 'l.db'}", jethub_approvals_channel=None),
    )
    bot = next(harness)
    try:
        bot.command(ALICE, f"deactivate {ACCOUNT}")
        told = json.dumps([r.body for r in bot.slack.responses()])
        assert "JETHUB_APPROVALS_CHANNEL" in told
        assert bot.slack.open_view(ALICE) is None
        assert (ALICE, "deactivate.request", "refused") in actions(bot.ledger)
    finally:
        harness.close()


def test_big_account_modal_fits(bot: BotHarness) -> None:
    bot.command(ALICE, "deactivate 1011")
    view = bot.slack.open_view(ALICE)
    assert view is not None and view["callback_id"] == "deactivation.request"
    check_blocks(view, limit=100)
    assert "more" in text_of(view)


def test_step_failure_shows_retry_and_retry_finishes(bot: BotHarness) -> None:
    before = estate_counts(bot.sandbox, ACCOUNT)
    posted = ask(bot)
    bot.sandbox.faults("platform").set(fail_next=4)  # every attempt of the first call
    click(bot, BOB, "approvals.approve", posted)
    request = load_approval(bot.services.deps, request_id_of(posted))
    assert request is not None and request.state is ApprovalState.APPROVED
    run = run_for_approval(bot.services.deps, request.id)
    assert run is not None and run.state is RunState.FAILED
    failed = approval_message(bot)
    assert "deactivation.retry" in buttons(failed)
    assert "Jet Hub platform" in text_of(failed)
    assert ("system", "deactivate.step", "failed") in actions(bot.ledger, ACCOUNT)

    click(bot, OSCAR, "deactivation.retry", failed)  # operators may not retry
    assert (OSCAR, "deactivate.retry", "refused") in actions(bot.ledger, ACCOUNT)
    bot.sandbox.faults("platform").clear()
    click(bot, BETTY, "deactivation.retry", failed)
    run = run_for_approval(bot.services.deps, request.id)
    assert run is not None and run.state is RunState.SUCCEEDED
    assert_deactivated(bot, before)
    assert buttons(approval_message(bot)) == []
