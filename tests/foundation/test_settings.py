import os
import subprocess
import sys
from datetime import time, timedelta

import pytest

from bot.runtime.settings import SettingsError, load_settings, parse_duration


def test_role_lists_are_split_and_checked(monkeypatch):
    monkeypatch.setenv("JETHUB_OPERATORS", "U123, S0OPS ,U9")
    monkeypatch.setenv("JETHUB_APPROVAL_TTL", "2h")
    monkeypatch.setenv("JETHUB_DIGEST_TIME", "07:30")
    settings = load_settings()
    assert settings.jethub_operators == ("U123", "S0OPS", "U9")
    assert settings.jethub_approval_ttl == timedelta(hours=2)
    assert settings.jethub_digest_time == time(7, 30)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("JETHUB_ADMINS", "bob", "JETHUB_ADMINS"),
        ("JETHUB_TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("JETHUB_APPROVAL_TTL", "soon", "not a duration"),
        ("JETHUB_OVERDUE_DAYS", "-1", "JETHUB_OVERDUE_DAYS"),
    ],
)
def test_a_bad_setting_is_named_in_one_line(monkeypatch, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert says in str(raised.value)
    assert "\n" not in str(raised.value)


def test_secrets_never_show_in_repr():
    settings = load_settings(
        slack_signing_secret="s3cr3t-value", slack_bot_token="xoxb-secret-token"
    )
    assert "s3cr3t-value" not in repr(settings)
    assert "xoxb-secret-token" not in repr(settings)


def test_durations():
    assert parse_duration("90") == timedelta(seconds=90)
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("2d") == timedelta(days=2)


def _run_jethub(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "JETHUB_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )


def test_web_without_signing_secret_exits_naming_it():
    result = _run_jethub("serve", env={"SLACK_BOT_TOKEN": "xoxb-present"})
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["jethub: SLACK_SIGNING_SECRET is required but not set"]


def test_socket_mode_without_app_token_exits_naming_it():
    result = _run_jethub("socket", env={"SLACK_BOT_TOKEN": "xoxb-present"})
    assert result.returncode != 0
    assert result.stderr.strip() == "jethub: SLACK_APP_TOKEN is required but not set"


def test_suspension_approval_without_an_approvals_channel_stops_start_up():
    result = _run_jethub(
        "serve",
        env={
            "SLACK_BOT_TOKEN": "xoxb-present",
            "SLACK_SIGNING_SECRET": "present",
            "JETHUB_SUSPEND_REQUIRES_APPROVAL": "true",
        },
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "jethub: JETHUB_SUSPEND_REQUIRES_APPROVAL is true but JETHUB_APPROVALS_CHANNEL is not set"
    )


def test_unreachable_slack_at_start_up_is_one_clear_line(tmp_path):
    result = _run_jethub(
        "serve",
        env={
            "SLACK_BOT_TOKEN": "xoxb-present",
            "SLACK_SIGNING_SECRET": "present",
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
        },
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("jethub: cannot reach Slack's Web API at http://127.0.0.1:9/api/")
    assert "Traceback" not in result.stderr
