"""Helpers for the account-change tests: real clients on the sandbox, a real ledger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from audit import AuditEvent, Ledger, for_account
from commands.actor import Actor, Role
from commands.catalogue import action_kinds
from commands.deps import Deps
from devkit.sandbox import Sandbox
from integrations.platform import PlatformClient
from integrations.sbc import SbcClient
from integrations.zuora import ZuoraClient

ALICE = Actor.with_grants("U0ALICE", {Role.OPERATOR})
VERA = Actor.with_grants("U0VERA", {Role.VIEWER})


def _no_wait(_seconds: float) -> None:
    return None


@pytest.fixture
def deps(sandbox: Sandbox, sqlite_ledger: Ledger) -> Iterator[Deps]:
    url = sandbox.url
    made = Deps(
        zuora=ZuoraClient(
            base_url=url, client_id="sandbox", client_secret="sandbox", sleep=_no_wait
        ),
        platform=PlatformClient(base_url=url, token="platform-token", sleep=_no_wait),
        sbc=SbcClient(base_url=url, token="sbc-token"),
        ledger=sqlite_ledger,
        actions=action_kinds(),
    )
    yield made
    for client in (made.zuora, made.platform, made.sbc):
        client.close()


def events(ledger: Ledger, account: str) -> list[AuditEvent]:
    """The account's audit events, oldest first."""
    with ledger.session() as session:
        rows = for_account(session=session, account=account, limit=100)
        for row in rows:
            session.expunge(row)
    return list(reversed(rows))


def last_event(ledger: Ledger, account: str) -> AuditEvent:
    found = events(ledger, account)
    assert found, f"no audit event for {account}"
    return found[-1]


def zuora_writes_fail(sandbox: Sandbox, *, reads_first: int = 1) -> None:
    """From now on Zuora answers ``reads_first`` more calls, then only 429s (a token bucket
    with no refill): the reads before a change succeed, the write after them fails."""
    sandbox.faults("zuora").set(bucket_capacity=reads_first, bucket_refill_per_s=0.0, retry_after=0)


def counters(sandbox: Sandbox, backend: str) -> dict[str, Any]:
    return dict(sandbox.counters.snapshot()[backend])
