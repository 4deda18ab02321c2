"""The payment check (the backstop) over 10,000 accounts the bot suspended for non-payment,
20 ms injected on every Zuora and platform call.

``commands.suspension.backstop.check_payments`` reads the bot's suspensions from the ledger, then
makes one Object Query scan of the overdue invoices (cursor paging, 99 a page) to see which still
owe; only the accounts that paid are read again and decided (account, payments, invoices, then
the durable unsuspend run), a few at a time on the platform client's pool. The floor of the
issue is ``(query pages + the OAuth token) x latency``: pages follow a cursor, so they cannot
overlap; the per-account work for the accounts that paid comes on top of it.

The naive baseline asks Zuora for each suspended account's invoices in turn (one call an
account), timed on a sample and scaled.

The sandbox runs in its own process, as the real backends do.

    python -m bench.collections [--quick] [--suspended 10000] [--paid 10] [--latency-ms 20]
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from bench._common import latency_header, parser, print_rows, ratio_line, safe_ratio, sandbox_deps
from bench._sandbox import RemoteSandbox, total

FIRST_ACCOUNT = 1001


@dataclass(frozen=True)
class CheckRun:
    suspended: int
    paid: int
    seconds: float
    lifted: int
    still_owing: int
    zuora_calls: int
    query_pages: int
    platform_calls: int
    naive_seconds: float
    latency_s: float

    @property
    def floor(self) -> float:
        return (self.query_pages + 1) * self.latency_s

    def rows_text(self) -> list[str]:
        return [
            f"{self.suspended:>6} suspended, {self.paid} paid since: check {self.seconds:6.2f} s, "
            f"{self.lifted} lifted, {self.still_owing} still owing",
            f"{'':>8}Zuora calls {self.zuora_calls} ({self.query_pages} query pages + token + "
            f"{self.zuora_calls - self.query_pages - 1} for the accounts that paid), platform "
            f"calls {self.platform_calls}",
            f"{'':>8}floor (pages + token) x latency {self.floor:5.2f} s; check/floor "
            f"{safe_ratio(self.seconds, self.floor):.2f}; naive per-account read ≈ "
            f"{self.naive_seconds:6.1f} s ({safe_ratio(self.naive_seconds, self.seconds):.0f}x)",
        ]


def _seed_ledger(ledger: object, suspended: int, now: object) -> None:
    """The bot's suspend runs, as ``/jethub suspend`` leaves them (succeeded, done)."""
    from sqlalchemy import insert

    from audit.models import ActionRun
    from devkit.sandbox import BENCH_REASON, BENCH_SUSPENDER

    at = now - timedelta(days=2)  # type: ignore[operator]
    rows = [
        {
            "id": f"bench-suspend-{FIRST_ACCOUNT + i}",
            "kind": "suspend",
            "account": str(FIRST_ACCOUNT + i),
            "state": "succeeded",
            "outcome": "done",
            "created_at": at,
            "updated_at": at,
            "requested_by": BENCH_SUSPENDER,
            "params": {"by": BENCH_SUSPENDER, "reason": BENCH_REASON},
        }
        for i in range(suspended)
    ]
    with ledger.session() as session:  # type: ignore[attr-defined]
        session.execute(insert(ActionRun), rows)


def one_run(suspended: int, paid: int, *, latency_ms: int, naive_sample: int) -> CheckRun:
    from commands.deps import Policy
    from commands.suspension.backstop import check_payments
    from devkit.sandbox import zuora_account_number
    from integrations.zuora import ZuoraClient

    with (
        RemoteSandbox("collections", size=suspended, paid=paid) as sandbox,
        sandbox_deps(sandbox.url, policy=Policy(unsuspend_on_payment="auto")) as deps,
    ):
        _seed_ledger(deps.ledger, suspended, deps.now())
        for backend in ("zuora", "platform"):
            sandbox.set_faults(backend, latency_ms=latency_ms)
        sandbox.reset_counters()
        started = time.perf_counter()
        report = check_payments(deps)
        seconds = time.perf_counter() - started
        counted = sandbox.counters()
        lifted = sum(1 for d in report.decided if d.lifted)
        assert lifted == paid, f"{lifted} lifted of {paid} paid: {report.failed}"

        naive = ZuoraClient(base_url=sandbox.url, client_id="sandbox", client_secret="sandbox")
        sample = min(suspended, naive_sample)
        step = max(1, suspended // sample)
        started = time.perf_counter()
        for index in range(sample):
            naive.invoices_for_account(zuora_account_number(str(FIRST_ACCOUNT + index * step)))
        per_account = (time.perf_counter() - started) / sample
        naive.close()
    return CheckRun(
        suspended=suspended,
        paid=paid,
        seconds=seconds,
        lifted=lifted,
        still_owing=report.still_owing,
        zuora_calls=total(counted, "zuora"),
        query_pages=total(counted, "zuora", "GET /object-query/invoices"),
        platform_calls=total(counted, "platform"),
        naive_seconds=per_account * suspended,
        latency_s=latency_ms / 1000,
    )


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__.splitlines()[0])
    args_parser.add_argument("--suspended", type=int, default=None)
    args_parser.add_argument("--paid", type=int, default=10)
    args_parser.add_argument("--latency-ms", type=int, default=20)
    args = args_parser.parse_args(argv)
    suspended = args.suspended or (2_000 if args.quick else 10_000)
    latency_header("payment check", args.latency_ms)
    run = one_run(
        suspended, args.paid, latency_ms=args.latency_ms, naive_sample=50 if args.quick else 200
    )
    print_rows(run.rows_text())
    print(
        ratio_line(
            safe_ratio(run.seconds, run.floor),
            f"check time / (query pages + token) * latency, {run.suspended} suspended",
        )
    )


if __name__ == "__main__":
    main()
