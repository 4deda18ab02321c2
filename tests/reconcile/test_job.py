"""The daily report on the clock, on SQLite and PostgreSQL: two clocks make one post a day, a
thread reply a finding; a day with nothing new posts nothing; a change is posted again."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.jobs.catalogue import scheduled_jobs
from bot.reconcile.job import run_daily_reconcile
from bot.runtime.services import Services
from tests.fixtures.bot import DIGEST_CHANNEL, BotHarness, start_bot
from tests.reconcile.conftest import platform_call


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def bot(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BotHarness]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = request.getfixturevalue("fresh_pg_url")
    yield from start_bot(url, jethub_reconcile_at="06:30")


def days_later(services: Services, days: int) -> Services:
    deps = services.deps
    moment = deps.now() + timedelta(days=days)
    return replace(services, deps=deps.with_now(lambda: moment))


def test_two_clocks_post_once_and_nothing_new_posts_nothing(bot: BotHarness) -> None:
    services, slack = bot.services, bot.services.slack
    with ThreadPoolExecutor(2) as clocks:  # two clocks at the same moment
        raced = list(clocks.map(lambda o: run_daily_reconcile(services, slack, owner=o),
                                ["clock-a", "clock-b"]))  # fmt: skip
    [first] = [r for r in raced if r is not None]
    assert first.posted and first.ts
    assert run_daily_reconcile(services, slack, owner="clock-c") is None  # later the same day
    [post] = bot.slack.messages(DIGEST_CHANNEL)
    assert "5 findings" in post["text"]
    replies = bot.slack.thread(DIGEST_CHANNEL, first.ts)[1:]
    assert [r["text"] for r in replies] == [f"{f.account}: {f.check}" for f in first.findings]
    assert all(r.get("blocks") for r in replies)  # each with its section and fix buttons

    tomorrow = days_later(services, 1)
    same = run_daily_reconcile(tomorrow, slack, owner="clock-b")
    assert same is not None and not same.posted  # nothing changed: no post
    assert len(bot.slack.messages(DIGEST_CHANNEL)) == 1

    platform_call(bot.sandbox.url, "PUT", "/v2/accounts/1003/suspension",
                  {"by": "U0PORTAL", "reason": "Chargeback"})  # fmt: skip
    changed = run_daily_reconcile(days_later(services, 2), slack, owner="clock-a")
    assert changed is not None and changed.posted
    assert len(bot.slack.messages(DIGEST_CHANNEL)) == 2
    assert any(f.account == "1003" for f in changed.findings)


def test_the_job_is_scheduled_only_with_a_time_and_a_channel(bot: BotHarness) -> None:
    [job] = [j for j in scheduled_jobs() if j.id == "reconcile"]
    settings = bot.services.settings
    assert job.unless is not None and job.unless(settings) is None
    assert "JETHUB_RECONCILE_AT" in (job.unless(settings.model_copy(
        update={"jethub_reconcile_at": None})) or "")  # fmt: skip
    trigger = str(job.trigger(settings))
    assert "hour='6'" in trigger and "minute='30'" in trigger
