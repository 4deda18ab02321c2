"""First use of the CLI: a missing, unmigrated or unreachable ledger, a missing audit key and a
closed pipe each end in one clear line, never a traceback.

What each test is about runs as a ``jethub`` process; the steps around it (the ledger migrated
first, the advice followed afterwards) run the same ``main`` in this process
(``run_jethub_here``), saving a second of CPU per step."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from audit import Ledger, append
from audit.keys import load_or_create_key_file
from tests.fixtures.ledger import AUDIT_KEY_TEXT
from tests.reliability.procs import JETHUB, free_port, run_jethub, run_jethub_here

pytestmark = pytest.mark.slow  # starts processes or waits out real time: run first

UNREACHABLE = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"


def _env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JETHUB_", "DATABASE_"))}
    env.update({"DATABASE_URL": url, **extra})
    return env


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize("command", [["audit", "verify"], ["audit", "export"]])
def test_a_missing_ledger_says_to_run_db_upgrade_and_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'jethub.db'}"
    said = _one_line(run_jethub(*command, env=_env(url), cwd=tmp_path))
    assert "run `jethub db upgrade`" in said
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["audit", "verify"], ["audit", "export"]])
def test_an_unmigrated_ledger_says_to_run_db_upgrade(
    ledger_url: str, command: list[str], tmp_path: Path
) -> None:
    if ledger_url.startswith("sqlite"):
        import sqlite3

        sqlite3.connect(ledger_url.removeprefix("sqlite:///")).close()
    done = run_jethub(*command, env=_env(ledger_url, JETHUB_AUDIT_KEY=AUDIT_KEY_TEXT), cwd=tmp_path)
    said = _one_line(done)
    assert "not migrated" in said and "run `jethub db upgrade`" in said
    upgraded = run_jethub_here(
        "db", "upgrade", env=_env(ledger_url, JETHUB_AUDIT_KEY=AUDIT_KEY_TEXT), cwd=tmp_path
    )
    assert upgraded.returncode == 0, upgraded.stderr
    again = run_jethub_here(
        "audit", "verify", env=_env(ledger_url, JETHUB_AUDIT_KEY=AUDIT_KEY_TEXT), cwd=tmp_path
    )
    assert again.returncode == 0 and "audit chain intact: 0 events" in again.stdout, again.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "verify"],
        ["audit", "export"],
        ["db", "upgrade"],
        ["serve", "--port", "0"],
        ["clock"],
    ],
)
def test_an_unreachable_ledger_is_one_line(tmp_path: Path, command: list[str]) -> None:
    env = _env(
        UNREACHABLE,
        JETHUB_AUDIT_KEY=AUDIT_KEY_TEXT,
        SLACK_BOT_TOKEN="xoxb-x",
        SLACK_SIGNING_SECRET="s" * 20,
    )
    said = _one_line(run_jethub(*command, env=env, cwd=tmp_path))
    assert said.startswith("jethub: cannot reach the ledger at postgresql+psycopg://"), said


def test_postgresql_without_an_audit_key_is_one_line(tmp_path: Path) -> None:
    said = _one_line(run_jethub("audit", "verify", env=_env(UNREACHABLE), cwd=tmp_path))
    assert said == "jethub: JETHUB_AUDIT_KEY is required when DATABASE_URL is not SQLite"


def test_a_generated_key_is_private_and_reused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jethub.db'}"
    assert run_jethub("db", "upgrade", env=_env(url), cwd=tmp_path).returncode == 0
    key = tmp_path / "jethub.db.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    first = key.read_text()
    assert run_jethub("db", "upgrade", env=_env(url), cwd=tmp_path).returncode == 0
    assert key.read_text() == first
    assert run_jethub("audit", "verify", env=_env(url), cwd=tmp_path).returncode == 0


def test_export_into_a_closed_pipe_is_not_a_traceback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jethub.db'}"
    env = _env(url)
    assert run_jethub_here("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    key = load_or_create_key_file(tmp_path / "jethub.db.key")
    ledger = Ledger.from_url(url, key=key)
    try:
        with ledger.session() as session:
            for i in range(3000):
                append(
                    session=session,
                    actor="U1",
                    action="x",
                    account="1001",
                    outcome="ok",
                    details={"i": i},
                    correlation_id=None,
                )
    finally:
        ledger.dispose()
    export = subprocess.Popen(
        [*JETHUB, "audit", "export"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert export.stdout is not None and export.stderr is not None
    export.stdout.readline()
    export.stdout.close()  # `| head -1`
    stderr = export.stderr.read().decode()
    export.wait(timeout=60)
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


def test_another_audit_key_is_refused_at_start_up_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jethub.db'}"
    assert run_jethub_here("db", "upgrade", env=_env(url), cwd=tmp_path).returncode == 0
    other = _env(url, JETHUB_AUDIT_KEY="z" * 40)
    done = run_jethub("db", "upgrade", env=other, cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    said = done.stderr.strip().splitlines()[-1]  # after alembic's own info lines
    assert said.startswith("jethub: JETHUB_AUDIT_KEY does not match the ledger"), said
