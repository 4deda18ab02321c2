"""The ledger: audit append rate, the account query at 1,000,000 events, and verify, on SQLite
and PostgreSQL.

- Append rate: ``audit.append`` one event per transaction (as ``commands.trail.record`` does),
  against the baseline of the same row INSERTed through the same engine in its own transaction
  with no hash chain (no head lock, no head read or move, no hash).
- Account query: what ``/jethub audit <acct>`` asks the ledger — ``audit.for_account`` for one
  page (16 rows) in a read session — for random accounts, p50/p99.
- Verify: ``audit.verify`` over the whole chain in a read session.

The million events are bulk-loaded first (the chain computed in Python with the ledger's own
hash function, inserted in batches); the load is not the measurement. PostgreSQL is
``TEST_DATABASE_URL`` or the local default, in a private schema dropped afterwards.

    python -m bench.ledger [--quick] [--events N] [--appends N] [--backends sqlite,postgres]
"""

from __future__ import annotations

import os
import random
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text, update

from bench._common import Latency, machine, parser, quiet_logs, ratio_line, safe_ratio, scratch_dir

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ACCOUNTS = 10_000
BATCH = 20_000
ACTIONS = ("account", "suspend", "edit", "invoice_email.update", "deactivate.step", "audit")
APPEND_TARGET = 2_000.0
QUERY_TARGET_MS = 5.0
VERIFY_TARGET_S = 10.0


