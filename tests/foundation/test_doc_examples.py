"""Every `/jethub …` example the README and docs show works against the demo as written
(issue 29): run as an admin, each finds its account and says nothing of a failure."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.edge.verbs import VERBS
from tests.fixtures.bot import ADAM, BotHarness

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = re.compile(r"`/jethub ([^`<>\[\]…]+)`")
FAILURES = ("No account matches", "Something went wrong", "Usage:", "is not a verb", "not valid")


def examples() -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = " ".join(page.read_text().split())  # an example may wrap across lines
        for match in EXAMPLE.finditer(text):
            found.setdefault(match.group(1).strip(), page.name)
    # A bare verb that takes an account names the verb ("`/jethub suspend` asks…"): not an example.
    return sorted(
        (page, example)
        for example, page in found.items()
        if example and not (example in VERBS and VERBS[example].takes_account)
    )


@pytest.mark.parametrize(("page", "example"), examples())
def test_the_example_works_against_the_demo(bot: BotHarness, page: str, example: str) -> None:
    answer = bot.command(ADAM, example)
    said = json.dumps([answer.ack_body(), *bot.slack.ephemerals(ADAM)], ensure_ascii=False)
    for failure in FAILURES:
        assert failure not in said, f"{page}: /jethub {example}: {said[:600]}"
