"""What one account view costs, in process: CPU per operation as a ratio to a fixed pure-Python
baseline measured in the same process, and the exact counts (backend calls, ledger statements).

Three operations of the real bot's services (demo sandbox in its own process, so its CPU is not
counted; scratch SQLite ledger, or PostgreSQL with ``--database``):

- ``account_view``: the ``account`` reader, as a slash command's work after the ack runs it —
  ``show_account`` (platform and Zuora reads, the ledger's open items) and the Block Kit message;
- ``approval_click``: what an Approve/Deny click redraws — the request read from the ledger
  and its message rendered (``render_request``: the blast radius, the run's steps);
- ``digest_row``: one row of the overdue digest rendered to Block Kit.

CPU is ``time.process_time()`` (every thread of this process: the platform client's fan-out
threads included) over a batch, the best of several batches; the baseline is the same kind of
work a view does (dicts, strings, a JSON round trip), so the ratio moves with the interpreter and
the machine's speed much less than a time does. ``tests/bench/test_cost_gate.py`` compares these
ratios and counts with ``tests/bench/cost_figures.json``.

    python -m bench.account_cost [--quick] [--rounds N] [--json] [--database URL] [--loop S]

``--loop S`` then runs account views for S seconds more, for a sampling profiler to attach to
(``py-spy record --pid …``; cProfile would see only the calling thread, not the fan-out).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event

from bench._common import (
    OPERATOR,
    demo_bot,
    machine,
    parser,
    ratio_line,
)

ACCOUNT = "1001"
OPERATIONS = ("account_view", "approval_click", "digest_row")


def baseline_work() -> int:
    """A fixed pure-Python workload (about a millisecond): build records, format them, a JSON
    round trip — the interpreter work a view is made of, without I/O."""
    rows = [
        {"id": str(i), "name": f"Account {i}", "amount": i * 1.25, "tags": ["a", "b", str(i % 7)]}
        for i in range(120)
    ]
    text = json.dumps({"rows": rows}, sort_keys=True)
    back = json.loads(text)
    lines = [f"*{r['name']}* · `{r['id']}` {r['amount']:.2f}" for r in back["rows"]]
    return len("\n".join(lines)) + sum(len(r["tags"]) for r in back["rows"])


def cpu_per_call(fn: Callable[[], object], *, calls: int, batches: int) -> float:
    """CPU seconds per call of ``fn``: the best of ``batches`` batches of ``calls`` calls."""
    best = float("inf")
    for _ in range(batches):
        start = time.process_time()
        for _ in range(calls):
            fn()
        best = min(best, (time.process_time() - start) / calls)
    return best


class StatementCounter:
    """Statements the ledger's engine sends to the database (every ``cursor.execute``)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.count = 0

    def _seen(self, *_: Any) -> None:
        self.count += 1

    @contextmanager
    def counting(self) -> Iterator[StatementCounter]:
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._seen)
        try:
            yield self
        finally:
            event.remove(self.engine, "before_cursor_execute", self._seen)


@dataclass(frozen=True)
class Figures:
    baseline_s: float  # CPU seconds per baseline_work()
    cpu_s: dict[str, float]  # operation -> CPU seconds per call
    backend_calls: dict[str, int]  # operation -> backend calls per call
    ledger_statements: dict[str, int]  # operation -> ledger statements per call

    def ratio(self, operation: str) -> float:
        return self.cpu_s[operation] / self.baseline_s

    def as_json(self) -> dict[str, Any]:
        return {
            name: {
                "cpu_ratio": round(self.ratio(name), 2),
                "backend_calls": self.backend_calls[name],
                "ledger_statements": self.ledger_statements[name],
            }
            for name in OPERATIONS
        }

    def rows(self) -> list[str]:
        lines = [f"baseline operation: {self.baseline_s * 1000:.3f} ms CPU"]
        for name in OPERATIONS:
            lines.append(
                f"{name:<15} {self.cpu_s[name] * 1000:7.3f} ms CPU  "
                f"ratio {self.ratio(name):6.2f}  backend calls {self.backend_calls[name]:>2}  "
                f"ledger statements {self.ledger_statements[name]:>2}"
            )
        return lines


