"""Requests that are not Slack's, or not Slack's now, are refused before anything runs; and an
account name or reason written to mention everyone never mentions anyone in what the bot posts."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from audit import AuditEvent, Ledger
from bot.approvals import views as approval_views
from bot.deactivation import views as deactivation_views
from bot.suspension import views as suspension_views
from devkit.sandbox import zuora_account_number
from devkit.slack import sign
from tests.fixtures.bot import (
    ADAM,
    ALICE,
    APPROVALS_CHANNEL,
    BOB,
    SIGNING_SECRET,
    SUPPORT_CHANNEL,
    BotHarness,
)
from tests.fixtures.sandbox import http_client
from tests.reliability.scan import FORBIDDEN, everything_sent, mentions

# What the bot asks Slack when it starts (who it is, who is in its user groups), before any request.
STARTUP_CALLS = {"auth.test", "usergroups.users.list"}


def events(ledger: Ledger) -> int:
    with ledger.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def command_body(bot: BotHarness, user: str, text: str) -> bytes:
    """A slash command's form body, as Slack would send it."""
    from devkit.slack import payloads

    fake = bot.slack
    who, where = fake.directory.user(user), fake.directory.channel(SUPPORT_CHANNEL)
    assert who is not None and where is not None
    fields = payloads.slash_command(
        user=who,
        channel=where,
        team=fake.team,
        bot=fake.bot,
        command="/jethub",
        text=text,
        trigger_id=fake.issue_trigger(user),
        response_url=fake.issue_response_url(user, where.id),
    )
    return urlencode(fields).encode()


def post_signed(bot: BotHarness, body: bytes, *, at: float | None = None) -> httpx.Response:
    stamp = str(int(time.time() if at is None else at))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(SIGNING_SECRET, stamp, body),
    }
    with http_client(bot.url, timeout=10) as client:  # httpx.post would load the CA bundle
        return client.post("/slack/events", content=body, headers=headers)


@pytest.mark.parametrize(
    "how",
    [
        {"wrong_signature": True},
        {"unsigned": True},
        {"timestamp_skew": -301},  # Bolt's window is five minutes
        {"timestamp_skew": -3600},
        {"timestamp_skew": 3600},
    ],
    ids=["forged", "unsigned", "stale-301s", "stale-1h", "future-1h"],
)
def test_unsigned_forged_and_stale_requests_are_refused(bot: BotHarness, how: dict) -> None:
    before = events(bot.ledger)
    answer = bot.send.tampered(**how).command(ALICE, "deactivate 1001")
    bot.wait_idle()
    assert answer.status_code == 401
    assert bot.slack.calls("views.open") == []
    assert bot.slack.responses() == []
    assert events(bot.ledger) == before


def test_a_replayed_request_is_answered_but_not_run_again(bot: BotHarness) -> None:
    body = command_body(bot, ALICE, "deactivate 1001")
    first = post_signed(bot, body)
    bot.wait_idle()
    again = post_signed(bot, body)  # a replay within the signature window
    bot.wait_idle()
    assert first.status_code == 200 and again.status_code == 200
    assert len(bot.slack.calls("views.open")) == 1
    late = post_signed(bot, body, at=time.time() - 600)  # a replay captured ten minutes ago
    bot.wait_idle()
    assert late.status_code == 401
    assert len(bot.slack.calls("views.open")) == 1


def test_an_oversized_body_is_refused_unread(bot: BotHarness) -> None:
    body = b"payload=" + b"x" * (1024 * 1024 + 1)
    answer = post_signed(bot, body)
    assert answer.status_code == 413
    assert {c.method for c in bot.slack.calls()} <= STARTUP_CALLS


def test_unknown_callback_and_action_ids_are_refused(bot: BotHarness) -> None:
    from tests.reliability.test_hostile_input import _submission, click

    view = {
        "id": "V0FORGED",
        "type": "modal",
        "callback_id": "nobody.knows",
        "private_metadata": "1001",
        "blocks": [],
        "state": {"values": {}},
        "hash": "1.x",
    }
    before = events(bot.ledger)
    submitted = bot.send.post(_submission(bot.slack, ADAM, view))
    clicked = click(bot.send, bot.slack, ADAM, "nobody.knows", "1001")
    bot.wait_idle()
    assert submitted.status_code == 404 and clicked.status_code == 404
    assert events(bot.ledger) == before
    assert {c.method for c in bot.slack.calls()} <= STARTUP_CALLS


