"""A console world (the real bot, FakeSlack, demo sandbox, fresh SQLite ledger) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.console.world import World

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def world() -> Iterator[World]:
    with World() as started:
        yield started
