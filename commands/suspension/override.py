"""Suspension override: suspend an account that is not yet ``overdue_days`` overdue.

The ordinary suspension (``commands.suspension.suspend``) is for invoices at least 7 days overdue.
Now and then the business suspends earlier (a customer who will not pay, a fraud case): an approver
may do that directly, and an operator may ask for it through four-eyes approval. Either way it
needs a reason of a few words and is audited as ``suspend.override`` (with who approved it), so
an override never reads like an ordinary suspension.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, field_validator

from audit import approvals as ledger_approvals
from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.approvals.requests import (
    ApprovalKind,
    ApprovalView,
    RequestApproval,
    request_approval,
)
from commands.errors import Conflict, NothingToDo
from commands.reasons import few_words
from commands.runs import engine
from commands.runs import records as run_records
from commands.runs.engine import StepContext
from commands.runs.kinds import Effect, RunKind, Step, StepResult
from commands.runs.one_system import CHECKED_AFTER_FAILURE
from commands.suspension.exclusions import excluded_refusal
from commands.suspension.models import (
    MAX_REASON,
    AlreadySuspended,
    NotYourConfirmation,
    OverdueInvoice,
    SuspensionState,
)
from commands.suspension.models import OVERRIDE as OVERRIDE
from commands.suspension.models import OVERRIDE_KIND as OVERRIDE_KIND
from commands.suspension.run import open_invoices_of, overdue_for
from commands.trail import Trail, audited, authorize
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from audit.models import ApprovalRequest
    from commands.deps import Deps
    from integrations.platform import Account


class SuspendOverride(BaseModel):
    """Order: suspend ``account`` before it is overdue enough, because ``reason``."""

    model_config = ConfigDict(frozen=True)

    account: str
    reason: str
    # Who was shown the confirmation this comes from: only they may confirm it (None: not from
    # a confirmation, or from one posted before the asker was carried).
    asked_by: str | None = None

    @field_validator("reason")
    @classmethod
    def _why(cls, value: str) -> str:
        return few_words(
            value,
            asking="An override needs its reason in a few words, e.g. “customer refuses to pay, "
            "confirmed by the account manager”.",
            max_length=MAX_REASON,
        )


class OverridePreview(BaseModel):
    """What the person confirms: the account, what it owes, and how the override will go."""

    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    reason: str
    overdue_days: int  # the policy an ordinary suspension waits for
    open_invoices: list[OverdueInvoice]  # due or not, oldest first
    currency: str | None
    direct: bool  # an approver suspends at once; anyone else asks for approval
    asked_by: str  # the one person who may confirm it


class OverrideDone(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    reason: str
    by: str
    approved_by: str | None
    suspended: SuspensionState | None


NO_APPROVALS_CHANNEL = (
    "Only an approver can override now: no approvals channel is configured "
    "(`JETHUB_APPROVALS_CHANNEL`) to ask one. Nothing was requested."
)


def preview_override(cmd: SuspendOverride, actor: Actor, deps: Deps) -> OverridePreview:
    """Check an override makes sense (not suspended, not already overdue enough for the
    ordinary suspension) and say what it would do."""
    if not actor.has(Role.APPROVER):  # approvers override; operators ask them to
        authorize(
            deps,
            actor,
            Role.OPERATOR,
            action=OVERRIDE,
            to="override a suspension",
            account=cmd.account,
        )
    account = resolve_account(deps, cmd.account)
    _check(deps, Trail(deps, actor, OVERRIDE, account.id), account)  # a preview: refusals only
    invoices, currency = open_invoices_of(deps, account, deps.today())
    return OverridePreview(
        account=account.id,
        name=account.name,
        reason=cmd.reason,
        overdue_days=deps.policy.overdue_days,
        open_invoices=invoices,
        currency=currency,
        direct=actor.has(Role.APPROVER),
        asked_by=actor.user_id,
    )


def suspend_override(cmd: SuspendOverride, actor: Actor, deps: Deps) -> OverrideDone | ApprovalView:
    """An approver suspends at once; an operator's override becomes an approval request."""
    with audited(deps, actor, OVERRIDE, cmd.account) as trail:
        if cmd.asked_by is not None and cmd.asked_by != actor.user_id:
            raise trail.refuse(NotYourConfirmation(), problem="not the requester")
        if actor.has(Role.APPROVER):
            return _override_now(deps, trail, cmd)
        if not deps.policy.has_approvals_channel:
            problem = "no approvals channel configured"
            raise trail.refuse(Conflict(NO_APPROVALS_CHANNEL), problem=problem)
        account = resolve_account(deps, cmd.account)
        trail.account = account.id
        _check(deps, trail, account)
        with deps.ledger.read_session() as session:
            waiting = ledger_approvals.pending(
                session=session, account=account.id, kind=OVERRIDE_KIND, now=deps.now()
            )
        if waiting:
            raise NothingToDo(
                f"An override of account {account.id} is already waiting for an approver. "
                "Nothing new was requested."
            )
        trail.recorded_elsewhere()  # the approval request records its own ok or refusal
        return request_approval(
            RequestApproval(
                kind=OVERRIDE_KIND,
                account=account.id,
                reason=cmd.reason,
                preview={"name": account.name, "overdue_days": deps.policy.overdue_days},
            ),
            actor,
            deps,
        )


def _override_now(deps: Deps, trail: Trail, cmd: SuspendOverride) -> OverrideDone:
    """An approver's override: its run, worked now."""
    account = resolve_account(deps, cmd.account)
    trail.account = account.id
    _check(deps, trail, account)
    with deps.ledger.session() as session:
        run = run_records.create(
            session,
            deps.actions.run(OVERRIDE),
            account=account.id,
            requested_by=trail.actor.user_id,
            params={
                "by": trail.actor.user_id,
                "reason": cmd.reason,
                "approved_by": None,
                "ref": {},
            },
            now=deps.now(),
        )
    trail.recorded_elsewhere()  # the run records its own outcome
    return _result(deps, engine.execute(deps, run.id))


