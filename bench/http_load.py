"""HTTP under an open-loop load: signed ``/jethub`` slash commands at a fixed rate (not back to
back), against a bare Bolt app that only acks and against ``jethub serve`` with 1 or more web
processes, each on loopback in its own process.

For every rate and server it reports the ack latency (p50/p99, counted from when each request
was due), the acks over Slack's 3 s deadline, the replies delivered (posts to the response
URLs the FakeSlack issued, or their fallbacks), the backlog when sending ended (acked, not yet
answered) and the time to drain it. With several rates it finds, per server, the highest rate
whose ack p99 stays under 1 s with every reply delivered. For jethub it also prints what each
view cost: the CPU seconds of the ``jethub serve`` processes and of the sandbox process over the
row (from ``/proc``, sending through drain) divided by the views answered, and the backend calls
the sandbox counted per view.

    python -m bench.http_load [--quick] [--rate R[,R...]] [--seconds S] [--processes N[,N...]]
        [--text "account 1001"] [--database sqlite|postgres]
"""

from __future__ import annotations

import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import _cpu
from bench._common import (
    BOT_TOKEN,
    CHANNEL,
    OPERATOR,
    SIGNING_SECRET,
    Latency,
    machine,
    parser,
    quiet_logs,
    ratio_line,
    safe_ratio,
    scratch_dir,
)
from integrations.http import shared_tls

DEADLINE_S = 3.0  # Slack's ack deadline
SUSTAINABLE_P99_S = 1.0
DRAIN_LIMIT_S = 120.0
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class RunResult:
    label: str
    rate: float
    sent: int
    latency: Latency  # the acks that came (200)
    failed: int  # no 200 at all
    over_deadline: int  # over 3 s, or failed
    replies: int
    backlog: int  # acked but not answered when sending ended
    drain_s: float | None  # None: not drained within DRAIN_LIMIT_S
    cost: Cost | None = None  # jethub rows only

    @property
    def sustained(self) -> bool:
        return (
            self.failed == 0
            and self.latency.p99_ms < SUSTAINABLE_P99_S * 1000
            and self.replies == self.sent
        )

    @property
    def keeps_up(self) -> bool:
        """The work after the ack keeps pace too: at most a second's worth left when sending
        ends (a longer run at this rate would not pile up without end)."""
        return self.sustained and self.backlog <= self.rate

    def row(self) -> str:
        drain = "never" if self.drain_s is None else f"{self.drain_s:5.1f} s"
        line = (
            f"{self.label:<22} {self.rate:6.0f}/s  sent {self.sent:>5}  "
            f"ack p50 {self.latency.p50_ms:8.1f} ms  p99 {self.latency.p99_ms:8.1f} ms  "
            f"over 3 s {self.over_deadline:>4}  replies {self.replies:>5}  "
            f"backlog {self.backlog:>5}  drain {drain}"
        )
        return line if self.cost is None else f"{line}\n{'':<22} {self.cost.row(self.replies)}"


@dataclass(frozen=True)
class Cost:
    """What one row cost: CPU seconds of the jethub and sandbox processes, backend calls."""

    jethub_cpu_s: float
    sandbox_cpu_s: float
    calls: dict[str, int]  # backend -> calls
    jethub_system_s: float = 0.0  # the part of jethub_cpu_s spent in the kernel

    def row(self, views: int) -> str:
        n = max(views, 1)
        per_backend = ", ".join(f"{b} {c / n:.2f}" for b, c in self.calls.items() if c)
        return (
            f"CPU per view: jethub {self.jethub_cpu_s / n * 1000:6.2f} ms "
            f"(system {self.jethub_system_s / n * 1000:.2f})  "
            f"sandbox {self.sandbox_cpu_s / n * 1000:6.2f} ms  "
            f"backend calls per view {sum(self.calls.values()) / n:5.2f} ({per_backend})"
        )


