"""The digest end to end: signed Slack requests into the served bot, the fake Slack Web API, the
demo sandbox behind real clients, and the ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.digest import views
from bot.digest.job import run_digest
from bot.suspension import views as suspension
from tests.digest.conftest import all_events, check_message, check_view, job_runs
from tests.fixtures.bot import (
    ALICE,
    DIGEST_CHANNEL,
    SUPPORT_CHANNEL,
    VERA,
    BotHarness,
    start_bot,
)


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotHarness]:
    # Midnight: the digest is due whatever the hour in Sydney when the test runs.
    yield from start_bot(f"sqlite:///{tmp_path / 'ledger.db'}", jethub_digest_time="00:00")


@pytest.fixture(params=["http", "socket"])
def either_bot(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[BotHarness]:
    """``tests/fixtures/bot.py``'s ``either_bot`` with the digest due at midnight, as ``bot``:
    with the default 09:00 the digest is not due yet from midnight to nine in Sydney, and
    ``post_digest_now`` found nothing to post."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    yield from start_bot(url, socket_mode=request.param == "socket", jethub_digest_time="00:00")


def text_of(messages: list[dict[str, Any]]) -> str:
    return json.dumps(messages, ensure_ascii=False)


def listed(messages: list[dict[str, Any]]) -> list[str]:
    return [
        block["block_id"].removeprefix("digest.row.")
        for message in messages
        for block in message.get("blocks") or []
        if block.get("block_id", "").startswith("digest.row.")
    ]


def post_digest_now(bot: BotHarness) -> dict[str, Any]:
    run = run_digest(bot.services, bot.services.slack, owner="test-clock")
    assert run is not None
    [posted] = bot.slack.messages(DIGEST_CHANNEL)
    return posted


def snooze_values(until: str | None, reason: str, preset: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        views.UNTIL_BLOCK: {views.INPUT_ACTION: {"type": "datepicker", "selected_date": until}},
        views.REASON_BLOCK: {views.INPUT_ACTION: reason},
    }
    if preset is not None:
        option = {"value": preset, "text": {"type": "plain_text", "text": preset}}
        values[views.FOR_BLOCK] = {
            views.INPUT_ACTION: {"type": "radio_buttons", "selected_option": option}
        }
    return values


def test_snooze_modal_defaults_to_a_week_and_a_preset_wins_over_the_date(bot: BotHarness):
    posted = post_digest_now(bot)
    bot.send.block_action(ALICE, views.SNOOZE_ACTION, "1003", message=posted)
    bot.wait_idle()
    modal = bot.slack.open_view(ALICE)
    assert modal is not None
    inputs = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    presets = inputs[views.FOR_BLOCK]
    assert [o["value"] for o in presets["options"]] == ["3", "7", "14", "date"]
    assert presets["initial_option"]["value"] == "7"
    today = bot.services.deps.today()
    assert inputs[views.UNTIL_BLOCK]["initial_date"] == (today + timedelta(days=7)).isoformat()

    too_short = snooze_values(None, "paid", preset="14")
    ack = bot.send.view_submission(ALICE, values=too_short).ack_body()
    assert "Say why in a few words" in ack["errors"][views.REASON_BLOCK]
    no_date = snooze_values(None, "customer disputes the invoice", preset="date")
    ack = bot.send.view_submission(ALICE, values=no_date).ack_body()
    assert "Pick the last day" in ack["errors"][views.UNTIL_BLOCK]

    chosen = snooze_values("2099-01-01", "customer disputes the invoice", preset="14")
    assert bot.send.view_submission(ALICE, values=chosen).ack_body() in (None, {})
    bot.wait_idle()
    [event] = [e for e in all_events(bot.ledger) if e.action == "snooze"]
    assert event.details["after"]["until"] == (today + timedelta(days=14)).isoformat()


def test_an_operator_sees_the_digest_now_only_to_them(bot: BotHarness):
    response = bot.command(ALICE, "digest")
    assert response.status_code == 200

    shown = bot.slack.ephemerals(ALICE)
    assert shown, "the bot said nothing"
    for message in shown:
        check_message(message)
    assert listed(shown) == ["1009", "1008", "1003", "1007", "1012"]
    text = text_of(shown)
    assert "1 account already suspended" in text
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text and "<!channel>" not in text
    # Nothing went to the channel and the day is not claimed: the daily digest still goes out.
    assert bot.slack.messages(DIGEST_CHANNEL) == []
    assert job_runs(bot.ledger) == []


def test_a_viewer_is_refused_the_digest(bot: BotHarness):
    response = bot.command(VERA, "digest")
    assert "operator" in json.dumps(response.ack_body())
    assert bot.slack.ephemerals(VERA)[-1]["text"].startswith("You need the *operator* role")
    refused = [e for e in all_events(bot.ledger) if e.action == "digest"]
    assert [e.outcome for e in refused] == ["refused"]


