"""The clock has no web server, so it serves ``/metrics`` on ``JETHUB_METRICS_PORT``."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from devkit.sandbox import Sandbox
from devkit.slack import FakeSlack
from tests.fixtures.sandbox import TLS
from tests.reliability.conftest import make_cluster
from tests.reliability.procs import free_port

pytestmark = pytest.mark.slow  # starts processes or waits out real time: run first


def test_the_clock_serves_metrics_on_its_own_port(
    tmp_path: Path, slack: FakeSlack, sandbox: Sandbox
) -> None:
    port = free_port()
    cluster = make_cluster(
        tmp_path,
        slack,
        sandbox,
        f"sqlite:///{tmp_path / 'ledger.db'}",
        JETHUB_METRICS_PORT=str(port),
    )
    clock = cluster.clock("clock")
    try:
        deadline, text = time.monotonic() + 60, ""
        while time.monotonic() < deadline and not text:
            assert clock.alive(), clock.stderr()
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2, verify=TLS).text
            except httpx.HTTPError:
                time.sleep(0.05)
        assert "# TYPE jethub_actions_total counter" in text, clock.stderr()
        assert "# TYPE jethub_backend_errors_total counter" in text
    finally:
        cluster.stop_all()
