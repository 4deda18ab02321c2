"""Shared helpers for the deactivation tests: real clients on the sandbox, a real ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from audit import AuditEvent, Ledger
from commands.actor import Actor, Role
from commands.catalogue import action_kinds
from commands.deps import Deps, Policy
from devkit.sandbox import Sandbox
from integrations.clock import BusinessClock, utc_now
from integrations.platform import PlatformClient
from integrations.sbc import SbcClient
from integrations.zuora import ZuoraClient

ALICE = Actor.with_grants("U0ALICE", {Role.OPERATOR})
OSCAR = Actor.with_grants("U0OSCAR", {Role.OPERATOR})
BOB = Actor.with_grants("U0BOB", {Role.APPROVER})
BETTY = Actor.with_grants("U0BETTY", {Role.APPROVER})
VERA = Actor.with_grants("U0VERA", {Role.VIEWER})
ADAM = Actor.with_grants("U0ADAM", {Role.ADMIN})


def make_deps(
    url: str,
    ledger: Ledger,
    *,
    max_attempts: int = 3,
    now: Callable[[], datetime] | None = None,
    ttl: timedelta = timedelta(hours=24),
) -> Deps:
    no_wait: Callable[[float], None] = lambda _seconds: None  # noqa: E731
    return Deps(
        zuora=ZuoraClient(base_url=url, client_id="sandbox", client_secret="sandbox"),
        platform=PlatformClient(
            base_url=url, token="platform-token", max_attempts=max_attempts, sleep=no_wait
        ),
        sbc=SbcClient(base_url=url, token="sbc-token"),
        ledger=ledger,
        actions=action_kinds(),
        policy=Policy(approval_ttl=ttl),
        clock=BusinessClock(now=now or utc_now),
    )


def later(deps: Deps, by: timedelta) -> Deps:
    """The same world, seen ``by`` later (a lapsed lease, an expired request)."""
    return deps.with_now(lambda: datetime.now(UTC) + by)


def events(ledger: Ledger, account: str | None = None) -> list[AuditEvent]:
    with ledger.session() as session:
        query = select(AuditEvent).order_by(AuditEvent.seq)  # type: ignore[arg-type]
        rows = list(session.exec(query))
        for row in rows:
            session.expunge(row)
    return [e for e in rows if account is None or e.account == account]


def actions(ledger: Ledger, account: str | None = None) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.outcome) for e in events(ledger, account)]


def estate_counts(sandbox: Sandbox, account: str) -> dict[str, Any]:
    with sandbox.world.lock:
        estate = sandbox.world.platform.estate(account)
        counts: dict[str, Any] = {name: len(items) for name, items in estate.collections.items()}
        counts["in_service"] = sum(
            1 for n in estate.phone_numbers.values() if n.state == "in_service"
        )
        counts["numbers"] = len(estate.phone_numbers)
        counts["status"] = sandbox.world.platform.accounts[account].status
    return counts


def deletes(sandbox: Sandbox) -> dict[str, int]:
    """Platform DELETE / quarantine / deactivate calls so far, by endpoint template."""
    calls = sandbox.counters.snapshot()["platform"]
    return {k: v for k, v in calls.items() if not k.startswith("GET ")}


@pytest.fixture
def deps(sandbox: Sandbox, sqlite_ledger: Ledger) -> Deps:
    return make_deps(sandbox.url, sqlite_ledger)
