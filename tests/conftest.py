"""Shared pytest fixtures live in tests/fixtures/, one module per concern."""

import gc
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import freezegun
import pytest
from hypothesis import settings

from tests.fixtures.logs import logging_kept

# The suite starts ``jethub`` processes by the hundred, each importing the whole app. Where the
# environment says not to write bytecode beside the sources (PYTHONDONTWRITEBYTECODE), every one
# of them would compile it all again (about 0.3 s of CPU): keep it out of the tree instead, under
# .pytest_cache/ (ignored by git), for this process and every process it starts.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    sys.pycache_prefix = os.environ.setdefault(
        "PYTHONPYCACHEPREFIX", str(Path(__file__).parents[1] / ".pytest_cache" / "pyc")
    )
    sys.dont_write_bytecode = False

pytest_plugins = [
    "tests.fixtures.ledger",
    "tests.fixtures.sandbox",
    "tests.fixtures.slack",
    "tests.fixtures.tls",
    "tests.fixtures.bot",
]

# No example has a time limit: a deadline is a wall-clock assertion, and fails on a busy machine.
# CI explores the same examples every run, so a red build is the change's doing, not the draw's;
# a developer's runs keep drawing new ones (and remember failures in .hypothesis/).
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, database=None)
settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev")

# pytest times each test with ``_pytest.timing``'s clock: a frozen clock there makes
# ``--durations`` report a test frozen in 2026 as having taken 56 years.
freezegun.configure(extend_ignore_list=["_pytest.timing"])


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """A test that runs a ``jethub`` command's ``main`` in this process (``jethub digest
    --dry-run``, ``db upgrade``) configures logging as that process would: the root logger's
    level and a handler; a benchmark run in process quiets the app's loggers
    (``bench._common.quiet_logs``: ERROR). Put back after each test, so a later test reading
    ``caplog`` on the same worker sees its records whatever ran before it. (A module-scoped
    fixture that changes logging keeps it for its module's tests and puts it back itself:
    ``tests/bench/test_cost_gate.py``.)"""
    with logging_kept():
        yield


# How long each long test took when last run here (setup, call and teardown), written at the end
# of a run: the next run starts the longest first. Without the file (a fresh checkout, CI) the
# slow tests keep their collection order.
DURATIONS = Path(__file__).parents[1] / ".pytest_cache" / "slow-durations.json"
_took: dict[str, float] = {}


def _recorded() -> dict[str, float]:
    try:
        loaded = json.loads(DURATIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` (they start processes or wait out real time) run first, the files
    that took longest (as last recorded) first of all. With ``-n 2`` (``make test``; ``--dist
    worksteal`` is in pyproject's addopts) one worker's share starts with them; the other runs
    short tests and, running out, takes tests from the tail of the first one's queue, so both
    end together instead of one starting a long test as the other runs dry.

    A file's tests stay together, in pytest's order: that order groups the tests sharing a
    module-scoped fixture's value (``test_tamper``'s ledger written by the bot, once per
    database), and sorting test by test would tear it down and build it again a dozen times."""
    took = _recorded()
    slow = {item.nodeid for item in items if item.get_closest_marker("slow") is not None}
    files: dict[str, float] = {}
    for item in items:
        if item.nodeid in slow:
            name = item.nodeid.split("::", 1)[0]
            files[name] = files.get(name, 0.0) + took.get(item.nodeid, 0.0)

    def order(item: pytest.Item) -> tuple[bool, float]:
        if item.nodeid not in slow:
            return (True, 0.0)
        return (False, -files[item.nodeid.split("::", 1)[0]])

    items.sort(key=order)  # stable: within a file, and among the quick tests, pytest's order


def pytest_collection_finish(session: pytest.Session) -> None:
    """Collection leaves a few hundred thousand objects (every module, test item and fixture
    definition) that live until the run ends; each full collection during the tests would walk
    them all again. Move them out of the collector's sight: its full passes were about a tenth
    of a worker's CPU, and half that after."""
    gc.collect()
    gc.freeze()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _took[report.nodeid] = _took.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput") or not _took:
        return  # an xdist worker: the controller has every worker's reports
    # The controller collects nothing, so it cannot tell the slow ones: keep every long one.
    merged = _recorded() | {k: round(v, 2) for k, v in _took.items() if v >= 0.5}
    try:
        DURATIONS.parent.mkdir(parents=True, exist_ok=True)
        DURATIONS.write_text(json.dumps(merged, indent=0, sort_keys=True), encoding="utf-8")
    except OSError:
        pass  # a read-only checkout runs in collection order next time
