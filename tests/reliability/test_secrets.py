"""No configured token or secret ever reaches a log line, the audit log, or Slack: checked over
a working session of real ``jethub serve`` and ``jethub clock`` processes (their whole stderr),
and in-process with the root logger capturing everything down to DEBUG."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from audit import AuditEvent, Ledger
from bot.app import create_app
from bot.compose import build_services
from bot.runtime.serving import BackgroundServer
from bot.web import WebApp
from devkit.sandbox import Sandbox, SandboxTokens, demo_world
from devkit.slack import FakeSlack
from tests.fixtures.bot import (
    ADAM,
    ALICE,
    BOT_TOKEN,
    NOBODY,
    SIGNING_SECRET,
    VERA,
    BotHarness,
    harness_settings,
)
from tests.fixtures.ledger import AUDIT_KEY
from tests.reliability.conftest import logged_sandbox, make_cluster
from tests.reliability.procs import SECRETS
from tests.reliability.slack_driver import poll, request_deactivation, sender

pytestmark = pytest.mark.slow  # starts processes or waits out real time: run first

SESSION = [
    (VERA, "account 1001"),
    (VERA, "billing 1002"),
    (VERA, "emergency 1003"),
    (ALICE, "pbx 1004"),
    (ALICE, "emails 1005"),
    (ALICE, "refresh-auth 1006"),
    (ALICE, "suspend 1007 late payer"),
    (ADAM, "audit 1001"),
    (NOBODY, "account 1001"),
    (ALICE, "digest"),
]


def audit_text(ledger: Ledger) -> str:
    with ledger.read_session() as session:
        rows = session.scalars(select(AuditEvent)).all()
        fields = ("actor", "action", "account", "outcome", "details", "correlation_id")
        return "\n".join(
            json.dumps([getattr(row, name) for name in fields], default=str) for row in rows
        )


def leaks(text: str, secrets: tuple[str, ...] | list[str]) -> list[str]:
    return [secret for secret in secrets if secret in text]


@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_processes_log_no_secret(tmp_path: Path, slack: FakeSlack, fresh_pg_url: str) -> None:
    sandbox, _effects = logged_sandbox(demo_world())
    cluster = make_cluster(tmp_path, slack, sandbox, fresh_pg_url, release=True)
    ledger = Ledger.from_url(fresh_pg_url, key=AUDIT_KEY)
    try:
        web = cluster.web("web")
        clock = cluster.clock("clock")
        web.wait_healthy()
        send = sender(slack, web.url)
        for user, command in SESSION:
            assert send.command(user, command).status_code == 200
        request_deactivation(send, slack, ALICE, "1008")
        # Failures are where secrets leak: every backend now fails or throttles now and then.
        for backend in ("zuora", "platform", "sbc"):
            sandbox.faults(backend).set(error_rate=0.5, rate_429=0.2, retry_after=0)
        for user, command in SESSION:
            assert send.command(user, command).status_code == 200
        poll(lambda: len(slack.responses()) >= 2 * len(SESSION) - 2, timeout=60)
        assert send.tampered(wrong_signature=True).command(ALICE, "account 1001").status_code == 401
        # The session may be over before the clock has started and logged anything: its log is
        # scanned too, so wait for it to have one.
        poll(clock.stderr, timeout=60)
        cluster.stop_all()
        logs = cluster.all_logs()
        assert web.stderr() and clock.stderr()
        assert "correlation_id" in logs  # the JSON log lines are there to be scanned
        assert leaks(logs, SECRETS) == []
        assert leaks(audit_text(ledger), SECRETS) == []
        shown = json.dumps([c.args for c in slack.calls()] + [r.body for r in slack.responses()])
        assert leaks(shown, SECRETS) == []
    finally:
        cluster.stop_all()
        ledger.dispose()
        sandbox.stop()


def test_in_process_logs_hold_no_secret_even_at_debug(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = bot.services.settings
    secrets = [BOT_TOKEN, SIGNING_SECRET, "sandbox-secret", "platform-token", "sbc-token"]
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == BOT_TOKEN
    for user, command in SESSION:
        bot.command(user, command)
    for backend in ("zuora", "platform", "sbc"):
        bot.sandbox.faults(backend).set(error_rate=0.5, rate_429=0.2, retry_after=0)
    for user, command in SESSION:
        bot.command(user, command)
    bot.send.tampered(wrong_signature=True).command(ALICE, "account 1001")
    logged = "\n".join(
        record.getMessage() + " " + json.dumps(record.__dict__, default=str)
        for record in caplog.records
    )
    assert len(caplog.records) > 20
    assert leaks(logged, secrets) == []
    assert leaks(audit_text(bot.ledger), secrets) == []


def test_wrong_backend_credentials_are_reported_without_the_credentials(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A backend that refuses our token: the error names the backend, never the token."""
    caplog.set_level(logging.DEBUG)
    strict = SandboxTokens(platform="the-real-one", sbc="the-real-one")
    locked = Sandbox(world=demo_world(), tokens=strict).start(host="127.0.0.1", port=0)
    slack = FakeSlack(bot_token=BOT_TOKEN).start()
    slack.add_user(ALICE, name="alice")
    slack.add_channel("C0SUPPORT", "support")
    services = build_services(
        harness_settings(slack=slack, sandbox=locked, database_url=f"sqlite:///{tmp_path}/l.db"),
        sandbox=locked,
    )
    server = BackgroundServer(WebApp(create_app(services), services)).start()
    try:
        send = sender(slack, server.url)
        send.command(ALICE, "account 1001", channel="C0SUPPORT")
        send.command(ALICE, "refresh-auth 1001", channel="C0SUPPORT")
        assert services.executor.wait_idle(15)
        locked.stop()
        said = json.dumps([r.body for r in slack.responses()])
        assert "platform" in said.lower()
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert leaks(said + logged, ["platform-token", "sbc-token", "the-real-one"]) == []
    finally:
        server.stop()
        services.close()
        slack.stop()
