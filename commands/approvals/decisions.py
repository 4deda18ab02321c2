"""Deciding a four-eyes request: approve or deny, exactly once.

The pending → approved | denied change is the ledger's compare-and-set
(``audit.approvals.decide``): of any number of concurrent clicks on any number of processes,
exactly one wins; the others get ``AlreadyDecided`` naming who decided. A winning approval
creates its run (``commands.runs.records.create``) in the same transaction.

A request that needs several distinct approvers (the approval policy's count, fixed when it
was made) records each approval as a vote (``audit.approvals.vote``, serialised on the
request's row): one person counts once, and the vote that reaches the count makes the
compare-and-set — so the quorum is decided exactly once across replicas too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from audit import approvals as ledger_approvals
from audit import locks as ledger_locks
from audit.models import ApprovalState
from commands.actor import Actor
from commands.approvals.model import (
    SYSTEM_ACTOR,
    AlreadyDecided,
    ApprovalDecided,
    ApprovalKind,
    ApprovalView,
    ApprovedAlready,
    DecideApproval,
    NotInPolicy,
    NotTyped,
    RequestExpired,
    SelfApproval,
    UnknownRequest,
)
from commands.approvals.requests import clean_reason, load_approval
from commands.errors import CommandError, Conflict, MembershipUnknown
from commands.runs.records import create as create_run
from commands.runs.records import recorded_outcome, run_for_approval, scheduled_start
from commands.trail import Trail, audited, record

if TYPE_CHECKING:
    from commands.deps import Deps


def vet_decision(cmd: DecideApproval, actor: Actor, deps: Deps) -> ApprovalView:
    """Every check of a decision short of making it (the Deny button runs these before asking
    for a reason). Each refusal is audited, then raised."""
    request = _named_request(cmd, actor, deps)
    kind = deps.actions.approval(request.kind)
    with _deciding(deps, actor, cmd, request, kind) as trail:
        _vet(trail, cmd, request, kind, deps, committing=False)
        trail.recorded_elsewhere()  # the decision records the outcome, once a reason is given
    return request


def decide_approval(cmd: DecideApproval, actor: Actor, deps: Deps) -> ApprovalDecided:
    """Approve or deny, as a compare-and-set; every refusal is audited before it is raised."""
    request = _named_request(cmd, actor, deps)
    kind = deps.actions.approval(request.kind)
    with _deciding(deps, actor, cmd, request, kind) as trail:
        _vet(trail, cmd, request, kind, deps, committing=True)
        reason = clean_reason(cmd.reason) if cmd.decision == "deny" else None
        try:
            decided = _decide(deps, trail, cmd, kind, request, reason)
        except ledger_approvals.AlreadyVoted:  # a double click racing itself: rolled back
            after = load_approval(deps, request.id) or request
            raise trail.refuse(ApprovedAlready(after), problem="the same approver again") from None
        if decided is None:
            raise _lost(deps, trail, request)
    return ApprovalDecided(request=decided, decision=cmd.decision, by=actor.user_id)


def _named_request(cmd: DecideApproval, actor: Actor, deps: Deps) -> ApprovalView:
    """The request the button names, as shown on the message clicked; refused (audited as
    ``approval.decide``) when there is none."""
    request = load_approval(deps, cmd.request_id)
    if request is not None and not (
        cmd.message_ts and request.message_ts and cmd.message_ts != request.message_ts
    ):
        return request
    unknown = {"value": cmd.request_id[:64], "decision": cmd.decision}
    account = request.account if request else None
    with audited(deps, actor, "approval.decide", account, details=unknown) as trail:
        raise trail.refuse(UnknownRequest(), problem="no such pending request")


@contextmanager
def _deciding(
    deps: Deps, actor: Actor, cmd: DecideApproval, request: ApprovalView, kind: ApprovalKind
) -> Iterator[Trail]:
    action = f"{kind.name}.{cmd.decision}"
    with audited(deps, actor, action, request.account, details={"request_id": request.id}) as trail:
        yield trail


def _vet(
    trail: Trail,
    cmd: DecideApproval,
    request: ApprovalView,
    kind: ApprovalKind,
    deps: Deps,
    *,
    committing: bool,
) -> None:
    """``committing``: the decision is about to be made (not only checked before its modal),
    so a destructive kind's decider has their membership re-read at its source first."""
    to = f"{cmd.decision} a {kind.label}"
    trail.require(kind.decide_role, to=to)
    fresh = committing and kind.exclusive
    named = deps.policy.approvals.of(kind.name).approvers
    if named is not None:
        listed = deps.listed(trail.actor.user_id, named, fresh)
        if listed is None:
            raise trail.refuse(
                MembershipUnknown(role=kind.decide_role, action=to),
                problem="membership could not be confirmed with Slack",
            )
        if not listed:
            raise trail.refuse(NotInPolicy(kind.name, kind.label, "approvers"))
    if request.state is ApprovalState.EXPIRED:
        raise trail.refuse(RequestExpired(request, deps.zone), problem="expired")
    if request.state is not ApprovalState.PENDING:
        raise trail.refuse(
            AlreadyDecided(request, deps.zone, became=run_became(deps, request, kind)),
            problem=f"already {request.state.value}",
            decided_by=request.decided_by,
        )
    approving = cmd.decision == "approve"
    if approving and trail.actor.user_id == request.requested_by:
        raise trail.refuse(SelfApproval(), problem="self-approval")
    if approving and trail.actor.user_id in request.approved_by:
        raise trail.refuse(ApprovedAlready(request), problem="the same approver again")
    if committing and approving and kind.confirm_by_typing:
        typed = cmd.typed_account
        if typed is None or typed.strip() != request.account:
            why = "no account number typed" if typed is None else "the typed number differs"
            raise trail.refuse(NotTyped(request, kind.label, typed), problem=why)
    if fresh:
        trail.require_now(kind.decide_role, to=to)
    if approving and not deps.authority(request.requested_by, kind.request_role):
        problem = f"the requester no longer holds the {kind.request_role.value} role"
        cancelled = _cancel_for_lost_role(deps, trail.actor, request, kind, problem)
        raise trail.refuse(RequesterLostRole(cancelled, kind), problem=problem)
    if deps.now() >= request.expires_at:
        # Left pending for the sweeper, which expires it and updates its message.
        raise trail.refuse(
            RequestExpired(request, deps.zone), problem="expired", expired_at=request.expires_at
        )


