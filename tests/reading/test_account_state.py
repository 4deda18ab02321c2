"""The account card shows what a suspension or deactivation decision needs: overdue invoices and
candidacy, a request waiting for an approver, a snooze, people as mentions, links out."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from audit.runs import claim, create_run, fail_run
from bot.runs.retry import RETRY
from commands.reading.account_state import candidate_since
from commands.suspension.models import OverdueInvoice
from tests.deactivation.test_e2e import ask
from tests.fixtures.bot import ALICE, BOB, BotHarness, start_bot

TODAY = date(2026, 11, 27)


def card(bot: BotHarness, account: str, user: str = ALICE) -> dict[str, Any]:
    bot.command(user, f"account {account}")
    shown = bot.slack.ephemerals(user)
    assert shown, "no account card"
    return shown[-1]


def text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks"), ensure_ascii=False)


def buttons(message: dict[str, Any]) -> list[str]:
    return [
        e["text"]["text"]
        for b in message.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_the_card_lists_overdue_invoices_and_says_since_when_it_is_a_candidate(
    bot: BotHarness,
) -> None:
    today = bot.services.deps.today()
    shown = text(card(bot, "1003"))
    due = today - timedelta(days=8)
    assert f"due {due:%d %b %Y}" in shown and "8 days overdue" in shown
    assert f"A suspension candidate since {due + timedelta(days=7):%d %b %Y}" in shown
    not_yet = text(card(bot, "1006"))  # 3 days overdue: listed, not a candidate
    assert "3 days overdue" in not_yet and "Not a suspension candidate yet" in not_yet
    assert "every posted invoice is paid or not yet due" in text(card(bot, "1001"))


def test_a_pending_request_shows_who_asked_and_its_buttons_go(bot: BotHarness) -> None:
    assert "Deactivate" in buttons(card(bot, "1004"))
    ask(bot, "1004")
    shown = card(bot, "1004")
    assert f"Deactivation requested by <@{ALICE}>" in text(shown)
    assert "<#C0APPROVALS>" in text(shown)
    assert "Deactivate" not in buttons(shown) and "Suspend" not in buttons(shown)


def test_a_suspension_names_who_did_it_as_a_mention(bot: BotHarness) -> None:
    assert "by <@U02BILLING>" in text(card(bot, "1005"))


def test_links_out_when_the_web_apps_are_configured(tmp_path: Path) -> None:
    for harness in start_bot(
        f"sqlite:///{tmp_path / 'ledger.db'}",
        zuora_ui_url="https://zuora.example/",
        jethub_portal_url="https://portal.example",
    ):
        shown = text(card(harness, "1003"))
        assert "<https://portal.example/accounts/1003|Open in the Jet Hub portal>" in shown
        assert "https://zuora.example/apps/CustomerAccount.do?method=view&amp;id=" not in shown
        assert "https://zuora.example/apps/CustomerAccount.do?method=view&id=" in shown


def test_no_links_without_the_settings(bot: BotHarness) -> None:
    assert "Open in" not in text(card(bot, "1003"))


invoices = st.lists(
    st.tuples(st.integers(min_value=1, max_value=400), st.integers(min_value=1, max_value=50_000)),
    max_size=8,
).map(
    lambda pairs: sorted(
        (
            OverdueInvoice(
                number=f"INV{n}",
                balance=Decimal(cents) / 100,
                due_date=TODAY - timedelta(days=days),
                days_overdue=days,
            )
            for n, (days, cents) in enumerate(pairs)
        ),
        key=lambda i: i.due_date,
    )
)


@given(overdue=invoices, minimum=st.integers(min_value=1, max_value=100_000))
def test_candidate_since_agrees_with_the_digest_rule_on_every_day(
    overdue: list[OverdueInvoice], minimum: int
) -> None:
    """On each day from then to today, the invoices at least 7 days overdue owe the minimum."""
    min_balance = Decimal(minimum) / 100
    since = candidate_since(overdue, TODAY, overdue_days=7, min_balance=min_balance)

    def candidate_on(day: date) -> bool:
        owing = sum((i.balance for i in overdue if (day - i.due_date).days >= 7), Decimal(0))
        return owing >= min_balance

    if since is None:
        assert not candidate_on(TODAY)
    else:
        assert since <= TODAY and candidate_on(since) and candidate_on(TODAY)
        assert not candidate_on(since - timedelta(days=1))


def _failed_deactivation(bot: BotHarness, account: str) -> str:
    now = datetime.now(UTC)
    with bot.ledger.session() as session:
        run = create_run(
            session=session,
            approval_id=None,
            kind="deactivate",
            account=account,
            steps=["review"],
            now=now,
        )
        assert claim(session=session, run_id=run.id, owner="w", now=now, lease_for=timedelta(60))
        fail_run(session=session, run_id=run.id, owner="w", now=now, error="platform down")
        return run.id


def test_a_stopped_action_offers_retry_to_whoever_may_retry_it(bot: BotHarness) -> None:
    run_id = _failed_deactivation(bot, "1002")
    for_bob = card(bot, "1002", user=BOB)  # an approver: deactivation's Retry role
    assert "Deactivation stopped" in text(for_bob) and "platform down" in text(for_bob)
    retry = [
        e
        for b in for_bob["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == RETRY
    ]
    assert [e["value"] for e in retry] == [run_id]
    assert "Retry" not in buttons(card(bot, "1002", user=ALICE))  # an operator: not for this kind
