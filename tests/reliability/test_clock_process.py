"""``jethub clock`` in its own process draws approval requests as the web process does (issue 16).

A web process files two deactivation requests; one is approved and the web process is killed
in the middle of its run. With the other request past its time and the dead worker's lease
lapsed, a clock process starts: its sweeper expires the one and resumes the other. Each message
the clock rewrites (``chat.update`` as Slack receives it) must equal what the web's drawing
makes of the same ledger state — the account's name, the blast radius, the state — and keep the
blast radius the web process itself posted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from audit import ActionRun, ApprovalRequest
from audit.models import RunState
from bot.approvals import views as approval_views
from bot.approvals.requests import render_request
from bot.compose import build_services
from bot.runtime.services import Services
from bot.runtime.settings import Settings
from commands.approvals.requests import load_approval
from commands.runs.records import load_run, run_for_approval
from devkit.sandbox import Sandbox, demo_world
from devkit.slack import FakeSlack
from tests.fixtures.bot import ALICE, APPROVALS_CHANNEL, BOB, OSCAR
from tests.reliability.conftest import make_cluster
from tests.reliability.gates import Gate
from tests.reliability.procs import Cluster
from tests.reliability.slack_driver import (
    poll,
    request_deactivation,
    sender,
    stale_approve,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(300)]

EXPIRING = "1003"  # Bean Republic Fitzroy: nobody decides in time
RESUMED = "1010"  # Gold Coast Surf School: approved, its web process dies mid-run

Json = dict[str, Any]


def settings_of(cluster: Cluster) -> Settings:
    """The settings the cluster's processes read from their environment."""
    fields = Settings.model_fields
    given = {k.lower(): v for k, v in cluster.env.items() if k.lower() in fields}
    return Settings(_env_file=None, **given)


@pytest.fixture
def services(cluster: Cluster) -> Iterator[Services]:
    """What the web process draws with, built in this process from the same settings."""
    built = build_services(settings_of(cluster), migrate=False)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def gate() -> Iterator[tuple[Sandbox, Gate]]:
    sandbox = Sandbox(world=demo_world())
    gated = Gate(sandbox.app)
    sandbox.app = gated  # type: ignore[assignment]  # served in place of the bare app
    sandbox.start(host="127.0.0.1", port=0)
    try:
        yield sandbox, gated
    finally:
        sandbox.stop()


@pytest.fixture
def cluster(
    tmp_path: Path, slack: FakeSlack, fresh_pg_url: str, gate: tuple[Sandbox, Gate]
) -> Iterator[Cluster]:
    # No digest channel: the clock's start-up digest would only add posts to wait for.
    deployed = make_cluster(tmp_path, slack, gate[0], fresh_pg_url, JETHUB_DIGEST_CHANNEL="")
    try:
        yield deployed
    finally:
        deployed.stop_all()


def request_id(posted: Json) -> str:
    return str(posted["blocks"][-1]["elements"][0]["value"])


def last_update(slack: FakeSlack, since: int, ts: str) -> Json:
    """The last ``chat.update`` of message ``ts`` among the calls after the first ``since``."""
    updates = [
        c.args for c in slack.calls()[since:] if c.method == "chat.update" and c.args["ts"] == ts
    ]
    assert updates, f"nothing redrew message {ts}"
    return updates[-1]


def told(slack: FakeSlack, since: int, user: str) -> bool:
    return any(
        c.method == "chat.postMessage" and c.args.get("channel") == user
        for c in slack.calls()[since:]
    )


def drawn(services: Services, request_id: str) -> Json:
    """The request's message as the web process draws it from the ledger now."""
    request = load_approval(services.deps, request_id)
    assert request is not None
    return render_request(services, request)


def radius_posted(slack: FakeSlack, ts: str) -> list[Json]:
    """The blast radius blocks the web process posted with request ``ts``: between the header
    and the waiting line with its buttons."""
    [post] = [
        c.args
        for c in slack.calls("chat.postMessage")
        if c.args.get("channel") == APPROVALS_CHANNEL and c.response.get("ts") == ts
    ]
    body = list(post["blocks"][1:-2])
    assert body and "Numbers to quarantine" in json.dumps(body), post
    return body


def test_the_clock_process_redraws_requests_as_the_web_process_draws_them(
    slack: FakeSlack,
    gate: tuple[Sandbox, Gate],
    cluster: Cluster,
    services: Services,
) -> None:
    sandbox, gated = gate
    web = cluster.web("web")
    web.wait_healthy()
    send = sender(slack, web.url)
    expiring = request_deactivation(send, slack, ALICE, EXPIRING)
    resumed = request_deactivation(send, slack, OSCAR, RESUMED)

    # Approved; the web process dies once the run's first media item is deleted (the effect
    # is real, the run never recorded it).
    gated.when("DELETE", f"/accounts/{RESUMED}/media/", web.kill)
    approved = stale_approve(send, slack, BOB, resumed, request_id(resumed), RESUMED)
    assert approved.status_code == 200
    poll(lambda: not web.alive(), timeout=60)
    run = run_for_approval(services.deps, request_id(resumed))
    assert run is not None and run.state is RunState.RUNNING

    # As a minute later: the dead worker's lease has lapsed and the other request's time is up.
    past = datetime.now(UTC) - timedelta(seconds=1)
    with services.deps.ledger.session() as session:
        session.execute(
            update(ActionRun).where(ActionRun.id == run.id).values(lease_until=past)  # type: ignore[arg-type]
        )
        session.execute(
            update(ApprovalRequest)
            .where(ApprovalRequest.id == request_id(expiring))  # type: ignore[arg-type]
            .values(expires_at=past)
        )

    since = len(slack.calls())
    clock = cluster.clock("clock")
    # The requesters hear last, after each message's final redraw.
    poll(lambda: told(slack, since, ALICE) and told(slack, since, OSCAR), timeout=120)
    assert clock.alive(), clock.stderr()

    finished = load_run(services.deps, run.id)
    assert finished is not None and finished.state is RunState.SUCCEEDED, finished
    with sandbox.world.lock:
        assert sandbox.world.platform.accounts[RESUMED].status == "deactivated"

    for posted, state, name in (
        (expiring, "Expired", "Bean Republic Fitzroy"),
        (resumed, f"Approved by <@{BOB}>", "Gold Coast Surf School"),
    ):
        ts = str(posted["ts"])
        redrawn = last_update(slack, since, ts)
        expected = drawn(services, request_id(posted))
        assert redrawn["text"] == expected["text"]
        assert redrawn["blocks"] == expected["blocks"]
        # What the web drew, kept: the name, the blast radius; and the state the ledger holds.
        assert name in redrawn["text"] and state in redrawn["text"], redrawn["text"]
        radius = radius_posted(slack, ts)
        assert redrawn["blocks"][1 : 1 + len(radius)] == radius
        assert approval_views.APPROVE not in json.dumps(redrawn["blocks"])

    summary = json.dumps(last_update(slack, since, str(resumed["ts"]))["blocks"])
    assert f"Account {RESUMED} (Gold Coast Surf School) is deactivated" in summary, summary
