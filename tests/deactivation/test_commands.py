"""The command layer against the sandbox (real HTTP, real clients) and a real ledger."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from audit import Ledger
from audit.models import ApprovalState, RunState, StepState
from commands.actor import Actor, Role
from commands.approvals.decisions import decide_approval
from commands.approvals.expiry import expire_due
from commands.approvals.model import (
    AlreadyDecided,
    CancelApproval,
    DecideApproval,
    NotYourRequest,
    RequestExpired,
    SelfApproval,
    UnknownRequest,
)
from commands.approvals.requests import load_approval
from commands.approvals.withdrawal import cancel_approval
from commands.deactivation.request import (
    STEPS,
    DeactivationSummary,
    Growth,
    PreviewDeactivation,
    QuietProgress,
    RequestDeactivation,
    RunNotRetryable,
    execute_run,
    load_run,
    preview_deactivation,
    request_deactivation,
    resumable_runs,
    run_for_approval,
    run_steps,
)
from commands.deps import Deps
from commands.errors import Conflict, Forbidden, InvalidInput, NothingToDo
from commands.runs.retry import RetryRun, retry_run
from devkit.sandbox import Sandbox
from tests.deactivation.conftest import (
    ALICE,
    BETTY,
    BOB,
    OSCAR,
    VERA,
    actions,
    deletes,
    estate_counts,
    later,
    make_deps,
)

ACCOUNT = "1001"


def request(deps: Deps, account: str = ACCOUNT, actor: Any = ALICE) -> str:
    asked = request_deactivation(
        RequestDeactivation(
            account=account, reason="customer left", typed_account=account, children="keep"
        ),
        actor,
        deps,
    )
    return asked.request.id


def approve(deps: Deps, request_id: str, actor: Any = BOB) -> str:
    decide_approval(
        DecideApproval(request_id=request_id, decision="approve", typed_account=ACCOUNT),
        actor,
        deps,
    )
    run = run_for_approval(deps, request_id)
    assert run is not None
    return run.id


def assert_fully_deactivated(sandbox: Sandbox, account: str) -> None:
    counts = estate_counts(sandbox, account)
    for name in (
        "queues",
        "parking",
        "media",
        "users",
        "portal_users",
        "callflows",
        "pbxs",
        "subscriptions",
        "webhooks",
        "webtrackers",
    ):
        assert counts[name] == 0, name
    assert counts["in_service"] == 0 and counts["numbers"] > 0
    assert counts["status"] == "deactivated"


def test_preview_counts_every_step(deps: Deps, sandbox: Sandbox) -> None:
    preview = preview_deactivation(PreviewDeactivation(account=ACCOUNT), ALICE, deps)
    before = estate_counts(sandbox, ACCOUNT)
    radius = preview.radius
    assert radius.counts["queues"] == before["queues"] == 2
    assert radius.counts["users"] == before["users"]
    assert radius.counts["phone_numbers"] == len(radius.numbers) == before["in_service"]
    assert len(radius.subscription_ids) == before["subscriptions"]


def test_preview_needs_operator(deps: Deps) -> None:
    with pytest.raises(Forbidden):
        preview_deactivation(PreviewDeactivation(account=ACCOUNT), VERA, deps)
    assert ("U0VERA", "deactivate.preview", "refused") in actions(deps.ledger)


def test_whole_flow_empties_the_account_and_audits_each_step(deps: Deps, sandbox: Sandbox) -> None:
    before = estate_counts(sandbox, ACCOUNT)
    request_id = request(deps)
    run_id = approve(deps, request_id)
    sandbox.counters.reset()
    outcome = execute_run(deps, run_id)
    assert outcome.state == "succeeded"
    assert_fully_deactivated(sandbox, ACCOUNT)
    calls = deletes(sandbox)
    for name in (
        "queues",
        "parking",
        "media",
        "users",
        "portal_users",
        "callflows",
        "pbxs",
        "subscriptions",
        "webhooks",
        "webtrackers",
    ):
        assert calls[f"DELETE /v2/accounts/{{A}}/{name}/{{id}}"] == before[name], name
    assert calls["POST /v2/accounts/{A}/phone_numbers/{id}/quarantine"] == before["in_service"]
    assert calls["POST /v2/accounts/{A}/deactivate"] == 1
    trail = actions(deps.ledger, ACCOUNT)
    assert ("U0ALICE", "deactivate.request", "ok") in trail
    assert ("U0BOB", "deactivate.approve", "ok") in trail
    steps_logged = [a for a in trail if a[1] == "deactivate.step"]
    assert len(steps_logged) == len(STEPS) and all(a[2] == "ok" for a in steps_logged)
    assert trail[-1] == ("system", "deactivate.done", "ok")
    assert outcome.summary is not None
    summary = DeactivationSummary.model_validate(outcome.summary)
    assert summary.quarantined == before["in_service"]
    removed = {t.name: t.count for t in summary.removed}
    assert removed["queues"] == before["queues"]


def test_request_checks_typed_number_and_reason(deps: Deps) -> None:
    with pytest.raises(InvalidInput) as wrong:
        request_deactivation(
            RequestDeactivation(account=ACCOUNT, reason="x", typed_account="1002"), ALICE, deps
        )
    assert wrong.value.field == "confirm"
    with pytest.raises(InvalidInput) as blank:
        request_deactivation(
            RequestDeactivation(account=ACCOUNT, reason="  ", typed_account=ACCOUNT), ALICE, deps
        )
    assert blank.value.field == "reason"
    assert ("U0ALICE", "deactivate.request", "refused") in actions(deps.ledger)


def test_a_second_pending_request_is_refused(deps: Deps) -> None:
    request(deps)
    with pytest.raises(Conflict):
        request(deps, actor=OSCAR)


def test_self_approval_refused_and_audited(deps: Deps) -> None:
    request_id = request(deps)
    approver_alice = Actor.with_grants("U0ALICE", {Role.OPERATOR, Role.APPROVER})
    with pytest.raises(SelfApproval):
        decide_approval(
            DecideApproval(request_id=request_id, decision="approve", typed_account=ACCOUNT),
            approver_alice,
            deps,
        )
    assert ("U0ALICE", "deactivate.approve", "refused") in actions(deps.ledger)
    assert load_approval(deps, request_id).state is ApprovalState.PENDING  # type: ignore[union-attr]


def test_non_approver_refused_and_audited(deps: Deps) -> None:
    request_id = request(deps)
    with pytest.raises(Forbidden):
        decide_approval(
            DecideApproval(request_id=request_id, decision="approve", typed_account=ACCOUNT),
            OSCAR,
            deps,
        )
    assert ("U0OSCAR", "deactivate.approve", "refused") in actions(deps.ledger)
    assert run_for_approval(deps, request_id) is None


@pytest.mark.parametrize("value", ["nope", "x" * 300, "'; drop table x;--", ""])
def test_tampered_value_refused_and_audited(deps: Deps, value: str) -> None:
    request(deps)
    with pytest.raises(UnknownRequest):
        decide_approval(
            DecideApproval(request_id=value, decision="approve", typed_account=ACCOUNT), BOB, deps
        )
    assert ("U0BOB", "approval.decide", "refused") in actions(deps.ledger)


def test_value_of_another_message_is_refused(deps: Deps) -> None:
    from commands.approvals.requests import set_approval_message

    request_id = request(deps)
    set_approval_message(deps, request_id, channel="C1", ts="111.000")
    with pytest.raises(UnknownRequest):
        decide_approval(
            DecideApproval(request_id=request_id, decision="approve", message_ts="999.000"),
            BOB,
            deps,
        )


def test_click_after_expiry_refused_then_swept(deps: Deps) -> None:
    request_id = request(deps)
    afterwards = later(deps, timedelta(hours=25))
    with pytest.raises(RequestExpired):
        decide_approval(
            DecideApproval(request_id=request_id, decision="approve", typed_account=ACCOUNT),
            BOB,
            afterwards,
        )
    trail = actions(deps.ledger)
    assert ("U0BOB", "deactivate.approve", "refused") in trail
    expired = expire_due(afterwards)
    assert [r.id for r in expired] == [request_id]
    assert expire_due(afterwards) == []  # exactly once
    with pytest.raises(RequestExpired):
        decide_approval(
            DecideApproval(request_id=request_id, decision="approve", typed_account=ACCOUNT),
            BETTY,
            afterwards,
        )
    assert ("system", "deactivate.expire", "ok") in actions(deps.ledger)


def test_second_decision_is_told_who_decided(deps: Deps) -> None:
    request_id = request(deps)
    approve(deps, request_id, BOB)
    with pytest.raises(AlreadyDecided) as late:
        decide_approval(
            DecideApproval(request_id=request_id, decision="deny", reason="no"), BETTY, deps
        )
    assert "<@U0BOB>" in str(late.value)


def test_deny_needs_a_reason_and_starts_nothing(deps: Deps) -> None:
    request_id = request(deps)
    with pytest.raises(InvalidInput):
        decide_approval(
            DecideApproval(request_id=request_id, decision="deny", reason=""), BOB, deps
        )
    decided = decide_approval(
        DecideApproval(request_id=request_id, decision="deny", reason="still paying"), BOB, deps
    )
    assert decided.request.state is ApprovalState.DENIED
    assert decided.request.decision_reason == "still paying"
    assert run_for_approval(deps, request_id) is None


def test_only_the_requester_cancels(deps: Deps) -> None:
    request_id = request(deps)
    with pytest.raises(NotYourRequest):
        cancel_approval(CancelApproval(request_id=request_id), OSCAR, deps)
    cancelled = cancel_approval(CancelApproval(request_id=request_id), ALICE, deps)
    assert cancelled.state is ApprovalState.CANCELLED
    with pytest.raises(AlreadyDecided):
        decide_approval(
            DecideApproval(request_id=request_id, decision="approve", typed_account=ACCOUNT),
            BOB,
            deps,
        )


def test_already_deactivated_account_is_refused(deps: Deps, sandbox: Sandbox) -> None:
    run_id = approve(deps, request(deps))
    execute_run(deps, run_id)
    with pytest.raises(NothingToDo):
        preview_deactivation(PreviewDeactivation(account=ACCOUNT), OSCAR, deps)


class Recorder(QuietProgress):
    def __init__(self) -> None:
        self.growth: list[Any] = []
        self.failures: list[tuple[str, str]] = []

    def step_done(self, position: int, name: str, detail: dict[str, Any]) -> None:
        if name == "review" and detail.get("grew"):
            self.growth.append(Growth.model_validate(detail["grew"]))

    def failed(self, run_id: str, name: str, error: str) -> None:
        self.failures.append((name, error))


def test_growth_since_the_request_is_reported_and_removed(deps: Deps, sandbox: Sandbox) -> None:
    request_id = request(deps)
    with sandbox.world.lock:
        estate = sandbox.world.platform.estate(ACCOUNT)
        estate.add("queues", {"id": "q-new", "name": "Late queue"})
    run_id = approve(deps, request_id)
    progress = Recorder()
    assert execute_run(deps, run_id, progress=progress).state == "succeeded"
    assert len(progress.growth) == 1 and progress.growth[0].added == {"queues": 1}
    assert estate_counts(sandbox, ACCOUNT)["queues"] == 0


class FaultAt(QuietProgress):
    """Arms the sandbox's fail_next when a given step starts."""

    def __init__(self, sandbox: Sandbox, step: str, times: int) -> None:
        self.sandbox, self.step, self.times = sandbox, step, times
        self.failures: list[tuple[str, str]] = []

    def step_started(self, position: int, name: str) -> None:
        if name == self.step:
            self.sandbox.faults("platform").set(fail_next=self.times)

    def failed(self, run_id: str, name: str, error: str) -> None:
        self.failures.append((name, error))


