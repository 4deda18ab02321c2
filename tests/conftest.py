"""Shared pytest fixtures live in tests/fixtures/, one module per concern."""

pytest_plugins = [
    "tests.fixtures.ledger",
    "tests.fixtures.sandbox",
    "tests.fixtures.slack",
    "tests.fixtures.bot",
]
