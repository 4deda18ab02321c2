"""Promises to pay end to end: a digest row's and the account card's *Promise to pay* open the
modal, its errors land on their fields, a promise is answered, redraws the posted row and shows
apart in the digest and on the card."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.digest import views as digest_views
from bot.digest.job import run_digest
from bot.suspension import promise_views as views
from tests.fixtures.bot import ALICE, DIGEST_CHANNEL, VERA, BotHarness, start_bot

ACCOUNT = "1003"  # 189.50 overdue


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotHarness]:
    yield from start_bot(f"sqlite:///{tmp_path / 'ledger.db'}", jethub_digest_time="00:00")


def text_of(messages: list[dict[str, Any]]) -> str:
    return json.dumps(messages, ensure_ascii=False)


def values(due: str | None, amount: str, note: str) -> dict[str, Any]:
    return {
        views.DUE_BLOCK: {views.INPUT_ACTION: {"type": "datepicker", "selected_date": due}},
        views.AMOUNT_BLOCK: {views.INPUT_ACTION: amount},
        views.NOTE_BLOCK: {views.INPUT_ACTION: note},
    }


def promise_events(bot: BotHarness) -> list[tuple[str, str]]:
    from tests.suspension.conftest import events

    return [(e.actor, str(e.outcome)) for e in events(bot.ledger, ACCOUNT) if e.action == "promise"]


def test_promise_from_a_digest_row_holds_the_account_out_and_redraws_the_row(bot: BotHarness):
    assert run_digest(bot.services, bot.services.slack, owner="test-clock") is not None
    [posted] = bot.slack.messages(DIGEST_CHANNEL)
    origin = f"digest:{bot.services.deps.today().isoformat()}"
    buttons = [
        e["value"]
        for b in posted["blocks"]
        if b.get("block_id") == f"{digest_views.ROW_ACTIONS_BLOCK}{ACCOUNT}"
        for e in b["elements"]
        if e["action_id"] == "verb:promise"
    ]
    assert buttons == [f"{ACCOUNT}|{origin}"]

    bot.send.block_action(ALICE, "verb:promise", buttons[0], message=posted)
    bot.wait_idle()
    modal = bot.slack.open_view(ALICE)
    assert modal is not None and modal["callback_id"] == views.PROMISE_MODAL
    assert "Bean Republic" in text_of([modal])

    today = bot.services.deps.today()
    tomorrow = (today + timedelta(days=1)).isoformat()
    for due, amount, note, field in [
        ((today - timedelta(days=1)).isoformat(), "189.50", "Sam pays by card", views.DUE_BLOCK),
        ((today + timedelta(days=31)).isoformat(), "189.50", "Sam pays by card", views.DUE_BLOCK),
        (tomorrow, "189.505", "Sam pays by card", views.AMOUNT_BLOCK),
        (tomorrow, "-4", "Sam pays by card", views.AMOUNT_BLOCK),
        (tomorrow, "189.50", "  ", views.NOTE_BLOCK),
    ]:
        ack = bot.send.view_submission(ALICE, values=values(due, amount, note)).ack_body()
        assert ack is not None and ack["response_action"] == "errors", (due, amount, note)
        assert set(ack["errors"]) == {field}
    bot.wait_idle()
    assert promise_events(bot) == []

    response = bot.send.view_submission(
        ALICE, values=values(tomorrow, "$189.50", "Sam pays by card")
    )
    assert response.status_code == 200 and response.ack_body() in (None, {})
    bot.wait_idle()
    reply = bot.slack.ephemerals(ALICE)[-1]
    assert reply["channel"] == DIGEST_CHANNEL
    assert "promised to pay $189.50 by" in text_of([reply])
    assert promise_events(bot) == [(ALICE, "ok")]

    # The posted row gives way to what was done; the digest lists the account apart.
    [redrawn] = bot.slack.messages(DIGEST_CHANNEL)
    [done] = [b for b in redrawn["blocks"] if b.get("block_id") == f"digest.done.{ACCOUNT}"]
    assert done["elements"][0]["text"].startswith("Promised $189.50 by ")
    bot.command(ALICE, "digest")
    shown = bot.slack.ephemerals(ALICE)[-1:]
    assert f"digest.row.{ACCOUNT}" not in text_of(shown)
    assert "1 account promised to pay" in text_of(shown)

    # The card says so too, and offers a new promise to an operator.
    bot.command(ALICE, f"account {ACCOUNT}")
    card = bot.slack.ephemerals(ALICE)[-1]
    assert "Promised $189.50 AUD by" in text_of([card]) and "verb:promise" in text_of([card])


def test_a_viewer_is_refused_the_promise_and_it_is_audited(bot: BotHarness):
    bot.command(VERA, f"promise {ACCOUNT}")
    said = bot.slack.ephemerals(VERA)[-1]["text"]
    assert "operator" in said and "record a promise to pay" in said
    assert bot.slack.open_view(VERA) is None
    bot.command(VERA, f"account {ACCOUNT}")
    assert "verb:promise" not in text_of(bot.slack.ephemerals(VERA)[-1:])
