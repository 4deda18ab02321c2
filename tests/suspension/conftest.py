"""Suspension tests: real clients on the demo sandbox, a real ledger, and small helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

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
OSCAR = Actor.with_grants("U0OSCAR", {Role.OPERATOR})
BOB = Actor.with_grants("U0BOB", {Role.APPROVER})
VERA = Actor.with_grants("U0VERA", {Role.VIEWER})

OVERDUE = "1003"  # one invoice 8 days overdue
SUSPENDED = "1005"  # already suspended
PAID_UP = "1010"  # fully paid
RECENT = "1006"  # invoice only 3 days overdue
SUSPEND_PUT = "PUT /v2/accounts/{A}/suspension"
SUSPEND_DELETE = "DELETE /v2/accounts/{A}/suspension"


def _no_wait(_seconds: float) -> None:
    return None


def make_deps(sandbox: Sandbox, ledger: Ledger) -> Deps:
    url = sandbox.url
    return Deps(
        zuora=ZuoraClient(
            base_url=url, client_id="sandbox", client_secret="sandbox", sleep=_no_wait
        ),
        platform=PlatformClient(base_url=url, token="platform-token", sleep=_no_wait),
        sbc=SbcClient(base_url=url, token="sbc-token"),
        ledger=ledger,
        actions=action_kinds(),
    )


def close(deps: Deps) -> None:
    for client in (deps.zuora, deps.platform, deps.sbc):
        client.close()


@pytest.fixture
def deps(sandbox: Sandbox, sqlite_ledger: Ledger) -> Iterator[Deps]:
    made = make_deps(sandbox, sqlite_ledger)
    yield made
    close(made)


def events(ledger: Ledger, account: str) -> list[AuditEvent]:
    """The account's audit events, oldest first."""
    with ledger.session() as session:
        rows = for_account(session=session, account=account, limit=200)
        for row in rows:
            session.expunge(row)
    return list(reversed(rows))


def trail(ledger: Ledger, account: str) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, str(e.outcome)) for e in events(ledger, account)]


def suspension_of(sandbox: Sandbox, account: str) -> tuple[str, str, datetime] | None:
    with sandbox.world.lock:
        s = sandbox.world.platform.accounts[account].suspended
        return None if s is None else (s.reason, s.by, s.at)


def pay_everything(sandbox: Sandbox, account: str) -> int:
    """Mark every invoice of the platform ``account`` paid in Zuora; returns how many."""
    with sandbox.world.lock:
        zuora = sandbox.world.zuora
        number = sandbox.world.platform.accounts[account].zuora_account_number
        assert number is not None
        found = zuora.account(number)
        assert found is not None
        invoices = [i for i in zuora.invoices_of(found) if i.balance > 0]
        for invoice in invoices:
            zuora.mark_paid(invoice.invoice_number)
        return len(invoices)


def puts(sandbox: Sandbox) -> int:
    return sandbox.counters.get("platform", SUSPEND_PUT)
