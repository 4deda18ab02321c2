"""Promises to pay: the parsers (hypothesis), the ledger's record and its settlement on SQLite
and PostgreSQL, and the acceptance — a promise for tomorrow leaves the digest; two days on with
no payment the row is back, flagged broken with who recorded it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from audit import Ledger, active_promises
from bot.digest import views as digest_views
from commands.digest.overdue import build_digest
from commands.errors import InvalidInput
from commands.suspension.promises import (
    MAX_AMOUNT,
    PromiseToPay,
    parse_amount,
    parse_due,
    promise_to_pay,
    settle_due_promises,
)
from devkit.console.payments import pay
from devkit.sandbox import Sandbox
from tests.suspension.conftest import ALICE, OVERDUE, VERA, close, make_deps, trail

TODAY = date(2026, 12, 7)
CENTS = st.integers(min_value=1, max_value=int(MAX_AMOUNT * 100))


# -- the parsers ----------------------------------------------------------------------------------


@given(CENTS, st.sampled_from(["{:.2f}", "${:,.2f}", "{:,.2f} AUD", " ${:.2f} "]))
def test_an_amount_in_dollars_and_cents_reads_back_exactly(cents: int, shape: str) -> None:
    amount = Decimal(cents) / 100
    assert parse_amount(shape.format(amount)) == amount


@given(st.text(max_size=30))
def test_any_text_is_an_amount_or_an_error_on_the_amount_field(text: str) -> None:
    try:
        amount = parse_amount(text)
    except InvalidInput as exc:
        assert exc.field == "amount" and str(exc)
    else:
        assert Decimal("0.01") <= amount <= MAX_AMOUNT
        assert amount == amount.quantize(Decimal("0.01"))


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=3, max_value=6))
def test_more_than_two_decimals_is_refused_as_such(dollars: int, places: int) -> None:
    with pytest.raises(InvalidInput, match="two decimals") as raised:
        parse_amount(f"{dollars}.{'5' * places}")
    assert raised.value.field == "amount"


@pytest.mark.parametrize("typed", ["0", "0.00", "-5", "$-1.00", "", "  ", "1e3", "١٢٣", "12,34"])
def test_nothing_zero_negative_or_not_a_number_is_refused_on_the_amount_field(typed: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_amount(typed)
    assert raised.value.field == "amount"


@given(st.integers(min_value=-400, max_value=400), st.integers(min_value=1, max_value=90))
def test_a_due_date_is_today_up_to_the_limit(offset: int, max_days: int) -> None:
    day = TODAY + timedelta(days=offset)
    if 0 <= offset <= max_days:
        assert parse_due(day.isoformat(), TODAY, max_days) == day
    else:
        with pytest.raises(InvalidInput) as raised:
            parse_due(day.isoformat(), TODAY, max_days)
        assert raised.value.field == "due"


@given(st.text(max_size=20))
def test_a_due_date_that_is_not_one_is_an_error_on_its_field(text: str) -> None:
    try:
        parse_due(text, TODAY, 30)
    except InvalidInput as exc:
        assert exc.field == "due"


# -- the ledger and the digest ---------------------------------------------------------------


@pytest.fixture
def noon(sandbox: Sandbox) -> datetime:
    clock = sandbox.world.clock
    return datetime.combine(clock.today(), time(12, 0), clock.zone)


@pytest.fixture
def frozen(noon: datetime) -> Iterator[object]:
    with freeze_time(noon) as clock:
        yield clock


def promise(deps: object, amount: str, days: int, user: object = ALICE) -> None:
    from commands.deps import Deps

    assert isinstance(deps, Deps)
    cmd = PromiseToPay(
        account=OVERDUE,
        amount=Decimal(amount),
        due=deps.today() + timedelta(days=days),
        note="Sam in accounts pays by card",
    )
    promise_to_pay(cmd, user, deps)  # type: ignore[arg-type]


def test_a_promise_for_tomorrow_leaves_the_digest_and_comes_back_broken_two_days_on(
    sandbox: Sandbox, ledger: Ledger, frozen: object
) -> None:
    deps = make_deps(sandbox, ledger)
    try:
        assert OVERDUE in [r.account for r in build_digest(deps, deps.today()).rows]
        promise(deps, "189.50", days=1)

        held = build_digest(deps, deps.today())
        assert OVERDUE not in [r.account for r in held.rows]
        [apart] = held.promised
        assert (apart.account, apart.promise.amount, apart.promise.by) == (
            OVERDUE,
            Decimal("189.50"),
            ALICE.user_id,
        )
        summary = digest_views.summary_text(held)
        assert "1 account promised to pay" in summary and "promised $189.50 by" in summary
        with ledger.read_session() as session:
            assert set(active_promises(session=session, today=deps.today())) == {OVERDUE}

        frozen.tick(timedelta(days=1))  # type: ignore[attr-defined]
        assert OVERDUE not in [r.account for r in build_digest(deps, deps.today()).rows]

        frozen.tick(timedelta(days=1))  # type: ignore[attr-defined]
        back = build_digest(deps, deps.today())
        [row] = [r for r in back.rows if r.account == OVERDUE]
        assert row.broken_promise is not None and row.broken_promise.by == ALICE.user_id
        assert back.promised == []
        text = digest_views.row_text(row)
        assert "*Promise broken*: $189.50 by" in text and "recorded by <@U0ALICE>" in text
        build_digest(deps, deps.today())  # settled once, however often the digest is built
        assert [t for t in trail(ledger, OVERDUE) if t[1].startswith("promise")] == [
            (ALICE.user_id, "promise", "ok"),
            ("system", "promise.broken", "ok"),
        ]
        with ledger.read_session() as session:
            assert active_promises(session=session, today=deps.today()) == {}
    finally:
        close(deps)


def test_a_promise_paid_in_full_is_recorded_as_kept_and_the_row_is_not_flagged(
    sandbox: Sandbox, sqlite_ledger: Ledger, frozen: object
) -> None:
    deps = make_deps(sandbox, sqlite_ledger)
    try:
        promise(deps, "50.00", days=1)
        pay(sandbox.url, OVERDUE, Decimal("50.00"))  # part of what is overdue, all it promised
        frozen.tick(timedelta(days=2))  # type: ignore[attr-defined]
        [settled] = settle_due_promises(deps, deps.today())
        assert (settled.state, settled.paid) == ("kept", Decimal("50.00"))
        assert settle_due_promises(deps, deps.today()) == []
        [row] = [r for r in build_digest(deps, deps.today()).rows if r.account == OVERDUE]
        assert row.broken_promise is None  # still overdue (139.50), but the promise was kept
        assert trail(sqlite_ledger, OVERDUE)[-1] == ("system", "promise.kept", "ok")
    finally:
        close(deps)


def test_a_new_promise_replaces_the_old_one_and_the_audit_has_both(
    sandbox: Sandbox, sqlite_ledger: Ledger, frozen: object
) -> None:
    deps = make_deps(sandbox, sqlite_ledger)
    try:
        promise(deps, "20", days=1)
        promise(deps, "189.50", days=3)
        [apart] = build_digest(deps, deps.today()).promised
        assert apart.promise.amount == Decimal("189.50")
        events = [e for e in _events(sqlite_ledger) if e.action == "promise"]
        assert events[-1].details["before"]["amount"] == "20.00"
        assert events[-1].details["after"]["amount"] == "189.50"
    finally:
        close(deps)


def test_a_viewer_cannot_record_a_promise_and_the_refusal_is_audited(
    sandbox: Sandbox, sqlite_ledger: Ledger, frozen: object
) -> None:
    deps = make_deps(sandbox, sqlite_ledger)
    try:
        with pytest.raises(Exception, match="operator"):
            promise(deps, "20", days=1, user=VERA)
        assert trail(sqlite_ledger, OVERDUE) == [(VERA.user_id, "promise", "refused")]
    finally:
        close(deps)


def _events(ledger: Ledger) -> list[object]:
    from tests.suspension.conftest import events

    return events(ledger, OVERDUE)  # type: ignore[return-value]


# -- how a promise reads: the card and the activity feed --------------------------------------


def test_the_card_says_whether_a_promise_is_in_force_kept_broken_or_waiting() -> None:
    from bot.reading.views.account_state import promise_line
    from commands.suspension.models import PromiseInfo

    at = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    made = PromiseInfo(amount=Decimal("189.50"), due=TODAY, note="Sam <!here>", by="U0ALICE", at=at)
    assert promise_line(made, TODAY).startswith(":handshake: Promised $189.50 AUD by 07 Dec 2026")
    assert "&lt;!here&gt;" in promise_line(made, TODAY)  # the note is outside text
    assert "at the next digest" in promise_line(made, TODAY + timedelta(days=1))
    kept = made.model_copy(update={"state": "kept", "paid": Decimal("200")})
    assert promise_line(kept, TODAY).startswith(":white_check_mark: Promise kept")
    broken = made.model_copy(update={"state": "broken", "paid": Decimal("0")})
    assert "*Promise broken*" in promise_line(broken, TODAY)
    assert "nothing paid since" in promise_line(broken, TODAY)


def test_promises_recorded_and_settled_are_announced_as_finished_changes() -> None:
    from audit.models import AuditEvent
    from commands.catalogue import action_kinds
    from commands.reading.activity import finished_change

    after = {"amount": "189.50", "due": "2026-12-08"}

    def event(action: str, actor: str, details: dict[str, object]) -> AuditEvent:
        return AuditEvent(
            seq=7, at=datetime.now(UTC), actor=actor, action=action, account=OVERDUE,
            outcome="ok", details=details, prev_hash="", hash="",
        )  # fmt: skip

    made = finished_change(event("promise", ALICE.user_id, {"after": after}), action_kinds())
    assert made is not None and made.label == "promise to pay of $189.50 by 8 Dec 2026"
    assert made.actor == ALICE.user_id
    broken = finished_change(event("promise.broken", "system", {"promise": after}), action_kinds())
    assert broken is not None and broken.label.endswith(" broken")


def test_a_promise_that_cannot_be_checked_waits_and_the_others_are_settled(
    sandbox: Sandbox, sqlite_ledger: Ledger, frozen: object
) -> None:
    deps = make_deps(sandbox, sqlite_ledger)
    try:
        promise(deps, "10", days=0)
        with sqlite_ledger.session() as session:  # an account the platform no longer knows
            from audit import promise as record

            record(
                session=session, account="999999", amount="5.00", currency="AUD",
                due=deps.today(), note="gone", by=ALICE.user_id, now=deps.now(),
            )  # fmt: skip
        frozen.tick(timedelta(days=1))  # type: ignore[attr-defined]
        assert [s.account for s in settle_due_promises(deps, deps.today())] == [OVERDUE]
        build_digest(deps, deps.today())  # the digest is built all the same
    finally:
        close(deps)
