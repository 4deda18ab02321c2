"""Each benchmark runs end to end at a tiny size and ends with its ratio line.

Benchmarks are not tests: nothing here looks at a time, only that the script ran, printed its
figures and finished with ``ratio: <number> (<what>)``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.fixtures import zygote

pytestmark = pytest.mark.slow  # starts processes or waits out real time: run first

ROOT = Path(__file__).resolve().parents[2]
RATIO = re.compile(r"^ratio: (\d+\.\d{3}|inf) \(.+\)$")

TINY = {
    "ack": ["--samples", "5"],
    "http_load": ["--rate", "4", "--seconds", "1", "--processes", "1,2"],  # one rate: every path
    "digest": ["--sizes", "300,600", "--naive-sample", "3", "--latency-ms", "1"],
    "fanout": ["--scale", "0.005", "--latency-ms", "1", "--rate", "500"],
    "ledger": ["--events", "400", "--appends", "20", "--queries", "20", "--backends", "sqlite"],
    "collections": ["--suspended", "200", "--paid", "2", "--latency-ms", "1"],
    "reconcile": ["--accounts", "300", "--drift", "0.05", "--latency-ms", "1"],
}


def run_bench(name: str, *args: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Forked warm (tests/fixtures/zygote.py): the script's own main, without a second of
    # imports; the processes it starts itself (its sandbox, a `jethub serve`) start cold.
    done = zygote.run(f"bench.{name}", "--quick", *args, cwd=ROOT, env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) >= 2, done.stdout
    return lines


@pytest.mark.parametrize("name", sorted(TINY))
def test_quick_run_ends_with_its_ratio(name: str) -> None:
    lines = run_bench(name, *TINY[name])
    assert RATIO.match(lines[-1]), lines[-1]
    assert not any(RATIO.match(line) for line in lines[:-1])


@pytest.mark.postgres
def test_ledger_on_postgres(pg_url: str) -> None:
    # pg_url is asked for only so that PostgreSQL's absence skips (or fails, in CI) like the
    # other PostgreSQL tests; the benchmark makes and drops its own schema.
    lines = run_bench("ledger", *TINY["ledger"][:-1], "postgres")
    assert RATIO.match(lines[-1]), lines[-1]
    assert any(line.startswith("postgres  verify 400 events") for line in lines)


def test_ratio_pattern_rejects_other_lines() -> None:
    assert RATIO.match("ratio: 0.215 (worst ack p50 / bare Bolt p50)")
    assert not RATIO.match("ratio 0.215")
    assert not RATIO.match("worst jethub p50 2.242 ms (target ≤ 1 ms)")
