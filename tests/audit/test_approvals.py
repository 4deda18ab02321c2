"""Approval requests: one state change wins, across threads and processes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from audit import (
    ApprovalNotFound,
    ApprovalRequest,
    ApprovalState,
    InvalidTransition,
    Ledger,
    NaiveDatetime,
    cancel,
    create,
    decide,
    expire_due,
    get,
    pending,
    set_message,
)
from tests.audit._race import in_processes, in_threads

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
TTL = timedelta(hours=24)


def _create(
    ledger: Ledger, *, account: str = "1001", kind: str = "deactivate", now: datetime = T0
) -> ApprovalRequest:
    with ledger.session() as session:
        return create(
            session=session,
            kind=kind,
            account=account,
            requested_by="U_REQ",
            reason="closed the business",
            preview={"numbers": ["0290000000"], "users": 3},
            now=now,
            ttl=TTL,
            origin="slash",
        )


def _get(ledger: Ledger, request_id: str) -> ApprovalRequest:
    with ledger.session() as session:
        request = get(session=session, request_id=request_id)
    assert request is not None
    return request


def test_create_makes_a_pending_request_with_a_short_url_safe_id(ledger: Ledger) -> None:
    request = _create(ledger)
    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", request.id)
    stored = _get(ledger, request.id)
    assert stored.state == ApprovalState.PENDING
    assert stored.created_at == T0
    assert stored.expires_at == T0 + TTL
    assert stored.preview == {"numbers": ["0290000000"], "users": 3}
    assert stored.requested_by == "U_REQ"
    assert stored.origin == "slash"
    assert (stored.decided_by, stored.decided_at, stored.channel) == (None, None, None)


def test_ids_differ(ledger: Ledger) -> None:
    assert len({_create(ledger).id for _ in range(20)}) == 20


def test_create_refuses_a_naive_now(ledger: Ledger) -> None:
    with pytest.raises(NaiveDatetime), ledger.session() as session:
        create(
            session=session,
            kind="suspend",
            account="1",
            requested_by="U",
            reason="",
            preview={},
            now=datetime(2025, 6, 2),
            ttl=TTL,
        )


def test_get_of_an_unknown_id_is_none(ledger: Ledger) -> None:
    with ledger.session() as session:
        assert get(session=session, request_id="nope") is None


@pytest.mark.parametrize("to_state", [ApprovalState.APPROVED, ApprovalState.DENIED])
def test_decide_once_then_never_again(ledger: Ledger, to_state: ApprovalState) -> None:
    request = _create(ledger)
    later = T0 + timedelta(minutes=5)
    with ledger.session() as session:
        assert decide(
            session=session,
            request_id=request.id,
            to_state=to_state,
            by="U_APP",
            reason="checked",
            now=later,
        )
    with ledger.session() as session:
        for again in (ApprovalState.APPROVED, ApprovalState.DENIED):
            assert not decide(
                session=session, request_id=request.id, to_state=again, by="U_OTHER", now=later
            )
        assert not cancel(session=session, request_id=request.id, by="U_REQ", now=later)
    stored = _get(ledger, request.id)
    assert stored.state == to_state
    assert (stored.decided_by, stored.decided_at, stored.decision_reason) == (
        "U_APP",
        later,
        "checked",
    )


def test_decide_of_an_unknown_id_is_false(ledger: Ledger) -> None:
    with ledger.session() as session:
        assert not decide(session=session, request_id="nope", to_state="approved", by="U", now=T0)


@pytest.mark.parametrize("to_state", ["expired", "cancelled", "pending", "bogus"])
def test_decide_only_approves_or_denies(ledger: Ledger, to_state: str) -> None:
    request = _create(ledger)
    with pytest.raises(InvalidTransition), ledger.session() as session:
        decide(session=session, request_id=request.id, to_state=to_state, by="U", now=T0)
    assert _get(ledger, request.id).state == ApprovalState.PENDING


def test_a_click_after_the_deadline_loses_even_before_the_sweeper(ledger: Ledger) -> None:
    request = _create(ledger)
    with ledger.session() as session:
        assert not decide(
            session=session, request_id=request.id, to_state="approved", by="U", now=T0 + TTL
        )
    assert _get(ledger, request.id).state == ApprovalState.PENDING


def test_cancel_withdraws_a_pending_request_once(ledger: Ledger) -> None:
    request = _create(ledger)
    with ledger.session() as session:
        assert cancel(session=session, request_id=request.id, by="U_REQ", reason="typo", now=T0)
        assert not cancel(session=session, request_id=request.id, by="U_REQ", now=T0)
        assert not decide(
            session=session, request_id=request.id, to_state="approved", by="U", now=T0
        )
    stored = _get(ledger, request.id)
    assert (stored.state, stored.decided_by, stored.decision_reason) == (
        ApprovalState.CANCELLED,
        "U_REQ",
        "typo",
    )


def test_set_message_remembers_where_the_request_was_posted(ledger: Ledger) -> None:
    request = _create(ledger)
    with ledger.session() as session:
        set_message(session=session, request_id=request.id, channel="C123", ts="1717318800.000100")
    stored = _get(ledger, request.id)
    assert (stored.channel, stored.message_ts) == ("C123", "1717318800.000100")


def test_set_message_of_an_unknown_request_raises(ledger: Ledger) -> None:
    with pytest.raises(ApprovalNotFound), ledger.session() as session:
        set_message(session=session, request_id="nope", channel="C1", ts="1.2")


def test_expire_due_expires_only_what_is_due_and_only_once(ledger: Ledger) -> None:
    with freeze_time(T0):
        old = _create(ledger, now=datetime.now(UTC))
    with freeze_time(T0 + timedelta(hours=12)):
        young = _create(ledger, now=datetime.now(UTC))
        decided = _create(ledger, now=datetime.now(UTC))
        with ledger.session() as session:
            decide(
                session=session,
                request_id=decided.id,
                to_state="denied",
                by="U",
                now=datetime.now(UTC),
            )
    with freeze_time(T0 + TTL) as clock:
        with ledger.session() as session:
            expired = expire_due(session=session, now=datetime.now(UTC))
        assert [r.id for r in expired] == [old.id]
        assert expired[0].state == ApprovalState.EXPIRED
        assert expired[0].decided_by is None
        with ledger.session() as session:
            assert expire_due(session=session, now=datetime.now(UTC)) == []
        clock.tick(timedelta(hours=12))
        with ledger.session() as session:
            assert [r.id for r in expire_due(session=session, now=datetime.now(UTC))] == [young.id]
    assert _get(ledger, decided.id).state == ApprovalState.DENIED


def test_pending_lists_open_requests_oldest_first(ledger: Ledger) -> None:
    first = _create(ledger, account="1001", now=T0)
    second = _create(ledger, account="2002", kind="suspend", now=T0 + timedelta(hours=1))
    third = _create(ledger, account="1001", now=T0 + timedelta(hours=2))
    closed = _create(ledger, account="1001", now=T0 + timedelta(hours=3))
    with ledger.session() as session:
        cancel(session=session, request_id=closed.id, by="U", now=T0)
    with ledger.session() as session:
        assert [r.id for r in pending(session=session)] == [first.id, second.id, third.id]
        assert [r.id for r in pending(session=session, account="1001")] == [first.id, third.id]
        assert [r.id for r in pending(session=session, kind="suspend")] == [second.id]
        still_open = pending(session=session, now=T0 + TTL + timedelta(minutes=30))
        assert [r.id for r in still_open] == [second.id, third.id]


def test_of_many_concurrent_decisions_exactly_one_wins(ledger: Ledger) -> None:
    request = _create(ledger)

    def click(session, i: int) -> bool:
        to_state = "approved" if i % 2 else "denied"
        return decide(
            session=session,
            request_id=request.id,
            to_state=to_state,
            by=f"U{i}",
            now=T0 + timedelta(minutes=1),
        )

    results = in_threads(ledger, 10, click)
    assert sorted(results) == [False] * 9 + [True]
    stored = _get(ledger, request.id)
    winner = int(stored.decided_by.removeprefix("U"))  # type: ignore[union-attr]
    assert stored.state == (ApprovalState.APPROVED if winner % 2 else ApprovalState.DENIED)


def test_a_decision_racing_the_sweeper_has_one_winner(ledger: Ledger) -> None:
    request = _create(ledger, now=T0 - TTL)
    deadline_ish = T0 - timedelta(microseconds=1)

    def act(session, i: int) -> bool:
        if i % 2:
            return bool(expire_due(session=session, now=T0))
        return decide(
            session=session, request_id=request.id, to_state="approved", by="U", now=deadline_ish
        )

    assert sorted(in_threads(ledger, 6, act)) == [False] * 5 + [True]


def test_of_decisions_from_separate_processes_exactly_one_wins(ledger: Ledger) -> None:
    request = _create(ledger)
    url = ledger.engine.url.render_as_string(hide_password=False)
    calls = [
        {
            "request_id": request.id,
            "to_state": "approved",
            "by": f"U{i}",
            "now": T0 + timedelta(minutes=1),
        }
        for i in range(4)
    ]
    assert sorted(in_processes(url, "decide", calls)) == [False, False, False, True]
    assert _get(ledger, request.id).state == ApprovalState.APPROVED
