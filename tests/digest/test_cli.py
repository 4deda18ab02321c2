"""``jethub digest --dry-run``: the digest printed, nothing posted or claimed."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from audit import Ledger
from bot.cli import main
from bot.cli.digest import print_digest
from bot.runtime.settings import Settings
from devkit.sandbox import Sandbox
from devkit.slack import FakeSlack
from tests.digest.conftest import job_runs
from tests.fixtures.bot import BOT_TOKEN, DIGEST_CHANNEL, harness_settings


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(bot_token=BOT_TOKEN).start()
    fake.add_channel(DIGEST_CHANNEL, "billing-digest")
    yield fake
    fake.stop()


def settings_for(slack: FakeSlack, sandbox: Sandbox, url: str) -> Settings:
    return harness_settings(slack=slack, sandbox=sandbox, database_url=url)


def test_dry_run_prints_every_candidate_and_posts_nothing(
    slack: FakeSlack, sandbox: Sandbox, sqlite_ledger: Ledger
):
    url = sqlite_ledger.engine.url.render_as_string(hide_password=False)
    out = io.StringIO()
    assert print_digest(settings_for(slack, sandbox, url), out=out) == 0
    text = out.getvalue()
    for account in ("1003", "1007", "1008", "1009", "1012"):
        assert account in text
    assert "1005" not in text.split("\n\n", 1)[1]  # suspended: only counted
    assert "1 suspended" in text
    assert slack.calls("chat.postMessage") == []
    assert job_runs(sqlite_ledger) == []


def test_dry_run_on_an_unmigrated_ledger_says_what_to_do(
    slack: FakeSlack, sandbox: Sandbox, ledger_url_sqlite: str, capsys: pytest.CaptureFixture[str]
):
    assert print_digest(settings_for(slack, sandbox, ledger_url_sqlite)) == 1
    assert "jethub db upgrade" in capsys.readouterr().err


def test_dry_run_reports_a_backend_failure(
    slack: FakeSlack, sandbox: Sandbox, sqlite_ledger: Ledger, capsys: pytest.CaptureFixture[str]
):
    sandbox.faults("platform").set(error_rate=1.0)
    url = sqlite_ledger.engine.url.render_as_string(hide_password=False)
    assert print_digest(settings_for(slack, sandbox, url)) == 1
    assert "could not build the digest" in capsys.readouterr().err


def test_the_cli_requires_dry_run(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["digest"])
    assert "--dry-run" in capsys.readouterr().err
