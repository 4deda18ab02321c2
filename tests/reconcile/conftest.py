"""Reconciliation tests: real clients on a demo sandbox, a real ledger, and small helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from audit import Ledger
from audit.models import ActionRun
from commands.catalogue import action_kinds
from commands.deps import Deps
from commands.reconcile import Finding, Reconciliation
from devkit.sandbox import Sandbox
from integrations.platform import PlatformClient
from integrations.sbc import SbcClient
from integrations.zuora import ZuoraClient
from tests.fixtures.sandbox import TLS

PLATFORM = {"X-Auth-Token": "platform-token"}
# The demo world's own drift: 1005 suspended by billing in the portal, 1006's allowances
# stale, 1008 with no emergency address and an unreadable Sold To, 1008 and 1009 overdue for
# weeks and nobody acted (the digest's candidates).
DEMO_DRIFT = {
    ("1005", "suspended-outside-bot"),
    ("1006", "allowances"),
    ("1008", "emergency-address"),
    ("1008", "overdue-unattended"),
    ("1009", "overdue-unattended"),
}


def _no_wait(_seconds: float) -> None:
    return None


def make_deps(url: str, ledger: Ledger) -> Deps:
    return Deps(
        zuora=ZuoraClient(
            base_url=url, client_id="sandbox", client_secret="sandbox", sleep=_no_wait
        ),
        platform=PlatformClient(base_url=url, token="platform-token", sleep=_no_wait),
        sbc=SbcClient(base_url=url, token="sbc-token"),
        ledger=ledger,
        actions=action_kinds(),
    )


@pytest.fixture
def deps(sandbox: Sandbox, ledger: Ledger) -> Iterator[Deps]:
    made = make_deps(sandbox.url, ledger)
    yield made
    for client in (made.zuora, made.platform, made.sbc):
        client.close()


def report(deps: Deps, **kwargs: Any) -> tuple[list[Finding], Reconciliation]:
    run = Reconciliation(deps, **kwargs)
    return list(run.findings()), run


def pairs(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.account, f.check) for f in findings}


def platform_call(url: str, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    body = {"data": data} if data is not None else None
    answer = httpx.request(
        method, f"{url}{path}", headers=PLATFORM, json=body, timeout=5, verify=TLS
    )
    answer.raise_for_status()
    return answer.json()["data"]


def add_run(deps: Deps, *, kind: str, account: str, state: str = "succeeded", **fields: Any) -> str:
    """A run as the engine leaves it (``fields`` override), written straight to the ledger."""
    now = deps.now()
    run_id = f"test-{kind}-{account}-{len(fields)}-{now.timestamp()}"
    row: dict[str, Any] = {
        "id": run_id,
        "kind": kind,
        "account": account,
        "state": state,
        "outcome": "done" if state == "succeeded" else None,
        "created_at": now - timedelta(minutes=10),
        "updated_at": now - timedelta(minutes=10),
        "requested_by": "U0ALICE",
        "params": {},
    } | fields
    with deps.ledger.session() as session:
        session.add(ActionRun(**row))
    return run_id
