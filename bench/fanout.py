"""Deactivation fan-out: ``commands.deactivation.request.execute_run`` on one big account, 20 ms a
call.

The account (``devkit.sandbox.add_big_account``: 2,000 numbers, 300 phone users, 200
callflows, 50 queues and the rest) is requested, approved, and run, against:

- the floor for the configured concurrency: ``ceil(calls / max_workers) * latency`` — every call
  the run made, packed perfectly onto the platform client's ``max_workers`` connections;
- strictly sequential calls: the same run with a one-worker client (timed; ``--quick`` prints
  the sequential floor, ``calls * latency``, instead of waiting for it);
- the platform's token bucket at 10 requests/s: the floor is ``calls / 10`` seconds, and every
  429 must be absorbed by the client's retries — the run must still succeed.

Each run gets a fresh sandbox (a run empties the account), in its own process.

    python -m bench.fanout [--quick] [--scale F] [--latency-ms 20] [--rate 10]
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from bench._common import (
    APPROVER,
    OPERATOR,
    machine,
    parser,
    quiet_logs,
    ratio_line,
    safe_ratio,
    sandbox_deps,
)
from bench._sandbox import RemoteSandbox, total

ACCOUNT = "9001"
FULL = {"numbers": 2_000, "users": 300, "callflows": 200, "queues": 50, "emails": 1_000}


@dataclass
class Attempts:
    """What the platform client saw, from its ``on_attempt`` hook."""

    statuses: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, info: object) -> None:
        status = getattr(info, "status", None)
        outcome = getattr(info, "outcome", None)
        with self._lock:
            if status is not None:
                self.statuses[status] += 1
            if outcome == "retry":
                self.retries += 1


@dataclass(frozen=True)
class RunResult:
    seconds: float
    state: str
    calls: int  # platform calls the sandbox answered (429s included)
    mutations: int
    attempts: Attempts
    workers: int


def big_sizes(scale: float) -> dict[str, int]:
    return {name: max(1, round(count * scale)) for name, count in FULL.items()}


def deactivate(
    sizes: dict[str, int],
    *,
    latency_ms: int,
    workers: int,
    bucket_rate: float | None = None,
    batch: int | None = None,
) -> RunResult:
    from commands.actor import Actor, Role
    from commands.approvals.decisions import decide_approval
    from commands.approvals.model import DecideApproval
    from commands.deactivation.request import RequestDeactivation, execute_run, request_deactivation
    from commands.deactivation.request import run_for_approval as run_of

    attempts = Attempts()
    platform = {"max_workers": workers, "on_attempt": attempts}
    with (
        RemoteSandbox("big", account_id=ACCOUNT, **sizes) as sandbox,
        sandbox_deps(sandbox.url, platform=platform) as deps,
    ):
        operator = Actor.with_grants(OPERATOR, {Role.OPERATOR})
        approver = Actor.with_grants(APPROVER, {Role.APPROVER})
        asked = request_deactivation(
            RequestDeactivation(account=ACCOUNT, reason="benchmark", typed_account=ACCOUNT),
            operator,
            deps,
        )
        decide_approval(
            DecideApproval(request_id=asked.request.id, decision="approve", typed_account=ACCOUNT),
            approver,
            deps,
        )
        run = run_of(deps, asked.request.id)
        assert run is not None
        for backend in ("zuora", "platform", "sbc"):
            sandbox.set_faults(backend, latency_ms=latency_ms)
        if bucket_rate is not None:
            sandbox.set_faults(
                "platform",
                bucket_capacity=max(1, int(bucket_rate)),
                bucket_refill_per_s=bucket_rate,
            )
        sandbox.reset_counters()
        attempts.statuses.clear()
        attempts.retries = 0
        started = time.perf_counter()
        outcome = (
            execute_run(deps, run.id) if batch is None else execute_run(deps, run.id, batch=batch)
        )
        seconds = time.perf_counter() - started
        counted = sandbox.counters()
    calls = total(counted, "platform")
    reads = total(counted, "platform", "GET ")
    return RunResult(seconds, outcome.state, calls, calls - reads, attempts, workers)


def describe(label: str, result: RunResult) -> str:
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result.attempts.statuses.items()))
    return (
        f"{label:<34} {result.seconds:8.2f} s  {result.state:<9} platform calls {result.calls} "
        f"({result.mutations} changes)  statuses {{{statuses}}}"
    )


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__.splitlines()[0])
    args_parser.add_argument("--scale", type=float, default=None, help="share of the big account")
    args_parser.add_argument("--latency-ms", type=int, default=20)
    args_parser.add_argument("--rate", type=float, default=10.0, help="token bucket, requests/s")
    args_parser.add_argument("--workers", type=int, default=None, help="platform max_workers")
    args_parser.add_argument("--skip-bucket", action="store_true")
    args_parser.add_argument(
        "--batch", type=int, default=None, help="execute_run's batch (default: the command's)"
    )
    args = args_parser.parse_args(argv)
    scale = args.scale if args.scale is not None else (0.05 if args.quick else 1.0)
    sizes = big_sizes(scale)
    latency = args.latency_ms / 1000
    quiet_logs()

    from integrations.platform import PlatformClient

    workers = args.workers or PlatformClient(base_url="http://127.0.0.1:9", token="x").max_workers
    from commands.deactivation.request import BATCH

    print(
        f"deactivation fan-out — account {ACCOUNT} {sizes}, {args.latency_ms} ms a call, "
        f"platform max_workers {workers}, batch {args.batch or BATCH} — {machine()}"
    )
    concurrent = deactivate(sizes, latency_ms=args.latency_ms, workers=workers, batch=args.batch)
    floor = math.ceil(concurrent.calls / workers) * latency
    print(describe(f"execute_run, {workers} workers", concurrent))
    print(f"{'floor for the concurrency':<34} {floor:8.2f} s  (ceil(calls / {workers}) x latency)")
    if args.quick:
        sequential_seconds = concurrent.calls * latency
        print(f"{'strictly sequential (floor)':<34} {sequential_seconds:8.2f} s  (calls x latency)")
    else:
        sequential = deactivate(sizes, latency_ms=args.latency_ms, workers=1, batch=args.batch)
        sequential_seconds = sequential.seconds
        print(describe("execute_run, 1 worker (sequential)", sequential))
    print(
        f"run/floor {safe_ratio(concurrent.seconds, floor):.2f}; sequential/run "
        f"{safe_ratio(sequential_seconds, concurrent.seconds):.1f}x"
    )
    if not args.skip_bucket:
        limited = deactivate(
            sizes,
            latency_ms=args.latency_ms,
            workers=workers,
            bucket_rate=args.rate,
            batch=args.batch,
        )
        answered = limited.calls - limited.attempts.statuses.get(429, 0)
        bucket_floor = answered / args.rate
        print(describe(f"token bucket {args.rate:g}/s", limited))
        print(
            f"{'floor at the bucket rate':<34} {bucket_floor:8.2f} s  "
            f"({answered} answered calls / {args.rate:g} per s); "
            f"run/floor {safe_ratio(limited.seconds, bucket_floor):.2f}; "
            f"429s absorbed by retries: {limited.attempts.statuses.get(429, 0)}; "
            f"run {limited.state}"
        )
    print(ratio_line(safe_ratio(concurrent.seconds, floor), "execute_run time / concurrency floor"))


if __name__ == "__main__":
    main()
