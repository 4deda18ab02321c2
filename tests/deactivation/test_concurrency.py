"""Exactly one run from twenty concurrent Approve clicks, across processes, on PostgreSQL;
and a run whose process is killed mid-way is resumed by the sweeper without repeating work."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from audit import ActionRun, Ledger
from bot.app import create_app
from bot.compose import build_services
from bot.jobs.sweeper import sweep
from bot.runtime.serving import BackgroundServer
from bot.web import WebApp
from commands.approvals.requests import load_approval
from commands.deactivation.request import execute_run, run_for_approval
from devkit.sandbox import Sandbox, demo_world
from devkit.slack import FakeSlack, SlackSender
from tests.deactivation.conftest import ALICE, actions, deletes, estate_counts, later, make_deps
from tests.deactivation.test_commands import assert_fully_deactivated, request
from tests.deactivation.test_e2e import KEEP_CHILDREN
from tests.fixtures import zygote
from tests.fixtures.bot import (
    APPROVALS_CHANNEL,
    BOT_TOKEN,
    SIGNING_SECRET,
    BotHarness,
    fast_pace,
    harness_settings,
)
from tests.fixtures.ledger import AUDIT_KEY

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "1001"


def run_child(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -m tests.deactivation._proc ARGS``, forked warm (tests/fixtures/zygote.py)."""
    return zygote.run("tests.deactivation._proc", *args, cwd=ROOT, env=os.environ, timeout=timeout)


def runs_for(ledger: Ledger, request_id: str) -> int:
    with ledger.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(ActionRun)
                .where(ActionRun.approval_id == request_id)  # type: ignore[arg-type]
            )
            or 0
        )


@pytest.mark.postgres
def test_twenty_clicks_from_four_processes_start_one_run(
    sandbox: Sandbox, fresh_pg_url: str
) -> None:
    ledger = Ledger.from_url(fresh_pg_url, migrate=True, key=AUDIT_KEY)
    try:
        deps = make_deps(sandbox.url, ledger)
        request_id = request(deps)
        with ThreadPoolExecutor(4) as pool:
            done = list(
                pool.map(
                    lambda _i: run_child("decide", sandbox.url, fresh_pg_url, request_id, "5"),
                    range(4),
                )
            )
        for child in done:
            assert child.returncode == 0, child.stderr
        wins = sum(int(c.stdout.strip().rsplit("=", 1)[1]) for c in done)
        assert wins == 1
        assert runs_for(ledger, request_id) == 1
        trail = actions(ledger, ACCOUNT)
        assert sum(1 for a in trail if a[1:] == ("deactivate.approve", "ok")) == 1
        assert sum(1 for a in trail if a[1:] == ("deactivate.approve", "refused")) == 19
    finally:
        ledger.dispose()


# Twenty approvers, each with the approval modal open (Slack keeps one modal stack a person).
APPROVER_IDS = [f"U0APPR{i:02d}" for i in range(20)]


@pytest.fixture
def three_instances(fresh_pg_url: str) -> Iterator[tuple[FakeSlack, Sandbox, list[BotHarness]]]:
    """Three app instances on one PostgreSQL, one Slack and one sandbox (as in production)."""
    yield from start_instances(fresh_pg_url, 3, jethub_approvers=",".join(APPROVER_IDS))


def start_instances(
    database_url: str, count: int, **settings: Any
) -> Iterator[tuple[FakeSlack, Sandbox, list[BotHarness]]]:
    """``count`` app instances on one ledger, one Slack and one sandbox (as in production)."""
    slack = FakeSlack(bot_token=BOT_TOKEN).start()
    slack.add_channel(APPROVALS_CHANNEL, "approvals")
    sandbox = Sandbox(world=demo_world()).start(host="127.0.0.1", port=0)
    harnesses: list[BotHarness] = []
    servers = []
    try:
        for _ in range(count):
            services = build_services(
                harness_settings(
                    slack=slack,
                    sandbox=sandbox,
                    database_url=database_url,
                    **settings,
                ),
                pacer=fast_pace(),
            )
            app = create_app(services)
            server = BackgroundServer(WebApp(app, services)).start()
            servers.append(server)
            sender = SlackSender(f"{server.url}/slack/events", SIGNING_SECRET, slack)
            harnesses.append(
                BotHarness(server.url, sender, slack, sandbox, services.deps.ledger, services, app)
            )
        yield slack, sandbox, harnesses
    finally:
        for server in servers:
            server.stop()
        for harness in harnesses:
            harness.services.close()
        sandbox.stop()
        slack.stop()


@pytest.mark.postgres
def test_twenty_clicks_on_three_app_instances_start_one_run(three_instances) -> None:
    slack, sandbox, bots = three_instances
    first = bots[0]
    first.command(ALICE.user_id, f"deactivate {ACCOUNT}")
    first.send.view_submission(
        ALICE.user_id,
        values={"reason": {"value": "closed"}, "confirm": {"value": ACCOUNT}, **KEEP_CHILDREN},
    )
    first.wait_idle()
    posted = slack.messages(APPROVALS_CHANNEL)[0]
    request_id = posted["blocks"][-1]["elements"][0]["value"]
    before = estate_counts(sandbox, ACCOUNT)
    sandbox.counters.reset()

    modals: list[tuple[int, str, str]] = []  # (bot, approver, the approval modal it opened)
    for i in range(20):
        user = APPROVER_IDS[i]
        bots[i % 3].send.block_action(
            user,
            "approvals.approve",
            request_id,
            message=posted["ts"],
            channel=APPROVALS_CHANNEL,
            block_id="approvals.decide",
        )
        bots[i % 3].wait_idle()
        opened = slack.open_view(user)
        assert opened is not None and opened["callback_id"] == "approvals.approve_modal"
        modals.append((i % 3, user, opened["id"]))

    def submit(modal: tuple[int, str, str]) -> str:
        index, user, view_id = modal
        typed = {"confirm": {"value": ACCOUNT}}
        return json.dumps(bots[index].send.view_submission(user, view_id, values=typed).ack_body())

    with ThreadPoolExecutor(20) as pool:
        told = list(pool.map(submit, modals))
    for bot in bots:
        bot.wait_idle(60)
    assert runs_for(first.ledger, request_id) == 1
    run = run_for_approval(first.services.deps, request_id)
    assert run is not None and run.state.value == "succeeded"
    assert sum("already *approved* by" in t for t in told) == 19, told
    calls = deletes(sandbox)
    assert calls["DELETE /v2/accounts/{A}/queues/{id}"] == before["queues"]
    assert calls["POST /v2/accounts/{A}/deactivate"] == 1
    assert_fully_deactivated(sandbox, ACCOUNT)


