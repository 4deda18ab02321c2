"""Fixtures for the reliability suite: real ``jethub`` processes on one PostgreSQL ledger, a
FakeSlack and a sandbox in this process, and a tally of the side effects the sandbox applied.

``JETHUB_LONG=1`` runs the bigger counts the issue names; the default sizes keep CI in minutes.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from audit import Keyring, Ledger, make_engine
from devkit.sandbox import Sandbox, SandboxWorld
from devkit.slack import FakeSlack
from tests.fixtures.bot import (
    ADAM,
    ALICE,
    APPROVALS_CHANNEL,
    BETTY,
    BOB,
    BOT_TOKEN,
    DIGEST_CHANNEL,
    NOBODY,
    OSCAR,
    SUPPORT_CHANNEL,
    VERA,
)
from tests.reliability.procs import Cluster, jethub_env, run_jethub

LONG = os.environ.get("JETHUB_LONG", "") == "1"


def sized(ci: int, long: int) -> int:
    """A count for this run: ``long`` under ``JETHUB_LONG=1``, else ``ci``."""
    return long if LONG else ci


# Calls that are not a side effect on one object: a token, the sandbox's control API, and the
# SBC's reload (idempotent, and asked for once per refresh).
NOT_EFFECTS = ("/oauth/token", "/_sandbox", "/sbc/v1/reload")


class EffectLog:
    """WSGI middleware in front of the sandbox: every mutating call that the backend applied
    (2xx), by method and full path. A path applied twice is a side effect done twice."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.applied: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()  # every backend answer, by status code

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")

        mutating = method not in ("GET", "HEAD") and not path.startswith(NOT_EFFECTS)

        def recording(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            with self._lock:
                self.statuses[status.split(" ", 1)[0]] += 1
            if mutating and status.startswith("2"):
                with self._lock:
                    self.applied[f"{method} {path}"] += 1
            return start_response(status, headers, *exc)

        return self._app(environ, recording)

    def twice(self) -> dict[str, int]:
        with self._lock:
            return {key: n for key, n in self.applied.items() if n > 1}

    def matching(self, fragment: str) -> dict[str, int]:
        with self._lock:
            return {key: n for key, n in self.applied.items() if fragment in key}


def logged_sandbox(world: SandboxWorld, *, fault_seed: int = 0) -> tuple[Sandbox, EffectLog]:
    sandbox = Sandbox(world=world, fault_seed=fault_seed)
    effects = EffectLog(sandbox.app)
    sandbox.app = effects  # type: ignore[assignment]  # served in place of the bare app
    return sandbox.start(host="127.0.0.1", port=0), effects


def fake_slack() -> FakeSlack:
    slack = FakeSlack(bot_token=BOT_TOKEN).start()
    for user in (ALICE, OSCAR, BOB, BETTY, VERA, ADAM, NOBODY):
        slack.add_user(user, name=user[2:].lower())
    for channel, name in (
        (APPROVALS_CHANNEL, "approvals"),
        (DIGEST_CHANNEL, "billing-digest"),
        (SUPPORT_CHANNEL, "support"),
    ):
        slack.add_channel(channel, name)
    return slack


def make_cluster(
    tmp_path: Path,
    slack: FakeSlack,
    sandbox: Sandbox,
    database_url: str,
    *,
    release: bool = False,
    **extra: str,
) -> Cluster:
    """A deployment's environment with the schema migrated once: by ``jethub db upgrade`` as a
    process (the ``release`` process) if ``release``, else by what that command runs, the
    ledger's ``upgrade`` sealed with the deployment's key, in this process (about a second of
    CPU less: ``tests/reliability/test_first_use_cli.py`` is about the command itself)."""
    env = jethub_env(slack=slack, sandbox=sandbox, database_url=database_url, **extra)
    logs = tmp_path / "procs"
    logs.mkdir(exist_ok=True)
    if release:
        done = run_jethub("db", "upgrade", env=env, cwd=logs, warm=True)
        assert done.returncode == 0, done.stdout + done.stderr
    else:
        key = Keyring.parse(env["JETHUB_AUDIT_KEY"])
        ledger = Ledger(make_engine(env["DATABASE_URL"]), key=key)
        try:
            ledger.upgrade()
        finally:
            ledger.dispose()
    return Cluster(env=env, logs=logs)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = fake_slack()
    try:
        yield fake
    finally:
        fake.stop()
