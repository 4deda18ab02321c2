"""Action runs and their steps: one run per approval, leases, resumable steps."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from audit import (
    ActionRun,
    ApprovalRequest,
    InvalidTransition,
    LeaseLost,
    Ledger,
    RunConflict,
    RunState,
    StepNotFound,
    StepState,
    bring_forward,
    cancel_scheduled,
    claim,
    claimable,
    create,
    create_run,
    fail_run,
    fail_step,
    finish_run,
    finish_step,
    for_approval,
    get_run,
    release,
    renew,
    reopen,
    start_step,
    steps,
)

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
STEPS = ["review", "phone_users", "phone_numbers", "finish"]


def _approval(ledger: Ledger) -> ApprovalRequest:
    with ledger.session() as session:
        return create(
            session=session,
            kind="deactivate",
            account="1001",
            requested_by="U1",
            reason="",
            preview={},
            now=T0,
            ttl=timedelta(hours=24),
        )


def _run(ledger: Ledger, approval_id: str | None = None) -> ActionRun:
    with ledger.session() as session:
        return create_run(
            session=session,
            approval_id=approval_id,
            kind="deactivate",
            account="1001",
            steps=STEPS,
            now=T0,
        )


def _claimed(ledger: Ledger, owner: str = "w1") -> ActionRun:
    run = _run(ledger)
    with ledger.session() as session:
        assert claim(session=session, run_id=run.id, owner=owner, now=T0, lease_for=LEASE)
    return run


def _state(ledger: Ledger, run_id: str) -> ActionRun:
    with ledger.session() as session:
        run = get_run(session=session, run_id=run_id)
    assert run is not None
    return run


def test_create_run_makes_a_pending_run_with_its_steps_in_order(ledger: Ledger) -> None:
    approval = _approval(ledger)
    run = _run(ledger, approval.id)
    assert (run.state, run.approval_id, run.kind, run.account) == (
        RunState.PENDING,
        approval.id,
        "deactivate",
        "1001",
    )
    assert (run.created_at, run.updated_at, run.lease_owner) == (T0, T0, None)
    with ledger.session() as session:
        listed = steps(session=session, run_id=run.id)
        assert for_approval(session=session, approval_id=approval.id).id == run.id  # type: ignore[union-attr]
    assert [(s.position, s.name, s.state, s.attempts) for s in listed] == [
        (i, name, StepState.PENDING, 0) for i, name in enumerate(STEPS)
    ]


def test_a_second_create_for_the_same_approval_returns_the_first_run(ledger: Ledger) -> None:
    approval = _approval(ledger)
    first = _run(ledger, approval.id)
    second = _run(ledger, approval.id)
    assert second.id == first.id
    with ledger.session() as session:
        assert len(steps(session=session, run_id=first.id)) == len(STEPS)


def test_a_create_for_the_same_approval_with_another_account_conflicts(ledger: Ledger) -> None:
    approval = _approval(ledger)
    _run(ledger, approval.id)
    with pytest.raises(RunConflict), ledger.session() as session:
        create_run(
            session=session,
            approval_id=approval.id,
            kind="deactivate",
            account="2002",
            steps=STEPS,
            now=T0,
        )


def test_a_run_needs_steps_and_a_real_approval(ledger: Ledger) -> None:
    with pytest.raises(InvalidTransition), ledger.session() as session:
        create_run(session=session, approval_id=None, kind="k", account="1", steps=[], now=T0)
    with pytest.raises(IntegrityError), ledger.session() as session:
        create_run(
            session=session, approval_id="missing", kind="k", account="1", steps=["a"], now=T0
        )


def test_concurrent_creates_for_one_approval_make_one_run(ledger: Ledger) -> None:
    approval = _approval(ledger)
    start = threading.Barrier(6)
    ids: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            ids.append(_run(ledger, approval.id).id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(ids)) == 1
    with ledger.session() as session:
        assert len(steps(session=session, run_id=ids[0])) == len(STEPS)


def test_claim_takes_a_free_lease_and_keeps_others_out_until_it_lapses(ledger: Ledger) -> None:
    run = _run(ledger)
    with ledger.session() as session:
        assert claim(session=session, run_id=run.id, owner="w1", now=T0, lease_for=LEASE)
        assert not claim(
            session=session, run_id=run.id, owner="w2", now=T0 + LEASE / 2, lease_for=LEASE
        )
        assert claim(
            session=session, run_id=run.id, owner="w1", now=T0 + LEASE / 2, lease_for=LEASE
        )  # already mine
        assert claim(
            session=session, run_id=run.id, owner="w2", now=T0 + LEASE * 2, lease_for=LEASE
        )  # lapsed
    stored = _state(ledger, run.id)
    assert (stored.state, stored.lease_owner, stored.lease_until) == (
        RunState.RUNNING,
        "w2",
        T0 + LEASE * 3,
    )


def test_a_finished_run_cannot_be_claimed(ledger: Ledger) -> None:
    run = _claimed(ledger)
    with ledger.session() as session:
        finish_run(session=session, run_id=run.id, owner="w1", now=T0)
        assert not claim(session=session, run_id=run.id, owner="w1", now=T0, lease_for=LEASE)


def test_renew_extends_only_the_owners_lease(ledger: Ledger) -> None:
    run = _claimed(ledger)
    with ledger.session() as session:
        assert renew(session=session, run_id=run.id, owner="w1", now=T0 + LEASE, lease_for=LEASE)
        assert not renew(
            session=session, run_id=run.id, owner="w2", now=T0 + LEASE, lease_for=LEASE
        )
    assert _state(ledger, run.id).lease_until == T0 + 2 * LEASE


def test_release_lets_another_worker_claim_at_once(ledger: Ledger) -> None:
    run = _claimed(ledger)
    with ledger.session() as session:
        assert not release(session=session, run_id=run.id, owner="w2", now=T0)
        assert release(session=session, run_id=run.id, owner="w1", now=T0)
        assert claimable(session=session, now=T0) == [run.id]
        assert claim(session=session, run_id=run.id, owner="w2", now=T0, lease_for=LEASE)


def test_claimable_lists_unfinished_runs_without_a_live_lease(ledger: Ledger) -> None:
    unclaimed = _run(ledger)
    leased = _claimed(ledger, owner="w1")
    done = _claimed(ledger, owner="w2")
    with ledger.session() as session:
        finish_run(session=session, run_id=done.id, owner="w2", now=T0)
        assert claimable(session=session, now=T0 + LEASE / 2) == [unclaimed.id]
        assert sorted(claimable(session=session, now=T0 + LEASE)) == sorted(
            [unclaimed.id, leased.id]
        )


def test_of_many_concurrent_claims_exactly_one_wins(ledger: Ledger) -> None:
    run = _run(ledger)
    start = threading.Barrier(8)
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            start.wait()
            with ledger.session() as session:
                results.append(
                    claim(session=session, run_id=run.id, owner=f"w{i}", now=T0, lease_for=LEASE)
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


def test_steps_move_through_their_states(ledger: Ledger) -> None:
    run = _claimed(ledger)
    t1, t2, t3 = (T0 + timedelta(seconds=s) for s in (1, 2, 3))
    with ledger.session() as session:
        start_step(session=session, run_id=run.id, position=0, owner="w1", now=t1)
        finish_step(
            session=session, run_id=run.id, position=0, owner="w1", now=t2, detail={"found": 3}
        )
        start_step(session=session, run_id=run.id, position=1, owner="w1", now=t2)
        fail_step(
            session=session, run_id=run.id, position=1, owner="w1", now=t3, error="platform 503"
        )
    with ledger.session() as session:
        first, second, *_ = steps(session=session, run_id=run.id)
    assert (first.state, first.detail, first.started_at, first.finished_at, first.attempts) == (
        StepState.DONE,
        {"found": 3},
        t1,
        t2,
        0,
    )
    assert (second.state, second.error, second.attempts) == (StepState.FAILED, "platform 503", 1)


def test_a_failed_step_can_be_retried_and_counts_its_failures(ledger: Ledger) -> None:
    run = _claimed(ledger)
    with ledger.session() as session:
        for _ in range(2):
            start_step(session=session, run_id=run.id, position=0, owner="w1", now=T0)
            fail_step(session=session, run_id=run.id, position=0, owner="w1", now=T0, error="x")
        start_step(session=session, run_id=run.id, position=0, owner="w1", now=T0)
        step = finish_step(session=session, run_id=run.id, position=0, owner="w1", now=T0)
    assert (step.state, step.attempts, step.error, step.detail) == (StepState.DONE, 2, None, {})


def test_a_done_step_is_never_started_or_finished_again(ledger: Ledger) -> None:
    run = _claimed(ledger)
    with ledger.session() as session:
        finish_step(session=session, run_id=run.id, position=0, owner="w1", now=T0)
    for action in (start_step, finish_step):
        with pytest.raises(InvalidTransition), ledger.session() as session:
            action(session=session, run_id=run.id, position=0, owner="w1", now=T0)


def test_an_unknown_step_raises(ledger: Ledger) -> None:
    run = _claimed(ledger)
    with pytest.raises(StepNotFound), ledger.session() as session:
        start_step(session=session, run_id=run.id, position=99, owner="w1", now=T0)


def test_a_worker_whose_lease_was_taken_cannot_record_progress(ledger: Ledger) -> None:
    run = _claimed(ledger, owner="w1")
    with ledger.session() as session:
        assert claim(
            session=session, run_id=run.id, owner="w2", now=T0 + 2 * LEASE, lease_for=LEASE
        )
    for action in (start_step, finish_step):
        with pytest.raises(LeaseLost), ledger.session() as session:
            action(session=session, run_id=run.id, position=0, owner="w1", now=T0)
    with pytest.raises(LeaseLost), ledger.session() as session:
        fail_step(session=session, run_id=run.id, position=0, owner="w1", now=T0, error="x")
    with pytest.raises(LeaseLost), ledger.session() as session:
        finish_run(session=session, run_id=run.id, owner="w1", now=T0)
    with ledger.session() as session:
        assert steps(session=session, run_id=run.id)[0].state == StepState.PENDING


def test_step_updates_without_an_owner_skip_the_lease_check(ledger: Ledger) -> None:
    run = _run(ledger)
    with ledger.session() as session:
        step = finish_step(session=session, run_id=run.id, position=0, now=T0)
    assert step.state == StepState.DONE


def test_finish_and_fail_end_the_run_and_free_the_lease(ledger: Ledger) -> None:
    good, bad = _claimed(ledger), _claimed(ledger)
    with ledger.session() as session:
        finished = finish_run(session=session, run_id=good.id, owner="w1", now=T0 + LEASE)
        failed = fail_run(
            session=session, run_id=bad.id, owner="w1", now=T0 + LEASE, error="SBC refused"
        )
    assert (finished.state, finished.lease_owner, finished.error) == (
        RunState.SUCCEEDED,
        None,
        None,
    )
    assert (failed.state, failed.lease_until, failed.error) == (
        RunState.FAILED,
        None,
        "SBC refused",
    )
    assert failed.updated_at == T0 + LEASE


def test_reopen_puts_a_failed_run_back_in_the_queue_once(ledger: Ledger) -> None:
    run = _claimed(ledger)
    with ledger.session() as session:
        assert not reopen(session=session, run_id=run.id, now=T0)  # running, not failed
        fail_run(session=session, run_id=run.id, owner="w1", now=T0, error="x")
        assert reopen(session=session, run_id=run.id, now=T0)
        assert not reopen(session=session, run_id=run.id, now=T0)
        assert claimable(session=session, now=T0) == [run.id]
    stored = _state(ledger, run.id)
    assert (stored.state, stored.error) == (RunState.PENDING, None)


# -- scheduled runs (a cancel window) -----------------------------------------------------------


def _scheduled(ledger: Ledger, at: datetime) -> ActionRun:
    with ledger.session() as session:
        return create_run(
            session=session,
            approval_id=None,
            kind="deactivate",
            account="1001",
            steps=STEPS,
            now=T0,
            not_before=at,
        )


def test_a_scheduled_run_is_neither_claimable_nor_claimed_before_its_time(ledger: Ledger) -> None:
    at = T0 + timedelta(seconds=60)
    run = _scheduled(ledger, at)
    with ledger.session() as session:
        assert run.id not in claimable(session=session, now=at - timedelta(seconds=1))
        assert not claim(session=session, run_id=run.id, owner="w1", now=T0, lease_for=LEASE)
    with ledger.session() as session:
        assert run.id in claimable(session=session, now=at)
        assert claim(session=session, run_id=run.id, owner="w1", now=at, lease_for=LEASE)


def test_a_cancel_and_a_claim_never_both_win(ledger: Ledger) -> None:
    at = T0 + timedelta(seconds=60)
    cancelled, claimed = _scheduled(ledger, at), _scheduled(ledger, at)
    note = {"by": "U1", "reason": "changed their mind"}
    with ledger.session() as session:
        assert cancel_scheduled(session=session, run_id=cancelled.id, now=T0, note=note)
        assert not claim(session=session, run_id=cancelled.id, owner="w1", now=at, lease_for=LEASE)
        assert claim(session=session, run_id=claimed.id, owner="w1", now=at, lease_for=LEASE)
        assert not cancel_scheduled(session=session, run_id=claimed.id, now=at, note=note)
    with ledger.session() as session:
        row = get_run(session=session, run_id=cancelled.id)
        assert row is not None and row.state == RunState.SUCCEEDED
        assert row.outcome == "cancelled" and row.params == {"cancelled": note}
        assert cancelled.id not in claimable(session=session, now=at + LEASE)


def test_a_reopened_run_is_not_cancelled_and_only_a_waiting_run_is_brought_forward(
    ledger: Ledger,
) -> None:
    run = _claimed(ledger)
    with ledger.session() as session:
        start_step(session=session, run_id=run.id, position=0, now=T0, owner="w1")
        fail_step(session=session, run_id=run.id, position=0, now=T0, error="x", owner="w1")
        fail_run(session=session, run_id=run.id, owner="w1", now=T0, error="x")
        assert reopen(session=session, run_id=run.id, now=T0)
        assert not cancel_scheduled(session=session, run_id=run.id, now=T0, note={})
        assert not bring_forward(session=session, run_id=run.id, now=T0)
    waiting = _scheduled(ledger, T0 + timedelta(hours=1))
    with ledger.session() as session:
        assert bring_forward(session=session, run_id=waiting.id, now=T0)
        assert not bring_forward(session=session, run_id=waiting.id, now=T0)
        assert claim(session=session, run_id=waiting.id, owner="w1", now=T0, lease_for=LEASE)
