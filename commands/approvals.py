"""Four-eyes approval: one person asks, a different approver decides, exactly once.

Generic over what is being approved. A kind (``deactivate``, ``suspend``…) is an
``ApprovalKind`` in the catalogue the composition root builds (``deps.actions``): which role may
ask, which may decide, and the run kind that carries it out — created inside the same ledger
transaction as the winning decision, so an approval never exists without its run. An exclusive
kind holds the account's destructive-action lock (``audit.locks``) from the request on; a second
request is refused with a pointer to the first. Every request, decision, refusal, withdrawal,
cancellation and expiry is an audit event.

The pending → approved | denied | cancelled | expired change is the ledger's compare-and-set
(``audit.approvals.decide``): of any number of concurrent clicks on any number of processes,
exactly one wins; the others get ``AlreadyDecided`` naming who decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from audit import approvals as ledger_approvals
from audit import claim_period, finish_period
from audit import locks as ledger_locks
from audit.models import ApprovalState
from commands import engine
from commands.actor import Actor
from commands.approval_model import (
    SYSTEM_ACTOR,
    ActionInProgress,
    AlreadyDecided,
    ApprovalDecided,
    ApprovalError,
    ApprovalKind,
    ApprovalView,
    CancelApproval,
    DecideApproval,
    NotYourRequest,
    RequestApproval,
    RequestExpired,
    SelfApproval,
    UnknownKind,
    UnknownRequest,
)
from commands.errors import Conflict, InvalidInput
from commands.trail import authorize, record

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps

MAX_REASON = 1000
SYSTEM = SYSTEM_ACTOR
REMIND_JOB = "approval.remind"  # job_run: one row per request (period = the request id)
REMIND_AT = 0.75  # of the request's time to live, gone without a decision
# A reminder claimed by a process that died before posting it is taken over after this long.
REMIND_TAKEOVER = timedelta(minutes=5)

__all__ = [
    "ActionInProgress",
    "AlreadyDecided",
    "ApprovalDecided",
    "ApprovalError",
    "ApprovalKind",
    "ApprovalView",
    "CancelApproval",
    "DecideApproval",
    "NotYourRequest",
    "RequestApproval",
    "RequestExpired",
    "RequestLocked",
    "SelfApproval",
    "UnknownKind",
    "UnknownRequest",
    "active_action",
    "cancel_approval",
    "claim_reminders",
    "create_request",
    "decide_approval",
    "expire_due",
    "finish_reminder",
    "load_approval",
    "locked_out",
    "remind_at",
    "request_approval",
    "set_approval_message",
    "vet_decision",
    "vet_request",
    "withdraw_approval",
]


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
    run = engine.load_run(deps, run_id) if run_id else None
    if run is None and request is not None:
        run = engine.run_for_approval(deps, request.id)
    label = deps.actions.label(kind)
    return ActionInProgress(account, label, request=request, run=run)


# -- actions ------------------------------------------------------------------------------------


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
    return kind, clean_reason(cmd.reason)


class RequestLocked(Exception):
    """Raised inside the storing transaction (rolling it back): the account's lock is held."""


