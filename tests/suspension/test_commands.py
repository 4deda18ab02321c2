"""The suspension commands against the sandbox (real HTTP, real clients) and a real ledger."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit import Ledger
from audit import locks as ledger_locks
from commands.approvals.decisions import decide_approval
from commands.approvals.model import ActionInProgress, DecideApproval
from commands.approvals.requests import load_approval
from commands.deps import Deps, Policy
from commands.errors import AccountNotFound, Forbidden, InvalidInput, NothingToDo
from commands.runs.engine import execute
from commands.runs.kinds import AccountLocked
from commands.runs.records import ActionFailed, load_run
from commands.runs.retry import RetryRun, retry_run
from commands.suspension.approval import suspend_approved
from commands.suspension.confirmation import (
    CONFIRM_TTL,
    cancel_confirmation,
    load_confirmation,
    settled,
)
from commands.suspension.models import (
    AlreadySettled,
    AlreadySuspended,
    AwaitingApproval,
    CancelConfirmation,
    ConfirmAction,
    Confirmation,
    ConfirmationExpired,
    NotOverdue,
    NotYourConfirmation,
    PaidSinceConfirmation,
    PrepareSuspension,
    PrepareUnsuspension,
    SentForApproval,
    Suspended,
    UnknownConfirmation,
    Unsuspended,
    clean_origin,
)
from commands.suspension.suspend import confirm, prepare_suspension, prepare_unsuspension
from devkit.sandbox import Sandbox
from tests.suspension.conftest import (
    ALICE,
    BOB,
    OSCAR,
    OVERDUE,
    PAID_UP,
    RECENT,
    SUSPEND_DELETE,
    SUSPENDED,
    VERA,
    close,
    events,
    make_deps,
    pay_everything,
    puts,
    suspension_of,
    trail,
)


def prepare(
    deps: Deps, account: str = OVERDUE, reason: str = "3 reminders unanswered", **kw: str
) -> Confirmation:
    return prepare_suspension(PrepareSuspension(account=account, reason=reason, **kw), ALICE, deps)


def test_prepare_shows_the_overdue_invoices_and_stores_the_confirmation(deps: Deps) -> None:
    shown = prepare(deps)
    assert shown.action == "suspend" and shown.account == OVERDUE
    assert shown.requested_by == ALICE.user_id and shown.reason == "3 reminders unanswered"
    assert shown.overdue is not None
    assert shown.overdue.count == 1 and shown.overdue.total > 0
    assert shown.overdue.oldest_due is not None and shown.overdue.oldest_days == 8
    assert shown.expires_at - shown.created_at == CONFIRM_TTL
    assert load_confirmation(deps, shown.id) == shown
    assert settled(deps, shown.id) is None


def test_confirm_suspends_with_the_reason_and_who(deps: Deps, sandbox: Sandbox) -> None:
    shown = prepare(deps, origin="digest:2026-01-05")
    result = confirm(ConfirmAction(confirmation_id=shown.id), ALICE, deps)
    assert isinstance(result, Suspended)
    assert result.reason == "3 reminders unanswered" and result.by == ALICE.user_id
    found = suspension_of(sandbox, OVERDUE)
    assert found is not None and found[:2] == ("3 reminders unanswered", ALICE.user_id)
    assert trail(deps.ledger, OVERDUE) == [
        (ALICE.user_id, "suspend.confirm", "ok"),
        (ALICE.user_id, "suspend", "ok"),
    ]
    done = events(deps.ledger, OVERDUE)[-1].details
    assert done["origin"] == "digest:2026-01-05" and done["confirmation_id"] == shown.id
    assert done["before"] == {"suspended": None}
    assert done["after"]["suspended"]["reason"] == "3 reminders unanswered"
    assert done["overdue"]["count"] == 1


def test_the_reason_typed_at_the_click_wins(deps: Deps, sandbox: Sandbox) -> None:
    shown = prepare(deps, reason="")
    with pytest.raises(InvalidInput):
        confirm(ConfirmAction(confirmation_id=shown.id), ALICE, deps)
    with pytest.raises(InvalidInput):
        confirm(ConfirmAction(confirmation_id=shown.id, reason="  "), ALICE, deps)
    assert settled(deps, shown.id) is None  # still usable
    confirm(ConfirmAction(confirmation_id=shown.id, reason="edited reason"), ALICE, deps)
    found = suspension_of(sandbox, OVERDUE)
    assert found is not None and found[0] == "edited reason"


def test_a_second_confirm_is_told_it_is_done(deps: Deps, sandbox: Sandbox) -> None:
    shown = prepare(deps)
    confirm(ConfirmAction(confirmation_id=shown.id), ALICE, deps)
    with pytest.raises(AlreadySettled) as caught:
        confirm(ConfirmAction(confirmation_id=shown.id), ALICE, deps)
    assert "Already done" in str(caught.value) and caught.value.settled.state == "confirmed"
    assert puts(sandbox) == 1
    assert (ALICE.user_id, "suspend.confirm", "refused") in trail(deps.ledger, OVERDUE)


@pytest.fixture
def any_deps(sandbox: Sandbox, ledger: Ledger) -> Iterator[Deps]:
    """Deps on SQLite and on PostgreSQL."""
    made = make_deps(sandbox, ledger)
    yield made
    close(made)


def test_concurrent_confirms_suspend_once(any_deps: Deps, sandbox: Sandbox) -> None:
    shown = prepare(any_deps)
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def click() -> None:
        start.wait()
        try:
            confirm(ConfirmAction(confirmation_id=shown.id), ALICE, any_deps)
            result = "won"
        except AlreadySettled:
            result = "told"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["told"] * 7 + ["won"]
    assert puts(sandbox) == 1
    oks = [t for t in trail(any_deps.ledger, OVERDUE) if t[2] == "ok"]
    assert oks == [(ALICE.user_id, "suspend.confirm", "ok"), (ALICE.user_id, "suspend", "ok")]


def test_paid_since_the_confirmation_is_not_suspended(deps: Deps, sandbox: Sandbox) -> None:
    shown = prepare(deps)
    assert pay_everything(sandbox, OVERDUE) == 1
    with pytest.raises(PaidSinceConfirmation) as caught:
        confirm(ConfirmAction(confirmation_id=shown.id), ALICE, deps)
    assert "has paid" in str(caught.value) and "not* suspended" in str(caught.value)
    assert suspension_of(sandbox, OVERDUE) is None and puts(sandbox) == 0
    last = events(deps.ledger, OVERDUE)[-1]
    assert (last.action, str(last.outcome)) == ("suspend", "refused")
    assert last.details["problem"] == "paid since confirmation"


def test_suspended_meanwhile_changes_nothing(deps: Deps, sandbox: Sandbox) -> None:
    shown = prepare(deps)
    deps.platform.suspend(OVERDUE, reason="someone else", by="U0OTHER")
    with pytest.raises(AlreadySuspended):
        confirm(ConfirmAction(confirmation_id=shown.id), ALICE, deps)
    found = suspension_of(sandbox, OVERDUE)
    assert found is not None and found[0] == "someone else"


@pytest.mark.parametrize(
    ("account", "error"),
    [(SUSPENDED, AlreadySuspended), (PAID_UP, NotOverdue), (RECENT, NotOverdue)],
)
def test_nothing_to_suspend_is_said_and_audited(
    deps: Deps, sandbox: Sandbox, account: str, error: type[NothingToDo]
) -> None:
    before = suspension_of(sandbox, account)
    with pytest.raises(error):
        prepare(deps, account=account)
    assert suspension_of(sandbox, account) == before and puts(sandbox) == 0
    assert trail(deps.ledger, account) == [(ALICE.user_id, "suspend", "refused")]


def test_from_a_digest_that_has_since_been_paid(deps: Deps) -> None:
    with pytest.raises(NotOverdue) as caught:
        prepare(deps, account=PAID_UP, origin="digest:2026-01-05")
    assert "digest of 2026-01-05" in str(caught.value) and "paid since" in str(caught.value)


def test_cancel_changes_nothing_and_uses_up_the_confirmation(deps: Deps, sandbox: Sandbox) -> None:
    shown = prepare(deps)
    cancel_confirmation(CancelConfirmation(confirmation_id=shown.id), ALICE, deps)
    with pytest.raises(AlreadySettled) as caught:
        confirm(ConfirmAction(confirmation_id=shown.id), ALICE, deps)
    assert caught.value.settled.state == "cancelled"
    assert suspension_of(sandbox, OVERDUE) is None and puts(sandbox) == 0
    assert (ALICE.user_id, "suspend.cancel", "ok") in trail(deps.ledger, OVERDUE)


def test_only_the_asker_may_confirm(deps: Deps, sandbox: Sandbox) -> None:
    shown = prepare(deps)
    with pytest.raises(NotYourConfirmation):
        confirm(ConfirmAction(confirmation_id=shown.id), OSCAR, deps)
    with pytest.raises(Forbidden):
        confirm(ConfirmAction(confirmation_id=shown.id), VERA, deps)
    assert puts(sandbox) == 0
    got = trail(deps.ledger, OVERDUE)
    assert (OSCAR.user_id, "suspend.confirm", "refused") in got
    assert (VERA.user_id, "suspend.confirm", "refused") in got
    confirm(ConfirmAction(confirmation_id=shown.id), ALICE, deps)  # still usable by the asker
    assert puts(sandbox) == 1


def test_an_expired_confirmation_is_refused(deps: Deps, sandbox: Sandbox) -> None:
    shown = prepare(deps)
    later = deps.with_now(lambda: shown.created_at + CONFIRM_TTL)
    with pytest.raises(ConfirmationExpired):
        confirm(ConfirmAction(confirmation_id=shown.id), ALICE, later)
    assert puts(sandbox) == 0


@pytest.mark.parametrize("value", ["", "nope", "x" * 300, "a/b", "../../etc"])
def test_an_unknown_or_tampered_id_is_refused(deps: Deps, value: str) -> None:
    with pytest.raises(UnknownConfirmation):
        confirm(ConfirmAction(confirmation_id=value), ALICE, deps)
    with pytest.raises(UnknownConfirmation):
        cancel_confirmation(CancelConfirmation(confirmation_id=value), ALICE, deps)


def test_a_viewer_cannot_prepare(deps: Deps) -> None:
    with pytest.raises(Forbidden):
        prepare_suspension(PrepareSuspension(account=OVERDUE), VERA, deps)


def test_unknown_account(deps: Deps) -> None:
    with pytest.raises(AccountNotFound):
        prepare(deps, account="999999")


def test_a_backend_failure_is_audited_as_failed(deps: Deps, sandbox: Sandbox) -> None:
    shown = prepare(deps)
    sandbox.faults("platform").set(error_rate=1.0)
    with pytest.raises(ActionFailed) as failed:
        confirm(ConfirmAction(confirmation_id=shown.id), ALICE, deps)
    sandbox.clear_faults()
    assert trail(deps.ledger, OVERDUE)[-1] == (ALICE.user_id, "suspend", "failed")
    # The run is recorded as failed at its named step, and Retry finishes it.
    assert failed.value.step == "suspend" and "does not show the change" in str(failed.value)
    assert suspension_of(sandbox, OVERDUE) is None
    run = load_run(deps, failed.value.run_id)
    assert run is not None and run.state == "failed"
    retried = retry_run(RetryRun(run_id=run.id), ALICE, deps)
    assert retried.state == "pending"
    assert execute(deps, run.id).state == "succeeded"
    assert suspension_of(sandbox, OVERDUE) is not None
    assert trail(deps.ledger, OVERDUE)[-1] == (ALICE.user_id, "suspend", "ok")


def test_unsuspend_lifts_it(deps: Deps, sandbox: Sandbox) -> None:
    before = suspension_of(sandbox, SUSPENDED)
    assert before is not None
    shown = prepare_unsuspension(PrepareUnsuspension(account=SUSPENDED), ALICE, deps)
    assert shown.suspended is not None and shown.suspended.reason == before[0]
    result = confirm(ConfirmAction(confirmation_id=shown.id, reason="paid in full"), ALICE, deps)
    assert isinstance(result, Unsuspended) and result.note == "paid in full"
    assert suspension_of(sandbox, SUSPENDED) is None
    assert sandbox.counters.get("platform", SUSPEND_DELETE) == 1
    assert trail(deps.ledger, SUSPENDED)[-2:] == [
        (ALICE.user_id, "unsuspend.confirm", "ok"),
        (ALICE.user_id, "unsuspend", "ok"),
    ]
    last = events(deps.ledger, SUSPENDED)[-1].details
    assert last["before"]["suspended"]["reason"] == before[0] and last["after"] == {
        "suspended": None
    }


def test_unsuspending_an_active_account_changes_nothing(deps: Deps, sandbox: Sandbox) -> None:
    with pytest.raises(NothingToDo):
        prepare_unsuspension(PrepareUnsuspension(account=OVERDUE), ALICE, deps)
    assert sandbox.counters.get("platform", SUSPEND_DELETE) == 0
    assert trail(deps.ledger, OVERDUE) == [(ALICE.user_id, "unsuspend", "refused")]


def test_with_approval_required_it_becomes_a_four_eyes_request(
    deps: Deps, sandbox: Sandbox
) -> None:
    strict = dataclasses.replace(deps, policy=Policy(suspend_requires_approval=True))
    shown = prepare(strict)
    assert shown.needs_approval
    result = confirm(ConfirmAction(confirmation_id=shown.id), ALICE, strict)
    assert isinstance(result, SentForApproval)
    assert suspension_of(sandbox, OVERDUE) is None
    with pytest.raises(AwaitingApproval):
        prepare(strict)
    decided = decide_approval(
        DecideApproval(request_id=result.request.id, decision="approve"), BOB, strict
    )
    done = suspend_approved(strict, decided.request)
    assert done.by == ALICE.user_id and done.approved_by == BOB.user_id
    found = suspension_of(sandbox, OVERDUE)
    assert found is not None and found[:2] == ("3 reminders unanswered", ALICE.user_id)
    got = trail(strict.ledger, OVERDUE)
    assert (ALICE.user_id, "suspend.request", "ok") in got
    assert (BOB.user_id, "suspend.approve", "ok") in got
    assert got[-1] == (ALICE.user_id, "suspend", "ok")
    assert events(strict.ledger, OVERDUE)[-1].details["approved_by"] == BOB.user_id
    request = load_approval(strict, result.request.id)
    assert request is not None and request.preview["overdue"]["count"] == 1


@given(st.text(max_size=40))
def test_only_digest_origins_are_kept(value: str) -> None:
    kept = clean_origin(value)
    assert kept is None or (kept == value and value.startswith("digest:") and len(value) == 17)


def test_origin_shapes() -> None:
    assert clean_origin("digest:2026-11-24") == "digest:2026-11-24"
    for junk in (None, 5, "digest:2026-11-24x", "digest:<!channel>", "account-view"):
        assert clean_origin(junk) is None


def test_policy_threshold_is_respected(deps: Deps) -> None:
    lenient = dataclasses.replace(deps, policy=Policy(overdue_days=2))
    shown = prepare(lenient, account=RECENT)
    assert shown.overdue is not None and shown.overdue.count >= 1
    strict = dataclasses.replace(deps, policy=Policy(overdue_min_balance=1_000_000.0))
    with pytest.raises(NotOverdue):
        prepare(strict)


def test_confirm_window(deps: Deps) -> None:
    shown = prepare(deps)
    early = deps.with_now(lambda: shown.expires_at - timedelta(seconds=1))
    assert isinstance(confirm(ConfirmAction(confirmation_id=shown.id), ALICE, early), Suspended)


def test_after_a_crash_past_an_approval_asking_again_says_it_is_being_carried_out(
    deps: Deps, sandbox: Sandbox
) -> None:
    """The approval committed and its run was created, but the worker died before working it
    (issue 29): ``/jethub suspend`` says an approved suspension is under way, not "Suspend?"."""
    strict = dataclasses.replace(deps, policy=Policy(suspend_requires_approval=True))
    shown = prepare(strict)
    result = confirm(ConfirmAction(confirmation_id=shown.id), ALICE, strict)
    assert isinstance(result, SentForApproval)
    decide_approval(DecideApproval(request_id=result.request.id, decision="approve"), BOB, strict)
    # (no run is worked: the process died here)
    with pytest.raises(ActionInProgress) as refused:
        prepare(strict)
    assert f"approved by <@{BOB.user_id}> and being carried out" in str(refused.value)
    assert suspension_of(sandbox, OVERDUE) is None
    assert trail(strict.ledger, OVERDUE)[-1] == (ALICE.user_id, "suspend", "refused")


def test_a_direct_suspension_takes_the_accounts_lock_as_an_approved_one_does(
    deps: Deps, sandbox: Sandbox
) -> None:
    """While another suspension holds the account, a direct (unapproved) confirm is refused and
    leaves nothing behind — not only the confirmation's compare-and-set keeps them apart
    (issue 29). Its confirmation is still pending, and works once the account is free."""
    alices = prepare(deps)
    oscars = prepare_suspension(PrepareSuspension(account=OVERDUE, reason="unpaid"), OSCAR, deps)
    with deps.ledger.session() as session:  # a suspension run in flight on the account
        assert ledger_locks.take(
            session=session, kind="suspend", account=OVERDUE, now=deps.now(), run_id="in-flight"
        )
    with pytest.raises(AccountLocked):
        confirm(ConfirmAction(confirmation_id=oscars.id), OSCAR, deps)
    assert suspension_of(sandbox, OVERDUE) is None
    assert trail(deps.ledger, OVERDUE)[-1] == (OSCAR.user_id, "suspend.confirm", "refused")
    with deps.ledger.session() as session:
        ledger_locks.release(session=session, run_id="in-flight")
    assert isinstance(confirm(ConfirmAction(confirmation_id=oscars.id), OSCAR, deps), Suspended)
    with deps.ledger.read_session() as session:  # the run let go of the account when it ended
        assert ledger_locks.holder(session=session, kind="suspend", account=OVERDUE) is None
    with pytest.raises(AlreadySuspended):
        confirm(ConfirmAction(confirmation_id=alices.id), ALICE, deps)
