"""Shared pytest fixtures live in tests/fixtures/, one module per concern."""

import os

from hypothesis import settings

pytest_plugins = [
    "tests.fixtures.ledger",
    "tests.fixtures.sandbox",
    "tests.fixtures.slack",
    "tests.fixtures.bot",
]

# CI explores the same examples every run, so a red build is the change's doing, not the draw's;
# a developer's runs keep drawing new ones (and remember failures in .hypothesis/).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")
