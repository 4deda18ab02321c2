"""Thirty simulated days of the digest schedule on one PostgreSQL ledger, with the clock
processes restarted every few days and two of them racing each day: thirty digests, one a day.

Time control: a subprocess cannot be frozen from here, so each simulated clock process runs the
clock's own digest job (``bot.digest.job.run_digest``, the function the cron and catch-up triggers
call) with its ``now`` set to a moment after that day's digest time. The two real ``jethub
clock`` processes run beside them on the real clock, so today's real digest is theirs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from audit import AuditEvent, JobRun, Ledger
from devkit.sandbox import generate_world
from devkit.slack import FakeSlack
from tests.fixtures.bot import DIGEST_CHANNEL
from tests.fixtures.ledger import AUDIT_KEY
from tests.fixtures.sandbox import business_today
from tests.reliability.conftest import logged_sandbox, make_cluster, sized
from tests.reliability.procs import run_jethub_module

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(600)]

DAYS = 30
DAYS_PER_LIFE = sized(10, 3)  # how long a simulated clock process lives before its restart


def test_thirty_days_of_schedules_with_restarts_post_thirty_digests(
    tmp_path: Path, slack: FakeSlack, fresh_pg_url: str
) -> None:
    sandbox, _effects = logged_sandbox(generate_world(100, seed=5))
    cluster = make_cluster(tmp_path, slack, sandbox, fresh_pg_url)
    ledger = Ledger.from_url(fresh_pg_url, key=AUDIT_KEY)
    first = business_today() + timedelta(days=1)
    try:
        real_clocks = [cluster.clock(f"clock{i}") for i in range(2)]

        def life(start: int) -> int:
            day = (first + timedelta(days=start)).isoformat()
            n = min(DAYS_PER_LIFE, DAYS - start)
            child = run_jethub_module(
                "tests.reliability.procs", "digest-days", day, str(n), env=cluster.env
            )
            assert child.returncode == 0, child.stdout + child.stderr
            return int(child.stdout.strip().rsplit("=", 1)[1])

        posted = 0
        for start in range(0, DAYS, DAYS_PER_LIFE):
            with ThreadPoolExecutor(2) as pool:  # two clocks race the same days
                posted += sum(pool.map(life, [start, start]))
        for clock in real_clocks:
            assert clock.alive(), clock.stderr()
    finally:
        cluster.stop_all()
        sandbox.stop()

    simulated = {(first + timedelta(days=i)).isoformat() for i in range(DAYS)}
    try:
        with ledger.read_session() as session:
            periods = list(
                session.scalars(select(col(JobRun.period)).where(col(JobRun.job) == "digest"))
            )
            events = list(
                session.scalars(
                    select(col(AuditEvent.details)).where(
                        col(AuditEvent.action) == "digest.post",
                        col(AuditEvent.outcome) == "ok",
                    )
                )
            )
            digest_claims = select(func.count()).where(col(JobRun.job) == "digest")
            total = session.scalar(digest_claims.select_from(JobRun))
    finally:
        ledger.dispose()
    assert posted == DAYS
    assert simulated <= set(periods) and len(periods) == total
    assert len(set(periods)) == len(periods)
    days_posted = [e["period"] for e in events if e["period"] in simulated]
    assert sorted(days_posted) == sorted(simulated)
    tops = [
        c
        for c in slack.calls("chat.postMessage")
        if c.args.get("channel") == DIGEST_CHANNEL and not c.args.get("thread_ts")
    ]
    assert len(tops) == len(periods)  # the simulated days, plus today's if the real clocks ran it
