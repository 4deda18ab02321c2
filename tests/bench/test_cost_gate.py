"""The CI gate on what an account view, an approval click and a digest row cost.

Not a wall-clock assertion: each operation's CPU (``time.process_time``, best of several
batches) is divided by the CPU of a fixed pure-Python baseline operation measured in the same
process, and that ratio must stay within ``headroom`` (2x) of the committed figure in
``cost_figures.json``; the backend calls and ledger statements per operation are deterministic
and must match exactly. The backends are the demo sandbox in its own process, so only the
bot's CPU is counted. When an operation is made cheaper or knowingly dearer, regenerate the
figures with ``python -m bench.account_cost --json`` and commit them with the change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.account_cost import OPERATIONS, Figures, Operations, bench_services, measure
from tests.fixtures.logs import logging_kept

pytestmark = pytest.mark.slow  # starts the sandbox's process

COMMITTED: dict[str, Any] = json.loads((Path(__file__).with_name("cost_figures.json")).read_text())


@pytest.fixture(scope="module")
def ops() -> Iterator[Operations]:
    # bench quiets the app's loggers (ERROR) for the module; later tests' caplog needs them back.
    with logging_kept(), bench_services() as (services, sandbox):
        yield Operations(services, sandbox)


@pytest.fixture(scope="module")
def figures(ops: Operations) -> Figures:
    first = measure(ops)
    if all(_within(first, name) for name in OPERATIONS):
        return first
    # A busy neighbour can inflate one batch series; a real regression survives a second look.
    second = measure(ops)
    best_cpu = {name: min(first.cpu_s[name], second.cpu_s[name]) for name in OPERATIONS}
    return Figures(
        baseline_s=min(first.baseline_s, second.baseline_s),
        cpu_s=best_cpu,
        backend_calls=second.backend_calls,
        ledger_statements=second.ledger_statements,
    )


def _limit(name: str) -> float:
    return float(COMMITTED[name]["cpu_ratio"]) * float(COMMITTED["headroom"])


def _within(figures: Figures, name: str) -> bool:
    return figures.ratio(name) <= _limit(name)


@pytest.mark.parametrize("name", OPERATIONS)
def test_cpu_ratio_within_headroom_of_the_committed_figure(figures: Figures, name: str) -> None:
    ratio = figures.ratio(name)
    assert ratio <= _limit(name), (
        f"{name} costs {ratio:.2f}x the baseline operation "
        f"({figures.cpu_s[name] * 1000:.3f} ms against {figures.baseline_s * 1000:.3f} ms CPU); "
        f"committed {COMMITTED[name]['cpu_ratio']}x, limit {_limit(name):.2f}x"
    )


@pytest.mark.parametrize("name", OPERATIONS)
def test_backend_calls_and_ledger_statements_are_the_committed_counts(
    figures: Figures, name: str
) -> None:
    assert figures.backend_calls[name] == COMMITTED[name]["backend_calls"], name
    assert figures.ledger_statements[name] == COMMITTED[name]["ledger_statements"], name


def test_the_baseline_operation_is_deterministic() -> None:
    from bench.account_cost import baseline_work

    assert baseline_work() == baseline_work()