@pytest.mark.parametrize(
    ("step", "mid"),
    [("review", False), ("users", False), ("phone_numbers", True), ("webhooks", False)],
)
def test_killed_process_is_resumed_by_the_sweeper(bot: BotHarness, step: str, mid: bool) -> None:
    deps = bot.services.deps
    before = estate_counts(bot.sandbox, ACCOUNT)
    bot.command(ALICE.user_id, f"deactivate {ACCOUNT}")
    bot.send.view_submission(
        ALICE.user_id,
        values={"reason": {"value": "closed"}, "confirm": {"value": ACCOUNT}, **KEEP_CHILDREN},
    )
    bot.wait_idle()
    posted = bot.slack.messages(APPROVALS_CHANNEL)[0]
    request_id = posted["blocks"][-1]["elements"][0]["value"]
    # Approve through the command layer so the run is worked by the child, not by the bot.
    from commands.approvals.decisions import decide_approval
    from commands.approvals.model import DecideApproval
    from tests.deactivation.conftest import BOB as BOB_ACTOR

    decide_approval(
        DecideApproval(request_id=request_id, decision="approve", typed_account=ACCOUNT),
        BOB_ACTOR,
        deps,
    )
    run = run_for_approval(deps, request_id)
    assert run is not None
    bot.sandbox.counters.reset()
    child = run_child(
        "crash",
        bot.sandbox.url,
        bot.services.settings.database_url,
        run.id,
        step,
        *(["mid"] if mid else []),
    )
    assert child.returncode == -9, child.stdout + child.stderr

    sweep(bot.services, bot.services.slack)  # the lease is still live: nothing to resume
    assert run_for_approval(deps, request_id).state.value == "running"  # type: ignore[union-attr]
    lapsed = replace(bot.services, deps=later(deps, timedelta(minutes=5)))
    sweep(lapsed, bot.services.slack)
    after = run_for_approval(deps, request_id)
    assert after is not None and after.state.value == "succeeded"
    assert_fully_deactivated(bot.sandbox, ACCOUNT)
    calls = deletes(bot.sandbox)
    for name in (
        "queues",
        "parking",
        "media",
        "users",
        "portal_users",
        "callflows",
        "pbxs",
        "subscriptions",
        "webhooks",
        "webtrackers",
    ):
        assert calls.get(f"DELETE /v2/accounts/{{A}}/{name}/{{id}}", 0) == before[name], name
    assert calls["POST /v2/accounts/{A}/phone_numbers/{id}/quarantine"] == before["in_service"]
    assert calls["POST /v2/accounts/{A}/deactivate"] == 1
    assert ("system", "deactivate.resume", "ok") in actions(bot.ledger, ACCOUNT)
    final = bot.slack.messages(APPROVALS_CHANNEL)[0]
    assert "is deactivated" in str(final["blocks"])
    request_row = load_approval(deps, request_id)
    assert request_row is not None


def test_sweeper_expires_and_updates_the_message(bot: BotHarness) -> None:
    bot.command(ALICE.user_id, f"deactivate {ACCOUNT}")
    bot.send.view_submission(
        ALICE.user_id,
        values={"reason": {"value": "closed"}, "confirm": {"value": ACCOUNT}, **KEEP_CHILDREN},
    )
    bot.wait_idle()
    posted = bot.slack.messages(APPROVALS_CHANNEL)[0]
    lapsed = replace(bot.services, deps=later(bot.services.deps, timedelta(hours=25)))
    sweep(lapsed, bot.services.slack)
    sweep(lapsed, bot.services.slack)  # a second sweep changes nothing
    updated = bot.slack.messages(APPROVALS_CHANNEL)[0]
    assert "Expired" in str(updated["blocks"]) and "approvals.approve" not in str(updated)
    assert len([c for c in bot.slack.calls("chat.update")]) == 1
    expired = [a for a in actions(bot.ledger, ACCOUNT) if a[1] == "deactivate.expire"]
    assert expired == [("system", "deactivate.expire", "ok")]
    assert posted["ts"] == updated["ts"]


def test_execute_run_is_busy_while_another_holds_the_lease(
    sandbox: Sandbox, sqlite_ledger: Ledger
) -> None:
    deps = make_deps(sandbox.url, sqlite_ledger)
    from tests.deactivation.test_commands import approve

    run_id = approve(deps, request(deps))
    from audit import claim

    with sqlite_ledger.session() as session:
        assert claim(
            session=session,
            run_id=run_id,
            owner="someone-else",
            now=deps.now(),
            lease_for=timedelta(minutes=1),
        )
    assert execute_run(deps, run_id).state == "busy"
    assert execute_run(later(deps, timedelta(minutes=2)), run_id).state == "succeeded"