def test_step_failing_three_times_fails_the_run_then_retry_finishes(
    deps: Deps, sandbox: Sandbox
) -> None:
    run_id = approve(deps, request(deps))
    progress = FaultAt(sandbox, "users", times=3)  # the client makes 3 attempts
    outcome = execute_run(deps, run_id, progress=progress)
    assert outcome.state == "failed" and outcome.failed_step == "users"
    assert progress.failures and "Jet Hub platform" in progress.failures[0][1]
    run = load_run(deps, run_id)
    assert run is not None and run.state is RunState.FAILED
    steps = {s.name: s for s in run_steps(deps, run_id)}
    assert steps["users"].state is StepState.FAILED and steps["users"].attempts == 1
    assert steps["media"].state is StepState.DONE
    assert steps["callflows"].state is StepState.PENDING
    assert resumable_runs(later(deps, timedelta(hours=1))) == []  # a failed run waits for Retry
    assert ("system", "deactivate.step", "failed") in actions(deps.ledger)

    with pytest.raises(Forbidden):
        retry_run(RetryRun(run_id=run_id), OSCAR, deps)
    retry_run(RetryRun(run_id=run_id), BETTY, deps)
    with pytest.raises(RunNotRetryable, match="is already waiting to run"):
        retry_run(RetryRun(run_id=run_id), BOB, deps)
    assert execute_run(deps, run_id).state == "succeeded"
    with pytest.raises(
        RunNotRetryable, match=r"This deactivation has already finished, on .*: there"
    ):
        retry_run(RetryRun(run_id=run_id), BOB, deps)
    assert_fully_deactivated(sandbox, ACCOUNT)
    assert ("U0BETTY", "deactivate.retry", "ok") in actions(deps.ledger)