def test_snooze_from_the_posted_digest_holds_the_account_out(bot: BotHarness):
    posted = post_digest_now(bot)
    check_message(posted)
    assert "1008" in listed([posted])

    response = bot.send.block_action(ALICE, views.SNOOZE_ACTION, "1008", message=posted)
    assert response.status_code == 200
    bot.wait_idle()
    assert [c.method for c in bot.slack.calls() if c.method.startswith("views.")] == [
        "views.open",
        "views.update",
    ]
    modal = bot.slack.open_view(ALICE)
    assert modal is not None and modal["callback_id"] == views.SNOOZE_MODAL
    check_view(modal)
    assert "Brightwater Accounting Services" in text_of([modal])

    until = bot.services.deps.today() + timedelta(days=3)
    response = bot.send.view_submission(
        ALICE, values=snooze_values(until.isoformat(), "payment plan", preset="date")
    )
    assert response.status_code == 200 and response.ack_body() in (None, {})
    bot.wait_idle()

    reply = bot.slack.ephemerals(ALICE)[-1]
    check_message(reply)
    assert reply["channel"] == DIGEST_CHANNEL
    assert "is snoozed until" in text_of([reply])
    [event] = [e for e in all_events(bot.ledger) if e.action == "snooze"]
    assert (event.actor, event.account, event.outcome) == (ALICE, "1008", "ok")
    assert event.details["after"] == {"until": until.isoformat(), "reason": "payment plan"}

    bot.command(ALICE, "digest", channel=SUPPORT_CHANNEL)
    latest = bot.slack.ephemerals(ALICE)[-1:]
    assert "1008" not in listed(latest)
    assert "1 account snoozed" in text_of(latest)


def test_snooze_modal_errors_land_on_their_fields(bot: BotHarness):
    posted = post_digest_now(bot)
    bot.send.block_action(ALICE, views.SNOOZE_ACTION, "1003", message=posted)
    bot.wait_idle()
    yesterday = (bot.services.deps.today() - timedelta(days=1)).isoformat()

    ack = bot.send.view_submission(ALICE, values=snooze_values(yesterday, "x")).ack_body()
    assert ack is not None and ack["response_action"] == "errors"
    assert set(ack["errors"]) == {views.UNTIL_BLOCK}

    today = bot.services.deps.today().isoformat()
    ack = bot.send.view_submission(ALICE, values=snooze_values(today, "   ")).ack_body()
    assert ack is not None and set(ack["errors"]) == {views.REASON_BLOCK}
    bot.wait_idle()
    assert [e for e in all_events(bot.ledger) if e.action == "snooze"] == []


def test_a_viewer_cannot_snooze(bot: BotHarness):
    posted = post_digest_now(bot)
    bot.send.block_action(VERA, views.SNOOZE_ACTION, "1003", message=posted)
    bot.wait_idle()
    assert bot.slack.open_view(VERA) is None
    assert "operator" in bot.slack.ephemerals(VERA)[-1]["text"]
    assert [e.outcome for e in all_events(bot.ledger) if e.action == "snooze"] == ["refused"]


def test_a_refused_suspend_button_names_the_action_not_the_command(bot: BotHarness):
    posted = post_digest_now(bot)
    bot.send.block_action(VERA, "verb:suspend", "1003", message=posted)
    bot.wait_idle()
    said = bot.slack.ephemerals(VERA)[-1]["text"]
    assert said.startswith("You need the *operator* role to suspend an account. Roles are")
    assert "/jethub suspend" not in said


def test_view_account_from_a_digest_row_shows_the_account(bot: BotHarness):
    posted = post_digest_now(bot)
    bot.send.block_action(VERA, "verb:account", "1009", message=posted)
    bot.wait_idle()
    shown = bot.slack.ephemerals(VERA)
    assert shown and "Outback Solar Installations" in text_of(shown)


def test_the_suspend_button_carries_the_digest_as_its_origin(bot: BotHarness):
    posted = post_digest_now(bot)
    day = bot.services.deps.today().isoformat()
    buttons = [
        element
        for block in posted["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "verb:suspend"
    ]
    assert buttons and all(b["value"].endswith(f"|digest:{day}") for b in buttons)


def test_suspend_from_the_posted_digest_confirms_then_suspends_with_the_digest_as_origin(
    bot: BotHarness,
):
    posted = post_digest_now(bot)
    origin = f"digest:{bot.services.deps.today().isoformat()}"
    bot.send.block_action(ALICE, "verb:suspend", f"1003|{origin}", message=posted)
    bot.wait_idle()
    with bot.sandbox.world.lock:
        assert bot.sandbox.world.platform.accounts["1003"].suspended is None  # not before Confirm
    confirmation = bot.slack.ephemerals(ALICE)[-1]
    check_message(confirmation)
    assert "From the overdue digest of" in text_of([confirmation])

    bot.send.block_action(
        ALICE,
        suspension.CONFIRM,
        message=confirmation["ts"],
        block_id=suspension.ACTIONS_BLOCK,
        state={suspension.REASON_BLOCK: {suspension.REASON_ACTION: "listed in the digest"}},
    )
    bot.wait_idle()
    with bot.sandbox.world.lock:
        held = bot.sandbox.world.platform.accounts["1003"].suspended
    assert held is not None and held.reason == "listed in the digest" and held.by == ALICE
    [done] = [e for e in all_events(bot.ledger) if e.action == "suspend" and e.outcome == "ok"]
    assert done.account == "1003" and done.details["origin"] == origin

    # The digest now counts it as suspended instead of listing it.
    bot.command(ALICE, "digest")
    latest = bot.slack.ephemerals(ALICE)[-1:]
    assert "1003" not in listed(latest) and "2 accounts already suspended" in text_of(latest)


@pytest.mark.parametrize("preset", ["3650", "99999999999", "²", "٣٠"])
def test_a_preset_slack_never_offered_is_an_error_on_its_field(
    either_bot: BotHarness, preset: str
) -> None:
    bot = either_bot
    posted = post_digest_now(bot)
    bot.send.block_action(ALICE, views.SNOOZE_ACTION, "1003", message=posted)
    bot.wait_idle()
    values = snooze_values(None, "customer disputes the invoice", preset=preset)
    ack = bot.send.view_submission(ALICE, values=values).ack_body()
    assert ack["response_action"] == "errors", ack
    assert "Pick one of the lengths offered" in ack["errors"][views.FOR_BLOCK]
    assert [e for e in all_events(bot.ledger) if e.action == "snooze"] == []