EVIL = "<!channel> <!here> <!everyone> <@U0EVIL> <!subteam^S0OPS> & Sons"


def test_channel_mentions_in_names_and_reasons_never_reach_slack(bot: BotHarness) -> None:
    world = bot.sandbox.world
    with world.lock:
        world.platform.accounts["1001"].name = EVIL
        world.zuora.add_invoice(zuora_account_number("1012"), amount="99.00", days_overdue=30)
    # 1012 is the demo's own "<!channel> & <@U123>" account.
    for verb in ("account", "billing", "pbx", "emergency", "emails", "audit"):
        for account in ("1001", "1012"):
            assert bot.command(ALICE, f"{verb} {account}").status_code == 200
    bot.command(ALICE, "edit 1001")
    bot.command(ALICE, "digest")

    bot.command(ALICE, f"suspend 1012 {EVIL}")
    [confirmation] = [
        e for e in bot.slack.ephemerals(ALICE) if suspension_views.CONFIRM in str(e.get("blocks"))
    ][-1:]
    bot.send.block_action(ALICE, suspension_views.CONFIRM, message=confirmation)
    bot.wait_idle()

    bot.command(ALICE, "deactivate 1001")
    bot.send.view_submission(
        ALICE,
        values={
            deactivation_views.REASON_BLOCK: {deactivation_views.INPUT_ACTION: EVIL},
            deactivation_views.CONFIRM_BLOCK: {deactivation_views.INPUT_ACTION: "1001"},
            deactivation_views.CHILDREN_BLOCK: {
                deactivation_views.INPUT_ACTION: {
                    "type": "radio_buttons",
                    "selected_option": {"value": "keep"},
                }
            },
        },
    )
    bot.wait_idle()
    [request] = bot.slack.messages(APPROVALS_CHANNEL)
    bot.send.block_action(BOB, approval_views.DENY, message=request)
    bot.wait_idle()
    bot.send.view_submission(
        BOB,
        values={approval_views.DENY_REASON_BLOCK: {approval_views.DENY_REASON_ACTION: EVIL}},
    )
    bot.wait_idle()

    shown = everything_sent(bot.slack)
    assert any("&lt;!channel&gt;" in text for text in shown), "the names were not shown at all"
    assert mentions(shown) == []
    # The audit log keeps what was typed, verbatim; only Slack output is escaped.
    with bot.ledger.read_session() as session:
        details = [str(d) for d in session.scalars(select(col(AuditEvent.details)))]
    assert any("<!channel>" in d for d in details)
    assert FORBIDDEN


BIDI = "Acme \u202eevil\u202c Pty\u200b Ltd"


def test_bidi_and_invisible_characters_never_reach_slack_but_are_stored_exactly(
    bot: BotHarness,
) -> None:
    import unicodedata

    with bot.sandbox.world.lock:
        bot.sandbox.world.platform.accounts["1001"].name = BIDI
        bot.sandbox.world.zuora.add_invoice(
            zuora_account_number("1001"), amount="99.00", days_overdue=30
        )
    for verb in ("account", "billing", "pbx"):
        assert bot.command(ALICE, f"{verb} 1001").status_code == 200
    bot.command(ALICE, f"suspend 1001 late \u202epaid\u202c {BIDI}")
    [confirmation] = [
        e for e in bot.slack.ephemerals(ALICE) if suspension_views.CONFIRM in str(e.get("blocks"))
    ][-1:]
    bot.send.block_action(ALICE, suspension_views.CONFIRM, message=confirmation)
    bot.wait_idle()
    shown = everything_sent(bot.slack)
    assert any("Acme [U+202E]evil[U+202C] Pty Ltd" in text for text in shown), shown
    hidden = [
        text
        for text in shown
        if any(unicodedata.category(c) == "Cf" or c in "\u2028\u2029" for c in text)
    ]
    assert hidden == []
    with bot.ledger.read_session() as session:
        details = list(session.scalars(select(col(AuditEvent.details))))
    assert f"late \u202epaid\u202c {BIDI}" in [d.get("reason") for d in details], details
