"""Shared pytest fixtures live in tests/fixtures/, one module per concern."""

import os
import sys
from pathlib import Path

import freezegun
import pytest
from hypothesis import settings

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` (they start processes or wait out real time) run first. With
    ``-n 2`` (``make test``; ``--dist worksteal`` is in pyproject's addopts) the short tests
    then fill in around them and a worker that runs out takes tests from the other's queue, so
    both end together instead of one starting a minute-long test as the other runs dry.
    (Under ``--dist load`` this order would hand all the slow tests to one worker.)"""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