def accounts_for(events: int) -> int:
    """About a hundred events an account (10,000 accounts at a million)."""
    return max(1, min(ACCOUNTS, events // 100))


def _event_fields(rng: random.Random, seq: int, accounts: int = ACCOUNTS) -> dict[str, Any]:
    account = str(1001 + rng.randrange(accounts))
    return {
        "actor": f"U0USER{rng.randrange(40):02d}",
        "action": rng.choice(ACTIONS),
        "account": account,
        "outcome": "ok" if rng.random() < 0.9 else "refused",
        "details": {"reason": "benchmark", "n": seq, "from": "bench"},
        "correlation_id": secrets.token_hex(8),
    }


def bulk_load(ledger: Any, events: int, *, seed: int = 7) -> float:
    """Append ``events`` events to an empty ledger in batches; returns the seconds it took."""
    from audit import GENESIS_HASH, AuditEvent, LedgerHead
    from audit.events import KEYED_SCHEME, record_text
    from audit.types import json_dict, utc_text

    rng = random.Random(seed)
    accounts = accounts_for(events)
    started = time.perf_counter()
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    start_at = datetime.now(UTC) - timedelta(days=365)
    prev = GENESIS_HASH
    seq = 0
    with ledger.engine.begin() as connection:
        while seq < events:
            rows = []
            for _ in range(min(BATCH, events - seq)):
                seq += 1
                fields = _event_fields(rng, seq, accounts)
                at = start_at + timedelta(seconds=seq * 30)
                plain, details_json = json_dict(fields["details"])
                digest = ledger.key.event_mac(
                    record_text(
                        seq,
                        utc_text(at),
                        fields["actor"],
                        fields["action"],
                        fields["account"],
                        fields["outcome"],
                        details_json,
                        fields["correlation_id"],
                        prev,
                    )
                )
                rows.append({**fields, "details": plain, "seq": seq, "at": at})
                rows[-1].update(prev_hash=prev, hash=digest, scheme=KEYED_SCHEME)
                prev = digest
            connection.execute(insert(table), rows)
        connection.execute(
            update(LedgerHead)
            .where(LedgerHead.id == 1)  # type: ignore[arg-type]
            .values(seq=seq, hash=prev, mac=ledger.key.head_mac(seq, prev, 1))
        )
    return time.perf_counter() - started


def append_rate(ledger: Any, count: int) -> float:
    from audit import append

    rng = random.Random(11)
    started = time.perf_counter()
    for seq in range(count):
        fields = _event_fields(rng, seq)
        with ledger.session() as session:
            append(session=session, **fields)
    return count / (time.perf_counter() - started)


def plain_insert_rate(ledger: Any, count: int) -> float:
    """The baseline: the same kind of row, one transaction each, no chain."""
    rng = random.Random(13)
    with ledger.engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE bench_plain_event (id INTEGER PRIMARY KEY, at TIMESTAMP, "
                "actor TEXT, action TEXT, account TEXT, outcome TEXT, details TEXT, "
                "correlation_id TEXT)"
            )
        )
    statement = text(
        "INSERT INTO bench_plain_event VALUES "
        "(:id, :at, :actor, :action, :account, :outcome, :details, :correlation_id)"
    )
    started = time.perf_counter()
    for seq in range(count):
        fields = _event_fields(rng, seq)
        fields["details"] = str(fields["details"])
        with ledger.engine.begin() as connection:
            connection.execute(statement, {**fields, "id": seq, "at": datetime.now(UTC)})
    rate = count / (time.perf_counter() - started)
    with ledger.engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_plain_event"))
    return rate


def account_queries(ledger: Any, samples: int, events: int) -> Latency:
    from audit import for_account

    rng = random.Random(17)
    accounts = accounts_for(events)
    taken = []
    for index in range(samples + 50):
        account = str(1001 + rng.randrange(accounts))
        started = time.perf_counter()
        with ledger.read_session() as session:
            rows = for_account(session=session, account=account, limit=16)
        if index >= 50:  # the first few warm the pool and the page cache
            taken.append(time.perf_counter() - started)
        if not rows:
            raise SystemExit(f"account {account} has no events; the load went wrong")
    return Latency.of(taken)


def verify_seconds(ledger: Any) -> tuple[float, int]:
    from audit import verify

    started = time.perf_counter()
    with ledger.read_session() as session:
        report = verify(session=session)
    if not report.ok:
        raise SystemExit(f"the bulk-loaded chain does not verify: {report}")
    return time.perf_counter() - started, report.checked


@contextmanager
def sqlite_ledger() -> Iterator[Any]:
    from audit import AuditKey, Ledger

    with scratch_dir() as scratch:
        ledger = Ledger.from_url(
            f"sqlite:///{scratch / 'ledger.db'}", migrate=True, key=AuditKey.generate()
        )
        try:
            yield ledger
        finally:
            ledger.dispose()


@contextmanager
def postgres_ledger() -> Iterator[Any]:
    from audit import AuditKey, Ledger, make_engine
    from audit.db import normalise_url

    base = normalise_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL))
    schema = f"jethub_bench_{secrets.token_hex(6)}"
    admin = make_engine(base, connect_args={"connect_timeout": 5})
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    ledger = Ledger.from_url(base, schema=schema, migrate=True, key=AuditKey.generate())
    try:
        yield ledger
    finally:
        ledger.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def one_backend(name: str, *, events: int, appends: int, queries: int) -> float:
    """Prints the figures for one database; returns its append rate / plain insert rate."""
    opener = sqlite_ledger if name == "sqlite" else postgres_ledger
    with opener() as ledger:
        rate = append_rate(ledger, appends)
        plain = plain_insert_rate(ledger, appends)
        print(
            f"{name:<9} append {rate:8.0f} events/s (target ≥ {APPEND_TARGET:.0f} on SQLite); "
            f"plain INSERT, no chain {plain:8.0f} rows/s; chain/plain {safe_ratio(rate, plain):.2f}"
        )
    # A fresh ledger for the million, so the chain starts at genesis.
    with opener() as ledger:
        load = bulk_load(ledger, events)
        with ledger.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        print(f"{name:<9} bulk-loaded {events} events in {load:.1f} s (not the measurement)")
        query = account_queries(ledger, queries, events)
        print(query.row(f"{name:<9} account query (16 rows), {events} events"))
        print(f"{'':<9} p99 target ≤ {QUERY_TARGET_MS:g} ms: {query.p99_ms <= QUERY_TARGET_MS}")
        seconds, checked = verify_seconds(ledger)
        print(
            f"{name:<9} verify {checked} events in {seconds:.2f} s "
            f"(target ≤ {VERIFY_TARGET_S:g} s: {seconds <= VERIFY_TARGET_S})"
        )
    return safe_ratio(rate, plain)


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__.splitlines()[0])
    args_parser.add_argument("--events", type=int, default=None)
    args_parser.add_argument("--appends", type=int, default=None)
    args_parser.add_argument("--queries", type=int, default=None)
    args_parser.add_argument("--backends", default="sqlite,postgres")
    args = args_parser.parse_args(argv)
    events = args.events or (100_000 if args.quick else 1_000_000)
    appends = args.appends or (500 if args.quick else 3_000)
    queries = args.queries or (500 if args.quick else 3_000)
    quiet_logs()
    print(f"ledger — {events} events, {appends} appends, {queries} account queries — {machine()}")
    ratios = {}
    for name in args.backends.split(","):
        ratios[name] = one_backend(name, events=events, appends=appends, queries=queries)
    first = next(iter(ratios))
    print(ratio_line(ratios[first], f"{first} chained append rate / plain INSERT rate"))


if __name__ == "__main__":
    main()