def run_became(deps: Deps, request: ApprovalView, kind: ApprovalKind) -> str | None:
    """What an approved request's run has become, in words from its record (a click on a stale
    Approve must not say "nothing was done" of a deactivation that finished); None without one."""
    if request.state is not ApprovalState.APPROVED:
        return None
    run = run_for_approval(deps, request.id)
    if run is None and kind.on_approved is not None:  # its runs are its own (the thread tells)
        return f"the {kind.label} went ahead when it was approved (its thread says how)."
    if run is None:
        return None
    outcome = recorded_outcome(deps, run)
    if outcome.state == "scheduled" and run.not_before is not None:
        at = run.not_before.astimezone(deps.zone).strftime("%d %b %Y %H:%M %Z")
        return f"the {kind.label} is scheduled for {at} and can still be cancelled."
    if outcome.state == "succeeded":
        return f"the {kind.label} is done."
    if outcome.state == "refused":
        why = (outcome.refused or "it was refused").rstrip(".")
        return f"the {kind.label} did nothing: {why}."
    if outcome.state == "failed":
        return (
            f"the {kind.label} stopped part way: an approver can Retry it in the request's thread."
        )
    return f"the {kind.label} is being carried out."


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
    deps: Deps, actor: Actor, request: ApprovalView, kind: ApprovalKind, problem: str
) -> ApprovalView:
    """Cancel ``request`` because its requester lost the role, audited as the system's
    cancellation (the approver's click is refused by the caller)."""
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


def _decide(
    deps: Deps,
    trail: Trail,
    cmd: DecideApproval,
    kind: ApprovalKind,
    request: ApprovalView,
    reason: str | None,
) -> ApprovalView | None:
    """The compare-and-set, its ok and (a winning approval) its run, in one transaction; None
    when another click or the deadline got there first. An approval short of the quorum is
    recorded as a vote and leaves the request pending."""
    now = deps.now()
    to_state = ApprovalState.APPROVED if cmd.decision == "approve" else ApprovalState.DENIED
    with deps.ledger.session() as session:
        if to_state is ApprovalState.APPROVED:
            voters = ledger_approvals.vote(
                session=session, request_id=request.id, by=trail.actor.user_id, now=now
            )
            if voters is None:
                return None
            if len(voters) < request.approvals_needed:
                view = ApprovalView.of(
                    ledger_approvals.require(session=session, request_id=request.id)
                )
                trail.ok(
                    session=session, requested_by=request.requested_by, quorum=view.quorum_text
                )
                return view
        won = ledger_approvals.decide(
            session=session,
            request_id=request.id,
            to_state=to_state,
            by=trail.actor.user_id,
            reason=reason,
            now=now,
        )
        if not won:
            return None
        row = ledger_approvals.get(session=session, request_id=request.id)
        assert row is not None
        quorum = {"quorum": ApprovalView.of(row).quorum_text} if row.approvals_needed > 1 else {}
        trail.ok(session=session, requested_by=request.requested_by, reason=reason, **quorum)
        if to_state is ApprovalState.APPROVED and kind.run is not None:
            run_kind = deps.actions.run(kind.run)
            create_run(
                session,
                run_kind,
                account=row.account,
                requested_by=row.requested_by,
                params=kind.params(row) if kind.params else {},
                now=now,
                approval_id=row.id,
                not_before=scheduled_start(deps, run_kind, now),  # its kind's cancel window
            )
        else:  # denied, or an approval with nothing to run: the account is free again
            ledger_locks.release(session=session, approval_id=row.id)
        if to_state is ApprovalState.APPROVED and kind.on_approved is not None:
            kind.on_approved(session, deps, row)
        return ApprovalView.of(row)


def _lost(deps: Deps, trail: Trail, request: ApprovalView) -> CommandError:
    """The refusal (recorded) of a decision another click or the deadline got to first."""
    after = load_approval(deps, request.id) or request
    if after.state is ApprovalState.PENDING:  # the deadline passed while we checked
        return trail.refuse(RequestExpired(after, deps.zone), problem="expired")
    kind = deps.actions.approval(after.kind)
    return trail.refuse(
        AlreadyDecided(after, deps.zone, became=run_became(deps, after, kind)),
        problem=f"lost the race: already {after.state.value}",
        decided_by=after.decided_by,
    )