class CostMeter:
    """CPU of the server's and the sandbox's processes, and the sandbox's call counters."""

    def __init__(self, server_pid: int, sandbox: Any) -> None:
        self.server_pid = server_pid
        self.sandbox = sandbox
        self._start = ((0.0, 0.0), 0.0)

    def start(self) -> None:
        self.sandbox.reset_counters()
        self._start = (_cpu.cpu_times(self.server_pid), _cpu.cpu_seconds(self.sandbox.pid))

    def stop(self) -> Cost:
        user, system = _cpu.cpu_times(self.server_pid)
        (user_0, system_0), sandbox_0 = self._start
        sandbox = _cpu.cpu_seconds(self.sandbox.pid) - sandbox_0
        counted = self.sandbox.counters()
        calls = {backend: sum(endpoints.values()) for backend, endpoints in counted.items()}
        jethub = user - user_0 + system - system_0
        return Cost(jethub, sandbox, calls, jethub_system_s=system - system_0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            httpx.post(url, timeout=1.0, verify=shared_tls())
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer in {timeout} s")


@dataclass(frozen=True)
class Served:
    url: str  # its events URL
    pid: int


@contextmanager
def served(command: list[str], env: dict[str, str] | None = None) -> Iterator[Served]:
    """Run a server process on a free port (``{port}`` in ``command``)."""
    port = free_port()
    process = subprocess.Popen(
        [part.replace("{port}", str(port)) for part in command],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        wait_healthy(url, process)
        yield Served(url, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def private_schema() -> Iterator[str]:
    """A ledger URL on PostgreSQL (``TEST_DATABASE_URL`` or the local ``test`` database) whose
    search path is a new schema, dropped afterwards."""
    from sqlalchemy import text

    from audit import make_engine
    from audit.db import normalise_url
    from bench.ledger import DEFAULT_PG_URL

    base = normalise_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL))
    schema = f"jethub_bench_{secrets.token_hex(6)}"
    admin = make_engine(base, connect_args={"connect_timeout": 5})
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def jethub_env(fake: Any, sandbox_url: str, database_url: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "ZUORA_BASE_URL": sandbox_url,
        "ZUORA_CLIENT_ID": "sandbox",
        "ZUORA_CLIENT_SECRET": "sandbox-secret",
        "JETHUB_API_URL": sandbox_url,
        "JETHUB_API_TOKEN": "platform-token",
        "SBC_API_URL": sandbox_url,
        "SBC_API_TOKEN": "sbc-token",
        "JETHUB_OPERATORS": OPERATOR,
        "JETHUB_APPROVALS_CHANNEL": "C0APPROVALS",
    }


class Replies:
    """What the FakeSlack delivered for one run's response URLs (posts, or their fallbacks)."""

    def __init__(self, fake: Any, urls: list[str]) -> None:
        self.fake = fake
        self.urls = set(urls)
        self.fallbacks_before = len(fake.calls("chat.postEphemeral"))

    def count(self) -> int:
        answered = {r.url for r in self.fake.responses() if r.status == 200 and r.url in self.urls}
        fallbacks = len(self.fake.calls("chat.postEphemeral")) - self.fallbacks_before
        return len(answered) + fallbacks


def one_run(
    label: str,
    url: str,
    fake: Any,
    *,
    rate: float,
    seconds: float,
    text: str,
    replies: bool,
    meter: CostMeter | None = None,
) -> RunResult:
    count = max(1, int(rate * seconds))
    if meter is not None:
        meter.start()
    urls = [fake.issue_response_url(OPERATOR, CHANNEL) for _ in range(count)]
    delivered = Replies(fake, urls)
    with tempfile.NamedTemporaryFile("w", suffix=".urls", delete=False) as listing:
        listing.write("\n".join(urls))
    try:
        loader = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench._load",
                url,
                SIGNING_SECRET,
                str(rate),
                str(seconds),
                text,
                listing.name,
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert loader.stdout is not None
        json.loads(loader.stdout.readline())  # sending is over
        ended = time.monotonic()
        backlog = count - delivered.count() if replies else 0
        figures: dict[str, Any] = json.loads(loader.stdout.readline())
        loader.wait()
    finally:
        os.unlink(listing.name)
    latencies = figures["latencies"]
    ok = [v for v in latencies if math.isfinite(v)]
    failed = len(latencies) - len(ok)
    drain_s: float | None = 0.0
    if replies:
        while delivered.count() < count and time.monotonic() - ended < DRAIN_LIMIT_S:
            time.sleep(0.1)
        got = delivered.count()
        drain_s = time.monotonic() - ended if got >= count else None
        if backlog == 0:
            drain_s = 0.0
    else:
        got = len(ok)
    cost = meter.stop() if meter is not None else None
    return RunResult(
        label=label,
        rate=rate,
        sent=count,
        latency=Latency.of(ok),
        failed=failed,
        over_deadline=failed + sum(1 for v in ok if v > DEADLINE_S),
        replies=got,
        backlog=max(backlog, 0),
        drain_s=drain_s,
        cost=cost,
    )


def run(
    rates: list[float],
    seconds: float,
    processes: list[int],
    text: str,
    database: str = "sqlite",
) -> float:
    from bench._sandbox import RemoteSandbox
    from devkit.slack import FakeSlack

    quiet_logs()
    replies = text.split()[0] != "help"  # help is answered in the ack itself
    print(
        f"HTTP under open-loop load — /jethub {text}, {seconds:g} s a row, "
        f"rates {', '.join(f'{r:g}' for r in rates)}/s, {database} ledger — {machine()}, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    results: dict[str, list[RunResult]] = {}
    with (
        ExitStack() as stack,
        scratch_dir() as scratch,
        FakeSlack(bot_token=BOT_TOKEN) as fake,
        RemoteSandbox("demo") as sandbox,
    ):
        fake.add_user(OPERATOR, name="alice")
        fake.add_channel(CHANNEL, "support")
        postgres = database == "postgres"
        database_url = (
            stack.enter_context(private_schema())
            if postgres
            else f"sqlite:///{scratch / 'ledger.db'}"
        )
        env = jethub_env(fake, sandbox.url, database_url)
        if postgres:
            env["JETHUB_AUDIT_KEY"] = "bench-audit-key-0123456789abcdef"  # required off SQLite
        jethub = [sys.executable, "-m", "bot.cli"]
        subprocess.run(
            [*jethub, "db", "upgrade"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            check=True,
            capture_output=True,
        )
        servers: list[tuple[str, list[str], dict[str, str] | None]] = [
            (
                "bare Bolt",
                [
                    sys.executable,
                    "-m",
                    "bench._bare",
                    "{port}",
                    SIGNING_SECRET,
                    fake.url,
                    BOT_TOKEN,
                ],
                None,
            )
        ]
        for n in processes:
            command = [*jethub, "serve", "--host", "127.0.0.1", "--port", "{port}"]
            label = f"jethub, {n} process{'es' if n > 1 else ''}"
            servers.append((label, [*command, "--processes", str(n)], env))
        for label, command, server_env in servers:
            with served(command, server_env) as server:
                jethub_row = label != "bare Bolt"
                measured = jethub_row and _cpu.available()
                meter = CostMeter(server.pid, sandbox) if measured else None
                for rate in rates:
                    result = one_run(
                        label,
                        server.url,
                        fake,
                        rate=rate,
                        seconds=seconds,
                        text=text,
                        replies=replies and jethub_row,
                        meter=meter,
                    )
                    results.setdefault(label, []).append(result)
                    print(result.row(), flush=True)
    bare = results["bare Bolt"]
    for label, rows in results.items():
        best = max((r.rate for r in rows if r.sustained), default=0.0)
        paced = max((r.rate for r in rows if r.keeps_up), default=0.0)
        print(
            f"{label}: highest rate with ack p99 < 1 s and every reply delivered: {best:g}/s; "
            f"with the work keeping up (backlog <= 1 s of requests): {paced:g}/s"
        )
    first_jethub = results[next(label for label in results if label != "bare Bolt")]
    for row, base in zip(first_jethub, bare, strict=True):
        p99 = safe_ratio(row.latency.p99_ms, base.latency.p99_ms)
        print(f"at {row.rate:g}/s: {row.label} ack p99 / bare Bolt ack p99 = {p99:.2f}x")
    if len(processes) > 1:
        labels = [label for label in results if label != "bare Bolt"]
        best_of = {
            label: max((r.rate for r in results[label] if r.sustained), default=0.0)
            for label in labels
        }
        print(
            f"sustainable rate, {labels[-1]} / {labels[0]}: "
            f"{safe_ratio(best_of[labels[-1]], best_of[labels[0]]):.2f}x"
        )
    return safe_ratio(first_jethub[0].latency.p99_ms, bare[0].latency.p99_ms)


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__.splitlines()[0])
    args_parser.add_argument("--rate", default=None, help="requests a second, or a list: 50,100")
    args_parser.add_argument("--seconds", type=float, default=None, help="seconds per row")
    args_parser.add_argument("--processes", default="1", help="web processes, or a list: 1,2")
    args_parser.add_argument("--text", default="account 1001", help="what follows /jethub")
    args_parser.add_argument(
        "--database",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="the ledger: a scratch SQLite file, or a private schema on PostgreSQL",
    )
    args = args_parser.parse_args(argv)
    rates = [float(r) for r in (args.rate or ("20" if args.quick else "50")).split(",")]
    seconds = args.seconds or (3.0 if args.quick else 60.0)
    processes = [int(n) for n in args.processes.split(",")]
    ratio = run(rates, seconds, processes, args.text, args.database)
    print(
        ratio_line(
            ratio, f"jethub ack p99 / bare Bolt ack p99 at {rates[0]:g}/s, open-loop, same load"
        )
    )


if __name__ == "__main__":
    main()
