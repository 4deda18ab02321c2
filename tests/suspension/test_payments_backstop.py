"""The backstop: no callout at all, or a lost one, and the clock's check (or `jethub collections
check`) lifts the suspension — once, however many times or clocks check, racing a callout too."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from audit import AuditEvent, PaymentDecision
from bot.clock import clock_owner
from bot.jobs.sweeper import sweep
from bot.suspension.backstop import period_of, run_check
from commands.suspension.backstop import CheckReport, check_payments
from commands.suspension.paid import PaymentDecided, record_decision
from tests.fixtures.bot import ALICE, DIGEST_CHANNEL, BotHarness, start_bot
from tests.reliability.procs import jethub_env, run_jethub
from tests.suspension.conftest import suspension_of
from tests.suspension.payments_helpers import (
    CALLOUT,
    callout_body,
    deliver,
    pay,
    suspend_through_slack,
)

ACCOUNT, ZUORA = "1003", "A00001003"
LIFTS = "DELETE /v2/accounts/{A}/suspension"


@pytest.fixture
def auto(tmp_path: Path) -> Iterator[BotHarness]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    yield from start_bot(url, jethub_unsuspend_on_payment="auto", **CALLOUT)


@pytest.fixture
def auto_pg(fresh_pg_url: str) -> Iterator[BotHarness]:
    yield from start_bot(fresh_pg_url, jethub_unsuspend_on_payment="auto", **CALLOUT)


def lifts(bot: BotHarness) -> list[str]:
    """Who lifted the account's suspension, one entry per ``unsuspend`` ok."""
    with bot.ledger.read_session() as session:
        rows = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "unsuspend", AuditEvent.account == ACCOUNT
            )
        ).all()
        return [r.actor for r in rows if str(r.outcome) == "ok"]


def dms(bot: BotHarness, user: str, words: str) -> int:
    return sum(
        1
        for c in bot.slack.calls("chat.postMessage")
        if c.args.get("channel") == user and words in str(c.args.get("text"))
    )


def test_jethub_collections_check_lifts_it_and_a_second_run_does_nothing(
    tmp_path: Path, auto: BotHarness
) -> None:
    suspend_through_slack(auto, ACCOUNT)
    paid = pay(auto.sandbox.url, ZUORA)  # and Zuora never calls back
    env = jethub_env(
        slack=auto.slack,
        sandbox=auto.sandbox,
        database_url=str(auto.services.settings.database_url),
        ZUORA_CLIENT_SECRET="sandbox-secret",
        JETHUB_API_TOKEN="platform-token",
        SBC_API_TOKEN="sbc-token",
        JETHUB_UNSUSPEND_ON_PAYMENT="auto",
    )
    first = run_jethub("collections", "check", env=env, cwd=tmp_path, warm=True)
    assert first.returncode == 0, first.stderr
    assert "Accounts the bot suspended for non-payment: 1" in first.stdout
    assert (
        f"{ACCOUNT} (" in first.stdout and f"({paid['number']}) → suspension lifted" in first.stdout
    )
    assert suspension_of(auto.sandbox, ACCOUNT) is None

    second = run_jethub("collections", "check", env=env, cwd=tmp_path, warm=True)
    assert second.returncode == 0, second.stderr
    assert "Accounts the bot suspended for non-payment: 0" in second.stdout
    assert auto.sandbox.counters.get("platform", LIFTS) == 1
    assert lifts(auto) == ["system"]
    assert dms(auto, ALICE, "lifted its suspension") == 1  # told by the CLI's process


def test_the_clock_checks_once_a_period_and_lifts_once(auto: BotHarness) -> None:
    suspend_through_slack(auto, ACCOUNT)
    pay(auto.sandbox.url, ZUORA)
    first = run_check(auto.services, auto.services.slack, owner=clock_owner())
    again = run_check(auto.services, auto.services.slack, owner=clock_owner())
    auto.wait_idle()
    assert first is not None and [d.decision for d in first.decided] == ["lifted"]
    assert first.decided[0].lifted
    assert again is None  # the period is claimed
    assert suspension_of(auto.sandbox, ACCOUNT) is None
    assert dms(auto, ALICE, "lifted its suspension") == 1


def test_a_lost_callout_is_found_by_the_check(auto: BotHarness, caplog: Any) -> None:
    suspend_through_slack(auto, ACCOUNT)
    paid = pay(auto.sandbox.url, ZUORA)
    auto.sandbox.faults("platform").set(error_rate=1.0)  # the callout's work cannot reach it
    assert deliver(auto.url, callout_body(ZUORA, paid)).status_code == 202
    auto.wait_idle()
    assert "could not act on Zuora's callout" in caplog.text
    auto.sandbox.faults("platform").set(error_rate=0.0)
    assert suspension_of(auto.sandbox, ACCOUNT) is not None
    report = run_check(auto.services, auto.services.slack, owner=clock_owner())
    auto.wait_idle()
    assert report is not None and report.decided[0].lifted
    assert suspension_of(auto.sandbox, ACCOUNT) is None


