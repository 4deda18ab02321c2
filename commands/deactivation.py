"""Deactivating an account: its blast radius, the request, and the run of ordered steps.

The Account Manager guide's eleven steps (queues, call parking, music on hold, phone users,
quarantine the numbers, portal users, callflows, PBX, Zuora subscription ids, integrations,
webtracker codes) run as an ``action_run`` in the ledger, framed by two more steps: ``review``
re-reads the account first and reports any growth of the blast radius since the request, and
``deactivate_account`` marks the account deactivated on the platform last.

Every step is idempotent — it lists what is there *now* and removes that, a 404 on delete being
success — so a run can be resumed by another process after a crash without deleting anything
twice. A run holds a lease in the ledger, renewed while it works; a run whose lease lapsed is
picked up by the sweeper. A step that fails (after the client's own retries) fails the run; an
approver's Retry resumes from that step.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from audit import approvals as ledger_approvals
from audit import runs as ledger_runs
from audit.errors import LeaseLost
from audit.models import ActionRun, ApprovalRequest, ApprovalState, RunState, StepState
from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.approvals import (
    ApprovalKind,
    ApprovalView,
    RequestApproval,
    clean_reason,
    register_kind,
    request_approval,
)
from commands.errors import CommandError, Conflict, InvalidInput, NothingToDo
from commands.trail import authorize, record
from integrations.errors import IntegrationError
from integrations.platform import Account, Collection, ItemResult

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps

KIND = "deactivate"
REVIEW = "review"
MARK = "deactivate_account"
COLLECTION_STEPS: tuple[Collection, ...] = tuple(Collection)
STEPS: tuple[str, ...] = (REVIEW, *(c.value for c in COLLECTION_STEPS), MARK)
STEP_LABELS: dict[str, str] = {
    REVIEW: "re-read the account",
    **{c.value: c.label for c in COLLECTION_STEPS},
    Collection.PHONE_NUMBERS.value: "quarantine phone numbers",
    MARK: "mark the account deactivated",
}
DEFAULT_LEASE = timedelta(seconds=60)
BATCH = 32  # a multiple of the platform client's 8 workers, so no slot idles per batch

T = TypeVar("T")
R = TypeVar("R")


# -- errors -------------------------------------------------------------------------------------


_NOT_RETRYABLE = {
    "succeeded": "has already finished",
    "running": "is still running",
    "pending": "is already waiting to run",
}


class RunNotRetryable(CommandError):
    pass


class UnknownRun(CommandError):
    def __init__(self) -> None:
        super().__init__("That button does not match any deactivation run, so nothing was done.")


# -- the blast radius ---------------------------------------------------------------------------


class Growth(BaseModel):
    """What the account gained between the request and the run."""

    model_config = ConfigDict(frozen=True)

    added: dict[str, int] = Field(default_factory=dict)  # collection → how many more
    new_numbers: list[str] = Field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.new_numbers)


class BlastRadius(BaseModel):
    """What deactivating the account will remove, quarantine and unlink."""

    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    counts: dict[str, int]  # per collection; phone_numbers: the in-service numbers
    numbers: list[str]  # in-service numbers that will be quarantined (national form)
    already_quarantined: int = 0
    subscription_ids: list[str] = Field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def growth_since(self, before: BlastRadius) -> Growth:
        added = {
            name: count - before.counts.get(name, 0)
            for name, count in self.counts.items()
            if count > before.counts.get(name, 0) and name != Collection.PHONE_NUMBERS.value
        }
        known = set(before.numbers)
        new_numbers = [number for number in self.numbers if number not in known]
        if new_numbers:
            added[Collection.PHONE_NUMBERS.value] = len(new_numbers)
        return Growth(added=added, new_numbers=new_numbers)


def blast_radius(deps: Deps, account: Account) -> BlastRadius:
    """List every collection (fanned out over the platform client's pool) and count."""
    results = deps.platform.map_concurrent(
        lambda c: _listing(deps, account.id, c), list(COLLECTION_STEPS)
    )
    counts: dict[str, int] = {}
    numbers: list[str] = []
    quarantined = 0
    subscription_ids: list[str] = []
    for result in results:
        if result.error is not None:
            raise result.error
        collection, listing = result.value  # type: ignore[misc]
        if collection is Collection.PHONE_NUMBERS:
            numbers = sorted(str(n["number"]) for n in listing if n.get("state") == "in_service")
            quarantined = len(listing) - len(numbers)
            counts[collection.value] = len(numbers)
        else:
            counts[collection.value] = len(listing)
            if collection is Collection.SUBSCRIPTIONS:
                subscription_ids = sorted(
                    str(item.get("subscription_number") or item.get("name") or item["id"])
                    for item in listing
                )
    return BlastRadius(
        account=account.id,
        name=account.name,
        counts=counts,
        numbers=numbers,
        already_quarantined=quarantined,
        subscription_ids=subscription_ids,
    )


def _listing(
    deps: Deps, account: str, collection: Collection
) -> tuple[Collection, list[dict[str, Any]]]:
    if collection is Collection.PHONE_NUMBERS:
        return collection, [n.model_dump() for n in deps.platform.phone_numbers(account)]
    return collection, [item.model_dump() for item in deps.platform.list(account, collection)]


# -- request ------------------------------------------------------------------------------------


class PreviewDeactivation(BaseModel):
    account: str


@dataclass(frozen=True)
class DeactivationPreview:
    account: Account
    radius: BlastRadius


class RequestDeactivation(BaseModel):
    """Order: ask an approver to let ``account`` be deactivated."""

    account: str
    reason: str
    typed_account: str  # what the requester typed to confirm; must equal ``account``
    origin: str | None = None


@dataclass(frozen=True)
class DeactivationRequested:
    request: ApprovalView
    radius: BlastRadius


def preview_deactivation(cmd: PreviewDeactivation, actor: Actor, deps: Deps) -> DeactivationPreview:
    """The account and what deactivating it would do (read-only; operator role)."""
    authorize(
        deps,
        actor,
        Role.OPERATOR,
        action=f"{KIND}.preview",
        to="request a deactivation",
        account=cmd.account,
    )
    account = resolve_account(deps, cmd.account)
    _refuse_if_unavailable(deps, actor, account)
    return DeactivationPreview(account=account, radius=blast_radius(deps, account))


def check_confirmation(account: str, typed: str, reason: str) -> dict[str, str]:
    """The modal's pure checks: ``{field: message}`` for each problem (empty when fine)."""
    problems: dict[str, str] = {}
    if typed.strip() != account:
        problems["confirm"] = f"Type the account number {account} exactly to confirm."
    try:
        clean_reason(reason)
    except InvalidInput as exc:
        problems["reason"] = str(exc)
    return problems


def request_deactivation(
    cmd: RequestDeactivation, actor: Actor, deps: Deps
) -> DeactivationRequested:
    """Re-read the blast radius and store a pending approval request carrying it."""
    authorize(
        deps,
        actor,
        Role.OPERATOR,
        action=f"{KIND}.request",
        to="request a deactivation",
        account=cmd.account,
    )
    problems = check_confirmation(cmd.account, cmd.typed_account, cmd.reason)
    if problems:
        field, message = next(iter(problems.items()))
        record(
            deps,
            actor=actor,
            action=f"{KIND}.request",
            account=cmd.account,
            outcome="refused",
            details={"problem": message},
        )
        raise InvalidInput(field, message)
    account = resolve_account(deps, cmd.account)
    _refuse_if_unavailable(deps, actor, account)
    radius = blast_radius(deps, account)
    request = request_approval(
        RequestApproval(
            kind=KIND,
            account=account.id,
            reason=cmd.reason,
            preview=radius.model_dump(mode="json"),
            origin=cmd.origin,
        ),
        actor,
        deps,
    )
    return DeactivationRequested(request=request, radius=radius)


def _refuse_if_unavailable(deps: Deps, actor: Actor, account: Account) -> None:
    problem: CommandError | None = None
    if account.is_deactivated:
        problem = NothingToDo(f"Account {account.id} is already deactivated.")
    else:
        pending = _pending_for(deps, account.id)
        if pending is not None:
            problem = Conflict(
                f"Account {account.id} already has a pending deactivation request from "
                f"<@{pending.requested_by}>; it must be decided, cancelled or expire first."
            )
            problem.mentions = (pending.requested_by,)
    if problem is not None:
        record(
            deps,
            actor=actor,
            action=f"{KIND}.request",
            account=account.id,
            outcome="refused",
            details={"problem": str(problem)},
        )
        raise problem


def _pending_for(deps: Deps, account: str) -> ApprovalView | None:
    now = deps.now()
    with deps.ledger.session() as session:
        for row in ledger_approvals.pending(session=session, kind=KIND, account=account):
            if row.expires_at > now:
                return ApprovalView.of(row)
    return None


# -- the run ------------------------------------------------------------------------------------


class RunView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    approval_id: str | None
    kind: str
    account: str
    state: RunState
    error: str | None

    @classmethod
    def of(cls, row: ActionRun) -> RunView:
        return cls.model_validate(row, from_attributes=True)


class StepView(BaseModel):
    model_config = ConfigDict(frozen=True)

    position: int
    name: str
    state: StepState
    attempts: int
    detail: dict[str, Any] | None
    error: str | None


def _create_run(session: Session, request: ApprovalRequest, deps: Deps) -> None:
    """Runs in the approval's transaction: the approval and its run commit together."""
    ledger_runs.create_run(
        session=session,
        approval_id=request.id,
        kind=KIND,
        account=request.account,
        steps=list(STEPS),
        now=deps.now(),
    )


DEACTIVATION = register_kind(ApprovalKind(name=KIND, label="deactivation", on_approved=_create_run))


def run_for_approval(deps: Deps, approval_id: str) -> RunView | None:
    with deps.ledger.session() as session:
        row = ledger_runs.for_approval(session=session, approval_id=approval_id)
        return None if row is None else RunView.of(row)


def load_run(deps: Deps, run_id: str) -> RunView | None:
    if not 0 < len(run_id) <= 64:
        return None
    with deps.ledger.session() as session:
        row = ledger_runs.get_run(session=session, run_id=run_id)
        return None if row is None else RunView.of(row)


def run_steps(deps: Deps, run_id: str) -> list[StepView]:
    with deps.ledger.session() as session:
        return [
            StepView.model_validate(step, from_attributes=True)
            for step in ledger_runs.steps(session=session, run_id=run_id)
        ]


class StepTally(BaseModel):
    """What one step did, as shown in the final summary."""

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    count: int


class DeactivationSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    removed: list[StepTally]
    quarantined: int
    already_quarantined: int
    unlinked: list[str]


class Progress(Protocol):
    """How a run reports as it goes (the Slack layer updates the approval message)."""

    def grew(self, growth: Growth) -> None: ...
    def step_started(self, position: int, name: str) -> None: ...
    def step_progress(self, name: str, done: int, total: int) -> None: ...
    def step_done(self, position: int, name: str, detail: dict[str, Any]) -> None: ...
    def failed(self, run_id: str, name: str, error: str) -> None: ...
    def finished(self, summary: DeactivationSummary) -> None: ...


class QuietProgress:
    """Reports nowhere (console, tests of the command layer)."""

    def grew(self, growth: Growth) -> None:
        pass

    def step_started(self, position: int, name: str) -> None:
        pass

    def step_progress(self, name: str, done: int, total: int) -> None:
        pass

    def step_done(self, position: int, name: str, detail: dict[str, Any]) -> None:
        pass

    def failed(self, run_id: str, name: str, error: str) -> None:
        pass

    def finished(self, summary: DeactivationSummary) -> None:
        pass


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    state: Literal["succeeded", "failed", "busy", "lost"]
    failed_step: str | None = None
    error: str | None = None
    summary: DeactivationSummary | None = None


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _StepFailed(Exception):
    def __init__(self, error: IntegrationError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class _Runner:
    deps: Deps
    run: RunView
    approval: ApprovalView
    owner: str
    progress: Progress
    lease_for: timedelta
    batch: int
    _renewed: datetime | None = None

    def renew(self, *, force: bool = False) -> None:
        now = self.deps.now()
        if not force and self._renewed and now - self._renewed < self.lease_for / 4:
            return
        with self.deps.ledger.session() as session:
            held = ledger_runs.renew(
                session=session,
                run_id=self.run.id,
                owner=self.owner,
                now=now,
                lease_for=self.lease_for,
            )
        if not held:
            raise LeaseLost(self.run.id, self.owner)
        self._renewed = now

    def fan_out(
        self, name: str, fn: Callable[[T], R], items: Sequence[T]
    ) -> list[ItemResult[T, R]]:
        """``fn`` over ``items`` through the platform pool, in batches: lease and progress
        move between batches; the first backend error fails the step once its batch is done."""
        results: list[ItemResult[T, R]] = []
        for start in range(0, len(items), self.batch):
            chunk = self.deps.platform.map_concurrent(fn, items[start : start + self.batch])
            results.extend(chunk)
            failed = next((r.error for r in chunk if r.error is not None), None)
            if failed is not None:
                raise _StepFailed(failed)
            self.renew()
            self.progress.step_progress(name, len(results), len(items))
        return results

    # the steps ---------------------------------------------------------------------------------

    def review(self) -> dict[str, Any]:
        account = self.deps.platform.get_account(self.run.account)
        now_radius = blast_radius(self.deps, account)
        before = BlastRadius.model_validate(self.approval.preview)
        growth = now_radius.growth_since(before)
        if growth:
            self.progress.grew(growth)
        return {
            "radius": now_radius.model_dump(mode="json"),
            "grew": growth.model_dump(mode="json") if growth else None,
        }

    def clear(self, collection: Collection) -> dict[str, Any]:
        account = self.run.account
        items = [item.id for item in self.deps.platform.list(account, collection)]
        results = self.fan_out(
            collection.value,
            lambda item_id: self.deps.platform.delete(account, collection, item_id),
            items,
        )
        removed = sum(1 for r in results if r.value)
        return {"found": len(items), "removed": removed, "already_gone": len(items) - removed}

    def quarantine(self) -> dict[str, Any]:
        account = self.run.account
        numbers = self.deps.platform.phone_numbers(account)
        todo = [n for n in numbers if n.in_service]
        self.fan_out(
            Collection.PHONE_NUMBERS.value,
            lambda n: self.deps.platform.quarantine_number(account, n.id),
            todo,
        )
        return {
            "found": len(numbers),
            "quarantined": len(todo),
            "already_quarantined": len(numbers) - len(todo),
        }

    def mark(self) -> dict[str, Any]:
        by = self.approval.decided_by or "jethub-bot"
        account = self.deps.platform.mark_deactivated(self.run.account, by=by)
        return {"status": account.status, "by": by}

    def perform(self, name: str) -> dict[str, Any]:
        if name == REVIEW:
            return self.review()
        if name == MARK:
            return self.mark()
        if name == Collection.PHONE_NUMBERS.value:
            return self.quarantine()
        return self.clear(Collection(name))


def execute_run(
    deps: Deps,
    run_id: str,
    *,
    progress: Progress | None = None,
    owner: str | None = None,
    lease_for: timedelta = DEFAULT_LEASE,
    batch: int = BATCH,
) -> RunOutcome:
    """Claim the run's lease and do every step not yet done, in order.

    Returns ``busy`` when another worker holds a live lease, ``lost`` when the lease was taken
    over mid-way (that worker carries on), else the run's final state.
    """
    progress = progress or QuietProgress()
    owner = owner or new_owner()
    run = load_run(deps, run_id)
    if run is None:
        raise UnknownRun()
    if run.state in (RunState.SUCCEEDED, RunState.FAILED):
        return RunOutcome(run.id, run.state.value)  # type: ignore[arg-type]
    with deps.ledger.session() as session:
        claimed = ledger_runs.claim(
            session=session, run_id=run_id, owner=owner, now=deps.now(), lease_for=lease_for
        )
    if not claimed:
        return RunOutcome(run.id, "busy")
    approval = _approval_of(deps, run)
    runner = _Runner(
        deps, run, approval, owner, progress, lease_for, max(1, batch), _renewed=deps.now()
    )
    steps = run_steps(deps, run_id)
    resumed = any(step.state is not StepState.PENDING for step in steps)
    record(
        deps,
        actor="system",
        action=f"{KIND}.resume" if resumed else f"{KIND}.start",
        account=run.account,
        outcome="ok",
        details={"run_id": run.id, "request_id": run.approval_id, "owner": owner},
    )
    try:
        for step in steps:
            if step.state is StepState.DONE:
                continue
            outcome = _do_step(runner, step)
            if outcome is not None:
                return outcome
        summary = summarise(deps, run.id, approval)
        with deps.ledger.session() as session:
            ledger_runs.finish_run(session=session, run_id=run.id, owner=owner, now=deps.now())
            record(
                deps,
                actor="system",
                action=f"{KIND}.done",
                account=run.account,
                outcome="ok",
                session=session,
                details={
                    "run_id": run.id,
                    "request_id": run.approval_id,
                    "summary": summary.model_dump(mode="json"),
                },
            )
    except LeaseLost:
        return RunOutcome(run.id, "lost")
    progress.finished(summary)
    return RunOutcome(run.id, "succeeded", summary=summary)


def _do_step(runner: _Runner, step: StepView) -> RunOutcome | None:
    deps, run, owner = runner.deps, runner.run, runner.owner
    with deps.ledger.session() as session:
        ledger_runs.start_step(
            session=session, run_id=run.id, position=step.position, owner=owner, now=deps.now()
        )
    runner.progress.step_started(step.position, step.name)
    try:
        detail = runner.perform(step.name)
    except (IntegrationError, _StepFailed) as exc:
        error = exc.error if isinstance(exc, _StepFailed) else exc
        text = str(error)
        with deps.ledger.session() as session:
            ledger_runs.fail_step(
                session=session,
                run_id=run.id,
                position=step.position,
                error=text,
                now=deps.now(),
                owner=owner,
            )
            ledger_runs.fail_run(
                session=session, run_id=run.id, owner=owner, error=text, now=deps.now()
            )
            record(
                deps,
                actor="system",
                action=f"{KIND}.step",
                account=run.account,
                outcome="failed",
                session=session,
                details={
                    "run_id": run.id,
                    "step": step.name,
                    "position": step.position,
                    "error": text,
                },
            )
        runner.progress.failed(run.id, step.name, text)
        return RunOutcome(run.id, "failed", failed_step=step.name, error=text)
    with deps.ledger.session() as session:
        ledger_runs.finish_step(
            session=session,
            run_id=run.id,
            position=step.position,
            detail=detail,
            now=deps.now(),
            owner=owner,
        )
        record(
            deps,
            actor="system",
            action=f"{KIND}.step",
            account=run.account,
            outcome="ok",
            session=session,
            details={
                "run_id": run.id,
                "step": step.name,
                "position": step.position,
                "detail": _brief(detail),
            },
        )
    runner.renew(force=True)
    runner.progress.step_done(step.position, step.name, detail)
    return None


def _brief(detail: dict[str, Any]) -> dict[str, Any]:
    """Step detail for the audit log, without the long lists (the step row keeps them)."""
    if "radius" in detail:
        radius = detail["radius"]
        return {"counts": radius.get("counts"), "grew": detail.get("grew")}
    return detail


def _approval_of(deps: Deps, run: RunView) -> ApprovalView:
    from commands.approvals import load_approval

    approval = load_approval(deps, run.approval_id or "")
    if approval is None or approval.state is not ApprovalState.APPROVED:
        raise Conflict(f"Run {run.id} has no approved request behind it; nothing was done.")
    return approval


def summarise(deps: Deps, run_id: str, approval: ApprovalView) -> DeactivationSummary:
    """What the run removed, quarantined and unlinked, from its steps' records."""
    steps = {step.name: step for step in run_steps(deps, run_id)}
    review = steps[REVIEW].detail or {}
    radius = BlastRadius.model_validate(review.get("radius") or approval.preview)
    removed: list[StepTally] = []
    for collection in COLLECTION_STEPS:
        if collection is Collection.PHONE_NUMBERS:
            continue
        detail = steps[collection.value].detail or {}
        count = max(radius.counts.get(collection.value, 0), int(detail.get("found", 0)))
        removed.append(StepTally(name=collection.value, label=collection.label, count=count))
    numbers = steps[Collection.PHONE_NUMBERS.value].detail or {}
    quarantined = max(len(radius.numbers), int(numbers.get("quarantined", 0)))
    return DeactivationSummary(
        account=radius.account,
        name=radius.name,
        removed=removed,
        quarantined=quarantined,
        already_quarantined=radius.already_quarantined,
        unlinked=radius.subscription_ids,
    )


# -- retry and resume ---------------------------------------------------------------------------


class RetryRun(BaseModel):
    run_id: str


def retry_run(cmd: RetryRun, actor: Actor, deps: Deps) -> RunView:
    """An approver re-opens a failed run so it resumes from the step that failed."""
    run = load_run(deps, cmd.run_id)
    if run is None:
        record(
            deps,
            actor=actor,
            action=f"{KIND}.retry",
            account=None,
            outcome="refused",
            details={"problem": "no such run", "value": cmd.run_id[:64]},
        )
        raise UnknownRun()
    authorize(
        deps,
        actor,
        Role.APPROVER,
        action=f"{KIND}.retry",
        to="retry a deactivation",
        account=run.account,
    )
    with deps.ledger.session() as session:
        reopened = ledger_runs.reopen(session=session, run_id=run.id, now=deps.now())
        if reopened:
            record(
                deps,
                actor=actor,
                action=f"{KIND}.retry",
                account=run.account,
                outcome="ok",
                session=session,
                details={"run_id": run.id, "error": run.error},
            )
    if not reopened:
        record(
            deps,
            actor=actor,
            action=f"{KIND}.retry",
            account=run.account,
            outcome="refused",
            details={"run_id": run.id, "state": run.state.value},
        )
        raise RunNotRetryable(
            f"This deactivation {_NOT_RETRYABLE.get(run.state.value, 'has not failed')}: "
            "there is nothing to retry."
        )
    after = load_run(deps, run.id)
    assert after is not None
    return after


def resumable_runs(deps: Deps) -> list[str]:
    """Runs whose worker is gone (lease lapsed or never taken): the sweeper's to-do list."""
    with deps.ledger.session() as session:
        return list(ledger_runs.claimable(session=session, now=deps.now()))
