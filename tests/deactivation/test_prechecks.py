"""The pre-checks, before the request and again before anything is removed: a number with a
port-out under way refuses (naming it) until the port completes; active children need the
request to say what becomes of them (detached by a step of the run, or kept); a credit owed to
the customer and unpaid invoices are carried into the request as warnings."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from commands.approvals.decisions import decide_approval, load_approval
from commands.approvals.model import DecideApproval
from commands.deactivation.checks import ChildrenUndecided, PortOutPending
from commands.deactivation.request import (
    RequestDeactivation,
    execute_run,
    request_deactivation,
    run_for_approval,
    summarise,
)
from commands.deps import Deps
from devkit.sandbox import Sandbox
from integrations.phone import format_au_number
from tests.deactivation.conftest import ALICE, BOB, actions, deletes, estate_counts
from tests.deactivation.test_e2e import KEEP_CHILDREN, buttons, check_blocks, text_of
from tests.fixtures.bot import APPROVALS_CHANNEL, BotHarness
from tests.fixtures.sandbox import http_client

PORTING = "1006"


def platform_http(sandbox: Sandbox) -> httpx.Client:
    """The platform's API as the gaining carrier's port-out reaches it."""
    return http_client(f"{sandbox.url}/v2", headers={"X-Auth-Token": "platform-token"})


def port_out(sandbox: Sandbox, account: str, number: str) -> str:
    with platform_http(sandbox) as client:
        body = {"data": {"numbers": [number], "carrier": "Telstra"}}
        answer = client.put(f"/accounts/{account}/port_requests", json=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["id"])


def complete_port(sandbox: Sandbox, account: str, port_id: str) -> None:
    with platform_http(sandbox) as client:
        answer = client.patch(f"/accounts/{account}/port_requests/{port_id}/completed")
    assert answer.status_code == 200, answer.text


def a_number_of(sandbox: Sandbox, account: str) -> str:
    with sandbox.world.lock:
        numbers = sandbox.world.platform.estate(account).phone_numbers.values()
        return sorted(n.number for n in numbers if n.state == "in_service")[0]


def said(bot: BotHarness, user: str) -> str:
    shown = [bot.slack.open_view(user) or {}]
    answered = [r.body for r in bot.slack.responses() if r.user == user]
    return json.dumps([*shown, *answered, *bot.slack.messages("D" + user[1:])], ensure_ascii=False)


def test_a_pending_port_out_refuses_the_request_naming_it_until_the_port_completes(
    bot: BotHarness,
) -> None:
    leaving = a_number_of(bot.sandbox, PORTING)
    port_id = port_out(bot.sandbox, PORTING, leaving)

    bot.command(ALICE.user_id, f"deactivate {PORTING}")
    told = said(bot, ALICE.user_id)
    assert format_au_number(leaving) in told and "port-out under way" in told
    assert "Wait until the port completes" in told and "nothing was requested" in told
    modal = bot.slack.open_view(ALICE.user_id)
    assert modal is None or modal.get("callback_id") != "deactivation.request"
    assert bot.slack.messages(APPROVALS_CHANNEL) == []
    assert (ALICE.user_id, "deactivate.request", "refused") in actions(bot.ledger, PORTING)

    complete_port(bot.sandbox, PORTING, port_id)
    bot.command(ALICE.user_id, f"deactivate {PORTING}")
    modal = bot.slack.open_view(ALICE.user_id)
    assert modal is not None and modal["callback_id"] == "deactivation.request"
    assert format_au_number(leaving) not in json.dumps(modal)  # it left with the port
    bot.send.view_submission(
        ALICE.user_id,
        values={"reason": {"value": "moved to Telstra"}, "confirm": {"value": PORTING}},
    )
    bot.wait_idle()
    (posted,) = bot.slack.messages(APPROVALS_CHANNEL)
    check_blocks(posted)
    assert buttons(posted) == ["approvals.approve", "approvals.deny"]


def _request(deps: Deps, account: str, **order: Any) -> str:
    asked = request_deactivation(
        RequestDeactivation(account=account, reason="closing", typed_account=account, **order),
        ALICE,
        deps,
    )
    return asked.request.id


def _approved_run(deps: Deps, request_id: str) -> str:
    request = load_approval(deps, request_id)
    assert request is not None
    order = DecideApproval(request_id=request_id, decision="approve", typed_account=request.account)
    decide_approval(order, BOB, deps)
    run = run_for_approval(deps, request_id)
    assert run is not None
    return run.id


def test_a_port_out_that_starts_after_the_request_stops_the_run_before_anything_goes(
    deps: Deps, sandbox: Sandbox
) -> None:
    run_id = _approved_run(deps, _request(deps, PORTING))
    leaving = a_number_of(sandbox, PORTING)
    port_out(sandbox, PORTING, leaving)
    before = estate_counts(sandbox, PORTING)
    sandbox.counters.reset()

    outcome = execute_run(deps, run_id)

    assert outcome.state == "refused"
    assert outcome.refused and format_au_number(leaving) in outcome.refused
    assert "since the request was approved" in outcome.refused
    assert "nothing was removed" in outcome.refused
    assert deletes(sandbox) == {}
    assert estate_counts(sandbox, PORTING) == before
    trail = actions(deps.ledger, PORTING)
    assert ("system", "deactivate.step", "refused") in trail
    assert ("system", "deactivate.done", "refused") in trail


def test_active_children_must_be_accounted_for_and_detach_detaches_them(
    deps: Deps, sandbox: Sandbox
) -> None:
    with pytest.raises(ChildrenUndecided) as undecided:
        _request(deps, "1001")
    assert "3 active child accounts" in str(undecided.value) and "detach" in str(undecided.value)
    assert (ALICE.user_id, "deactivate.request", "refused") in actions(deps.ledger, "1001")

    run_id = _approved_run(deps, _request(deps, "1001", children="detach"))
    outcome = execute_run(deps, run_id)

    assert outcome.state == "succeeded"
    with sandbox.world.lock:
        accounts = sandbox.world.platform.accounts
        assert [accounts[c].parent_id for c in ("1002", "1003", "1004")] == [None] * 3
        assert [accounts[c].status for c in ("1002", "1003", "1004")] == ["active"] * 3
    assert summarise(deps, run_id).detached == ["1002", "1003", "1004"]
    assert deletes(sandbox)["PATCH /v2/accounts/{A}"] == 3


def test_children_kept_stay_and_children_gained_since_stop_the_run(
    deps: Deps, sandbox: Sandbox
) -> None:
    kept = _approved_run(deps, _request(deps, "1001", children="keep"))
    assert execute_run(deps, kept).state == "succeeded"
    with sandbox.world.lock:
        assert sandbox.world.platform.accounts["1002"].parent_id == "1001"

    run_id = _approved_run(deps, _request(deps, "1010"))  # childless when asked
    with sandbox.world.lock:
        sandbox.world.platform.set_parent("1009", "1010")
    sandbox.counters.reset()
    outcome = execute_run(deps, run_id)
    assert outcome.state == "refused" and outcome.refused
    assert "gained 1 active child account since the request" in outcome.refused
    assert deletes(sandbox) == {}


def test_a_credit_owed_and_unpaid_invoices_are_carried_into_the_request(
    bot: BotHarness,
) -> None:
    with bot.sandbox.world.lock:
        key = bot.sandbox.world.platform.accounts["1001"].zuora_account_number
        zuora = bot.sandbox.world.zuora.account(key or "")
        assert zuora is not None
        zuora.credit_balance = Decimal("45.50")
    bot.command(ALICE.user_id, "deactivate 1001")
    modal = bot.slack.open_view(ALICE.user_id)
    assert modal is not None
    for text in (json.dumps(modal, ensure_ascii=False), None):
        if text is None:
            bot.send.view_submission(
                ALICE.user_id,
                values={"reason": {"value": "closing"}, "confirm": {"value": "1001"}}
                | KEEP_CHILDREN,
            )
            bot.wait_idle()
            text = text_of(bot.slack.messages(APPROVALS_CHANNEL)[0])
        assert "owed a *credit of $45.50 AUD*" in text and "refund it in Zuora" in text
        assert "*1 unpaid invoice* ($612.40 AUD)" in text  # 1001's open invoice


def test_a_tampered_children_choice_is_refused(bot: BotHarness) -> None:
    bot.command(ALICE.user_id, "deactivate 1001")
    tampered = {"children": {"value": {"type": "radio_buttons", "selected_option": {"value": "x"}}}}
    bot.send.view_submission(
        ALICE.user_id,
        values={"reason": {"value": "closing"}, "confirm": {"value": "1001"}} | tampered,
    )
    bot.wait_idle()
    assert bot.slack.messages(APPROVALS_CHANNEL) == []
    assert "say whether to detach them" in said(bot, ALICE.user_id)


def test_the_refusals_say_what_to_do() -> None:
    from commands.deactivation.radius import PortOut

    port = PortOut(id="p1", numbers=["0412345678"], carrier="Optus", state="scheduled")
    text = str(PortOutPending("1006", [port]))
    assert "0412 345 678 (port request p1 to Optus, scheduled)" in text
    assert "Wait until the port completes" in text and "ask for the deactivation again" in text
    assert "detach them" in str(ChildrenUndecided("1001", 2))
