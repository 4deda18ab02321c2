"""The digest's "Suspend all eligible (N)" end to end: one confirmation listing every account and
amount, then one durable suspension per account, each re-checked when it takes effect (one paid
between the confirmation and the execution is skipped and named), and one summary message
redrawn as they finish — also by the sweeper, when the process working them died part way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.digest import bulk, bulk_views
from bot.digest.job import run_digest
from bot.jobs.sweeper import sweep
from commands.actor import Actor, Role
from commands.digest.bulk import confirm_bulk, prepare_bulk
from commands.digest.bulk_progress import bulk_started
from commands.runs import engine
from devkit.console.payments import pay
from tests.digest.conftest import all_events
from tests.fixtures.bot import (
    ALICE,
    APPROVALS_CHANNEL,
    BETTY,
    BOB,
    DIGEST_CHANNEL,
    OSCAR,
    BotHarness,
    start_bot,
)

ELIGIBLE = ["1009", "1008", "1003", "1007", "1012"]  # the demo digest, most overdue first
PAID = "1003"
SUSPEND_PUT = "PUT /v2/accounts/{A}/suspension"


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotHarness]:
    yield from start_bot(f"sqlite:///{tmp_path / 'ledger.db'}", jethub_digest_time="00:00")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_bot(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BotHarness]:
    """The bot on either ledger: the runs, their locks and savepoints behave alike."""
    if request.param == "postgres":
        url = request.getfixturevalue("fresh_pg_url")
    else:
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    yield from start_bot(url, jethub_digest_time="00:00")


def suspended(bot: BotHarness) -> list[str]:
    with bot.sandbox.world.lock:
        accounts = bot.sandbox.world.platform.accounts
        return [a for a in ELIGIBLE if accounts[a].suspended is not None]


def suspensions(bot: BotHarness) -> dict[str, int]:
    done: dict[str, int] = {}
    for e in all_events(bot.ledger, limit=500):
        if e.action == "suspend" and e.outcome == "ok" and e.account:
            done[e.account] = done.get(e.account, 0) + 1
    return done


def summary(bot: BotHarness) -> dict[str, Any]:
    [found] = [
        m
        for m in bot.slack.messages(DIGEST_CHANNEL)
        if str(m.get("text", "")).startswith("Bulk suspension")
    ]
    return found


def test_one_confirmation_then_all_but_the_account_paid_since_are_suspended(bot: BotHarness):
    assert run_digest(bot.services, bot.services.slack, owner="test-clock") is not None
    [posted] = bot.slack.messages(DIGEST_CHANNEL)
    [button] = [
        e for b in posted["blocks"] if b.get("block_id") == "digest.bulk" for e in b["elements"]
    ]
    assert button["text"]["text"] == "Suspend all eligible (5)"

    bot.send.block_action(ALICE, bulk_views.BULK_ACTION, button["value"], message=posted)
    bot.wait_idle()
    shown = bot.slack.ephemerals(ALICE)[-1]
    text = json.dumps(shown, ensure_ascii=False)
    assert "Suspend 5 accounts for non-payment?" in text
    assert all(f"`{a}`" in text for a in ELIGIBLE) and "$189.50" in text
    assert suspended(bot) == []  # nothing before the confirmation

    pay(bot.sandbox.url, PAID, None)  # the customer pays between confirmation and execution
    bot.send.block_action(
        ALICE, bulk_views.BULK_CONFIRM, message=shown["ts"], block_id="digest.bulk_confirm"
    )
    bot.wait_idle()
    bot.wait_idle()
    assert suspended(bot) == [a for a in ELIGIBLE if a != PAID]
    assert suspensions(bot) == {a: 1 for a in ELIGIBLE if a != PAID}
    final = json.dumps(summary(bot), ensure_ascii=False)
    assert "(done): 5 of 5 handled — 4 suspended, 1 skipped." in final
    assert f"`{PAID}` $189.50 — skipped: Account {PAID} has paid" in final

    # The same confirmation clicked again does nothing more.
    bot.send.block_action(
        ALICE, bulk_views.BULK_CONFIRM, message=shown["ts"], block_id="digest.bulk_confirm"
    )
    bot.wait_idle()
    assert bot.sandbox.counters.get("platform", SUSPEND_PUT) == 4


def test_a_summary_slack_refused_is_posted_once_by_the_first_run_that_ends(
    any_bot: BotHarness,
):
    bot = any_bot  # the claim on either ledger
    assert run_digest(bot.services, bot.services.slack, owner="test-clock") is not None
    [posted] = bot.slack.messages(DIGEST_CHANNEL)
    [button] = [
        e for b in posted["blocks"] if b.get("block_id") == "digest.bulk" for e in b["elements"]
    ]
    bot.send.block_action(ALICE, bulk_views.BULK_ACTION, button["value"], message=posted)
    bot.wait_idle()
    shown = bot.slack.ephemerals(ALICE)[-1]
    bot.slack.fail_next("chat.postMessage", "internal_error")  # the summary's first post
    bot.send.block_action(
        ALICE, bulk_views.BULK_CONFIRM, message=shown["ts"], block_id="digest.bulk_confirm"
    )
    bot.wait_idle()
    bot.wait_idle()
    assert suspended(bot) == ELIGIBLE
    # One summary, in the channel it was confirmed in, drawn from the ledger to the end.
    final = json.dumps(summary(bot), ensure_ascii=False)
    assert "(done): 5 of 5 handled — 5 suspended, 0 skipped." in final
    posts = [e for e in all_events(bot.ledger, limit=500) if e.action == "suspend.bulk.posted"]
    assert len(posts) == 1


def test_someone_else_cannot_confirm_it(bot: BotHarness):
    confirmation = prepare_bulk(Actor.with_grants(ALICE, {Role.OPERATOR}), bot.services.deps)
    with pytest.raises(Exception, match="Only the person who asked"):
        confirm_bulk(confirmation.id, Actor.with_grants(OSCAR, {Role.OPERATOR}), bot.services.deps)
    assert suspended(bot) == []


def test_a_bulk_whose_process_died_part_way_is_finished_once_by_the_sweeper(
    any_bot: BotHarness,
):
    bot = any_bot
    services, deps = bot.services, bot.services.deps
    alice = Actor.with_grants(ALICE, {Role.OPERATOR})
    started = confirm_bulk(prepare_bulk(alice, deps).id, alice, deps)
    assert list(started.runs) == ELIGIBLE
    bulk.post(deps, services.slack, started.id, DIGEST_CHANNEL)
    for run_id in list(started.runs.values())[:2]:
        engine.execute(deps, run_id)
    # ... and the process working them dies here: three runs are written, not worked.
    bot.wait_idle()
    assert suspended(bot) == ELIGIBLE[:2]
    assert "2 of 5 handled" in json.dumps(summary(bot), ensure_ascii=False)

    later = deps.with_now(lambda: datetime.now(UTC) + timedelta(minutes=1))
    sweep(replace(services, deps=later), services.slack)
    bot.wait_idle()
    assert suspended(bot) == ELIGIBLE
    sweep(replace(services, deps=later), services.slack)  # nothing is done twice
    bot.wait_idle()
    assert suspensions(bot) == {a: 1 for a in ELIGIBLE}
    assert bot.sandbox.counters.get("platform", SUSPEND_PUT) == 5
    assert "(done): 5 of 5 handled — 5 suspended, 0 skipped." in json.dumps(
        summary(bot), ensure_ascii=False
    )


def test_a_bulk_whose_process_died_before_posting_its_summary_gets_it_from_the_sweeper(
    bot: BotHarness,
):
    services, deps = bot.services, bot.services.deps
    alice = Actor.with_grants(ALICE, {Role.OPERATOR})
    confirmation = prepare_bulk(alice, deps, reply_to=DIGEST_CHANNEL)
    confirm_bulk(confirmation.id, alice, deps)
    # ... the process dies here: the runs are written, nothing is posted or worked.
    assert not [m for m in bot.slack.messages(DIGEST_CHANNEL) if "Bulk" in str(m.get("text"))]
    later = deps.with_now(lambda: datetime.now(UTC) + timedelta(minutes=1))
    sweep(replace(services, deps=later), services.slack)
    bot.wait_idle()
    assert suspended(bot) == ELIGIBLE
    assert "(done): 5 of 5 handled — 5 suspended, 0 skipped." in json.dumps(
        summary(bot), ensure_ascii=False
    )


def test_an_account_promised_since_is_skipped_and_one_held_by_another_action_is_named(
    any_bot: BotHarness,
):
    bot = any_bot
    from decimal import Decimal

    from commands.runs import records as run_records
    from commands.suspension.promises import PromiseToPay, promise_to_pay

    deps = bot.services.deps
    alice = Actor.with_grants(ALICE, {Role.OPERATOR})
    shown = prepare_bulk(alice, deps)
    due = deps.today() + timedelta(days=2)
    order = PromiseToPay(account="1007", amount=Decimal("96.25"), due=due, note="pays on Friday")
    promise_to_pay(order, alice, deps)
    with deps.ledger.session() as session:  # another suspension of 1012, written, not worked
        run_records.create(
            session,
            deps.actions.run("suspend"),
            account="1012",
            requested_by=OSCAR,
            params={"by": OSCAR, "reason": "another one", "shown": {}},
            now=deps.now(),
        )
    started = confirm_bulk(shown.id, alice, deps)
    assert list(started.runs) == ["1009", "1008", "1003", "1007"]
    assert "already has a suspension under way" in started.skipped["1012"]
    bulk.work(deps, started)
    assert set(suspended(bot)) == {"1009", "1008", "1003"}
    [event] = [e for e in all_events(bot.ledger) if e.action == "suspend" and e.account == "1007"]
    assert event.outcome == "refused" and event.details["problem"] == "promised since"


@pytest.fixture
def strict_bot(tmp_path: Path) -> Iterator[BotHarness]:
    yield from start_bot(
        f"sqlite:///{tmp_path / 'strict.db'}",
        jethub_digest_time="00:00",
        jethub_suspend_requires_approval=True,
        jethub_approvers=f"{BOB},{BETTY},{ALICE}",  # Alice may approve, but not her own
    )


def request_bulk(bot: BotHarness) -> dict[str, Any]:
    """Alice clicks "Suspend all eligible (5)" and confirms: the one request, as posted."""
    assert run_digest(bot.services, bot.services.slack, owner="test-clock") is not None
    [posted] = bot.slack.messages(DIGEST_CHANNEL)
    [value] = [
        e["value"]
        for b in posted["blocks"]
        if b.get("block_id") == "digest.bulk"
        for e in b["elements"]
    ]
    bot.send.block_action(ALICE, bulk_views.BULK_ACTION, value, message=posted)
    bot.wait_idle()
    shown = bot.slack.ephemerals(ALICE)[-1]
    assert "Request approval to suspend 5 accounts" in json.dumps(shown)
    bot.send.block_action(
        ALICE, bulk_views.BULK_CONFIRM, message=shown["ts"], block_id="digest.bulk_confirm"
    )
    bot.wait_idle()
    replaced = json.dumps([r.body for r in bot.slack.responses()][-1:], ensure_ascii=False)
    assert "Sent for approval in <#C0APPROVALS>: one request to suspend 5 accounts" in replaced
    [request] = bot.slack.messages(APPROVALS_CHANNEL)
    return request


def decide(bot: BotHarness, user: str, action: str, request: dict[str, Any]) -> None:
    [value] = [
        e["value"]
        for b in request["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == action
    ]
    bot.send.block_action(
        user,
        action,
        value,
        message=request["ts"],
        channel=APPROVALS_CHANNEL,
        block_id="approvals.decide",
    )
    bot.wait_idle()


def told(bot: BotHarness) -> str:
    return json.dumps([r.body for r in bot.slack.responses()], ensure_ascii=False)


def test_with_approval_required_one_request_lists_every_account_and_an_approver_decides(
    strict_bot: BotHarness,
):
    bot = strict_bot
    request = request_bulk(bot)
    text = json.dumps(request, ensure_ascii=False)
    assert "Suspend 5 accounts for non-payment" in text
    assert all(f"`{a}`" in text for a in ELIGIBLE) and "$189.50" in text
    assert suspended(bot) == []  # nothing before the approval
    events = [(e.actor, e.action, e.outcome) for e in all_events(bot.ledger)]
    assert (ALICE, "suspend_bulk.request", "ok") in events

    decide(bot, ALICE, "approvals.approve", request)  # four eyes: not the requester
    assert "a *different* approver has to approve it" in told(bot)
    assert suspended(bot) == []

    pay(bot.sandbox.url, PAID, None)  # paid between the request and its approval
    decide(bot, BOB, "approvals.approve", request)
    bot.wait_idle()
    assert suspended(bot) == [a for a in ELIGIBLE if a != PAID]
    assert suspensions(bot) == {a: 1 for a in ELIGIBLE if a != PAID}
    [_, final] = bot.slack.thread(APPROVALS_CHANNEL, request["ts"])[:2]
    final_text = json.dumps(final, ensure_ascii=False)
    assert f"Bulk suspension by <@{ALICE}>* (done): 5 of 5 handled — 4 suspended, 1 skipped." in (
        final_text
    )
    assert f"`{PAID}` $189.50 — skipped: Account {PAID} has paid" in final_text
    [approved] = [e for e in all_events(bot.ledger) if e.action == "suspend.bulk.approved"]
    assert approved.actor == BOB and set(approved.details["runs"]) == set(ELIGIBLE)
    started = bulk_started(bot.services.deps, approved.details["bulk"])
    assert started is not None and list(started.runs) == ELIGIBLE  # worked in listed order
    [one] = [e for e in all_events(bot.ledger) if e.action == "suspend" and e.account == "1009"]
    assert one.actor == ALICE and one.details["approved_by"] == BOB

    # Approved exactly once: a second approver's click does nothing more.
    decide(bot, BETTY, "approvals.approve", request)
    assert "already *approved* by <@U0BOB>" in told(bot)
    assert "the bulk suspension went ahead when it was approved" in told(bot)
    assert "Your click changed nothing." in told(bot)
    assert bot.sandbox.counters.get("platform", SUSPEND_PUT) == 4


def test_with_approval_required_a_denied_bulk_suspends_nothing(strict_bot: BotHarness):
    bot = strict_bot
    request = request_bulk(bot)
    decide(bot, BOB, "approvals.deny", request)
    bot.send.view_submission(BOB, values={"reason": {"value": "not this week"}})
    bot.wait_idle()
    [final] = bot.slack.messages(APPROVALS_CHANNEL)
    assert "Denied by <@U0BOB> (not this week)" in json.dumps(final, ensure_ascii=False)
    assert suspended(bot) == [] and suspensions(bot) == {}
    assert bot.sandbox.counters.get("platform", SUSPEND_PUT) == 0
    assert not [e for e in all_events(bot.ledger) if e.action == "suspend.bulk.approved"]


def test_with_approval_required_an_expired_bulk_suspends_nothing(strict_bot: BotHarness):
    from bot.approvals.requests import expire_and_announce

    bot = strict_bot
    services = bot.services
    request = request_bulk(bot)
    later = services.deps.with_now(lambda: datetime.now(UTC) + timedelta(days=30))
    [expired] = expire_and_announce(replace(services, deps=later), services.slack)
    assert expired.kind == "suspend_bulk" and expired.state.value == "expired"
    decide(bot, BOB, "approvals.approve", request)
    assert "expired" in told(bot)
    assert suspended(bot) == [] and suspensions(bot) == {}
    dm = json.dumps(bot.slack.messages(ALICE), ensure_ascii=False)
    assert "Your bulk suspension request: " in dm and "Request again" not in dm


def test_the_policy_weighs_how_many_accounts_a_bulk_request_lists(any_bot: BotHarness):
    """On either ledger: the quorum's votes, then the runs written in the deciding one."""
    bot = any_bot
    from commands.approvals.decisions import decide_approval
    from commands.approvals.model import DecideApproval
    from commands.approvals.policy import ApprovalPolicy, KindPolicy
    from commands.digest.bulk import BulkRequested

    rules = KindPolicy.model_validate({"more": [{"when_above": {"accounts": 4}, "approvals": 2}]})
    base = bot.services.deps
    policy = replace(
        base.policy,
        suspend_requires_approval=True,
        approvals=ApprovalPolicy(kinds={"suspend_bulk": rules}),
    )
    deps = replace(base, policy=policy)
    alice = Actor.with_grants(ALICE, {Role.OPERATOR})
    requested = confirm_bulk(prepare_bulk(alice, deps).id, alice, deps)
    assert isinstance(requested, BulkRequested) and requested.request.approvals_needed == 2
    order = DecideApproval(request_id=requested.request.id, decision="approve")
    first = decide_approval(order, Actor.with_grants(BOB, {Role.APPROVER}), deps)
    assert first.request.state.value == "pending" and bulk_started(deps, first.request.id) is None
    second = decide_approval(order, Actor.with_grants(BETTY, {Role.APPROVER}), deps)
    assert second.request.state.value == "approved"
    started = bulk_started(deps, second.request.id)
    assert started is not None and list(started.runs) == ELIGIBLE
