"""Helpers for the digest tests: real clients on the sandbox, a real ledger, a pinned clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy import select
from sqlmodel import col

from audit import AuditEvent, JobRun, Ledger, latest
from bot.compose import build_services
from bot.edge.blocks import MAX_MESSAGE_BLOCKS
from bot.runtime.services import Services
from commands.actor import Actor, Role
from commands.catalogue import action_kinds
from commands.deps import Deps, Policy
from devkit.sandbox import Sandbox, demo_world
from devkit.slack import FakeSlack
from integrations.clock import BusinessClock
from integrations.platform import PlatformClient
from integrations.sbc import SbcClient
from integrations.zuora import ZuoraClient
from tests.fixtures.bot import BOT_TOKEN, DIGEST_CHANNEL, harness_settings
from tests.fixtures.ledger import copy_migrated

ALICE = Actor.with_grants("U0ALICE", {Role.OPERATOR})
VERA = Actor.with_grants("U0VERA", {Role.VIEWER})


def _no_wait(_seconds: float) -> None:
    return None


def sandbox_noon(sandbox: Sandbox) -> datetime:
    """Noon of the sandbox's business date in its zone: a fixed "now" on the day its demo
    invoices were dated from, so "8 days overdue" holds whatever the machine's hour."""
    clock = sandbox.world.clock
    return datetime.combine(clock.today(), time(12, 0), clock.zone)


def make_deps(sandbox: Sandbox, ledger: Ledger, **policy: Any) -> Deps:
    url = sandbox.url
    noon = sandbox_noon(sandbox)
    return Deps(
        zuora=ZuoraClient(base_url=url, client_id="sandbox", client_secret="s", sleep=_no_wait),
        platform=PlatformClient(base_url=url, token="platform-token", sleep=_no_wait),
        sbc=SbcClient(base_url=url, token="sbc-token"),
        ledger=ledger,
        actions=action_kinds(),
        policy=Policy(**policy),
        clock=BusinessClock(now=lambda: noon),
    )


@pytest.fixture
def deps(sandbox: Sandbox, sqlite_ledger: Ledger) -> Iterator[Deps]:
    made = make_deps(sandbox, sqlite_ledger)
    yield made
    for client in (made.zuora, made.platform, made.sbc):
        client.close()


def all_events(ledger: Ledger, limit: int = 200) -> list[AuditEvent]:
    """Every audit event, oldest first."""
    with ledger.session() as session:
        rows = latest(session=session, limit=limit)
        for row in rows:
            session.expunge(row)
    return list(reversed(rows))


def check_message(payload: dict[str, Any]) -> None:
    """A chat message as Slack would take it: blocks that parse back into slack_sdk models and
    validate, and no more than 50 of them."""
    blocks = payload.get("blocks") or []
    assert len(blocks) <= MAX_MESSAGE_BLOCKS, len(blocks)
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        parsed.validate_json()
    assert payload.get("text")


def check_view(view: View | dict[str, Any]) -> None:
    parsed = view if isinstance(view, View) else View(**view)
    parsed.validate_json()
    assert len(parsed.blocks) <= 100


# -- the clock's world: services on a sandbox, a FakeSlack, a ledger ------------------------------


@dataclass
class ClockWorld:
    services: Services
    slack: FakeSlack
    sandbox: Sandbox

    def digests(self) -> list[dict[str, Any]]:
        """Top-level messages in the digest channel, oldest first."""
        return self.slack.messages(DIGEST_CHANNEL)


def clock_services(
    slack: FakeSlack, sandbox: Sandbox, database_url: str, *, own_sandbox: bool, **extra: Any
) -> Services:
    settings = harness_settings(slack=slack, sandbox=sandbox, database_url=database_url, **extra)
    fresh = "jethub_audit_key" not in extra and copy_migrated(database_url)
    return build_services(
        settings, sandbox=sandbox if own_sandbox else None, workers=2, migrate=not fresh
    )


@contextmanager
def clock_world(database_url: str, **extra: Any) -> Iterator[ClockWorld]:
    """A demo sandbox, a FakeSlack with the digest channel, and services on ``database_url``."""
    slack = FakeSlack(bot_token=BOT_TOKEN).start()
    slack.add_channel(DIGEST_CHANNEL, "billing-digest")
    sandbox = Sandbox(world=demo_world()).start(host="127.0.0.1", port=0)
    services = clock_services(slack, sandbox, database_url, own_sandbox=True, **extra)
    try:
        yield ClockWorld(services, slack, sandbox)
    finally:
        services.close()
        slack.stop()


@pytest.fixture
def world(ledger_url_sqlite: str) -> Iterator[ClockWorld]:
    with clock_world(ledger_url_sqlite) as made:
        yield made


def job_runs(ledger: Ledger, job: str = "digest") -> list[JobRun]:
    """The ledger's claims of ``job`` (other jobs — the payment check — claim periods too)."""
    with ledger.session() as session:
        statement = select(JobRun).where(col(JobRun.job) == job)
        rows = list(session.scalars(statement.order_by(col(JobRun.period))))
        for row in rows:
            session.expunge(row)
    return rows
