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
from commands.runs import engine
from devkit.console.payments import pay
from tests.digest.conftest import all_events
from tests.fixtures.bot import ALICE, DIGEST_CHANNEL, OSCAR, BotHarness, start_bot

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
    bulk.post(services, services.slack, started, DIGEST_CHANNEL)
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


def test_with_approval_required_the_bulk_is_refused_with_why_and_audited(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'strict.db'}"
    for strict in start_bot(url, jethub_suspend_requires_approval=True):
        alice = Actor.with_grants(ALICE, {Role.OPERATOR})
        with pytest.raises(Exception, match="JETHUB_SUSPEND_REQUIRES_APPROVAL"):
            prepare_bulk(alice, strict.services.deps)
        [event] = [e for e in all_events(strict.ledger) if e.action == "suspend.bulk"]
        assert (event.actor, event.outcome) == (ALICE, "refused")
        assert suspended(strict) == []
