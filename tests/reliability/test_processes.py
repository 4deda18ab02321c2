"""Several real processes on one PostgreSQL ledger: three ``jethub serve`` and two ``jethub
clock``, driven over signed HTTP at once.

- Racing approval clicks spread over the three web processes decide each request exactly once
  and start at most one run per request.
- A web process SIGKILLed in the middle of a run leaves a lapsed lease that the sweeper in
  another process picks up; the run completes once and nothing is deleted twice.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from audit import ActionRun, ActionStep, ApprovalRequest, AuditEvent, JobRun, Ledger
from devkit.sandbox import Sandbox, SandboxWorld, add_big_account, generate_world
from devkit.slack import FakeSlack
from tests.fixtures.bot import ALICE, BETTY, BOB, DIGEST_CHANNEL, OSCAR
from tests.fixtures.ledger import AUDIT_KEY
from tests.reliability.conftest import LONG, EffectLog, logged_sandbox, make_cluster, sized
from tests.reliability.procs import SECRETS, Cluster, Proc, run_jethub_module
from tests.reliability.slack_driver import (
    poll,
    request_deactivation,
    sender,
    stale_approve,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(600)]

REQUESTS = sized(10, 50)
CLICKS = sized(200, 1000)


@dataclass
class Deployment:
    slack: FakeSlack
    sandbox: Sandbox
    effects: EffectLog
    cluster: Cluster
    webs: list[Proc]
    clocks: list[Proc]
    ledger: Ledger
    database_url: str


@contextmanager
def deploy(
    tmp_path: Path, slack: FakeSlack, database_url: str, world: SandboxWorld
) -> Iterator[Deployment]:
    """Three web and two clock processes on ``database_url``, backends played by ``world``."""
    sandbox, effects = logged_sandbox(world)
    cluster = make_cluster(tmp_path, slack, sandbox, database_url)
    ledger = Ledger.from_url(database_url, key=AUDIT_KEY)
    try:
        webs = [cluster.web(f"web{i}") for i in range(3)]
        clocks = [cluster.clock(f"clock{i}") for i in range(2)]
        for web in webs:
            web.wait_healthy()
        yield Deployment(slack, sandbox, effects, cluster, webs, clocks, ledger, database_url)
    finally:
        cluster.stop_all()
        ledger.dispose()
        sandbox.stop()


@pytest.fixture
def deployment(tmp_path: Path, slack: FakeSlack, fresh_pg_url: str) -> Iterator[Deployment]:
    with deploy(tmp_path, slack, fresh_pg_url, generate_world(REQUESTS + 10, seed=11)) as d:
        yield d


def count(ledger: Ledger, model: type, *where: object) -> int:
    with ledger.read_session() as session:
        query = select(func.count()).select_from(model)
        for clause in where:
            query = query.where(clause)  # type: ignore[arg-type]
        return int(session.scalar(query) or 0)


def deactivatable(sandbox: Sandbox, n: int) -> list[str]:
    """``n`` generated accounts that are neither parents nor children (a plain deactivation)."""
    with sandbox.world.lock:
        accounts = sandbox.world.platform.accounts
        parents = {a.parent_id for a in accounts.values() if a.parent_id}
        plain = [a for a, acc in accounts.items() if acc.parent_id is None and a not in parents]
    return sorted(plain)[:n]


def test_racing_approval_clicks_across_three_web_processes(deployment: Deployment) -> None:
    d = deployment
    sends = [sender(d.slack, web.url) for web in d.webs]
    accounts = deactivatable(d.sandbox, REQUESTS)
    assert len(accounts) == REQUESTS

    def open_request(i: int) -> dict[str, object]:
        operator = (ALICE, OSCAR)[i % 2]
        return request_deactivation(sends[i % 3], d.slack, operator, accounts[i])

    # Two operators file requests in parallel (each has one modal open at a time).
    posted: list[dict[str, object]] = []
    for start in range(0, REQUESTS, 2):
        with ThreadPoolExecutor(2) as pool:
            posted.extend(pool.map(open_request, range(start, min(start + 2, REQUESTS))))
    request_ids = [str(m["blocks"][-1]["elements"][0]["value"]) for m in posted]  # type: ignore[index]
    assert len(set(request_ids)) == REQUESTS

    shuffled = random.Random(7)
    clicks = [(shuffled.randrange(REQUESTS), (BOB, BETTY)[i % 2], i % 3) for i in range(CLICKS)]

    # A person has one modal stack, so each approver's clicks follow one another; Bob's and
    # Betty's race each other across the three processes, on copies drawn before any decision.
    one_at_a_time = {BOB: threading.Lock(), BETTY: threading.Lock()}

    def click(spec: tuple[int, str, int]) -> int:
        which, approver, web = spec
        with one_at_a_time[approver]:
            answer = stale_approve(
                sends[web], d.slack, approver, posted[which], request_ids[which], accounts[which]
            )
        return answer.status_code

    with ThreadPoolExecutor(24) as pool:
        statuses = list(pool.map(click, clicks))
    assert set(statuses) == {200}

    # Every request is decided once; every run that started finishes.
    decided = ApprovalRequest.state == "approved"
    poll(lambda: count(d.ledger, ApprovalRequest, decided) == REQUESTS, timeout=120)

    def runs_settled() -> bool:
        open_runs = ActionRun.state.in_(("pending", "running"))  # type: ignore[attr-defined]
        return count(d.ledger, ActionRun, open_runs) == 0

    poll(runs_settled, timeout=300, every=0.5)
    assert count(d.ledger, ActionRun) <= REQUESTS
    assert count(d.ledger, ActionRun, ActionRun.state == "succeeded") == REQUESTS
    approvals = AuditEvent.action == "deactivate.approve"
    assert count(d.ledger, AuditEvent, approvals, AuditEvent.outcome == "ok") == REQUESTS
    # Each account was marked deactivated by exactly one platform call.
    assert d.effects.twice() == {}
    marks = d.effects.matching("/deactivate")
    assert sorted(marks) == sorted(f"POST /v2/accounts/{a}/deactivate" for a in accounts)
    for web in d.webs:
        assert web.alive(), web.stderr()
    # Two clocks ran beside all this: at most one real digest today, and no secret logged.
    digests = [
        c
        for c in d.slack.calls("chat.postMessage")
        if c.args.get("channel") == DIGEST_CHANNEL and not c.args.get("thread_ts")
    ]
    assert len(digests) == count(d.ledger, JobRun, JobRun.job == "digest") <= 1
    d.cluster.stop_all()
    logs = d.cluster.all_logs()
    assert [secret for secret in SECRETS if secret in logs] == []
    refused = count(d.ledger, AuditEvent, approvals, AuditEvent.outcome == "refused")
    runs = count(d.ledger, ActionRun)
    print(f"\nracing: {REQUESTS} requests, {CLICKS} clicks: {runs} runs, {refused} refused clicks")


def run_row(ledger: Ledger) -> ActionRun | None:
    with ledger.read_session() as session:
        row = session.exec(select(ActionRun)).scalars().first()  # type: ignore[call-overload]
        if row is not None:
            session.expunge(row)
        return row


def steps_done(ledger: Ledger) -> int:
    return count(ledger, ActionStep, ActionStep.state == "done")


def test_web_process_killed_mid_run_is_resumed_elsewhere_once(
    tmp_path: Path, slack: FakeSlack, fresh_pg_url: str
) -> None:
    world = SandboxWorld()
    big = add_big_account(world, "9001", numbers=240, users=60, callflows=40, queues=10)
    with deploy(tmp_path, slack, fresh_pg_url, world) as d:
        with d.sandbox.world.lock:
            estate = d.sandbox.world.platform.estate(big)
            before = {name: len(items) for name, items in estate.collections.items()}
            in_service = sum(1 for n in estate.phone_numbers.values() if n.state == "in_service")
        # Slow enough that the run is caught in the middle of its steps.
        d.sandbox.faults("platform").set(latency_ms=15)
        sends = [sender(d.slack, web.url) for web in d.webs]
        posted = request_deactivation(sends[0], d.slack, ALICE, big)
        request_id = str(posted["blocks"][-1]["elements"][0]["value"])
        assert stale_approve(sends[1], d.slack, BOB, posted, request_id, big)

        poll(lambda: steps_done(d.ledger) >= 2, timeout=60, every=0.05)
        run = run_row(d.ledger)
        assert run is not None and run.state == "running" and run.lease_owner
        pid = int(run.lease_owner.split(":")[1])
        [victim] = [web for web in d.webs if web.pid == pid]
        victim.kill()
        assert victim.popen.returncode == -9
        stopped_at = steps_done(d.ledger)
        d.sandbox.faults("platform").set(latency_ms=0)

        finished: ActionRun | None
        if LONG:  # the real clocks: the lease lapses (60 s), then a sweep (every 30 s)
            finished = poll(lambda: _finished(d.ledger), timeout=150, every=1.0)
        else:  # one sweep by another process whose clock is past the lease
            swept = run_jethub_module("tests.reliability.procs", "sweep", "300", env=d.cluster.env)
            assert swept.returncode == 0, swept.stdout + swept.stderr
            finished = _finished(d.ledger)
        assert finished is not None and finished.state == "succeeded", finished
        assert finished.lease_owner != run.lease_owner
        assert stopped_at < count(d.ledger, ActionStep)

        assert d.effects.twice() == {}, "a side effect was applied twice"
        for name, n in before.items():
            deleted = d.effects.matching(f"/v2/accounts/{big}/{name}/")
            assert sum(1 for key in deleted if key.startswith("DELETE")) == n, name
        assert len(d.effects.matching("/quarantine")) == in_service
        assert d.effects.matching(f"/v2/accounts/{big}/deactivate") == {
            f"POST /v2/accounts/{big}/deactivate": 1
        }
        resumed = AuditEvent.action == "deactivate.resume"
        assert count(d.ledger, AuditEvent, resumed, AuditEvent.outcome == "ok") == 1
        for web in d.webs:
            if web is not victim:
                assert web.alive(), web.stderr()


def _finished(ledger: Ledger) -> ActionRun | None:
    run = run_row(ledger)
    return run if run is not None and run.state in ("succeeded", "failed") else None
