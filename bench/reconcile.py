"""Reconciliation over 100,000 generated accounts, 20 ms injected on every Zuora and platform
call, some of them drifted on the platform (``generate_world(drift=…)``) for it to find.

``commands.reconcile.Reconciliation`` streams the platform's full listing (495 accounts a page),
asks Zuora for each page's accounts by number (Object Query, 99 a query, 4 at a time) while the
next page comes, and scans Zuora's overdue invoices once (cursor paging, 99 a page). The floor of
the issue is ``pages x latency``: every page read once, one after another — the platform's
pages, the Zuora queries, the overdue-invoice pages and the OAuth token. The report overlaps
them, so it may come in under the floor when the machine's CPU keeps up.

The naive baseline reads each account on its own, one call after another (the platform's
account, allowances and emergency record; Zuora's account and subscriptions): timed on a sample
and scaled. The sandbox runs in its own process, as the real backends do; its lazily built
world is read once before the timed run (the real systems hold their data already).

    python -m bench.reconcile [--quick] [--accounts 100000] [--drift 0.005] [--latency-ms 20]
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass

from bench._common import latency_header, parser, print_rows, ratio_line, safe_ratio, sandbox_deps
from bench._sandbox import RemoteSandbox, total

FIRST_ACCOUNT = 1001
NAIVE_CALLS = 5  # platform: account, allowances, emergency; Zuora: account, subscriptions


@dataclass(frozen=True)
class ReconcileRun:
    accounts: int
    seconds: float
    findings: Counter[str]
    platform_pages: int
    zuora_queries: int
    overdue_pages: int
    zuora_calls: int
    client_cpu: float
    sandbox_cpu: float
    naive_seconds: float
    latency_s: float

    @property
    def pages(self) -> int:
        return self.platform_pages + self.zuora_queries + self.overdue_pages + 1  # + token

    @property
    def floor(self) -> float:
        return self.pages * self.latency_s

    def rows_text(self) -> list[str]:
        found = ", ".join(f"{n} {check}" for check, n in self.findings.most_common())
        return [
            f"{self.accounts:>7} accounts: report {self.seconds:6.2f} s, "
            f"{sum(self.findings.values())} findings ({found})",
            f"{'':>9}pages {self.pages}: platform {self.platform_pages}, Zuora account queries "
            f"{self.zuora_queries}, overdue pages {self.overdue_pages}, token 1 "
            f"(Zuora calls in all {self.zuora_calls})",
            f"{'':>9}CPU: report {self.client_cpu:5.1f} s, sandbox {self.sandbox_cpu:5.1f} s",
            f"{'':>9}floor pages x latency {self.floor:6.2f} s; report/floor "
            f"{safe_ratio(self.seconds, self.floor):.2f}; naive per-account reads ≈ "
            f"{self.naive_seconds:7.0f} s ({safe_ratio(self.naive_seconds, self.seconds):.0f}x)",
        ]


def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(accounts: int, drift: float, *, latency_ms: int, naive_sample: int) -> ReconcileRun:
    from commands.deps import Deps
    from commands.reconcile import Reconciliation
    from devkit.sandbox import zuora_account_number
    from integrations.zuora import ZuoraClient

    with (
        RemoteSandbox("generated", size=accounts, drift=str(drift)) as sandbox,
        sandbox_deps(sandbox.url) as warm_deps,
    ):
        warm = Reconciliation(warm_deps)
        for _ in warm.findings():  # builds the sandbox's lazy world
            pass
        for backend in ("zuora", "platform"):
            sandbox.set_faults(backend, latency_ms=latency_ms)
        warm_deps.zuora.close()  # a fresh client: the timed run fetches its own token
        deps = Deps(
            zuora=ZuoraClient(base_url=sandbox.url, client_id="sandbox", client_secret="sandbox"),
            platform=warm_deps.platform,
            sbc=warm_deps.sbc,
            ledger=warm_deps.ledger,
            actions=warm_deps.actions,
        )
        sandbox.reset_counters()
        sandbox_before, cpu_before = _cpu_seconds(sandbox.pid), time.process_time()
        started = time.perf_counter()
        report = Reconciliation(deps)
        findings = Counter(f.check for f in report.findings())
        seconds = time.perf_counter() - started
        client_cpu = time.process_time() - cpu_before
        sandbox_cpu = _cpu_seconds(sandbox.pid) - sandbox_before
        counted = sandbox.counters()
        assert report.end is not None and report.end.complete, report.end
        assert report.end.checked == accounts

        sample = min(accounts, naive_sample)
        step = max(1, accounts // sample)
        started = time.perf_counter()
        for index in range(sample):
            account = str(FIRST_ACCOUNT + index * step)
            deps.platform.get_account(account)
            deps.platform.allowances(account)
            deps.platform.emergency(account)
            deps.zuora.get_account(zuora_account_number(account))
            deps.zuora.subscriptions(zuora_account_number(account))
        per_account = (time.perf_counter() - started) / sample
        deps.zuora.close()
    return ReconcileRun(
        accounts=accounts,
        seconds=seconds,
        findings=findings,
        platform_pages=total(counted, "platform", "GET /v2/accounts"),
        zuora_queries=total(counted, "zuora", "GET /object-query/accounts"),
        overdue_pages=total(counted, "zuora", "GET /object-query/invoices"),
        zuora_calls=total(counted, "zuora"),
        client_cpu=client_cpu,
        sandbox_cpu=sandbox_cpu,
        naive_seconds=per_account * accounts,
        latency_s=latency_ms / 1000,
    )


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__.splitlines()[0])
    args_parser.add_argument("--accounts", type=int, default=None)
    args_parser.add_argument("--drift", type=float, default=0.005)
    args_parser.add_argument("--latency-ms", type=int, default=20)
    args = args_parser.parse_args(argv)
    accounts = args.accounts or (10_000 if args.quick else 100_000)
    latency_header("reconciliation", args.latency_ms)
    run = one_run(
        accounts, args.drift, latency_ms=args.latency_ms, naive_sample=20 if args.quick else 50
    )
    print_rows(run.rows_text())
    print(ratio_line(safe_ratio(run.seconds, run.floor), f"report / pages x latency, {accounts}"))


if __name__ == "__main__":
    main()
