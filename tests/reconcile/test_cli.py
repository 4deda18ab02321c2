"""`jethub reconcile` against the sandbox in its own process, as the real backends are: drift
made directly on the platform is listed and exits 1; a Zuora outage exits 2 naming Zuora."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench._sandbox import RemoteSandbox
from bot.cli.reconcile import reconcile_once
from bot.runtime.settings import Settings
from devkit.sandbox import Sandbox, build_world
from tests.fixtures.bot import AUDIT_KEY_TEXT
from tests.fixtures.sandbox import http_client
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
    with http_client(url, headers=PLATFORM, timeout=5) as platform:
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


class _OutageAfterFirstLine(io.StringIO):
    """stdout that takes Zuora down as the first finding is printed: mid-report, deterministic."""

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__()
        self.sandbox = sandbox

    def write(self, text: str) -> int:
        if not self.getvalue():
            self.sandbox.faults("zuora").set(error_rate=1.0)
        return super().write(text)


def test_a_zuora_outage_mid_report_exits_2_and_lists_only_what_was_checked(
    tmp_path: Path,
) -> None:
    sandbox = Sandbox(world=build_world("generated", 1_500)).start()  # four pages of 495
    try:
        out, err = _OutageAfterFirstLine(sandbox), io.StringIO()
        code = reconcile_once(settings_for(sandbox.url, tmp_path), as_json=True, out=out, err=err)
    finally:
        sandbox.stop()
    assert code == 2
    said = err.getvalue()
    assert "Zuora failed" in said and "NOT checked" in said
    checked = int(said.split(" accounts checked")[0].rsplit(" ", 1)[-1])
    assert checked in (495, 990)  # the page told, and maybe the one whose reads were under way
    listed = [json.loads(line)["account"] for line in out.getvalue().splitlines()]
    assert listed and all(int(a) < 1001 + checked for a in listed)
