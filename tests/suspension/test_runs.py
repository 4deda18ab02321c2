"""Suspension as a durable action on the run engine: written before it acts, reconciled when a
lost attempt acted, and re-checked against its requester's authority at the moment of effect."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from audit import ActionRun
from audit import runs as ledger_runs
from commands.actor import Actor, Role
from commands.approvals.decisions import decide_approval
from commands.approvals.model import ActionInProgress, ApprovalView, DecideApproval
from commands.deps import Deps, Policy
from commands.errors import NothingToDo
from commands.runs import engine
from commands.runs import kinds as run_kinds
from commands.runs import records as run_records
from commands.suspension.confirmation import settled
from commands.suspension.models import ConfirmAction, PrepareSuspension, SentForApproval
from commands.suspension.override import SuspendOverride, suspend_override
from commands.suspension.suspend import confirm, prepare_suspension
from devkit.sandbox import Sandbox
from tests.suspension.conftest import ALICE, OVERDUE, events, suspension_of, trail


def _runs(deps: Deps) -> list[ActionRun]:
    with deps.ledger.read_session() as session:
        rows = list(session.scalars(select(ActionRun)).all())
        for row in rows:
            session.expunge(row)
        return rows


def test_the_run_is_written_with_the_confirmation_before_the_platform_is_called(
    deps: Deps, sandbox: Sandbox
) -> None:
    shown = prepare_suspension(PrepareSuspension(account=OVERDUE, reason="r"), ALICE, deps)
    sandbox.faults("platform").set(error_rate=1.0)  # the step cannot even read the account
    with pytest.raises(run_records.ActionFailed):
        confirm(ConfirmAction(confirmation_id=shown.id), ALICE, deps)
    [run] = _runs(deps)
    assert (run.kind, run.account, run.requested_by, run.state) == (
        "suspend",
        OVERDUE,
        ALICE.user_id,
        "failed",
    )
    assert run.params is not None and run.params["reference"] == {"confirmation_id": shown.id}


def test_a_resumed_step_records_what_the_lost_attempt_did(deps: Deps, sandbox: Sandbox) -> None:
    shown = prepare_suspension(PrepareSuspension(account=OVERDUE, reason="r"), ALICE, deps)
    # The lost attempt: the run exists and its step started, then the process died right after
    # the platform suspended the account.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "execute", lambda *a, **k: run_kinds.RunOutcome("x", "interrupted"))
        with pytest.raises(run_kinds.InProgress):
            confirm(ConfirmAction(confirmation_id=shown.id), ALICE, deps)
    [run] = _runs(deps)
    with deps.ledger.session() as session:
        assert ledger_runs.claim(
            session=session,
            run_id=run.id,
            owner="dead",
            now=deps.now(),
            lease_for=run_kinds.DEFAULT_LEASE,
        )
        ledger_runs.start_step(
            session=session, run_id=run.id, position=0, owner="dead", now=deps.now()
        )
    deps.platform.suspend(OVERDUE, reason="r", by=ALICE.user_id)

    later = deps.with_now(lambda: deps.now() + 2 * run_kinds.DEFAULT_LEASE)
    assert run_records.resumable_runs(later) == [run.id]
    outcome = engine.execute(later, run.id)
    assert outcome.state == "succeeded"
    assert suspension_of(sandbox, OVERDUE) is not None
    last = events(deps.ledger, OVERDUE)[-1]
    assert (last.action, last.outcome) == ("suspend", "ok") and "reconciled" in last.details
    assert sandbox.counters.get("platform", "PUT /v2/accounts/{A}/suspension") == 1


def test_a_requester_who_lost_the_role_is_refused_at_the_moment_of_effect(
    deps: Deps, sandbox: Sandbox
) -> None:
    shown = prepare_suspension(PrepareSuspension(account=OVERDUE, reason="r"), ALICE, deps)
    gone = dataclasses.replace(deps, authority=lambda user, role: False)
    with pytest.raises(NothingToDo) as refused:
        confirm(ConfirmAction(confirmation_id=shown.id), ALICE, gone)
    assert "no longer holds the operator role" in str(refused.value)
    assert suspension_of(sandbox, OVERDUE) is None
    assert trail(deps.ledger, OVERDUE)[-1] == ("system", "suspend", "refused")
    [run] = _runs(deps)
    assert (run.state, run.outcome) == ("succeeded", "refused")


def test_a_second_suspension_request_is_refused_and_leaves_its_confirmation_unused(
    deps: Deps, sandbox: Sandbox
) -> None:
    strict = dataclasses.replace(deps, policy=Policy(suspend_requires_approval=True))
    first = prepare_suspension(PrepareSuspension(account=OVERDUE, reason="r"), ALICE, strict)
    second = prepare_suspension(PrepareSuspension(account=OVERDUE, reason="r"), ALICE, strict)
    sent = confirm(ConfirmAction(confirmation_id=first.id), ALICE, strict)
    assert isinstance(sent, SentForApproval) and sent.request.state == "pending"

    with pytest.raises(ActionInProgress) as refused:
        confirm(ConfirmAction(confirmation_id=second.id), ALICE, strict)
    assert "already has a suspension" in str(refused.value)
    assert settled(strict, second.id) is None  # the settlement was rolled back with it
    assert trail(deps.ledger, OVERDUE)[-1] == (ALICE.user_id, "suspend.request", "refused")
    assert suspension_of(sandbox, OVERDUE) is None


def test_an_approved_override_interrupted_after_the_platform_acted_is_recorded_once(
    deps: Deps, sandbox: Sandbox
) -> None:
    bob = Actor.with_grants("U0BOB", {Role.APPROVER})
    asked = suspend_override(
        SuspendOverride(account="1004", reason="fraud case, confirmed"), ALICE, deps
    )
    assert isinstance(asked, ApprovalView)
    decide_approval(DecideApproval(request_id=asked.id, decision="approve"), bob, deps)
    run = run_records.run_for_approval(deps, asked.id)
    assert run is not None and run.kind == "suspend.override"
    now, lease = deps.now(), run_kinds.DEFAULT_LEASE
    with deps.ledger.session() as session:  # the approving process took the step, then died
        assert ledger_runs.claim(
            session=session, run_id=run.id, owner="dead", now=now, lease_for=lease
        )
        ledger_runs.start_step(session=session, run_id=run.id, position=0, owner="dead", now=now)
    deps.platform.suspend("1004", reason="fraud case, confirmed", by=ALICE.user_id)

    later = deps.with_now(lambda: deps.now() + 2 * lease)
    assert run_records.resumable_runs(later) == [run.id]
    assert engine.execute(later, run.id).state == "succeeded"
    last = events(deps.ledger, "1004")[-1]
    assert (last.action, last.outcome) == ("suspend.override", "ok")
    assert last.details["approved_by"] == "U0BOB" and "reconciled" in last.details
    assert sandbox.counters.get("platform", "PUT /v2/accounts/{A}/suspension") == 1
