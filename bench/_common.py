"""What every benchmark shares: sample statistics, the ratio line, and a wired-up world.

A benchmark measures this project and its baseline in the same process and prints the figures,
then, as its LAST line, ``ratio: <number> (<what it compares>)`` — the smoke test and anyone
scripting a comparison read that line.
"""

from __future__ import annotations

import argparse
import logging
import math
import platform
import statistics
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RATIO_PREFIX = "ratio: "

# The users the benchmarks act as (granted directly, so a role check never asks Slack).
OPERATOR = "U0ALICE"
APPROVER = "U0BOB"
VIEWER = "U0VERA"
SIGNING_SECRET = "bench-signing-secret-0123456789"
BOT_TOKEN = "xoxb-bench-token"
CHANNEL = "C0SUPPORT"


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100), nearest rank on the sorted values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Latency:
    """Latency samples in seconds, summarised in milliseconds."""

    samples: tuple[float, ...]

    @classmethod
    def of(cls, samples: Sequence[float]) -> Latency:
        return cls(tuple(samples))

    @property
    def p50_ms(self) -> float:
        return percentile(self.samples, 50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.samples, 99) * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.samples) * 1000 if self.samples else math.nan

    def row(self, label: str) -> str:
        return (
            f"{label:<44} n={len(self.samples):>6}  p50 {self.p50_ms:8.3f} ms  "
            f"p99 {self.p99_ms:8.3f} ms  mean {self.mean_ms:8.3f} ms"
        )


def ratio_line(value: float, what: str) -> str:
    return f"{RATIO_PREFIX}{value:.3f} ({what})"


def safe_ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.inf


def parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="a smaller run that finishes in under a minute"
    )
    return parser


def machine() -> str:
    import os

    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs"


def latency_header(what: str, latency_ms: int) -> None:
    """Quiet the logs and print the first line of a benchmark that injects ``latency_ms`` on
    every backend call."""
    quiet_logs()
    print(f"{what} — {latency_ms} ms injected per backend call — {machine()}")


def print_rows(rows: Iterable[str]) -> None:
    """A run's figures, flushed as they come (a long benchmark shows each size as it ends)."""
    for line in rows:
        print(line, flush=True)


def quiet_logs() -> None:
    """The bot logs every backend retry and refusal; a benchmark prints only its figures."""
    logging.basicConfig(level=logging.ERROR)
    for name in (
        "jethub",
        "bot",
        "commands",
        "integrations",
        "audit",
        "slack_bolt",
        "httpx",
        "werkzeug",
        "waitress",
    ):
        logging.getLogger(name).setLevel(logging.ERROR)


@contextmanager
def scratch_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="jethub-bench-") as path:
        yield Path(path)


@contextmanager
def demo_bot(database_url: str | None = None, **extra: Any) -> Iterator[tuple[Any, Any, Any]]:
    """``(fake_slack, services, sandbox)``: the real bot's services against the demo sandbox (in
    its own process), a FakeSlack and a migrated ledger (a scratch SQLite file unless
    ``database_url``) — what the latency and cost benchmarks measure."""
    from bench._sandbox import RemoteSandbox
    from bot.compose import build_services
    from devkit.slack import FakeSlack

    quiet_logs()
    with (
        scratch_dir() as scratch,
        FakeSlack(bot_token=BOT_TOKEN) as fake,
        RemoteSandbox("demo") as sandbox,
    ):
        fake.add_user(OPERATOR, name="alice")
        fake.add_channel(CHANNEL, "support")
        settings = bench_settings(
            slack_url=fake.url,
            sandbox_url=sandbox.url,
            database_url=database_url or f"sqlite:///{scratch / 'ledger.db'}",
            **extra,
        )
        services = build_services(settings)
        try:
            services.deps.ledger.upgrade()
            yield fake, services, sandbox
        finally:
            services.close()


def bench_settings(*, slack_url: str, sandbox_url: str, database_url: str, **extra: Any) -> Any:
    """Settings as the harness would set them, with the roles the benchmarks act as."""
    from bot.runtime.settings import Settings

    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack_url,
        "database_url": database_url,
        "zuora_base_url": sandbox_url,
        "zuora_client_id": "sandbox",
        "zuora_client_secret": "sandbox-secret",
        "jethub_api_url": sandbox_url,
        "jethub_api_token": "platform-token",
        "sbc_api_url": sandbox_url,
        "sbc_api_token": "sbc-token",
        "jethub_approvals_channel": "C0APPROVALS",
        "jethub_digest_channel": "C0DIGEST",
        "jethub_viewers": VIEWER,
        "jethub_operators": OPERATOR,
        "jethub_approvers": APPROVER,
    }
    values.update(extra)
    return Settings(_env_file=None, **values)


@contextmanager
def sandbox_deps(
    url: str, *, platform: dict[str, Any] | None = None, **extra: Any
) -> Iterator[Any]:
    """``Deps`` on the sandbox at ``url`` (its Zuora, platform and SBC) with a migrated SQLite
    ledger in a scratch folder, closed and disposed of at the end; ``platform`` adds options to
    its client (``max_workers``), ``extra`` sets another field (``policy``)."""
    from audit import AuditKey, Ledger
    from commands.catalogue import action_kinds
    from commands.deps import Deps
    from integrations.platform import PlatformClient
    from integrations.sbc import SbcClient
    from integrations.zuora import ZuoraClient

    with scratch_dir() as scratch:
        ledger = Ledger.from_url(
            f"sqlite:///{scratch / 'ledger.db'}", migrate=True, key=AuditKey.generate()
        )
        deps = Deps(
            zuora=ZuoraClient(base_url=url, client_id="sandbox", client_secret="sandbox"),
            platform=PlatformClient(base_url=url, token="platform-token", **(platform or {})),
            sbc=SbcClient(base_url=url, token="sbc-token"),
            ledger=ledger,
            actions=action_kinds(),
            **extra,
        )
        try:
            yield deps
        finally:
            for client in (deps.zuora, deps.platform, deps.sbc):
                client.close()
            ledger.dispose()
