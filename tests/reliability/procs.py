"""Launching the real ``jethub`` processes (``serve``, ``clock``, ``audit verify``) for the
reliability suite, configured only through the DESIGN.md environment variables.

Each process writes its stderr (the JSON logs) to a file the test reads afterwards, so a secrets
scan sees everything the process ever logged, even when it was SIGKILLed.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

from devkit.sandbox import Sandbox
from devkit.slack import FakeSlack
from tests.fixtures import zygote
from tests.fixtures.bot import (
    ADAM,
    ALICE,
    APPROVALS_CHANNEL,
    BETTY,
    BOB,
    BOT_TOKEN,
    DIGEST_CHANNEL,
    OSCAR,
    SIGNING_SECRET,
    VERA,
)
from tests.fixtures.ledger import AUDIT_KEY_TEXT
from tests.fixtures.sandbox import http_client
from tests.fixtures.zygote import WarmProcess

ROOT = Path(__file__).resolve().parents[2]
JETHUB = [sys.executable, "-m", "bot.cli"]

# Backend credentials the processes are given; the secrets scan looks for every one of them.
ZUORA_CLIENT_SECRET = "zuora-secret-7c1e0b9d4a"
PLATFORM_TOKEN = "platform-token-5f2a8e61c3"
SBC_TOKEN = "sbc-token-0d94b7e2a6"
SECRETS = (
    BOT_TOKEN,
    SIGNING_SECRET,
    ZUORA_CLIENT_SECRET,
    PLATFORM_TOKEN,
    SBC_TOKEN,
    AUDIT_KEY_TEXT,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def jethub_env(
    *, slack: FakeSlack, sandbox: Sandbox, database_url: str, **extra: str
) -> dict[str, str]:
    """The environment a deployed process would get, pointed at the test's fakes."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "JETHUB_", "ZUORA_", "SBC_", "DATABASE_"))
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
            # The fake has no pace to keep; Slack's (tests/slack_limits) would make a process's
            # deactivation a dozen seconds longer, as fast_pace() spares the in-process bot.
            "JETHUB_SLACK_POSTS_PER_SECOND": "1000",
            "DATABASE_URL": database_url,
            "JETHUB_AUDIT_KEY": AUDIT_KEY_TEXT,
            "ZUORA_BASE_URL": sandbox.url,
            "ZUORA_CLIENT_ID": "jethub-bot",
            "ZUORA_CLIENT_SECRET": ZUORA_CLIENT_SECRET,
            "JETHUB_API_URL": sandbox.url,
            "JETHUB_API_TOKEN": PLATFORM_TOKEN,
            "SBC_API_URL": sandbox.url,
            "SBC_API_TOKEN": SBC_TOKEN,
            "JETHUB_APPROVALS_CHANNEL": APPROVALS_CHANNEL,
            "JETHUB_DIGEST_CHANNEL": DIGEST_CHANNEL,
            "JETHUB_VIEWERS": VERA,
            "JETHUB_OPERATORS": f"{ALICE},{OSCAR}",
            "JETHUB_APPROVERS": f"{BOB},{BETTY}",
            "JETHUB_ADMINS": ADAM,
            # Run on approval, as before the cancel window, unless a test opens one itself.
            "JETHUB_DEACTIVATION_DELAY": "0",
            # The same retries, a tenth of each pause, as the in-process bot (tests/fixtures/bot).
            "JETHUB_RETRY_PAUSE_SCALE": "0.1",
        }
    )
    env.update(extra)
    return env


@dataclass
class Proc:
    """One running ``jethub`` process and the file its stderr goes to."""

    name: str
    popen: subprocess.Popen[bytes] | WarmProcess
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait_healthy(self, timeout: float = 120.0) -> None:
        # Generous: a process starting on a 2-core machine busy with another suite takes a while.
        # One client for the whole wait: ``httpx.get`` makes a client, and loads the CA bundle
        # (about 25 ms of CPU), for every probe. A refused probe costs well under a millisecond,
        # so it probes fifty times a second: the test goes on within 20 ms of the process.
        deadline = time.monotonic() + timeout
        with http_client(self.url, timeout=1.0) as client:
            while time.monotonic() < deadline:
                if not self.alive():
                    raise RuntimeError(f"{self.name} exited early:\n{self.stderr()}")
                try:
                    if client.get("/healthz").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
        raise TimeoutError(f"{self.name} not healthy after {timeout}s:\n{self.stderr()}")

    def kill(self) -> None:
        """SIGKILL: no clean-up, no lease released — a crashed machine."""
        if self.alive():
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    def stop(self, timeout: float = 15.0) -> int:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        return int(self.popen.wait())

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