def override_approved(deps: Deps, request: ApprovalView) -> OverrideDone:
    """Carry out an approved override request: work its run (created with the approval) and
    report from the run's record."""
    if request.kind != OVERRIDE_KIND or request.decided_by is None:
        raise Conflict("That approval is not an approved suspension override; nothing was done.")
    run = run_records.run_for_approval(deps, request.id)
    if run is None:
        raise Conflict("That approval has no override run; nothing was done.")
    return _result(deps, engine.execute(deps, run.id))


def outcome_result(deps: Deps, outcome: engine.RunOutcome) -> OverrideDone:
    """An override run's outcome as its result, or the error that says what happened."""
    return _result(deps, outcome)


def _result(deps: Deps, outcome: engine.RunOutcome) -> OverrideDone:
    if outcome.state == "succeeded":
        return OverrideDone.model_validate(outcome.results["suspend"]["done"])
    if outcome.state == "refused":
        raise Conflict(outcome.refused or "Nothing was done.")
    raise run_records.ActionFailed.of(deps, outcome)


def _check(deps: Deps, trail: Trail, account: Account) -> None:
    """Refuse (audited) an account that cannot be overridden, or need not be."""
    if account.is_deactivated:
        deactivated = Conflict(f"Account {account.id} is deactivated; it cannot be suspended.")
        raise trail.refuse(deactivated, problem="deactivated")
    if account.suspended is not None:
        s = account.suspended
        state = SuspensionState(reason=s.reason, by=s.by, at=s.at)
        raise trail.refuse(
            AlreadySuspended(account.id, state, deps.zone), problem="already suspended"
        )
    overdue = overdue_for(deps, account)
    # An excluded account is never suspended the ordinary way: the override is its only way.
    if overdue.count and excluded_refusal(deps, account.id) is None:
        enough = NothingToDo(
            f"Account {account.id} is already {overdue.overdue_days}+ days overdue, so no "
            f"override is needed: `/jethub suspend {account.id}`."
        )
        raise trail.refuse(enough, problem="overdue enough for an ordinary suspension")


def _ours(account: Account, by: str, reason: str) -> bool:
    s = account.suspended
    return s is not None and s.by == by and s.reason == reason


def _suspend(ctx: StepContext) -> StepResult:
    """Re-read the account, suspend it, and audit the override (ok or refused). Resumed after a
    lost attempt, the suspension that attempt made (same person, same reason) counts as done."""
    deps, p = ctx.deps, ctx.params
    by, reason, approved_by = str(p["by"]), str(p["reason"]), p.get("approved_by")
    base: dict[str, Any] = {"override": True, "reason": reason, "approved_by": approved_by}
    base.update(p.get("ref") or {})
    account = deps.platform.get_account(ctx.run.account)
    reconciled = ctx.attempted_before and _ours(account, by, reason)
    if not reconciled and (account.is_deactivated or account.is_suspended):
        problem = "deactivated" if account.is_deactivated else "already suspended"
        message = f"Account {account.id} is {problem}; it was not suspended again."
        return StepResult(
            {"refused": {"message": message, "problem": f"{problem} since"}},
            Effect(OVERRIDE, "refused", {**base, "problem": f"{problem} since"}),
            message,
        )
    invoices, currency = open_invoices_of(deps, account, deps.today())
    after = account
    if not reconciled:
        try:
            after = deps.platform.suspend(account.id, reason=reason, by=by)
        except IntegrationError:
            after = deps.platform.get_account(account.id)  # did it go through after all?
            if not _ours(after, by, reason):
                raise
    s = after.suspended
    state = None if s is None else SuspensionState(reason=s.reason, by=s.by, at=s.at)
    owing = sum((i.balance for i in invoices), Decimal("0"))
    details = {
        **base,
        "policy_overdue_days": deps.policy.overdue_days,
        "open_invoices": len(invoices),
        "owing": f"{owing} {currency or ''}".strip(),
        "after": {"suspended": state.model_dump(mode="json") if state else None},
    }
    if reconciled:
        details["reconciled"] = "the suspension was made by an earlier attempt of this run"
    done = OverrideDone(
        account=after.id,
        name=after.name,
        reason=reason,
        by=by,
        approved_by=approved_by,
        suspended=state,
    )
    return StepResult({"done": done.model_dump(mode="json")}, Effect(OVERRIDE, "ok", details))


def _approved_params(request: ApprovalRequest) -> dict[str, Any]:
    return {
        "by": request.requested_by,
        "reason": request.reason,
        "approved_by": request.decided_by,
        "ref": {"request_id": request.id},
    }


def override_kinds() -> tuple[RunKind, ApprovalKind]:
    """The override's run kind and its approval kind, for the catalogue."""
    run = RunKind(
        name=OVERRIDE,
        label="suspension override",
        steps=(Step("suspend", "suspend on the platform", _suspend),),
        also_role=Role.APPROVER,  # an approver overrides directly; an operator through approval
        exclusive=True,
        failure_note=CHECKED_AFTER_FAILURE,
    )
    approval = ApprovalKind(
        name=OVERRIDE_KIND,
        label="suspension override",
        run=OVERRIDE,
        params=_approved_params,
        exclusive=True,
    )
    return run, approval


__all__ = [
    "OVERRIDE",
    "OVERRIDE_KIND",
    "OverrideDone",
    "OverridePreview",
    "SuspendOverride",
    "outcome_result",
    "override_approved",
    "override_kinds",
    "preview_override",
    "suspend_override",
]