def locked_out(deps: Deps, actor: Actor, kind: ApprovalKind, account: str) -> ActionInProgress:
    """Audit a request refused because another action holds the account; the refusal to raise."""
    problem = active_action(deps, kind.name, account) or ActionInProgress(account, kind.label)
    _refuse(
        deps,
        actor,
        f"{kind.name}.request",
        account,
        {"problem": "another request or run is active", "detail": str(problem)},
    )
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
    row = ledger_approvals.create(
        session=session,
        kind=kind.name,
        account=cmd.account,
        requested_by=actor.user_id,
        reason=reason,
        preview=cmd.preview,
        now=now,
        ttl=deps.policy.approval_ttl,
        origin=cmd.origin,
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


def vet_decision(cmd: DecideApproval, actor: Actor, deps: Deps) -> ApprovalView:
    """Every check of a decision short of making it (the Deny button runs these before asking
    for a reason). Each refusal is audited, then raised."""
    request, _kind, _action = _vet(cmd, actor, deps)
    return request


def _vet(cmd: DecideApproval, actor: Actor, deps: Deps) -> tuple[ApprovalView, ApprovalKind, str]:
    request = load_approval(deps, cmd.request_id)
    if request is None or (
        cmd.message_ts and request.message_ts and cmd.message_ts != request.message_ts
    ):
        _refuse(
            deps,
            actor,
            "approval.decide",
            request.account if request else None,
            {
                "problem": "no such pending request",
                "value": cmd.request_id[:64],
                "decision": cmd.decision,
            },
        )
        raise UnknownRequest()
    kind = deps.actions.approval(request.kind)
    action = f"{kind.name}.{cmd.decision}"
    authorize(
        deps,
        actor,
        kind.decide_role,
        action=action,
        to=f"{cmd.decision} a {kind.label}",
        account=request.account,
    )
    if request.state is ApprovalState.EXPIRED:
        _refuse(
            deps, actor, action, request.account, {"request_id": request.id, "problem": "expired"}
        )
        raise RequestExpired(request, deps.zone)
    if request.state is not ApprovalState.PENDING:
        _refuse(
            deps,
            actor,
            action,
            request.account,
            {
                "request_id": request.id,
                "problem": f"already {request.state.value}",
                "decided_by": request.decided_by,
            },
        )
        raise AlreadyDecided(request, deps.zone)
    if cmd.decision == "approve" and actor.user_id == request.requested_by:
        _refuse(
            deps,
            actor,
            action,
            request.account,
            {"request_id": request.id, "problem": "self-approval"},
        )
        raise SelfApproval()
    if cmd.decision == "approve" and not deps.authority(request.requested_by, kind.request_role):
        raise RequesterLostRole(_cancel_for_lost_role(deps, actor, request, kind), kind)
    if deps.now() >= request.expires_at:
        # Left pending for the sweeper, which expires it and updates its message.
        _refuse(
            deps,
            actor,
            action,
            request.account,
            {"request_id": request.id, "problem": "expired", "expired_at": request.expires_at},
        )
        raise RequestExpired(request, deps.zone)
    return request, kind, action


class RequesterLostRole(Conflict):
    """The requester no longer holds the role the request needs: it was cancelled instead of
    approved (audited), and nothing was done."""

    def __init__(self, request: ApprovalView, kind: ApprovalKind) -> None:
        self.request = request
        self.mentions = (request.requested_by,)
        super().__init__(
            f"<@{request.requested_by}> no longer holds the {kind.request_role.value} role this "
            f"{kind.label} needs, so the request was cancelled and nothing was done."
        )


def _cancel_for_lost_role(
    deps: Deps, actor: Actor, request: ApprovalView, kind: ApprovalKind
) -> ApprovalView:
    """Cancel ``request`` because its requester lost the role; the approver's click is audited
    as refused, the cancellation as the system's."""
    problem = f"the requester no longer holds the {kind.request_role.value} role"
    _refuse(
        deps,
        actor,
        f"{kind.name}.approve",
        request.account,
        {"request_id": request.id, "problem": problem},
    )
    with deps.ledger.session() as session:
        if ledger_approvals.cancel(
            session=session, request_id=request.id, by=SYSTEM, reason=problem, now=deps.now()
        ):
            ledger_locks.release(session=session, approval_id=request.id)
            record(
                deps,
                actor=SYSTEM,
                action=f"{kind.name}.cancel",
                account=request.account,
                outcome="ok",
                session=session,
                details={"request_id": request.id, "reason": problem, "noticed_by": actor.user_id},
            )
    return load_approval(deps, request.id) or request


def decide_approval(cmd: DecideApproval, actor: Actor, deps: Deps) -> ApprovalDecided:
    """Approve or deny, as a compare-and-set; every refusal is audited before it is raised."""
    request, kind, action = _vet(cmd, actor, deps)
    now = deps.now()
    reason = clean_reason(cmd.reason) if cmd.decision == "deny" else None
    to_state = ApprovalState.APPROVED if cmd.decision == "approve" else ApprovalState.DENIED
    with deps.ledger.session() as session:
        won = ledger_approvals.decide(
            session=session,
            request_id=request.id,
            to_state=to_state,
            by=actor.user_id,
            reason=reason,
            now=now,
        )
        if won:
            row = ledger_approvals.get(session=session, request_id=request.id)
            assert row is not None
            record(
                deps,
                actor=actor,
                action=action,
                account=request.account,
                outcome="ok",
                session=session,
                details={
                    "request_id": request.id,
                    "requested_by": request.requested_by,
                    "reason": reason,
                },
            )
            if to_state is ApprovalState.APPROVED and kind.run is not None:
                engine.create(
                    session,
                    deps.actions.run(kind.run),
                    account=row.account,
                    requested_by=row.requested_by,
                    params=kind.params(row) if kind.params else {},
                    now=now,
                    approval_id=row.id,
                )
            else:  # denied, or an approval with nothing to run: the account is free again
                ledger_locks.release(session=session, approval_id=row.id)
            decided = ApprovalView.of(row)
    if not won:
        after = load_approval(deps, request.id) or request
        if after.state is ApprovalState.PENDING:  # the deadline passed while we checked
            _refuse(
                deps,
                actor,
                action,
                request.account,
                {"request_id": request.id, "problem": "expired"},
            )
            raise RequestExpired(after, deps.zone)
        _refuse(
            deps,
            actor,
            action,
            request.account,
            {
                "request_id": request.id,
                "problem": f"lost the race: already {after.state.value}",
                "decided_by": after.decided_by,
            },
        )
        raise AlreadyDecided(after, deps.zone)
    return ApprovalDecided(request=decided, decision=cmd.decision, by=actor.user_id)


def cancel_approval(cmd: CancelApproval, actor: Actor, deps: Deps) -> ApprovalView:
    """The requester withdraws a pending request."""
    request = load_approval(deps, cmd.request_id)
    if request is None:
        _refuse(
            deps,
            actor,
            "approval.cancel",
            None,
            {"problem": "no such request", "value": cmd.request_id[:64]},
        )
        raise UnknownRequest()
    action = f"{request.kind}.cancel"
    if actor.user_id != request.requested_by:
        _refuse(
            deps,
            actor,
            action,
            request.account,
            {"request_id": request.id, "problem": "not the requester"},
        )
        raise NotYourRequest()
    now = deps.now()
    with deps.ledger.session() as session:
        won = ledger_approvals.cancel(
            session=session, request_id=request.id, by=actor.user_id, now=now
        )
        if won:
            ledger_locks.release(session=session, approval_id=request.id)
            record(
                deps,
                actor=actor,
                action=action,
                account=request.account,
                outcome="ok",
                session=session,
                details={"request_id": request.id},
            )
    after = load_approval(deps, request.id) or request
    if not won:
        _refuse(
            deps,
            actor,
            action,
            request.account,
            {"request_id": request.id, "problem": f"already {after.state.value}"},
        )
        raise AlreadyDecided(after, deps.zone)
    return after


def expire_due(deps: Deps) -> list[ApprovalView]:
    """Expire every pending request past its time; returns only those this caller expired."""
    now = deps.now()
    with deps.ledger.session() as session:
        rows = ledger_approvals.expire_due(session=session, now=now)
        views = [ApprovalView.of(row) for row in rows]
        for view in views:
            ledger_locks.release(session=session, approval_id=view.id)
            record(
                deps,
                actor=SYSTEM,
                action=f"{view.kind}.expire",
                account=view.account,
                outcome="ok",
                session=session,
                details={
                    "request_id": view.id,
                    "requested_by": view.requested_by,
                    "expired_at": view.expires_at,
                },
            )
    return views


def remind_at(request: ApprovalView) -> datetime:
    """When the approvers are reminded: ``REMIND_AT`` of the request's time has gone."""
    return request.created_at + (request.expires_at - request.created_at) * REMIND_AT


def claim_reminders(deps: Deps, *, owner: str) -> list[ApprovalView]:
    """The pending, posted requests whose reminder is due and that this caller claimed.

    The claim is a ``job_run`` row keyed by the request id, committed before anything is
    posted: of any number of sweeps on any number of clocks, one gets it. A claim never
    finished (its process died before posting) is taken over after ``REMIND_TAKEOVER``.
    """
    now = deps.now()
    with deps.ledger.read_session() as session:
        waiting = [
            ApprovalView.of(row) for row in ledger_approvals.pending(session=session, now=now)
        ]
    claimed: list[ApprovalView] = []
    for request in waiting:
        if not (request.channel and request.message_ts) or now < remind_at(request):
            continue
        with deps.ledger.session() as session:
            if claim_period(
                session=session,
                job=REMIND_JOB,
                period=request.id,
                owner=owner,
                now=now,
                stale_after=REMIND_TAKEOVER,
            ):
                claimed.append(request)
    return claimed


def finish_reminder(deps: Deps, request: ApprovalView, *, owner: str, outcome: str) -> bool:
    """Close this caller's claim on ``request``'s reminder: ``outcome`` "ok" (posted; audited
    as ``<kind>.remind``) or "skipped" (decided meanwhile). False if the claim was lost."""
    with deps.ledger.session() as session:
        if not finish_period(
            session=session,
            job=REMIND_JOB,
            period=request.id,
            owner=owner,
            now=deps.now(),
            outcome=outcome,
        ):
            return False
        if outcome == "ok":
            record(
                deps,
                actor=SYSTEM,
                action=f"{request.kind}.remind",
                account=request.account,
                outcome="ok",
                session=session,
                details={"request_id": request.id, "expires_at": request.expires_at},
            )
    return True


def withdraw_approval(deps: Deps, request_id: str, *, why: str) -> ApprovalView | None:
    """Cancel a pending request that could not be shown to approvers (its message could not be
    posted): audited as ``<kind>.withdraw``; None when it was no longer pending."""
    now = deps.now()
    with deps.ledger.session() as session:
        won = ledger_approvals.cancel(
            session=session, request_id=request_id, by=SYSTEM, reason=why, now=now
        )
        if not won:
            return None
        ledger_locks.release(session=session, approval_id=request_id)
        row = ledger_approvals.require(session=session, request_id=request_id)
        record(
            deps,
            actor=SYSTEM,
            action=f"{row.kind}.withdraw",
            account=row.account,
            outcome="ok",
            session=session,
            details={"request_id": row.id, "requested_by": row.requested_by, "why": why},
        )
        return ApprovalView.of(row)


# -- helpers ------------------------------------------------------------------------------------


def _refuse(
    deps: Deps, actor: Actor, action: str, account: str | None, details: Mapping[str, Any]
) -> None:
    record(deps, actor=actor, action=action, account=account, outcome="refused", details=details)


def _plausible_id(value: str) -> bool:
    return 0 < len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)


def _summary(preview: Mapping[str, Any]) -> dict[str, Any]:
    """What of a preview goes in the audit event: counts, not long lists."""
    return {key: value for key, value in preview.items() if not isinstance(value, list)}