class Operations:
    """The three operations on one set of services, each a no-argument callable."""

    def __init__(self, services: Any, sandbox: Any) -> None:
        from bot.approvals.requests import render_request
        from bot.digest.views import row_blocks
        from bot.reading.readers import for_asker, read_account
        from commands.actor import Actor, Role
        from commands.approvals.model import RequestApproval
        from commands.approvals.requests import load_approval, request_approval
        from commands.deactivation.radius import blast_radius
        from commands.deactivation.run import KIND as DEACTIVATE
        from commands.digest.overdue import build_digest

        self.services, self.sandbox = services, sandbox
        deps = services.deps
        actor = Actor.with_grants(OPERATOR, {Role.OPERATOR, Role.ADMIN})
        audience = for_asker(services, actor)
        self.account_view: Callable[[], object] = lambda: json.dumps(
            read_account(services, actor, ACCOUNT, "", audience)
        )

        account = deps.platform.get_account(ACCOUNT)
        preview = {"name": account.name, **blast_radius(deps, account).model_dump(mode="json")}
        order = RequestApproval(
            kind=DEACTIVATE, account=ACCOUNT, reason="cost bench", preview=preview
        )
        request_id = request_approval(order, actor, deps).id

        def click() -> object:
            request = load_approval(deps, request_id)
            assert request is not None
            return json.dumps(render_request(services, request))

        self.approval_click: Callable[[], object] = click
        rows = build_digest(deps, deps.today()).rows
        assert rows, "the demo world has overdue accounts"
        row = rows[0]
        self.digest_row: Callable[[], object] = lambda: json.dumps(
            [block.to_dict() for block in row_blocks(row, "digest")]
        )

    def get(self, name: str) -> Callable[[], object]:
        op: Callable[[], object] = getattr(self, name)
        return op

    def counts(self, name: str) -> tuple[int, int]:
        """(backend calls, ledger statements) of one call, warm (the Zuora token is cached)."""
        op = self.get(name)
        op()
        self.sandbox.reset_counters()
        with StatementCounter(self.services.deps.ledger.engine).counting() as statements:
            op()
        counted = self.sandbox.counters()
        return sum(sum(calls.values()) for calls in counted.values()), statements.count


def measure(ops: Operations, *, calls: int = 20, batches: int = 7) -> Figures:
    counts = {name: ops.counts(name) for name in OPERATIONS}
    baseline = cpu_per_call(baseline_work, calls=calls * 2, batches=batches)
    cpu: dict[str, float] = {}
    for name in OPERATIONS:
        # Interleave with the baseline so that both see the same machine state.
        cpu[name] = cpu_per_call(ops.get(name), calls=calls, batches=batches)
        baseline = min(baseline, cpu_per_call(baseline_work, calls=calls * 2, batches=2))
    return Figures(
        baseline_s=baseline,
        cpu_s=cpu,
        backend_calls={name: counts[name][0] for name in OPERATIONS},
        ledger_statements={name: counts[name][1] for name in OPERATIONS},
    )


@contextmanager
def bench_services(database_url: str | None = None, **extra: Any) -> Iterator[tuple[Any, Any]]:
    """``(services, sandbox)`` of ``bench._common.demo_bot``."""
    with demo_bot(database_url, **extra) as (_fake, services, sandbox):
        yield services, sandbox


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__.splitlines()[0])
    args_parser.add_argument("--rounds", type=int, default=None, help="calls per batch")
    args_parser.add_argument("--loop", type=float, default=0.0, help="then views for S seconds")
    args_parser.add_argument("--database", default=None, help="ledger URL (default: SQLite)")
    args_parser.add_argument("--json", action="store_true", help="print the gate's figures")
    args = args_parser.parse_args(argv)
    calls = args.rounds or (10 if args.quick else 40)
    print(f"One operation's cost, in process — {machine()}")
    extra: dict[str, Any] = {}
    if args.database and not args.database.startswith("sqlite"):
        extra["jethub_audit_key"] = "bench-audit-key-0123456789abcdef"
    with bench_services(args.database, **extra) as (services, sandbox):
        ops = Operations(services, sandbox)
        figures = measure(ops, calls=calls, batches=3 if args.quick else 7)
        for line in figures.rows():
            print(line)
        if args.json:
            print(json.dumps(figures.as_json(), indent=2))
        end = time.monotonic() + args.loop
        while time.monotonic() < end:
            ops.account_view()
    print(ratio_line(figures.ratio("account_view"), "account view CPU / baseline operation CPU"))


if __name__ == "__main__":
    main()
