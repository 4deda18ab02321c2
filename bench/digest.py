"""The overdue digest over 1k / 10k / 100k generated accounts, 20 ms injected per backend call.

``commands.digest.overdue.build_digest`` reads overdue invoices with one Zuora Object Query (cursor
paging, 99 a page, account expanded) plus the OAuth token, and the suspended accounts with one
paged platform listing. Those calls are sequential by nature (each page's cursor comes from the
previous page), so the floor is ``(Zuora calls + platform calls) * latency``; the Zuora-only
floor of the issue, ``(result pages + token) * latency``, is printed beside it.

The naive baseline asks Zuora for each account's invoices in turn
(``ZuoraClient.invoices_for_account``): one call per account. It is timed on a sample of
accounts and scaled to the whole set (a full naive run at 100k accounts would take over half an
hour at 20 ms a call).

The sandbox runs in its own process, as the real backends do.

    python -m bench.digest [--quick] [--sizes 1000,10000,100000] [--latency-ms 20]
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from bench._common import latency_header, parser, print_rows, ratio_line, safe_ratio, sandbox_deps
from bench._sandbox import RemoteSandbox, total

FIRST_ACCOUNT = 1001


@dataclass(frozen=True)
class DigestRun:
    accounts: int
    seconds: float
    rows: int
    zuora_calls: int
    query_pages: int
    platform_calls: int
    naive_seconds: float
    naive_calls: int
    naive_sampled: int
    latency_s: float

    @property
    def floor(self) -> float:
        return (self.zuora_calls + self.platform_calls) * self.latency_s

    @property
    def zuora_floor(self) -> float:
        return (self.query_pages + 1) * self.latency_s

    def rows_text(self) -> list[str]:
        return [
            f"{self.accounts:>7} accounts: digest {self.seconds:7.2f} s, {self.rows} candidates; "
            f"Zuora calls {self.zuora_calls} ({self.query_pages} query pages + token), "
            f"platform calls {self.platform_calls}",
            f"{'':>17}floor {self.floor:6.2f} s (all calls in sequence), Zuora-only floor "
            f"{self.zuora_floor:6.2f} s; digest/floor {safe_ratio(self.seconds, self.floor):.2f}, "
            f"digest/Zuora floor {safe_ratio(self.seconds, self.zuora_floor):.2f}",
            f"{'':>17}naive per-account lookup ≈ {self.naive_seconds:8.1f} s, "
            f"{self.naive_calls} Zuora calls (timed on {self.naive_sampled} accounts, scaled); "
            f"digest is {safe_ratio(self.naive_seconds, self.seconds):.0f}x faster",
        ]


def one_size(accounts: int, *, latency_ms: int, naive_sample: int) -> DigestRun:
    from commands.digest.overdue import build_digest
    from devkit.sandbox import zuora_account_number
    from integrations.zuora import ZuoraClient

    with (
        RemoteSandbox("generated", size=accounts) as sandbox,
        sandbox_deps(sandbox.url) as deps,
    ):
        for backend in ("zuora", "platform"):
            sandbox.set_faults(backend, latency_ms=latency_ms)
        sandbox.reset_counters()
        started = time.perf_counter()
        digest = build_digest(deps, deps.today())
        seconds = time.perf_counter() - started
        counted = sandbox.counters()
        zuora_calls = total(counted, "zuora")
        query_pages = total(counted, "zuora", "GET /object-query/invoices")

        # The naive baseline: a fresh client (so it pays for its own token), one call a account.
        naive_client = ZuoraClient(
            base_url=sandbox.url, client_id="sandbox", client_secret="sandbox"
        )
        sample = min(accounts, naive_sample)
        step = max(1, accounts // sample)
        sandbox.reset_counters()
        started = time.perf_counter()
        for index in range(sample):
            account = str(FIRST_ACCOUNT + index * step)
            naive_client.invoices_for_account(zuora_account_number(account))
        naive_taken = time.perf_counter() - started
        naive_counted = total(sandbox.counters(), "zuora")
        per_account = naive_taken / sample
        calls_per_account = max(0, naive_counted - 1) / sample
        naive_client.close()
    return DigestRun(
        accounts=accounts,
        seconds=seconds,
        rows=len(digest.rows),
        zuora_calls=zuora_calls,
        query_pages=query_pages,
        platform_calls=total(counted, "platform"),
        naive_seconds=per_account * accounts,
        naive_calls=1 + math.ceil(calls_per_account * accounts),
        naive_sampled=sample,
        latency_s=latency_ms / 1000,
    )


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__.splitlines()[0])
    args_parser.add_argument("--sizes", default=None, help="comma-separated account counts")
    args_parser.add_argument("--latency-ms", type=int, default=20)
    args_parser.add_argument("--naive-sample", type=int, default=None)
    args = args_parser.parse_args(argv)
    default_sizes = "1000,10000" if args.quick else "1000,10000,100000"
    sizes = [int(size) for size in (args.sizes or default_sizes).split(",")]
    naive_sample = args.naive_sample or (50 if args.quick else 200)
    latency_header("digest", args.latency_ms)
    runs: list[DigestRun] = []
    for size in sizes:
        run = one_size(size, latency_ms=args.latency_ms, naive_sample=naive_sample)
        runs.append(run)
        print_rows(run.rows_text())
    if len(runs) > 1:
        first, last = runs[0], runs[-1]
        print(
            f"accounts grew {last.accounts / first.accounts:.0f}x; Zuora calls grew "
            f"{safe_ratio(last.zuora_calls, first.zuora_calls):.1f}x "
            f"(query pages {first.query_pages} -> {last.query_pages})"
        )
    largest = runs[-1]
    print(
        ratio_line(
            safe_ratio(largest.seconds, largest.zuora_floor),
            f"digest time / (query pages + token) * latency, {largest.accounts} accounts",
        )
    )


if __name__ == "__main__":
    main()
