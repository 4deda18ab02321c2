"""Taking a digest row end to end: Take marks who is chasing the account (ledger and audit), the
posted row and the card say so; a second person's Take is told who has it, and Take over is
explicit (a compare-and-set on the person shown)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.digest import views
from bot.digest.job import run_digest
from tests.digest.conftest import all_events
from tests.fixtures.bot import ALICE, DIGEST_CHANNEL, OSCAR, VERA, BotHarness, start_bot

ACCOUNT = "1003"


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotHarness]:
    yield from start_bot(f"sqlite:///{tmp_path / 'ledger.db'}", jethub_digest_time="00:00")


def row_text(bot: BotHarness) -> str:
    [posted] = bot.slack.messages(DIGEST_CHANNEL)
    [block] = [b for b in posted["blocks"] if b.get("block_id") == f"digest.row.{ACCOUNT}"]
    return str(block["text"]["text"])


def takes(bot: BotHarness) -> list[tuple[str, str, Any]]:
    return [
        (e.actor, str(e.outcome), e.details.get("problem"))
        for e in all_events(bot.ledger)
        if e.action == "take"
    ]


def test_take_marks_the_row_and_the_card_and_a_second_person_must_take_over(bot: BotHarness):
    assert run_digest(bot.services, bot.services.slack, owner="test-clock") is not None
    [posted] = bot.slack.messages(DIGEST_CHANNEL)

    bot.send.block_action(ALICE, views.TAKE_ACTION, ACCOUNT, message=posted)
    bot.wait_idle()
    assert "You are chasing *Bean Republic Fitzroy*" in json.dumps(bot.slack.ephemerals(ALICE)[-1])
    bot.wait_idle()
    assert row_text(bot).endswith("<@U0ALICE> is chasing this account")

    bot.send.block_action(OSCAR, views.TAKE_ACTION, ACCOUNT, message=posted)
    bot.wait_idle()
    told = bot.slack.ephemerals(OSCAR)[-1]
    assert "<@U0ALICE> is already chasing" in json.dumps(told)
    [over] = [e for b in told["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert over["action_id"] == views.TAKE_OVER_ACTION and over["value"] == f"{ACCOUNT}|{ALICE}"
    assert row_text(bot).endswith("<@U0ALICE> is chasing this account")

    bot.send.block_action(OSCAR, views.TAKE_OVER_ACTION, over["value"], message=told["ts"])
    bot.wait_idle()
    assert "taken over from <@U0ALICE>" in json.dumps(bot.slack.ephemerals(OSCAR)[-1])
    bot.wait_idle()
    text = row_text(bot)
    assert text.endswith("<@U0OSCAR> is chasing this account") and "U0ALICE" not in text

    # Alice is told Oscar has it now, and takes it back explicitly.
    bot.send.block_action(ALICE, views.TAKE_ACTION, ACCOUNT, message=posted)
    bot.wait_idle()
    back = bot.slack.ephemerals(ALICE)[-1]
    assert "<@U0OSCAR> is already chasing" in json.dumps(back)
    bot.send.block_action(ALICE, views.TAKE_OVER_ACTION, f"{ACCOUNT}|{OSCAR}", message=back["ts"])
    bot.wait_idle()
    bot.wait_idle()
    assert row_text(bot).endswith("<@U0ALICE> is chasing this account")

    assert takes(bot) == [
        (ALICE, "ok", None),
        (OSCAR, "refused", "taken"),
        (OSCAR, "ok", None),
        (ALICE, "refused", "taken"),
        (ALICE, "ok", None),
    ]
    bot.command(OSCAR, f"account {ACCOUNT}")
    assert "<@U0ALICE> is chasing this account" in json.dumps(bot.slack.ephemerals(OSCAR)[-1])
    bot.command(ALICE, "digest")
    assert "<@U0ALICE> is chasing this account" in json.dumps(bot.slack.ephemerals(ALICE)[-1:])


def test_a_viewer_cannot_take_a_row(bot: BotHarness):
    assert run_digest(bot.services, bot.services.slack, owner="test-clock") is not None
    [posted] = bot.slack.messages(DIGEST_CHANNEL)
    bot.send.block_action(VERA, views.TAKE_ACTION, ACCOUNT, message=posted)
    bot.wait_idle()
    assert "operator" in bot.slack.ephemerals(VERA)[-1]["text"]
    assert [t[:2] for t in takes(bot)] == [(VERA, "refused")]
