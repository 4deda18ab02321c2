"""Four-eyes approval: one person asks, a different approver decides, exactly once.

Generic over what is being approved. A kind (``deactivate``, ``suspend``…) is an
``ApprovalKind`` in the catalogue the composition root builds (``deps.actions``): which role may
ask, which may decide, and the run kind that carries it out — created inside the same ledger
transaction as the winning decision, so an approval never exists without its run. An exclusive
kind holds the account's destructive-action lock (``audit.locks``) from the request on; a second
request is refused with a pointer to the first. Every request, decision, refusal, withdrawal,
cancellation and expiry is an audit event.

This module asks and reads; ``commands.approvals.decisions`` decides (the pending → approved |
denied change is the ledger's compare-and-set, ``audit.approvals.decide``: of any number of
concurrent clicks on any number of processes, exactly one wins), ``commands.approvals.withdrawal``
cancels and withdraws, ``commands.approvals.expiry`` expires and reminds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from audit import approvals as ledger_approvals
from audit import locks as ledger_locks
from commands.actor import Actor
from commands.approvals.model import (
    ActionInProgress,
    ApprovalKind,
    ApprovalView,
    NotInPolicy,
    RequestApproval,
)
from commands.errors import InvalidInput
from commands.runs.records import load_run, run_for_approval
from commands.trail import audited, authorize, record

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps

MAX_REASON = 1000


# -- the account's active action --------------------------------------------------------------


def active_action(deps: Deps, kind: str, account: str) -> ActionInProgress | None:
    """The action of ``kind`` holding ``account``'s lock, as the refusal to give, or None."""
    with deps.ledger.read_session() as session:
        lock = ledger_locks.holder(session=session, kind=kind, account=account)
        if lock is None:
            return None
        approval_id, run_id = lock.approval_id, lock.run_id
        request_row = (
            ledger_approvals.get(session=session, request_id=approval_id) if approval_id else None
        )
        request = ApprovalView.of(request_row) if request_row else None
    run = load_run(deps, run_id) if run_id else None
    if run is None and request is not None:
        run = run_for_approval(deps, request.id)
    label = deps.actions.label(kind)
    return ActionInProgress(account, label, request=request, run=run)


# -- asking -------------------------------------------------------------------------------------


def clean_reason(reason: str | None, *, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(field, "Please give a reason.")
    if len(text) > MAX_REASON:
        raise InvalidInput(
            field, f"The reason is {len(text)} characters; the limit is {MAX_REASON}."
        )
    return text


def request_approval(cmd: RequestApproval, actor: Actor, deps: Deps) -> ApprovalView:
    """Create a pending request (and its audit event) in one transaction."""
    kind, reason = vet_request(cmd, actor, deps)
    try:
        with deps.ledger.session() as session:
            return create_request(session, deps, actor, kind, cmd, reason)
    except RequestLocked:
        raise locked_out(deps, actor, kind, cmd.account) from None


def vet_request(cmd: RequestApproval, actor: Actor, deps: Deps) -> tuple[ApprovalKind, str]:
    """The checks before a request is stored (role, reason); refusals audited, then raised."""
    kind = deps.actions.approval(cmd.kind)
    authorize(
        deps,
        actor,
        kind.request_role,
        action=f"{kind.name}.request",
        to=f"request a {kind.label}",
        account=cmd.account,
    )
    named = deps.policy.approvals.of(kind.name).requesters
    if named is not None and not deps.listed(actor.user_id, named, False):
        with audited(deps, actor, f"{kind.name}.request", cmd.account) as trail:
            raise trail.refuse(NotInPolicy(kind.name, kind.label, "requesters"))
    return kind, clean_reason(cmd.reason)


class RequestLocked(Exception):
    """Raised inside the storing transaction (rolling it back): the account's lock is held."""


def locked_out(deps: Deps, actor: Actor, kind: ApprovalKind, account: str) -> ActionInProgress:
    """Audit a request refused because another action holds the account; the refusal to raise."""
    problem = active_action(deps, kind.name, account) or ActionInProgress(account, kind.label)
    why = {"problem": "another request or run is active", "detail": str(problem)}
    with audited(deps, actor, f"{kind.name}.request", account, details=why) as trail:
        trail.refuse(problem)  # recorded now; the caller raises it
    return problem


def create_request(
    session: Session,
    deps: Deps,
    actor: Actor,
    kind: ApprovalKind,
    cmd: RequestApproval,
    reason: str,
) -> ApprovalView:
    """The request, its lock (exclusive kinds) and its audit event, in the caller's transaction
    (a suspension stores it with the settled confirmation); ``RequestLocked`` when the account's
    lock is held."""
    now = deps.now()
    rules = deps.policy.approvals.of(kind.name)
    row = ledger_approvals.create(
        session=session,
        kind=kind.name,
        account=cmd.account,
        requested_by=actor.user_id,
        reason=reason,
        preview=cmd.preview,
        now=now,
        ttl=rules.ttl or deps.policy.approval_ttl,
        origin=cmd.origin,
        approvals_needed=rules.needed(kind.measured(cmd.preview)),
    )
    view = ApprovalView.of(row)
    if kind.exclusive and not ledger_locks.take(
        session=session, kind=kind.name, account=cmd.account, now=now, approval_id=view.id
    ):
        raise RequestLocked()
    record(
        deps,
        actor=actor,
        action=f"{kind.name}.request",
        account=cmd.account,
        outcome="ok",
        session=session,
        details={
            "request_id": view.id,
            "reason": reason,
            "expires_at": view.expires_at,
            "approvals_needed": view.approvals_needed,
            "preview": _summary(cmd.preview),
        },
    )
    return view


def load_approval(deps: Deps, request_id: str) -> ApprovalView | None:
    if not _plausible_id(request_id):
        return None
    with deps.ledger.session() as session:
        row = ledger_approvals.get(session=session, request_id=request_id)
        return None if row is None else ApprovalView.of(row)


def set_approval_message(deps: Deps, request_id: str, *, channel: str, ts: str) -> None:
    with deps.ledger.session() as session:
        ledger_approvals.set_message(session=session, request_id=request_id, channel=channel, ts=ts)


# -- helpers ------------------------------------------------------------------------------------


def _plausible_id(value: str) -> bool:
    return 0 < len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)


def _summary(preview: Mapping[str, Any]) -> dict[str, Any]:
    """What of a preview goes in the audit event: counts, not long lists."""
    return {key: value for key, value in preview.items() if not isinstance(value, list)}
