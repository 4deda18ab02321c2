"""Deactivating an account: the preview, the request, and Retry of its run.

The request is a four-eyes approval (kind ``deactivate``) that holds the account's
destructive-action lock from the moment it is stored: a second request while one is pending,
approved but unfinished, or failed is refused with a pointer to it. Approval creates the run in
the same transaction (``commands.deactivation.run`` has its steps; ``commands.runs.engine`` works
it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.approvals.model import ApprovalView, RequestApproval
from commands.approvals.requests import active_action, clean_reason, request_approval
from commands.deactivation.radius import (
    COLLECTION_STEPS,
    BlastRadius,
    Growth,
    blast_radius,
)
from commands.deactivation.run import (
    KIND,
    MARK,
    REVIEW,
    STEP_LABELS,
    STEPS,
    DeactivationSummary,
    StepTally,
    summarise_steps,
)
from commands.errors import CommandError, InvalidInput, NothingToDo
from commands.runs import engine
from commands.runs.engine import BATCH, new_owner
from commands.runs.kinds import (
    DEFAULT_LEASE,
    Progress,
    QuietProgress,
    RunNotRetryable,
    RunOutcome,
    RunView,
    StepView,
    UnknownRun,
)
from commands.runs.records import load_run, resumable_runs, run_for_approval, run_steps
from commands.trail import audited, authorize
from integrations.platform import Account

if TYPE_CHECKING:
    from commands.deps import Deps

__all__ = [
    "BATCH",
    "COLLECTION_STEPS",
    "DEFAULT_LEASE",
    "KIND",
    "MARK",
    "REVIEW",
    "STEPS",
    "STEP_LABELS",
    "BlastRadius",
    "DeactivationPreview",
    "DeactivationRequested",
    "DeactivationSummary",
    "Growth",
    "NoApprovalsChannel",
    "PreviewDeactivation",
    "Progress",
    "QuietProgress",
    "RequestDeactivation",
    "RequestProblems",
    "RunNotRetryable",
    "RunOutcome",
    "RunView",
    "StepTally",
    "StepView",
    "UnknownRun",
    "blast_radius",
    "check_request",
    "execute_run",
    "load_run",
    "new_owner",
    "preview_deactivation",
    "request_deactivation",
    "require_approvals_channel",
    "resumable_runs",
    "run_for_approval",
    "run_steps",
    "summarise",
]


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


class NoApprovalsChannel(CommandError):
    def __init__(self) -> None:
        super().__init__(
            "Deactivation needs an approvals channel, and none is configured "
            "(`JETHUB_APPROVALS_CHANNEL`). Nothing was requested."
        )


class RequestProblems(InvalidInput):
    """What is wrong with a request as typed: ``errors`` maps each field to its problem."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        field, message = next(iter(errors.items()))
        super().__init__(field, message)

    @property
    def audit_details(self) -> Mapping[str, Any]:
        return {"problems": self.errors}


def require_approvals_channel(deps: Deps, actor: Actor, account: str) -> None:
    """Refuse to start a request nobody could see, audited as the request's refusal."""
    if deps.policy.has_approvals_channel:
        return
    with audited(deps, actor, f"{KIND}.request", account) as trail:
        raise trail.refuse(NoApprovalsChannel(), problem="no approvals channel configured")


def _confirmation_problems(account: str, typed: str, reason: str) -> dict[str, str]:
    """The modal's pure checks: ``{field: message}`` for each problem (empty when fine)."""
    problems: dict[str, str] = {}
    if typed.strip() != account:
        # The field's label already says what to type: say what was wrong with what was typed.
        shown = typed.strip()[:20]
        problems["confirm"] = f"“{shown}” does not match {account}." if shown else "Nothing typed."
    try:
        clean_reason(reason)
    except InvalidInput as exc:
        problems["reason"] = str(exc)
    return problems


def check_request(cmd: RequestDeactivation, actor: Actor, deps: Deps) -> None:
    """The checks of a request as typed, quick enough for Slack's three seconds: every problem
    at once (``RequestProblems``), audited as the request's refusal."""
    problems = _confirmation_problems(cmd.account, cmd.typed_account, cmd.reason)
    if not deps.policy.has_approvals_channel:
        problems["reason"] = str(NoApprovalsChannel())
    if problems:
        with audited(deps, actor, f"{KIND}.request", cmd.account or None) as trail:
            raise trail.refuse(RequestProblems(problems))


def request_deactivation(
    cmd: RequestDeactivation, actor: Actor, deps: Deps
) -> DeactivationRequested:
    """Re-read the blast radius and store a pending approval request carrying it."""
    with audited(deps, actor, f"{KIND}.request", cmd.account) as trail:
        trail.require(Role.OPERATOR, to="request a deactivation")
        check_request(cmd, actor, deps)
        account = resolve_account(deps, cmd.account)
        trail.account = account.id
        _refuse_if_unavailable(deps, actor, account)
        radius = blast_radius(deps, account)
        trail.recorded_elsewhere()  # the approval request records its own ok or refusal
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
    """Refuse early (in the preview) what the request would refuse, audited as the request's
    refusal; the request's lock is what guarantees it."""
    problem: CommandError | None = None
    if account.is_deactivated:
        problem = NothingToDo(
            f"Account {account.id} is already deactivated; nothing was requested or done."
        )
    else:
        problem = active_action(deps, KIND, account.id)
    if problem is not None:
        with audited(deps, actor, f"{KIND}.request", account.id) as trail:
            raise trail.refuse(problem)


# -- the run ------------------------------------------------------------------------------------


def execute_run(
    deps: Deps,
    run_id: str,
    *,
    progress: Progress | None = None,
    owner: str | None = None,
    lease_for: timedelta = DEFAULT_LEASE,
    batch: int = BATCH,
) -> RunOutcome:
    """Work the deactivation run (see ``commands.runs.engine.execute``)."""
    run = load_run(deps, run_id)
    if run is None or run.kind != KIND:
        raise UnknownRun("deactivation")
    return engine.execute(
        deps, run_id, progress=progress, owner=owner, lease_for=lease_for, batch=batch
    )


def summarise(deps: Deps, run_id: str) -> DeactivationSummary:
    """What the run removed, quarantined and unlinked, from its steps' records."""
    run = load_run(deps, run_id)
    if run is None:
        raise UnknownRun("deactivation")
    return summarise_steps(run, run_steps(deps, run_id))