@dataclass
class Cluster:
    """The processes of one deployment; stops whatever is still running on exit."""

    env: dict[str, str]
    logs: Path
    procs: list[Proc] = field(default_factory=list)

    def start(self, name: str, *args: str, port: int | None = None) -> Proc:
        env = dict(self.env)
        if port is not None:
            env["PORT"] = str(port)
        log = self.logs / f"{name}.{len(self.procs)}.log"
        with log.open("wb") as sink:
            out = sink.fileno()
            popen = zygote.start("bot.cli", list(args), cwd=self.logs, env=env, out=out, err=out)
        proc = Proc(name, popen, log, port)
        self.procs.append(proc)
        return proc

    def web(self, name: str) -> Proc:
        proc = self.start(name, "serve", "--host", "127.0.0.1", port=free_port())
        return proc

    def clock(self, name: str) -> Proc:
        return self.start(name, "clock")

    def all_logs(self) -> str:
        return "\n".join(proc.stderr() for proc in self.procs)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.alive():
                proc.popen.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.popen.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def run_jethub(
    *args: str, env: Mapping[str, str], cwd: Path, timeout: float = 180, warm: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run one ``jethub`` command to completion (``db upgrade``, ``audit verify``): cold, as a
    test of what a command does as it starts needs; ``warm`` forks it from the zygote."""
    if warm:
        return zygote.run("bot.cli", *args, cwd=cwd, env=env, timeout=timeout)
    return subprocess.run(
        [*JETHUB, *args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def environment(env: Mapping[str, str], cwd: Path) -> Iterator[None]:
    """This process's environment is ``env`` and nothing else, and its working directory ``cwd``,
    as a process started with them would have, until the block ends."""
    saved, here = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved)


def run_jethub_here(
    *args: str, env: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``run_jethub`` without the process: the same ``main`` with the same environment (and
    nothing else of this process's), working directory and arguments, its stdout and stderr
    captured. For a test about what a one-shot command reports (``audit verify``, ``audit
    anchor --print-only``), not about the process: each ``jethub`` process costs about a second
    of CPU importing the app. Only for commands that start no logging (``audit verify`` and
    ``audit anchor --print-only`` do not); an error they do not turn into a line is raised."""
    from bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    with environment(env, cwd), redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse refusing the arguments
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess([*JETHUB, *args], code, out.getvalue(), err.getvalue())


def run_jethub_module(
    module: str, *args: str, env: Mapping[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m module args`` with a deployment's environment (a one-shot helper),
    forked warm from the zygote (``tests/fixtures/zygote.py``)."""
    return zygote.run(module, *args, cwd=ROOT, env=env, timeout=timeout)


def sweep_later(seconds: float) -> None:
    """One sweep, as the clock's job does it, by a process whose clock is ``seconds`` ahead
    (so a lease that a killed process left behind has lapsed without waiting a minute)."""
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from bot.compose import build_services
    from bot.jobs.sweeper import sweep
    from bot.runtime.settings import load_settings

    services = build_services(load_settings(), migrate=False)
    ahead = timedelta(seconds=seconds)
    later = replace(services, deps=services.deps.with_now(lambda: datetime.now(UTC) + ahead))
    try:
        sweep(later, services.slack)
    finally:
        services.close()
    print("swept", flush=True)


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def digest_days(first: str, days: int) -> None:
    """The clock's digest job for ``days`` simulated days from ``first`` (ISO date), each run
    at a moment after that day's digest time, as a clock process that lives that long would."""
    import random
    from dataclasses import replace
    from datetime import date, timedelta

    from bot.clock import clock_owner
    from bot.compose import build_services
    from bot.digest.job import run_digest
    from bot.runtime.settings import load_settings

    services = build_services(load_settings(), migrate=False)
    zone, at = services.settings.zone, services.settings.jethub_digest_time
    owner, jitter = clock_owner(), random.Random()
    posted = 0
    try:
        for offset in range(days):
            day = date.fromisoformat(first) + timedelta(days=offset)
            moment = datetime.combine(day, at, zone) + timedelta(seconds=jitter.randint(0, 900))
            deps = services.deps.with_now(_fixed(moment))
            done = run_digest(replace(services, deps=deps), services.slack, owner=owner)
            posted += done is not None
    finally:
        services.close()
    print(f"posted={posted}", flush=True)


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "sweep":
        sweep_later(float(rest[0]))
    elif mode == "digest-days":
        digest_days(rest[0], int(rest[1]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