class Crash(BaseException):
    """Stands in for the process dying: nothing is cleaned up, the lease is left to lapse."""


class CrashAt(QuietProgress):
    def __init__(self, step: str, *, mid_step: bool = False) -> None:
        self.step, self.mid_step = step, mid_step

    def step_progress(self, name: str, done: int, total: int) -> None:
        if self.mid_step and name == self.step and done < total:
            raise Crash()

    def step_done(self, position: int, name: str, detail: dict[str, Any]) -> None:
        if not self.mid_step and name == self.step:
            raise Crash()


@pytest.mark.parametrize("step", STEPS[:-1])
def test_crash_after_any_step_resumes_without_repeating(
    deps: Deps, sandbox: Sandbox, step: str
) -> None:
    _crash_and_resume(deps, sandbox, CrashAt(step))


@pytest.mark.parametrize("step", ["users", "phone_numbers", "callflows"])
def test_crash_in_the_middle_of_a_step_resumes_without_repeating(
    deps: Deps, sandbox: Sandbox, step: str
) -> None:
    _crash_and_resume(deps, sandbox, CrashAt(step, mid_step=True), batch=1)


def _crash_and_resume(deps: Deps, sandbox: Sandbox, crash: CrashAt, batch: int = 25) -> None:
    before = estate_counts(sandbox, ACCOUNT)
    run_id = approve(deps, request(deps))
    sandbox.counters.reset()
    lease = timedelta(seconds=30)
    with pytest.raises(Crash):
        execute_run(deps, run_id, progress=crash, lease_for=lease, batch=batch)
    assert resumable_runs(deps) == []  # the lease is still live
    assert execute_run(deps, run_id).state == "busy"
    afterwards = later(deps, lease + timedelta(seconds=1))
    assert resumable_runs(afterwards) == [run_id]
    assert execute_run(afterwards, run_id).state == "succeeded"
    assert_fully_deactivated(sandbox, ACCOUNT)
    calls = deletes(sandbox)
    for name in (
        "queues",
        "parking",
        "media",
        "users",
        "portal_users",
        "callflows",
        "pbxs",
        "subscriptions",
        "webhooks",
        "webtrackers",
    ):
        assert calls.get(f"DELETE /v2/accounts/{{A}}/{name}/{{id}}", 0) == before[name], name
    assert calls["POST /v2/accounts/{A}/phone_numbers/{id}/quarantine"] == before["in_service"]
    assert calls["POST /v2/accounts/{A}/deactivate"] == 1
    assert ("system", "deactivate.resume", "ok") in actions(deps.ledger)


def test_on_postgres_too(sandbox: Sandbox, pg_ledger: Ledger) -> None:
    deps = make_deps(sandbox.url, pg_ledger)
    run_id = approve(deps, request(deps))
    assert execute_run(deps, run_id).state == "succeeded"
    assert_fully_deactivated(sandbox, ACCOUNT)


def test_a_run_written_before_runs_carried_parameters_still_finishes(
    deps: Deps, sandbox: Sandbox
) -> None:
    from sqlalchemy import update

    from audit import ActionRun

    run_id = approve(deps, request(deps))
    with deps.ledger.session() as session:  # as a run written before ledger revision 0003
        session.execute(update(ActionRun).where(ActionRun.id == run_id).values(params=None))  # type: ignore[arg-type]
    assert execute_run(deps, run_id).state == "succeeded"
    assert_fully_deactivated(sandbox, ACCOUNT)
