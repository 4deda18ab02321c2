"""Deciding a four-eyes request: approve or deny, exactly once.

The pending → approved | denied change is the ledger's compare-and-set
(``audit.approvals.decide``): of any number of concurrent clicks on any number of processes,
exactly one wins; the others get ``AlreadyDecided`` naming who decided. A winning approval
creates its run (``commands.run_records.create``) in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit import approvals as ledger_approvals
from audit import locks as ledger_locks
from audit.models import ApprovalState
from commands.actor import Actor
from commands.approval_model import (
    SYSTEM_ACTOR,
    AlreadyDecided,
    ApprovalDecided,
    ApprovalKind,
    ApprovalView,
    DecideApproval,
    RequestExpired,
    SelfApproval,
    UnknownRequest,
)
from commands.approvals import clean_reason, load_approval, refuse
from commands.errors import Conflict
from commands.run_records import create as create_run
from commands.trail import authorize, record

if TYPE_CHECKING:
    from commands.deps import Deps


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
        refuse(
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
        refuse(
            deps, actor, action, request.account, {"request_id": request.id, "problem": "expired"}
        )
        raise RequestExpired(request, deps.zone)
    if request.state is not ApprovalState.PENDING:
        refuse(
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
        refuse(
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
        refuse(
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
    refuse(
        deps,
        actor,
        f"{kind.name}.approve",
        request.account,
        {"request_id": request.id, "problem": problem},
    )
    with deps.ledger.session() as session:
        if ledger_approvals.cancel(
            session=session, request_id=request.id, by=SYSTEM_ACTOR, reason=problem, now=deps.now()
        ):
            ledger_locks.release(session=session, approval_id=request.id)
            record(
                deps,
                actor=SYSTEM_ACTOR,
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
                create_run(
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
            refuse(
                deps,
                actor,
                action,
                request.account,
                {"request_id": request.id, "problem": "expired"},
            )
            raise RequestExpired(after, deps.zone)
        refuse(
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
