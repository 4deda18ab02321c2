"""``jethub serve --processes 2``: two web processes share one port (pre-fork); both answer,
SIGTERM stops the group, and a child that dies unasked stops the others (exit code non-zero)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from devkit.sandbox import Sandbox, demo_world
from devkit.slack import FakeSlack, SlackSender
from tests.fixtures.bot import ALICE, BOT_TOKEN, SIGNING_SECRET, SUPPORT_CHANNEL
from tests.reliability.procs import Cluster, free_port, jethub_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    slack = FakeSlack(bot_token=BOT_TOKEN).start()
    slack.add_user(ALICE, "alice")
    slack.add_channel(SUPPORT_CHANNEL, "support")
    sandbox = Sandbox(world=demo_world()).start(host="127.0.0.1", port=0)
    env = jethub_env(slack=slack, sandbox=sandbox, database_url=f"sqlite:///{tmp_path / 'l.db'}")
    cluster = Cluster(env, tmp_path)
    try:
        yield slack, cluster
    finally:
        cluster.stop_all()
        sandbox.stop()
        slack.stop()


def test_two_processes_share_the_port_and_stop_together(world) -> None:  # type: ignore[no-untyped-def]
    slack, cluster = world
    group = cluster.start(
        "web", "serve", "--host", "127.0.0.1", "--processes", "2", port=free_port()
    )
    group.wait_healthy()
    deadline = time.monotonic() + 30
    while len(children_of(group.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = children_of(group.pid)
    assert len(workers) == 2
    with SlackSender(f"{group.url}/slack/events", SIGNING_SECRET, slack) as send:
        for _ in range(6):
            assert "deactivate" in send.command(ALICE, "help", channel=SUPPORT_CHANNEL).text
    assert group.stop() == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_a_web_process_that_dies_stops_the_group(world) -> None:  # type: ignore[no-untyped-def]
    _, cluster = world
    group = cluster.start(
        "web", "serve", "--host", "127.0.0.1", "--processes", "2", port=free_port()
    )
    group.wait_healthy()
    deadline = time.monotonic() + 30
    while len(children_of(group.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    victim = min(children_of(group.pid))
    os.kill(victim, signal.SIGKILL)
    group.popen.wait(30)
    assert group.popen.returncode != 0
    assert "exited" in group.stderr()