def test_an_account_still_owing_is_left_alone(auto: BotHarness) -> None:
    suspend_through_slack(auto, ACCOUNT)
    auto.sandbox.counters.reset()
    report = run_check(auto.services, auto.services.slack, owner=clock_owner())
    assert report is not None
    assert (report.suspended, report.still_owing, report.decided) == (1, 1, [])
    assert suspension_of(auto.sandbox, ACCOUNT) is not None
    assert auto.sandbox.counters.get("platform", LIFTS) == 0


def test_ask_from_the_check_posts_the_question_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    for bot in start_bot(url, jethub_unsuspend_on_payment="ask"):
        suspend_through_slack(bot, ACCOUNT)
        paid = pay(bot.sandbox.url, ZUORA)
        first = run_check(bot.services, bot.services.slack, owner=clock_owner())
        assert first is not None and [d.decision for d in first.decided] == ["asked"]
        again = check_payments(bot.services.deps)  # as the next period's check would
        assert (again.already_decided, again.decided) == (1, [])
        bot.wait_idle()
        asked = [
            c
            for c in bot.slack.calls("chat.postMessage")
            if c.args.get("channel") == DIGEST_CHANNEL and paid["number"] in str(c.args.get("text"))
        ]
        assert len(asked) == 1 and "still suspended" in asked[0].args["text"]
        assert suspension_of(bot.sandbox, ACCOUNT) is not None


def test_period_of_floors_to_the_interval() -> None:
    assert period_of(datetime(2026, 12, 7, 10, 14, 59, tzinfo=UTC), 15) == "2026-12-07T10:00"
    assert period_of(datetime(2026, 12, 7, 10, 15, tzinfo=UTC), 15) == "2026-12-07T10:15"
    assert period_of(datetime(2026, 12, 7, 23, 59, tzinfo=UTC), 7) == "2026-12-07T23:55"


@pytest.mark.postgres
def test_two_clocks_and_a_callout_racing_on_postgres_lift_once(auto_pg: BotHarness) -> None:
    bot = auto_pg
    suspend_through_slack(bot, ACCOUNT)
    paid = pay(bot.sandbox.url, ZUORA)
    reports: list[CheckReport | None] = []
    start = threading.Barrier(3)

    def clock() -> None:
        start.wait()
        reports.append(run_check(bot.services, bot.services.slack, owner=clock_owner()))

    def callout() -> None:
        start.wait()
        assert deliver(bot.url, callout_body(ZUORA, paid)).status_code == 202

    threads = [threading.Thread(target=f) for f in (clock, clock, callout)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    bot.wait_idle()
    assert len([r for r in reports if r is not None]) == 1  # one clock had the period
    assert suspension_of(bot.sandbox, ACCOUNT) is None
    assert bot.sandbox.counters.get("platform", LIFTS) == 1
    assert lifts(bot) == ["system"]
    with bot.ledger.read_session() as session:
        decided = session.exec(select(PaymentDecision)).all()
        assert [(d.key.split(":")[0], d.decision) for d in decided] == [("paid", "lifted")]
    assert dms(bot, ALICE, "lifted its suspension") == 1


def test_a_lift_whose_process_died_is_finished_by_the_sweeper_and_told(
    auto: BotHarness,
) -> None:
    suspend_through_slack(auto, ACCOUNT)
    pay(auto.sandbox.url, ZUORA)
    # The decision and its run are committed; the process dies before working the run.
    decided = record_decision(auto.services.deps, ACCOUNT, source="check")
    assert isinstance(decided, PaymentDecided) and decided.run_id is not None
    auto.wait_idle()
    assert suspension_of(auto.sandbox, ACCOUNT) is not None
    assert dms(auto, ALICE, "lifted its suspension") == 0

    # Any process's sweeper, once the creator's grace has passed (its clock a minute ahead).
    later = auto.services.deps.with_now(lambda: datetime.now(UTC) + timedelta(minutes=1))
    sweep(replace(auto.services, deps=later), auto.services.slack)
    auto.wait_idle()
    assert suspension_of(auto.sandbox, ACCOUNT) is None
    assert lifts(auto) == ["system"]
    assert dms(auto, ALICE, "lifted its suspension") == 1
    report = run_check(auto.services, auto.services.slack, owner=clock_owner())
    assert report is not None and report.suspended == 0  # nothing left to lift, nothing twice
