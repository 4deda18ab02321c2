"""Approving a kind confirmed by typing (a deactivation): the click opens a modal asking for the
account number, a wrong number is refused on its field, and only the submission approves — a
click alone, or an approval without the number, approves nothing."""

from __future__ import annotations

import pytest

from audit.models import ApprovalState
from commands.approvals.decisions import decide_approval
from commands.approvals.model import DecideApproval, NotTyped
from commands.approvals.requests import load_approval
from commands.deps import Deps
from commands.runs.records import run_for_approval
from tests.deactivation.conftest import BOB as BOB_ACTOR
from tests.deactivation.conftest import actions
from tests.deactivation.test_commands import request
from tests.deactivation.test_e2e import ACCOUNT, ask, request_id_of, type_to_approve
from tests.fixtures.bot import APPROVALS_CHANNEL, BOB, BotHarness


def _press(bot: BotHarness, posted: dict) -> None:
    bot.send.block_action(
        BOB,
        "approvals.approve",
        request_id_of(posted),
        message=posted["ts"],
        channel=APPROVALS_CHANNEL,
        block_id="approvals.decide",
    )
    bot.wait_idle()


def test_a_tap_opens_the_modal_and_approves_nothing(bot: BotHarness) -> None:
    posted = ask(bot)
    approve = posted["blocks"][-1]["elements"][0]
    assert "confirm" not in approve  # the modal is the confirmation, not Slack's dialog
    _press(bot, posted)

    view = bot.slack.open_view(BOB)
    assert view is not None and view["callback_id"] == "approvals.approve_modal"
    assert f"Type the account number ({ACCOUNT}) to approve" in str(view["blocks"])
    request_now = load_approval(bot.services.deps, request_id_of(posted))
    assert request_now is not None and request_now.state is ApprovalState.PENDING
    assert run_for_approval(bot.services.deps, request_now.id) is None
    assert not [a for a in actions(bot.ledger, ACCOUNT) if a[1] == "deactivate.approve"]


def test_a_wrong_number_is_a_field_error_and_the_right_one_approves(bot: BotHarness) -> None:
    posted = ask(bot)
    _press(bot, posted)
    wrong = type_to_approve(bot, BOB, typed="1002")
    assert wrong.ack_body() == {
        "response_action": "errors",
        "errors": {"confirm": f"Type the account number {ACCOUNT} exactly to approve."},
    }
    request_id = request_id_of(posted)
    assert load_approval(bot.services.deps, request_id).state is ApprovalState.PENDING  # type: ignore[union-attr]

    type_to_approve(bot, BOB)  # the same modal, now with the right number
    decided = load_approval(bot.services.deps, request_id)
    assert decided is not None and decided.state is ApprovalState.APPROVED
    run = run_for_approval(bot.services.deps, request_id)
    assert run is not None and run.state.value == "succeeded"
    trail = actions(bot.ledger, ACCOUNT)
    assert (BOB, "deactivate.approve", "refused") in trail and (
        BOB,
        "deactivate.approve",
        "ok",
    ) in trail


def test_an_approval_without_the_typed_number_is_refused(deps: Deps) -> None:
    request_id = request(deps)
    with pytest.raises(NotTyped, match="type it in the dialog"):
        decide_approval(DecideApproval(request_id=request_id, decision="approve"), BOB_ACTOR, deps)
    assert run_for_approval(deps, request_id) is None
    assert ("U0BOB", "deactivate.approve", "refused") in actions(deps.ledger)
