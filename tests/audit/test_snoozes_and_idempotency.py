"""Snoozes hold an account out of the digest through a day; idempotency keys dedupe retries."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from audit import (
    Ledger,
    UnknownKey,
    active,
    first_time,
    lift,
    prune,
    remember_result,
    result_for,
    snooze,
)

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
D = date(2025, 6, 10)


def test_a_snooze_holds_through_its_day_and_lets_go_the_day_after(ledger: Ledger) -> None:
    with ledger.session() as session:
        held = snooze(
            session=session, account="1001", until=D, by="U1", reason="paying Friday", now=T0
        )
    assert (held.account, held.until, held.by, held.reason, held.created_at) == (
        "1001",
        D,
        "U1",
        "paying Friday",
        T0,
    )
    with ledger.session() as session:
        assert set(active(session=session, today=D - timedelta(days=1))) == {"1001"}
        assert set(active(session=session, today=D)) == {"1001"}
        assert active(session=session, today=D + timedelta(days=1)) == {}


def test_snoozing_again_replaces_the_earlier_snooze(ledger: Ledger) -> None:
    with ledger.session() as session:
        snooze(session=session, account="1001", until=D, by="U1", reason="a", now=T0)
    with ledger.session() as session:
        again = snooze(
            session=session,
            account="1001",
            until=D + timedelta(days=7),
            by="U2",
            reason="b",
            now=T0 + timedelta(hours=1),
        )
        snooze(session=session, account="2002", until=D, by="U2", reason="c", now=T0)
    assert (again.until, again.by, again.reason) == (D + timedelta(days=7), "U2", "b")
    with ledger.session() as session:
        current = active(session=session, today=D + timedelta(days=1))
    assert list(current) == ["1001"]
    assert current["1001"].by == "U2"


def test_lift_ends_a_snooze(ledger: Ledger) -> None:
    with ledger.session() as session:
        snooze(session=session, account="1001", until=D, by="U1", reason="", now=T0)
        assert lift(session=session, account="1001")
        assert not lift(session=session, account="1001")
        assert active(session=session, today=D) == {}


def test_a_key_is_new_once(ledger: Ledger) -> None:
    with ledger.session() as session:
        assert first_time(session=session, key="Ev1", now=T0)
    with ledger.session() as session:
        assert not first_time(session=session, key="Ev1", now=T0)
        assert first_time(session=session, key="Ev2", now=T0)  # the session still works


def test_a_key_is_new_once_through_a_bare_connection(ledger: Ledger) -> None:
    with ledger.connection() as connection:
        assert first_time(session=connection, key="Ev1", now=T0)
    with ledger.connection() as connection:
        assert not first_time(session=connection, key="Ev1", now=T0)
        assert first_time(session=connection, key="Ev2", now=T0)
    with ledger.session() as session:  # the ORM path sees the same keys
        assert not first_time(session=session, key="Ev2", now=T0)


def test_a_result_can_be_stored_and_given_again(ledger: Ledger) -> None:
    with ledger.session() as session:
        first_time(session=session, key="Ev1", now=T0)
        assert result_for(session=session, key="Ev1") is None
        remember_result(session=session, key="Ev1", result={"text": "Suspended 1001"})
    with ledger.session() as session:
        assert result_for(session=session, key="Ev1") == {"text": "Suspended 1001"}
        assert result_for(session=session, key="never") is None
    with pytest.raises(UnknownKey), ledger.session() as session:
        remember_result(session=session, key="never", result={})


def test_prune_forgets_old_keys_only(ledger: Ledger) -> None:
    with ledger.session() as session:
        first_time(session=session, key="old", now=T0)
        first_time(session=session, key="new", now=T0 + timedelta(hours=2))
    with ledger.session() as session:
        assert prune(session=session, older_than=T0 + timedelta(hours=1)) == 1
    with ledger.session() as session:
        assert first_time(session=session, key="old", now=T0 + timedelta(hours=3))
        assert not first_time(session=session, key="new", now=T0 + timedelta(hours=3))


def test_of_many_threads_one_sees_a_key_first(ledger: Ledger) -> None:
    start = threading.Barrier(8)
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            with ledger.session() as session:
                results.append(first_time(session=session, key="Ev1", now=T0))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False] * 7 + [True]
