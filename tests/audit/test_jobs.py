"""Scheduled jobs claim their period once, however many clocks run."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from audit import Ledger, claim_period, finish_period, get_period
from tests.audit._race import in_processes

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def test_a_period_is_claimed_once(ledger: Ledger) -> None:
    with ledger.session() as session:
        assert claim_period(session=session, job="digest", period="2025-06-02", owner="a", now=T0)
    with ledger.session() as session:
        assert not claim_period(
            session=session, job="digest", period="2025-06-02", owner="b", now=T0
        )
        assert claim_period(session=session, job="digest", period="2025-06-03", owner="b", now=T0)
        assert claim_period(session=session, job="sweeper", period="2025-06-02", owner="b", now=T0)
        row = get_period(session=session, job="digest", period="2025-06-02")
    assert row is not None
    assert (row.owner, row.started_at, row.finished_at, row.outcome) == ("a", T0, None, None)


def test_a_lost_claim_leaves_the_session_usable(ledger: Ledger) -> None:
    with ledger.session() as session:
        assert claim_period(session=session, job="digest", period="p", owner="a", now=T0)
    with ledger.session() as session:
        assert not claim_period(session=session, job="digest", period="p", owner="b", now=T0)
        assert claim_period(session=session, job="digest", period="q", owner="b", now=T0)
    with ledger.session() as session:
        assert get_period(session=session, job="digest", period="q") is not None


def test_finish_period_records_the_outcome_for_the_owner_only(ledger: Ledger) -> None:
    with ledger.session() as session:
        claim_period(session=session, job="digest", period="p", owner="a", now=T0)
        assert not finish_period(session=session, job="digest", period="p", owner="b", now=T0)
        later = T0 + timedelta(seconds=30)
        assert finish_period(
            session=session, job="digest", period="p", owner="a", now=later, outcome="posted"
        )
        assert not finish_period(session=session, job="digest", period="p", owner="a", now=later)
        row = get_period(session=session, job="digest", period="p")
    assert row is not None
    assert (row.finished_at, row.outcome) == (later, "posted")


def test_a_stale_unfinished_claim_can_be_taken_over_when_asked(ledger: Ledger) -> None:
    stale = timedelta(minutes=30)
    with ledger.session() as session:
        claim_period(session=session, job="digest", period="p", owner="dead", now=T0)
        assert not claim_period(
            session=session,
            job="digest",
            period="p",
            owner="b",
            now=T0 + stale / 2,
            stale_after=stale,
        )
        assert not claim_period(
            session=session, job="digest", period="p", owner="b", now=T0 + stale
        )  # no takeover unless asked
        assert claim_period(
            session=session, job="digest", period="p", owner="b", now=T0 + stale, stale_after=stale
        )
        assert finish_period(session=session, job="digest", period="p", owner="b", now=T0 + stale)
        assert not claim_period(
            session=session,
            job="digest",
            period="p",
            owner="c",
            now=T0 + 10 * stale,
            stale_after=stale,
        )  # finished: never again


def test_of_many_threads_exactly_one_claims_the_period(ledger: Ledger) -> None:
    start = threading.Barrier(8)
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            start.wait()
            with ledger.session() as session:
                results.append(
                    claim_period(
                        session=session, job="digest", period="p", owner=f"clock{i}", now=T0
                    )
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False] * 7 + [True]


def test_of_many_processes_exactly_one_claims_the_period(ledger: Ledger) -> None:
    url = ledger.engine.url.render_as_string(hide_password=False)
    calls = [
        {"job": "digest", "period": "2025-06-02", "owner": f"clock{i}", "now": T0} for i in range(4)
    ]
    assert sorted(in_processes(url, "claim_period", calls)) == [False, False, False, True]
