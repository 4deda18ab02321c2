"""What a process loads to start (issue 25): the web, socket and clock processes and every
``jethub`` command start without matplotlib (it was a third of a clock's start-up); the first
chart a digest draws loads it. Checked in a fresh interpreter: this one has imported everything."""

from __future__ import annotations

import subprocess
import sys

ENTRY_POINTS = ["bot.cli", "bot.cli.serve", "bot.app", "bot.web", "bot.worker", "bot.clock"]

CHART = """
from datetime import date
from decimal import Decimal
from bot.digest.chart import render_chart
from commands.digest.overdue import Digest
digest = Digest(day=date(2026, 12, 8), overdue_days=7, min_balance=Decimal(0), rows=[],
                suspended=0, snoozed=0, unlinked_invoices=0)
assert render_chart(digest).startswith(b"\\x89PNG")
"""


def test_no_process_starts_by_loading_matplotlib_and_the_first_chart_loads_it() -> None:
    code = "\n".join(
        [
            "import sys",
            *(f"import {module}" for module in ENTRY_POINTS),
            "print('before', 'matplotlib' in sys.modules)",
            CHART,
            "print('after', 'matplotlib' in sys.modules)",
        ]
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["before", "False", "after", "True"]
