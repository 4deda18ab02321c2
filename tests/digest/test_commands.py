"""The digest and snooze commands against the demo sandbox: real HTTP, clients and ledger."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit import Ledger, snooze
from commands.deps import Deps, threshold_days
from commands.digest.overdue import build_digest, due_before, show_digest
from commands.digest.snooze import (
    MAX_DAYS,
    PRESET_FIELD,
    SnoozeAccount,
    check_until,
    load_snooze_form,
    preset_label,
    snooze_account,
    snooze_until,
)
from commands.errors import AccountNotFound, Forbidden, InvalidInput
from commands.reasons import MIN_REASON
from devkit.sandbox import Sandbox, zuora_account_number
from tests.digest.conftest import ALICE, VERA, all_events, make_deps

# The demo world: 1003, 1007, 1012 owe on an invoice 8 days overdue; 1008 (15 and 40 days) and
# 1009 (45 and 120 days) owe on two; 1005 is suspended (45 days); 1006 is 3 days overdue;
# 1002's overdue invoice is for $0.00.
CANDIDATES = ["1009", "1008", "1003", "1007", "1012"]


def rows_by_account(deps: Deps) -> dict[str, object]:
    return {row.account: row for row in build_digest(deps, deps.today()).rows}


def test_lists_overdue_accounts_grouped_with_amount_oldest_due_and_count(deps: Deps):
    digest = build_digest(deps, deps.today())

    assert [row.account for row in digest.rows] == CANDIDATES  # most overdue first
    by = {row.account: row for row in digest.rows}
    today = deps.today()
    assert by["1009"].amount_overdue == Decimal("5820.40")
    assert by["1009"].invoices == 2
    assert by["1009"].oldest_due == today - timedelta(days=120)
    assert by["1009"].days_overdue == 120
    assert by["1008"].amount_overdue == Decimal("1195.00")  # the part-paid invoice by balance
    assert by["1008"].name == "Brightwater Accounting Services"
    assert by["1008"].zuora_account == zuora_account_number("1008")
    assert by["1003"].days_overdue == 8 and by["1003"].invoices == 1
    assert digest.total_overdue == Decimal("7356.15")
    assert digest.origin == f"digest:{today.isoformat()}"


def test_suspended_accounts_are_counted_not_listed(deps: Deps, sandbox: Sandbox):
    digest = build_digest(deps, deps.today())
    assert "1005" not in {row.account for row in digest.rows}
    assert digest.suspended == 1

    with sandbox.world.lock:
        sandbox.world.platform.suspend("1009", reason="test", by="U0TEST", at=deps.now())
    again = build_digest(deps, deps.today())
    assert "1009" not in {row.account for row in again.rows}
    assert again.suspended == 2


def test_snoozed_accounts_are_counted_not_listed_and_come_back_the_day_after(deps: Deps):
    today = deps.today()
    with deps.ledger.session() as session:
        snooze(
            session=session,
            account="1008",
            until=today + timedelta(days=2),
            by="U0ALICE",
            reason="payment plan",
            now=deps.now(),
        )
    for day in (today, today + timedelta(days=1), today + timedelta(days=2)):
        digest = build_digest(deps, day)
        assert "1008" not in {row.account for row in digest.rows}, day
        assert digest.snoozed == 1
    back = build_digest(deps, today + timedelta(days=3))
    assert "1008" in {row.account for row in back.rows}
    assert back.snoozed == 0


def test_accounts_below_the_threshold_or_owing_nothing_are_not_candidates(deps: Deps):
    rows = rows_by_account(deps)
    assert "1006" not in rows  # 3 days overdue
    assert "1002" not in rows  # $0.00 owing
    assert "1004" not in rows and "1001" not in rows  # not yet due


def test_newly_overdue_means_the_oldest_invoice_reached_the_threshold_today(
    sandbox: Sandbox, sqlite_ledger: Ledger
):
    deps = make_deps(sandbox, sqlite_ledger, overdue_days=8)
    digest = build_digest(deps, deps.today())
    new = {row.account for row in digest.rows if row.newly_overdue}
    assert new == {"1003", "1007", "1012"}  # exactly 8 days overdue today
    assert digest.newly_overdue == 3
    yesterday = build_digest(deps, deps.today() - timedelta(days=1))
    assert not new & {row.account for row in yesterday.rows}


def test_min_balance_applies_to_what_the_account_owes_on_its_overdue_invoices(
    sandbox: Sandbox, sqlite_ledger: Ledger
):
    deps = make_deps(sandbox, sqlite_ledger, overdue_min_balance=1000.0)
    rows = rows_by_account(deps)
    # 1008 owes 1075.00 + 120.00: no single invoice reaches 1,000 twice, the account does.
    assert set(rows) == {"1009", "1008"}


def test_one_zuora_page_plus_the_token_and_one_platform_listing(deps: Deps, sandbox: Sandbox):
    sandbox.counters.reset()
    build_digest(deps, deps.today())
    counts = sandbox.counters.snapshot()
    assert counts["zuora"] == {"POST /oauth/token": 1, "GET /object-query/invoices": 1}
    assert counts["platform"] == {"GET /v2/accounts": 1}


def test_threshold_bounds():
    today = date(2026, 11, 24)
    assert due_before(today, 7) == date(2026, 11, 18)  # due 17 Nov (7 days ago) counts
    assert threshold_days(0) == 1 and due_before(today, 0) == today


def test_show_digest_needs_an_operator(deps: Deps):
    with pytest.raises(Forbidden):
        show_digest(VERA, deps)
    assert all_events(deps.ledger)[-1].outcome == "refused"
    assert show_digest(ALICE, deps).rows


# -- snooze -----------------------------------------------------------------------------------


def test_snooze_writes_the_ledger_and_an_audit_event_with_before_and_after(deps: Deps):
    today = deps.today()
    first = snooze_account(
        SnoozeAccount(account="1003", until=today + timedelta(days=5), reason="promised Friday"),
        ALICE,
        deps,
    )
    assert first.before is None and first.name == "Bean Republic Fitzroy"
    assert first.back_on == today + timedelta(days=6)
    second = snooze_account(
        SnoozeAccount(account="1003", until=today + timedelta(days=9), reason="pushed out"),
        ALICE,
        deps,
    )
    assert second.before is not None and second.before.until == today + timedelta(days=5)

    events = [e for e in all_events(deps.ledger) if e.action == "snooze"]
    assert [e.outcome for e in events] == ["ok", "ok"]
    assert events[0].actor == "U0ALICE" and events[0].account == "1003"
    assert events[0].details["before"] is None
    assert events[1].details["before"]["until"] == (today + timedelta(days=5)).isoformat()
    assert events[1].details["after"] == {
        "until": (today + timedelta(days=9)).isoformat(),
        "reason": "pushed out",
    }
    form = load_snooze_form("1003", ALICE, deps)
    assert form.current is not None and form.current.reason == "pushed out"


def test_snooze_refuses_viewers_and_unknown_accounts(deps: Deps):
    cmd = SnoozeAccount(account="1003", until=deps.today(), reason="payment plan agreed")
    with pytest.raises(Forbidden):
        snooze_account(cmd, VERA, deps)
    with pytest.raises(AccountNotFound):
        snooze_account(cmd.model_copy(update={"account": "99999"}), ALICE, deps)
    assert [e.outcome for e in all_events(deps.ledger)] == ["refused"]


def test_snooze_until_must_be_today_up_to_a_year_ahead():
    today = date(2026, 11, 24)
    assert check_until(today, today) == today
    for bad in (None, today - timedelta(days=1), today + timedelta(days=MAX_DAYS + 1)):
        with pytest.raises(InvalidInput) as caught:
            check_until(bad, today)
        assert caught.value.field == "until"


@given(offset=st.integers(min_value=-1000, max_value=1000))
def test_check_until_accepts_exactly_the_window(offset: int):
    today = date(2026, 4, 5)
    until = today + timedelta(days=offset)
    if 0 <= offset <= MAX_DAYS:
        assert check_until(until, today) == until
    else:
        with pytest.raises(InvalidInput):
            check_until(until, today)


@given(reason=st.text(max_size=600))
def test_a_reason_is_kept_trimmed_or_refused_with_a_sentence(reason: str):
    words = " ".join(reason.split())
    try:
        cmd = SnoozeAccount(account="1003", until=date(2026, 1, 1), reason=reason)
    except ValueError as exc:
        assert len(words) < MIN_REASON or len(words.split()) < 2 or len(words) > 500
        assert "reason" in str(exc)
    else:
        assert cmd.reason == words and MIN_REASON <= len(cmd.reason) <= 500


@pytest.mark.parametrize("reason", ["x", "paid", "will pay", "   ok   then   "])
def test_a_reason_of_less_than_a_few_words_is_refused(reason: str):
    with pytest.raises(ValueError, match="Say why in a few words"):
        SnoozeAccount(account="1003", until=date(2026, 1, 1), reason=reason)


@pytest.mark.parametrize(
    ("preset", "picked", "days"),
    [("3", None, 3), ("7", None, 7), ("14", None, 14), ("date", date(2026, 12, 1), 7)],
)
def test_snooze_presets_count_from_today_and_a_date_is_taken_as_picked(preset, picked, days):
    today = date(2026, 11, 24)
    assert snooze_until(preset, picked, today) == today + timedelta(days=days)
    # A preset ignores whatever the date picker still shows.
    assert snooze_until(preset, date(2027, 1, 1), today) == (
        today + timedelta(days=days) if preset != "date" else date(2027, 1, 1)
    )


def test_snooze_until_a_date_needs_the_date_and_a_bad_preset_is_refused():
    today = date(2026, 11, 24)
    with pytest.raises(InvalidInput) as caught:
        snooze_until("date", None, today)
    assert caught.value.field == "until"
    # A preset Slack was never offered lands on the presets' field: never read as a number in
    # another script, never past the calendar (issue 29).
    for preset in ("soon", "400", "3650", "99999999999", "²", "٣٠", "0", "-3", " 7"):
        with pytest.raises(InvalidInput) as caught:
            snooze_until(preset, today, today)
        assert caught.value.field == PRESET_FIELD == "for", preset


@given(st.text(max_size=12))
def test_any_preset_is_a_length_within_a_year_or_a_field_error(preset: str) -> None:
    today = date(2026, 11, 24)
    try:
        until = snooze_until(preset, today, today)
    except InvalidInput as refused:
        assert refused.field in ("for", "until")
    else:
        assert today <= until <= today + timedelta(days=365)


def test_the_form_offers_the_presets_with_the_configured_default(deps: Deps):
    form = load_snooze_form("1003", ALICE, deps)
    assert form.default_days == 7 and form.presets == [3, 7, 14]
    assert [preset_label(d) for d in form.presets] == ["3 days", "1 week", "2 weeks"]
    odd = form.model_copy(update={"default_days": 10})
    assert odd.presets == [3, 7, 10, 14] and preset_label(10) == "10 days"
