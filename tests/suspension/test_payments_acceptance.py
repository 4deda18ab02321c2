"""Issue 26's acceptance, with the sandbox in its own process (`jethub sandbox`), as Zuora and
the platform are: suspended through Slack's real protocol, paid with POST /v1/payments, told by
Zuora's callout — lifted, audited as `system` naming the payment, the suspender told by DM. Wrong
credentials change nothing; a part payment lifts nothing and the team is told what remains."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import create_app
from bot.compose import build_services
from bot.runtime.serving import BackgroundServer
from bot.web import WebApp
from devkit.slack import SlackSender
from tests.fixtures.bot import (
    ALICE,
    DIGEST_CHANNEL,
    SIGNING_SECRET,
    BotHarness,
    fast_pace,
    harness_settings,
)
from tests.fixtures.sandbox import TLS
from tests.reliability.conftest import fake_slack
from tests.reliability.procs import JETHUB, ROOT, free_port
from tests.suspension.conftest import events
from tests.suspension.payments_helpers import (
    CALLOUT,
    CALLOUT_USER,
    callout_body,
    deliver,
    pay,
    suspend_through_slack,
)

pytestmark = pytest.mark.slow


class SandboxProcess:
    """`jethub sandbox --port N`: the demo world served by another process."""

    def __init__(self, logs: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self._log = (logs / "sandbox.log").open("wb")
        self._proc = subprocess.Popen(
            [*JETHUB, "sandbox", "--port", str(self.port)],
            cwd=logs, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.url}/_sandbox/counters", timeout=1, verify=TLS).raise_for_status()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    raise RuntimeError("jethub sandbox did not start") from None
                time.sleep(0.1)

    def account(self, account: str) -> dict[str, Any]:
        answer = httpx.get(
            f"{self.url}/v2/accounts/{account}",
            headers={"X-Auth-Token": "t"},
            timeout=5,
            verify=TLS,
        )
        data: dict[str, Any] = answer.json()["data"]
        return data

    def stop(self) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=10)
        self._log.close()


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[tuple[BotHarness, SandboxProcess]]:
    sandbox = SandboxProcess(tmp_path)
    slack = fake_slack()
    settings = harness_settings(
        slack=slack,
        sandbox=sandbox,  # type: ignore[arg-type]  # only its url is read
        database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        jethub_unsuspend_on_payment="auto",
        **CALLOUT,
    )
    services = build_services(settings, pacer=fast_pace())
    app = create_app(services)
    server = BackgroundServer(WebApp(app, services)).start()
    send = SlackSender(f"{server.url}/slack/events", SIGNING_SECRET, slack)
    bot = BotHarness(server.url, send, slack, sandbox, services.deps.ledger, services, app)  # type: ignore[arg-type]
    try:
        yield bot, sandbox
    finally:
        send.close()
        server.stop()
        services.close()
        slack.stop()
        sandbox.stop()


def suspended(sandbox: SandboxProcess, account: str) -> bool:
    return sandbox.account(account)["suspended"] is not None


def within(seconds: float, condition: Any) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass (a deadline, not a measurement)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_payment_and_its_callout_lift_the_suspension(
    deployed: tuple[BotHarness, SandboxProcess],
) -> None:
    bot, sandbox = deployed
    suspend_through_slack(bot, "1003")
    assert suspended(sandbox, "1003")
    paid = pay(sandbox.url, "A00001003")

    wrong = deliver(bot.url, callout_body("A00001003", paid), auth=(CALLOUT_USER, "guessed-it"))
    assert wrong.status_code == 401
    bot.wait_idle()
    assert suspended(sandbox, "1003")

    assert deliver(bot.url, callout_body("A00001003", paid)).status_code == 202
    assert within(10, lambda: not suspended(sandbox, "1003"))
    bot.wait_idle()
    [lift] = [e for e in events(bot.ledger, "1003") if e.action == "unsuspend"]
    assert (lift.actor, str(lift.outcome)) == ("system", "ok")
    assert paid["number"] in lift.details["note"]
    dms = [c for c in bot.slack.calls("chat.postMessage") if c.args.get("channel") == ALICE]
    assert any(paid["number"] in str(c.args.get("text")) for c in dms)


def test_a_part_payment_lifts_nothing_and_says_what_remains(
    deployed: tuple[BotHarness, SandboxProcess],
) -> None:
    bot, sandbox = deployed
    suspend_through_slack(bot, "1007")  # 96.25 eight days overdue
    paid = pay(sandbox.url, "A00001007", Decimal("50.00"))
    assert deliver(bot.url, callout_body("A00001007", paid)).status_code == 202
    told = within(
        10,
        lambda: [
            c
            for c in bot.slack.calls("chat.postMessage")
            if c.args.get("channel") == DIGEST_CHANNEL and paid["number"] in str(c.args["text"])
        ],
    )
    assert told
    bot.wait_idle()
    [message] = [
        c for c in bot.slack.calls("chat.postMessage")
        if c.args.get("channel") == DIGEST_CHANNEL and paid["number"] in str(c.args["text"])
    ]  # fmt: skip
    assert "1 invoice still overdue, $46.25 AUD" in message.args["text"]
    assert suspended(sandbox, "1007")
