"""The suspension override: an account not yet 7 days overdue, suspended by an approver at once
or through an approval request, with a required reason, audited as ``suspend.override``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from bot.suspension.override import views
from commands.deps import Deps
from commands.errors import Conflict, Forbidden, NothingToDo
from commands.suspension.models import AlreadySuspended
from commands.suspension.override import (
    OVERRIDE,
    OverrideDone,
    SuspendOverride,
    preview_override,
    suspend_override,
)
from tests.fixtures.bot import ALICE as ALICE_ID
from tests.fixtures.bot import APPROVALS_CHANNEL, BotHarness
from tests.fixtures.bot import BOB as BOB_ID
from tests.fixtures.bot import VERA as VERA_ID
from tests.suspension.conftest import (
    ALICE,
    BOB,
    OVERDUE,
    RECENT,
    SUSPENDED,
    VERA,
    events,
    suspension_of,
    trail,
)

NOT_DUE = "1004"  # an invoice open but not yet due
WHY = "customer refuses to pay, confirmed by the account manager"


def test_an_approver_suspends_an_account_not_yet_overdue_and_it_is_audited_as_an_override(
    deps: Deps, sandbox
) -> None:
    preview = preview_override(SuspendOverride(account=RECENT, reason=WHY), BOB, deps)
    assert preview.direct and preview.overdue_days == 7
    assert [i.days_overdue for i in preview.open_invoices] == [3]  # 3 days: below the rule

    done = suspend_override(SuspendOverride(account=RECENT, reason=WHY), BOB, deps)

    assert isinstance(done, OverrideDone) and done.approved_by is None
    assert suspension_of(sandbox, RECENT) is not None
    [event] = [e for e in events(deps.ledger, RECENT) if e.action == OVERRIDE]
    assert (event.actor, event.outcome) == ("U0BOB", "ok")
    assert event.details["override"] is True and event.details["reason"] == WHY
    assert event.details["policy_overdue_days"] == 7


@pytest.mark.parametrize("reason", ["", "x", "no pay", "  slow   "])
def test_an_override_needs_a_reason_of_a_few_words(reason: str) -> None:
    with pytest.raises(ValidationError, match="reason in a few words"):
        SuspendOverride(account=NOT_DUE, reason=reason)


def test_an_operator_cannot_override_directly_but_asks_an_approver(deps: Deps, sandbox) -> None:
    preview = preview_override(SuspendOverride(account=NOT_DUE, reason=WHY), ALICE, deps)
    assert not preview.direct
    request = suspend_override(SuspendOverride(account=NOT_DUE, reason=WHY), ALICE, deps)
    assert not isinstance(request, OverrideDone)
    assert request.kind == "suspension_override" and request.reason == WHY
    assert suspension_of(sandbox, NOT_DUE) is None  # nothing happens before the approval
    # A second press (or a second operator) does not stack a second request.
    with pytest.raises(NothingToDo, match="already waiting for an approver"):
        suspend_override(SuspendOverride(account=NOT_DUE, reason=WHY), ALICE, deps)


def test_refused_for_viewers_suspended_and_already_overdue_accounts(deps: Deps) -> None:
    with pytest.raises(Forbidden):
        preview_override(SuspendOverride(account=NOT_DUE, reason=WHY), VERA, deps)
    with pytest.raises(AlreadySuspended):
        suspend_override(SuspendOverride(account=SUSPENDED, reason=WHY), BOB, deps)
    with pytest.raises(NothingToDo, match="no override is needed: `/jethub suspend 1003`"):
        suspend_override(SuspendOverride(account=OVERDUE, reason=WHY), BOB, deps)
    refused = [(a, act, o) for a, act, o in trail(deps.ledger, OVERDUE) if act == OVERRIDE]
    assert refused == [("U0BOB", OVERRIDE, "refused")]


def test_the_ordinary_suspension_points_to_the_override(deps: Deps) -> None:
    from commands.suspension.models import NotOverdue, PrepareSuspension
    from commands.suspension.suspend import prepare_suspension

    with pytest.raises(NotOverdue, match=r"`/jethub override 1004 <reason>`"):
        prepare_suspension(PrepareSuspension(account=NOT_DUE), ALICE, deps)


# -- over Slack ---------------------------------------------------------------------------------


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks") or [], ensure_ascii=False) + message.get("text", "")


def _button(message: dict[str, Any], action_id: str) -> str:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return str(element.get("value", ""))
    raise AssertionError(f"no {action_id} button")


def test_through_approval_over_slack(bot: BotHarness) -> None:
    bot.command(ALICE_ID, f"override {NOT_DUE} {WHY}")
    shown = bot.slack.ephemerals(ALICE_ID)[-1]
    assert "*override*" in _text(shown) and "not due yet" in _text(shown)
    bot.send.block_action(
        ALICE_ID, views.CONFIRM, _button(shown, views.CONFIRM), message=shown["ts"]
    )
    bot.wait_idle()
    assert suspension_of(bot.sandbox, NOT_DUE) is None
    [request] = bot.slack.messages(APPROVALS_CHANNEL)
    assert "before it is overdue (override)" in _text(request) and WHY in _text(request)

    approve = _button(request, "approvals.approve")
    bot.send.block_action(
        BOB_ID, "approvals.approve", approve, message=request["ts"], channel=APPROVALS_CHANNEL
    )
    bot.wait_idle()

    found = suspension_of(bot.sandbox, NOT_DUE)
    assert found is not None and found[:2] == (WHY, ALICE_ID)
    thread = bot.slack.thread(APPROVALS_CHANNEL, request["ts"])
    assert any("is suspended (override)" in m.get("text", "") for m in thread[1:])
    [done] = [e for e in events(bot.ledger, NOT_DUE) if e.action == OVERRIDE]
    assert (done.actor, done.outcome, done.details["approved_by"]) == (ALICE_ID, "ok", BOB_ID)


def test_an_approver_overrides_over_slack_and_a_viewer_is_refused(bot: BotHarness) -> None:
    refusal = bot.command(VERA_ID, f"override {NOT_DUE} {WHY}").ack_body()["text"]
    assert "to override a suspension" in refusal
    bot.command(BOB_ID, f"override {NOT_DUE} {WHY}")
    shown = bot.slack.ephemerals(BOB_ID)[-1]
    assert "Suspend (override)" in _text(shown)
    bot.send.block_action(BOB_ID, views.CONFIRM, _button(shown, views.CONFIRM), message=shown["ts"])
    bot.wait_idle()
    assert suspension_of(bot.sandbox, NOT_DUE) is not None
    assert "is suspended (override)" in bot.slack.ephemerals(BOB_ID)[-1]["text"]
    assert bot.slack.messages(APPROVALS_CHANNEL) == []


def test_a_deactivated_account_is_refused(deps: Deps, sandbox) -> None:
    with sandbox.world.lock:
        sandbox.world.platform.accounts[NOT_DUE].status = "deactivated"
    with pytest.raises(Conflict, match="deactivated"):
        suspend_override(SuspendOverride(account=NOT_DUE, reason=WHY), BOB, deps)


def test_only_the_asker_can_confirm_their_override(bot: BotHarness) -> None:
    """Bob (an approver) pressing Alice's confirmation neither suspends nor requests anything,
    and the audit shows Bob refused — never Bob as the requester with Alice's reason."""
    bot.command(ALICE_ID, f"override {NOT_DUE} {WHY}")
    alices = _button(bot.slack.ephemerals(ALICE_ID)[-1], views.CONFIRM)
    bot.command(BOB_ID, f"override 1001 {WHY}")  # Bob's own, to click Alice's value in
    his = bot.slack.ephemerals(BOB_ID)[-1]
    bot.send.block_action(BOB_ID, views.CONFIRM, alices, message=his["ts"])
    bot.wait_idle()
    assert suspension_of(bot.sandbox, NOT_DUE) is None
    assert bot.slack.messages(APPROVALS_CHANNEL) == []
    assert "Only the person who asked" in bot.slack.ephemerals(BOB_ID)[-1]["text"]
    [refused] = [e for e in events(bot.ledger, NOT_DUE) if e.action == OVERRIDE]
    assert (refused.actor, refused.outcome) == (BOB_ID, "refused")
