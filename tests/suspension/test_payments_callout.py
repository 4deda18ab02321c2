"""Zuora's payment callout end to end: suspended through Slack (signed requests in, Web API out
to the fake Slack), paid with POST /v1/payments on the sandbox, the callout delivered over HTTP
to the served bot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from audit import PaymentDecision
from bot.suspension import views
from tests.fixtures.bot import ALICE, DIGEST_CHANNEL, BotHarness, start_bot
from tests.suspension.conftest import events, suspension_of, trail
from tests.suspension.payments_helpers import (
    CALLOUT,
    CALLOUT_PASSWORD,
    CALLOUT_USER,
    callout_body,
    deliver,
    pay,
    suspend_through_slack,
)
from tests.suspension.test_e2e import click

ACCOUNT, ZUORA = "1003", "A00001003"


def _bot(tmp_path: Path, policy: str, **extra: Any) -> Iterator[BotHarness]:
    yield from start_bot(
        f"sqlite:///{tmp_path / 'ledger.db'}",
        jethub_unsuspend_on_payment=policy,
        **CALLOUT,
        **extra,
    )


@pytest.fixture
def auto(tmp_path: Path) -> Iterator[BotHarness]:
    yield from _bot(tmp_path, "auto")


@pytest.fixture
def ask(tmp_path: Path) -> Iterator[BotHarness]:
    yield from _bot(tmp_path, "ask")


def posted(bot: BotHarness, channel: str) -> list[str]:
    return [
        json.dumps(c.args.get("blocks") or []) + str(c.args.get("text"))
        for c in bot.slack.calls("chat.postMessage")
        if c.args.get("channel") == channel
    ]


def decisions(bot: BotHarness) -> list[tuple[str, str]]:
    with bot.ledger.read_session() as session:
        rows = session.exec(select(PaymentDecision)).all()
        return sorted((r.key.split(":")[0], r.decision) for r in rows)


def test_auto_a_paid_callout_lifts_the_suspension_once(auto: BotHarness) -> None:
    suspend_through_slack(auto, ACCOUNT)
    assert suspension_of(auto.sandbox, ACCOUNT) is not None
    paid = pay(auto.sandbox.url, ZUORA)

    body = callout_body(ZUORA, paid)
    assert deliver(auto.url, body).status_code == 202
    auto.wait_idle()
    assert deliver(auto.url, body).status_code == 202  # Zuora retries: the same payment again
    auto.wait_idle()

    assert suspension_of(auto.sandbox, ACCOUNT) is None
    assert auto.sandbox.counters.get("platform", "DELETE /v2/accounts/{A}/suspension") == 1
    lifts = [e for e in events(auto.ledger, ACCOUNT) if e.action == "unsuspend"]
    assert [(e.actor, str(e.outcome)) for e in lifts] == [("system", "ok")]
    assert [p["number"] for p in lifts[0].details["payments"]] == [paid["number"]]
    assert lifts[0].details["suspended_by"] == ALICE
    assert paid["number"] in lifts[0].details["note"]
    assert decisions(auto) == [("paid", "lifted")]
    dm = posted(auto, ALICE)
    assert len([m for m in dm if "lifted its suspension" in m]) == 1
    assert paid["number"] in dm[-1]
    assert len([m for m in posted(auto, DIGEST_CHANNEL) if "lifted its suspension" in m]) == 1


def test_wrong_credentials_are_401_and_change_nothing(auto: BotHarness) -> None:
    suspend_through_slack(auto, ACCOUNT)
    paid = pay(auto.sandbox.url, ZUORA)
    body = callout_body(ZUORA, paid)
    for auth in (
        (CALLOUT_USER, "not-the-password"),
        ("someone", CALLOUT_PASSWORD),
        (CALLOUT_USER, CALLOUT_PASSWORD + "x"),
        None,
    ):
        answer = deliver(auto.url, body, auth=auth)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Basic")
    auto.wait_idle()
    assert suspension_of(auto.sandbox, ACCOUNT) is not None
    assert decisions(auto) == []
    assert CALLOUT_PASSWORD not in json.dumps([c.args for c in auto.slack.calls()])


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"event": "payment.processed"}', "accountNumber"),
        (
            b'{"event": "invoice.posted", "accountNumber": "A1", "paymentNumber": "P-1", '
            b'"amount": 1}',
            "event",
        ),
        (
            b'{"event": "payment.processed", "accountNumber": "A1", "paymentNumber": "P 1", '
            b'"amount": 1}',
            "paymentNumber",
        ),
        (
            b'{"event": "payment.processed", "accountNumber": "A1", "paymentNumber": "P-1", '
            b'"amount": -5}',
            "amount",
        ),
        (
            b'{"event": "payment.processed", "accountNumber": "A1", "paymentNumber": "P-1", '
            b'"amount": 1.234}',
            "amount",
        ),
    ],
)
def test_a_malformed_callout_is_400_saying_what_is_wrong(
    auto: BotHarness, body: bytes, says: str
) -> None:
    answer = deliver(auto.url, body)
    assert answer.status_code == 400
    assert says in answer.json()["error"]


def test_an_unknown_account_is_accepted_and_logged(
    auto: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"event": "payment.processed", "accountNumber": "A99999999", "paymentNumber": "P-1",
            "amount": 10}  # fmt: skip
    assert deliver(auto.url, body).status_code == 202
    auto.wait_idle()
    assert "A99999999, which bills no Jet Hub account" in caplog.text
    assert decisions(auto) == []


def test_the_endpoint_is_off_while_its_credentials_are_unset(bot: BotHarness) -> None:
    body = {"event": "payment.processed", "accountNumber": ZUORA, "paymentNumber": "P-1",
            "amount": 10}  # fmt: skip
    assert deliver(bot.url, body).status_code == 404
    assert deliver(bot.url, body, auth=None).status_code == 404


def test_a_partial_payment_lifts_nothing_and_says_what_remains(auto: BotHarness) -> None:
    suspend_through_slack(auto, ACCOUNT)
    paid = pay(auto.sandbox.url, ZUORA, Decimal("50.00"))
    assert deliver(auto.url, callout_body(ZUORA, paid)).status_code == 202
    assert deliver(auto.url, callout_body(ZUORA, paid)).status_code == 202
    auto.wait_idle()
    assert suspension_of(auto.sandbox, ACCOUNT) is not None
    told = [m for m in posted(auto, DIGEST_CHANNEL) if paid["number"] in m]
    assert len(told) == 1
    assert "1 invoice still overdue" in told[0] and "$139.50" in told[0]
    assert decisions(auto) == [("part", "partial")]


def test_ask_posts_an_unsuspend_button_that_lifts_with_the_usual_confirmation(
    ask: BotHarness,
) -> None:
    suspend_through_slack(ask, ACCOUNT)
    paid = pay(ask.sandbox.url, ZUORA)
    assert deliver(ask.url, callout_body(ZUORA, paid)).status_code == 202
    ask.wait_idle()
    assert suspension_of(ask.sandbox, ACCOUNT) is not None
    [question] = [
        c for c in ask.slack.calls("chat.postMessage")
        if c.args.get("channel") == DIGEST_CHANNEL and paid["number"] in str(c.args.get("text"))
    ]  # fmt: skip
    assert "still suspended" in question.args["text"] and "$189.50" in question.args["text"]
    ts = question.response["ts"]
    ask.send.block_action(
        ALICE, "verb:unsuspend", ACCOUNT, message=ts, channel=DIGEST_CHANNEL,
        block_id="payment_ask",
    )  # fmt: skip
    ask.wait_idle()
    confirmation = ask.slack.ephemerals(ALICE)[-1]
    assert "Lift the suspension" in json.dumps(confirmation["blocks"])
    click(ask, ALICE, views.CONFIRM, confirmation)
    assert suspension_of(ask.sandbox, ACCOUNT) is None
    assert trail(ask.ledger, ACCOUNT)[-2:] == [
        (ALICE, "unsuspend.confirm", "ok"),
        (ALICE, "unsuspend", "ok"),
    ]


def card(bot: BotHarness) -> str:
    bot.command(ALICE, f"account {ACCOUNT}")
    return json.dumps(bot.slack.ephemerals(ALICE)[-1].get("blocks") or [])


def test_the_card_tells_the_lift_after_the_payment(auto: BotHarness) -> None:
    suspend_through_slack(auto, ACCOUNT)
    paid = pay(auto.sandbox.url, ZUORA)
    deliver(auto.url, callout_body(ZUORA, paid))
    auto.wait_idle()
    assert f"Suspension lifted after payment `{paid['number']}` on " in card(auto)


def test_off_only_notes_the_payment_on_the_card(tmp_path: Path) -> None:
    for bot in _bot(tmp_path, "off"):
        suspend_through_slack(bot, ACCOUNT)
        paid = pay(bot.sandbox.url, ZUORA)
        deliver(bot.url, callout_body(ZUORA, paid))
        bot.wait_idle()
        assert suspension_of(bot.sandbox, ACCOUNT) is not None
        assert not [m for m in posted(bot, DIGEST_CHANNEL) if paid["number"] in m]
        assert decisions(bot) == [("paid", "noted")]
        assert f"Paid up by `{paid['number']}`" in card(bot)


def test_a_part_payment_shows_on_the_card(auto: BotHarness) -> None:
    suspend_through_slack(auto, ACCOUNT)
    paid = pay(auto.sandbox.url, ZUORA, Decimal("50.00"))
    deliver(auto.url, callout_body(ZUORA, paid))
    auto.wait_idle()
    assert "$139.50 AUD still overdue" in card(auto)
    rest = pay(auto.sandbox.url, ZUORA)  # the rest, later: now it is lifted
    deliver(auto.url, callout_body(ZUORA, rest))
    auto.wait_idle()
    assert suspension_of(auto.sandbox, ACCOUNT) is None
    assert decisions(auto) == [("paid", "lifted"), ("part", "partial")]


def test_an_override_suspension_is_reported_not_lifted(auto: BotHarness) -> None:
    with auto.sandbox.world.lock:  # suspended in the Jet Hub portal, outside the bot
        platform = auto.sandbox.world.platform
        platform.suspend(ACCOUNT, reason="portal", by="ops@jethub")
    paid = pay(auto.sandbox.url, ZUORA)
    deliver(auto.url, callout_body(ZUORA, paid))
    auto.wait_idle()
    assert suspension_of(auto.sandbox, ACCOUNT) is not None
    [told] = [m for m in posted(auto, DIGEST_CHANNEL) if paid["number"] in m]
    assert "outside the bot" in told and "verb:unsuspend" in told
    assert decisions(auto) == [("report", "reported")]


def test_auto_lift_is_announced_in_the_activity_channel(tmp_path: Path) -> None:
    from tests.fixtures.bot import SUPPORT_CHANNEL

    for bot in _bot(tmp_path, "auto", jethub_activity_channel=SUPPORT_CHANNEL):
        suspend_through_slack(bot, ACCOUNT)
        paid = pay(bot.sandbox.url, ZUORA)
        deliver(bot.url, callout_body(ZUORA, paid))
        bot.wait_idle()
        lines = [m for m in posted(bot, SUPPORT_CHANNEL) if "lifting of a suspension" in m]
        assert len(lines) == 1 and "The bot" in lines[0] and "done" in lines[0]
