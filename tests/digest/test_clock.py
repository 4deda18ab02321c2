"""The clock: the digest fires at the local digest time across daylight saving, and is posted
exactly once a day however many clocks run, restart or come back late."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from freezegun import freeze_time

from audit import claim_period, finish_period
from bot.clock import make_clock, run_clock, schedule
from bot.digest.job import DIGEST_JOB, digest_trigger, run_digest
from bot.edge.slack_limits import ChannelPacer
from bot.runtime.services import Services
from tests.digest.conftest import (
    ClockWorld,
    all_events,
    check_message,
    clock_services,
    clock_world,
    job_runs,
)

SYDNEY = ZoneInfo("Australia/Sydney")


def local(y: int, m: int, d: int, hh: int, mm: int = 0, ss: float = 0, fold: int = 0) -> datetime:
    whole = int(ss)
    return datetime(y, m, d, hh, mm, whole, int((ss - whole) * 1_000_000), tzinfo=SYDNEY, fold=fold)


def wait_until(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found:
            return found
        assert time.monotonic() < deadline, "condition still false"
        time.sleep(0.02)


class Executions:
    """Which jobs a scheduler has run (or failed), by id."""

    def __init__(self, scheduler: BackgroundScheduler) -> None:
        self.done: list[tuple[str, bool]] = []
        self._lock = threading.Lock()
        scheduler.add_listener(self._on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def _on_event(self, event: JobExecutionEvent) -> None:
        with self._lock:
            self.done.append((event.job_id, event.exception is None))

    def ran(self, job_id: str) -> int:
        with self._lock:
            return sum(1 for job, ok in self.done if job == job_id and ok)


def started(
    services: Services, owner: str, into: list[BackgroundScheduler]
) -> tuple[BackgroundScheduler, Executions]:
    """``start_clock``, with a listener attached before the first job can run."""
    scheduler = make_clock(services, services.slack, owner=owner)
    runs = Executions(scheduler)
    scheduler.start()
    into.append(scheduler)
    return scheduler, runs


def digest_events(world: ClockWorld) -> list[Any]:
    return [e for e in all_events(world.services.deps.ledger) if e.action == "digest.post"]


@pytest.fixture
def stop_after() -> Iterator[list[BackgroundScheduler]]:
    started: list[BackgroundScheduler] = []
    yield started
    for scheduler in started:
        if scheduler.running:
            scheduler.shutdown(wait=True)


# -- the trigger ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "utc_hours"),
    [
        # Daylight saving ends 5 April 2026 (AEDT +11 → AEST +10).
        (local(2026, 4, 3, 12), [22, 23, 23, 23]),
        # Daylight saving starts 4 October 2026 (AEST +10 → AEDT +11).
        (local(2026, 10, 2, 12), [23, 22, 22, 22]),
    ],
)
def test_the_digest_fires_at_nine_local_time_across_daylight_saving(
    world: ClockWorld, start: datetime, utc_hours: list[int]
):
    trigger = digest_trigger(world.services.settings)
    fired: list[datetime] = []
    previous = None
    now = start
    for _ in range(4):
        nxt = trigger.get_next_fire_time(previous, now)
        assert nxt is not None
        fired.append(nxt)
        previous = now = nxt
    assert [(f.astimezone(SYDNEY).hour, f.astimezone(SYDNEY).minute) for f in fired] == [(9, 0)] * 4
    assert [f.astimezone(UTC).hour for f in fired] == utc_hours
    days = [f.astimezone(SYDNEY).date() for f in fired]
    assert days == [start.date() + timedelta(days=n) for n in range(1, 5)]


@pytest.mark.parametrize(
    "nine_am",
    [local(2026, 4, 5, 9), local(2026, 10, 4, 9)],
    ids=["dst-ends", "dst-starts"],
)
def test_a_real_scheduled_run_on_a_transition_day_posts_at_nine(
    world: ClockWorld, stop_after: list[BackgroundScheduler], nine_am: datetime
):
    with freeze_time(nine_am - timedelta(seconds=1.5), tick=True):
        _, runs = started(world.services, "clock-a", stop_after)
        wait_until(lambda: runs.ran("digest"))
        [run] = wait_until(lambda: [r for r in job_runs(world.services.deps.ledger) if r.outcome])
    assert run.period == nine_am.date().isoformat()
    assert run.outcome == "ok" and run.owner == "clock-a"
    assert run.started_at >= nine_am.astimezone(UTC)
    assert run.started_at < nine_am.astimezone(UTC) + timedelta(seconds=30)
    [posted] = world.digests()
    check_message(posted)
    [event] = digest_events(world)
    assert event.outcome == "ok" and event.details["period"] == run.period


def test_the_catch_up_check_does_nothing_before_the_digest_time(world: ClockWorld):
    with freeze_time(local(2026, 10, 4, 8, 30)):
        assert run_digest(world.services, world.services.slack, owner="early") is None
    assert world.digests() == [] and job_runs(world.services.deps.ledger) == []


# -- exactly once ---------------------------------------------------------------------------------


@pytest.mark.postgres
def test_two_schedulers_sharing_one_postgresql_ledger_post_once(
    fresh_pg_url: str, stop_after: list[BackgroundScheduler]
):
    with clock_world(fresh_pg_url) as world:
        other = clock_services(world.slack, world.sandbox, fresh_pg_url, own_sandbox=False)
        try:
            nine = local(2026, 10, 4, 9)
            with freeze_time(nine - timedelta(seconds=1.5), tick=True):
                _, ran_a = started(world.services, "clock-a", stop_after)
                _, ran_b = started(other, "clock-b", stop_after)
                wait_until(lambda: ran_a.ran("digest") and ran_b.ran("digest"))
            [run] = job_runs(world.services.deps.ledger)
            assert run.period == "2026-10-04" and run.outcome == "ok"
            assert run.owner in {"clock-a", "clock-b"}
            assert len(world.digests()) == 1
            assert [e.outcome for e in digest_events(world)] == ["ok"]
        finally:
            other.close()


@pytest.mark.postgres
def test_racing_digest_runs_on_postgresql_post_once(fresh_pg_url: str):
    with clock_world(fresh_pg_url) as world:
        other = clock_services(world.slack, world.sandbox, fresh_pg_url, own_sandbox=False)
        try:
            barrier = threading.Barrier(6)
            results: list[object] = []

            def race(n: int) -> None:
                services = world.services if n % 2 else other
                barrier.wait()
                results.append(run_digest(services, services.slack, owner=f"racer-{n}"))

            with freeze_time(local(2026, 10, 4, 10), tick=True):
                threads = [threading.Thread(target=race, args=(n,)) for n in range(6)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(30)
            assert sum(1 for r in results if r is not None) == 1
            assert len(world.digests()) == 1
            assert len(job_runs(world.services.deps.ledger)) == 1
        finally:
            other.close()


def test_a_clock_started_at_eleven_posts_once_that_day(
    world: ClockWorld, stop_after: list[BackgroundScheduler]
):
    with freeze_time(local(2026, 11, 24, 11), tick=True):
        first, runs = started(world.services, "late", stop_after)
        wait_until(lambda: runs.ran("digest-catch-up"))
        assert len(world.digests()) == 1
        first.shutdown(wait=True)
        # Restarted later that day: the day is claimed, nothing more is posted.
        _, again = started(world.services, "restarted", stop_after)
        wait_until(lambda: again.ran("digest-catch-up"))
    assert len(world.digests()) == 1
    [run] = job_runs(world.services.deps.ledger)
    assert run.period == "2026-11-24" and run.owner == "late"


def test_a_clock_down_for_days_posts_todays_digest_only(world: ClockWorld):
    ledger, now = world.services.deps.ledger, datetime(2026, 11, 19, 22, tzinfo=UTC)
    with ledger.session() as session:
        claim_period(session=session, job=DIGEST_JOB, period="2026-11-20", owner="x", now=now)
        finish_period(session=session, job=DIGEST_JOB, period="2026-11-20", owner="x", now=now)
    with freeze_time(local(2026, 11, 24, 15)):
        run = run_digest(world.services, world.services.slack, owner="back")
    assert run is not None and run.period == "2026-11-24"
    assert [r.period for r in job_runs(ledger)] == ["2026-11-20", "2026-11-24"]
    assert len(world.digests()) == 1


def test_a_digest_time_in_the_repeated_hour_posts_once(world: ClockWorld):
    settings = world.services.settings.model_copy(
        update={"jethub_digest_time": datetime(2000, 1, 1, 2, 30).time()}
    )
    trigger = digest_trigger(settings)
    first = trigger.get_next_fire_time(None, local(2026, 4, 5, 0))
    assert first is not None
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    assert second is not None
    # APScheduler fires at both 02:30s of the night daylight saving ends...
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    world.services.settings = settings
    posted = []
    for at in (first, second):
        with freeze_time(at + timedelta(seconds=1)):
            posted.append(run_digest(world.services, world.services.slack, owner="dst"))
    # ...and the day's claim keeps it to one digest.
    assert posted[0] is not None and posted[1] is None
    assert len(world.digests()) == 1


def test_a_failed_build_leaves_the_day_free_and_the_next_try_posts(world: ClockWorld):
    world.sandbox.faults("zuora").set(error_rate=1.0)
    with freeze_time(local(2026, 11, 24, 9, 0, 5)):
        with pytest.raises(Exception) as caught:
            run_digest(world.services, world.services.slack, owner="clock")
        assert "Zuora" in str(caught.value) or "zuora" in str(caught.value)
        assert job_runs(world.services.deps.ledger) == []
        world.sandbox.faults("zuora").set(error_rate=0.0)
        assert run_digest(world.services, world.services.slack, owner="clock") is not None
    assert len(world.digests()) == 1


def test_a_failed_post_is_recorded_and_not_repeated(world: ClockWorld):
    world.slack.fail_next("chat.postMessage", "channel_not_found")
    with freeze_time(local(2026, 11, 24, 9, 0, 5)):
        with pytest.raises(Exception, match="channel_not_found"):
            run_digest(world.services, world.services.slack, owner="clock")
        assert run_digest(world.services, world.services.slack, owner="clock") is None
    [run] = job_runs(world.services.deps.ledger)
    assert run.outcome == "failed"
    [event] = digest_events(world)
    assert event.outcome == "failed" and event.actor == "jethub-clock"
    assert world.digests() == []


def test_the_clock_schedules_the_sweeper_and_skips_the_digest_without_a_channel(
    ledger_url_sqlite: str,
):
    with clock_world(ledger_url_sqlite, jethub_digest_channel=None) as world:
        scheduler = BackgroundScheduler(timezone=SYDNEY)
        schedule(scheduler, world.services, world.services.slack, owner="o")
        # The payment check needs no channel (its lifts are told by DM and the activity feed);
        # the break-glass reminder needs the approvals channel, which this world has.
        assert {job.id for job in scheduler.get_jobs()} == {
            "sweeper",
            "payment-check",
            "break-glass-review-reminder",
        }
        assert run_digest(world.services, world.services.slack, owner="o") is None


def test_the_clock_schedules_the_audit_anchor_when_there_is_a_channel(ledger_url_sqlite: str):
    with clock_world(ledger_url_sqlite, jethub_audit_channel="C0AUDIT") as world:
        scheduler = BackgroundScheduler(timezone=SYDNEY)
        schedule(scheduler, world.services, world.services.slack, owner="o")
        assert "audit-anchor" in {job.id for job in scheduler.get_jobs()}


def test_run_clock_stops_when_asked(world: ClockWorld):
    stop = threading.Event()
    thread = threading.Thread(target=run_clock, args=(world.services,), kwargs={"stop": stop})
    with freeze_time(local(2026, 11, 24, 12), tick=True):
        thread.start()
        wait_until(lambda: world.digests())
        stop.set()
        thread.join(15)
    assert not thread.is_alive()
    assert len(world.digests()) == 1


def test_the_pacer_spaces_posts_a_second_apart():
    """With no burst allowed, the bot's channel pacer spaces posts a second apart."""
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = ChannelPacer(1.0, burst=1, sleep=sleep, clock=lambda: now[0])
    pacer.wait("C1")
    now[0] += 0.25
    pacer.wait("C1")
    pacer.wait("C1")
    now[0] += 3
    pacer.wait("C1")
    assert slept == [0.75, 1.0]


def test_local_date_is_the_period_not_the_utc_date(world: ClockWorld):
    # 09:30 on 24 Nov in Sydney is still 23 Nov in UTC.
    with freeze_time(local(2026, 11, 24, 9, 30)):
        run = run_digest(world.services, world.services.slack, owner="o")
    assert run is not None and run.period == "2026-11-24"
    assert run.digest.day == date(2026, 11, 24)
