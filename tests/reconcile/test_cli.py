"""`jethub reconcile` against the sandbox in its own process, as the real backends are: drift
made directly on the platform is listed and exits 1; a Zuora outage exits 2 naming Zuora."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench._sandbox import RemoteSandbox
from bot.cli.reconcile import reconcile_once
from bot.runtime.settings import Settings
from tests.fixtures.bot import AUDIT_KEY_TEXT
from tests.reconcile.conftest import DEMO_DRIFT, PLATFORM


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteSandbox]:
    with RemoteSandbox("demo") as sandbox:
        yield sandbox


def settings_for(url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        jethub_audit_key=AUDIT_KEY_TEXT,  # type: ignore[arg-type]
        zuora_base_url=url,
        zuora_client_id="sandbox",
        zuora_client_secret="sandbox-secret",  # type: ignore[arg-type]
        jethub_api_url=url,
        jethub_api_token="platform-token",  # type: ignore[arg-type]
        sbc_api_url=url,
        sbc_api_token="sbc-token",  # type: ignore[arg-type]
    )


def run(settings: Settings, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.StringIO(), io.StringIO()
    account = args[0] if args else None
    code = reconcile_once(settings, account=account, as_json=True, out=out, err=err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_drift_made_on_the_platform_is_listed_and_exits_1(
    remote: RemoteSandbox, tmp_path: Path
) -> None:
    url, settings = remote.url, settings_for(remote.url, tmp_path)
    with httpx.Client(base_url=url, headers=PLATFORM, timeout=5) as platform:
        # 1005's demo suspension lifted first: the one below is the test's own.
        platform.delete("/v2/accounts/1005/suspension").raise_for_status()
        code, found, _ = run(settings)
        assert code == 1 and ("1005", "suspended-outside-bot") not in _pairs(found)
        body = {"data": {"reason": "Chargeback", "by": "U0PORTAL"}}
        platform.put("/v2/accounts/1005/suspension", json=body).raise_for_status()
        items = [{"name": "Cloud Mobile", "quantity": 9}]
        platform.put("/v2/accounts/1006/allowances", json={"data": {"items": items}})
    code, found, err = run(settings)
    assert code == 1, err
    assert _pairs(found) == DEMO_DRIFT
    assert all(set(f) == {"account", "check", "platform", "zuora", "ledger", "since", "fix"}
               for f in found)  # fmt: skip
    by_account = {f["account"]: f for f in found if f["account"] in ("1005", "1006")}
    assert "U0PORTAL" in by_account["1005"]["platform"] and by_account["1005"]["fix"] == "adopt"
    assert by_account["1006"]["platform"].startswith("9 \N{MULTIPLICATION SIGN} Cloud Mobile")
    assert by_account["1006"]["fix"] == "refresh-allowances"
    assert "12 accounts checked: 5 finding(s)" in err

    assert run(settings, "1003")[:2] == (0, [])  # a consistent account: exit 0, nothing listed


def test_a_zuora_outage_exits_2_naming_zuora(remote: RemoteSandbox, tmp_path: Path) -> None:
    remote.set_faults("zuora", error_rate=1.0)
    try:
        code, found, err = run(settings_for(remote.url, tmp_path))
    finally:
        remote.clear_faults()
    assert code == 2 and found == []
    assert "Zuora failed" in err and "NOT checked" in err and "0 accounts checked" in err


def _pairs(found: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(f["account"], f["check"]) for f in found}
