"""A console world (the real bot, FakeSlack, demo sandbox, fresh SQLite ledger) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.console.world import World
from tests.fixtures.bot import fast_pace

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with World(pacer=fast_pace(), files_dir=tmp_path / "files") as started:
        yield started
