"""Break glass: an admin carries out a pending request at once — without waiting for its
approvers — with a mandatory reason, where the kind (or the approval policy) allows it; the
action runs as usual, and a review item waits for an approver to acknowledge it (agree, or flag
it for follow-up). Both the use and its review are audited (``<kind>.break_glass``,
``<kind>.break_glass_review``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from audit import approvals as ledger_approvals
from audit import reviews as ledger_reviews
from audit.models import ApprovalState, BreakGlassReview, ReviewState
from commands.actor import Actor, Role
from commands.approvals.model import (
    AlreadyDecided,
    ApprovalError,
    ApprovalKind,
    ApprovalView,
    NotTyped,
    RequestExpired,
    UnknownRequest,
)
from commands.approvals.requests import clean_reason, load_approval
from commands.runs.records import create as create_run
from commands.trail import Trail, audited

if TYPE_CHECKING:
    from commands.deps import Deps

BREAK_GLASS_PREFIX = "break glass: "  # how an approval by break glass reads in decision_reason


class ReviewView(BaseModel):
    """A detached copy of a ``break_glass_review`` row."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    request_id: str
    kind: str
    account: str
    used_by: str
    reason: str
    state: ReviewState
    reviewed_by: str | None
    channel: str | None
    message_ts: str | None

    @classmethod
    def of(cls, row: BreakGlassReview) -> ReviewView:
        return cls.model_validate(row)


class BreakGlass(BaseModel):
    """Order: carry out this pending request now, for this reason (an admin's emergency)."""

    request_id: str
    reason: str
    typed_account: str | None = None  # a kind confirmed by typing asks for it here too


class ReviewBreakGlass(BaseModel):
    request_id: str
    verdict: Literal["agree", "flag"]


class BreakGlassNotAllowed(ApprovalError):
    def __init__(self, kind: ApprovalKind) -> None:
        super().__init__(
            f"Break glass is not allowed for a {kind.label}: it waits for its approvers "
            f"(the approval policy can allow it: [{kind.name}] break_glass = true)."
        )


class OwnBreakGlass(ApprovalError):
    def __init__(self) -> None:
        super().__init__(
            "You broke the glass yourself: a *different* approver has to review it (four eyes)."
        )


class AlreadyReviewed(ApprovalError):
    def __init__(self, review: ReviewView) -> None:
        by = f" by <@{review.reviewed_by}>" if review.reviewed_by else ""
        self.mentions = (review.reviewed_by,) if review.reviewed_by else ()
        super().__init__(f"This break-glass use was already reviewed ({review.state.value}{by}).")


def allows_break_glass(kind: ApprovalKind, deps: Deps) -> bool:
    """The approval policy's ``break_glass`` for the kind, else what the kind declares."""
    chosen = deps.policy.approvals.of(kind.name).break_glass
    return kind.break_glass if chosen is None else chosen


def vet_break_glass(cmd: BreakGlass, actor: Actor, deps: Deps) -> ApprovalView:
    """The checks before the reason is asked (an admin, a kind that allows it, still pending)."""
    request, kind = _named(cmd.request_id, actor, deps)
    with audited(deps, actor, f"{kind.name}.break_glass", request.account) as trail:
        trail.details["request_id"] = request.id
        trail.require(Role.ADMIN, to=f"break glass on a {kind.label}")
        if not allows_break_glass(kind, deps):
            raise trail.refuse(BreakGlassNotAllowed(kind))
        _still_pending(trail, request, deps)
        trail.recorded_elsewhere()  # the submission records the outcome
    return request


def break_glass(cmd: BreakGlass, actor: Actor, deps: Deps) -> ApprovalView:
    """Approve ``request`` now as the admin (a compare-and-set, as any decision), create its
    run and its pending review in the same transaction."""
    request, kind = _named(cmd.request_id, actor, deps)
    with audited(deps, actor, f"{kind.name}.break_glass", request.account) as trail:
        trail.details["request_id"] = request.id
        to = f"break glass on a {kind.label}"
        if kind.exclusive:
            trail.require_now(Role.ADMIN, to=to)
        else:
            trail.require(Role.ADMIN, to=to)
        if not allows_break_glass(kind, deps):
            raise trail.refuse(BreakGlassNotAllowed(kind))
        reason = clean_reason(cmd.reason)
        trail.details["reason"] = reason
        if kind.confirm_by_typing and (cmd.typed_account or "").strip() != request.account:
            raise trail.refuse(NotTyped(request, kind.label, cmd.typed_account or ""))
        _still_pending(trail, request, deps)
        now = deps.now()
        with deps.ledger.session() as session:
            won = ledger_approvals.decide(
                session=session,
                request_id=request.id,
                to_state=ApprovalState.APPROVED,
                by=actor.user_id,
                reason=BREAK_GLASS_PREFIX + reason,
                now=now,
            )
            if won:
                row = ledger_approvals.require(session=session, request_id=request.id)
                if kind.run is not None:
                    create_run(
                        session,
                        deps.actions.run(kind.run),
                        account=row.account,
                        requested_by=row.requested_by,
                        params=kind.params(row) if kind.params else {},
                        now=now,
                        approval_id=row.id,
                    )
                if kind.on_approved is not None:
                    kind.on_approved(session, deps, row)
                ledger_reviews.create(
                    session=session,
                    request_id=row.id,
                    kind=row.kind,
                    account=row.account,
                    used_by=actor.user_id,
                    reason=reason,
                    now=now,
                )
                trail.ok(session=session, requested_by=row.requested_by)
        after = load_approval(deps, request.id) or request
        if not won:
            raise trail.refuse(AlreadyDecided(after, deps.zone), problem="decided meanwhile")
    return after


def review_break_glass(cmd: ReviewBreakGlass, actor: Actor, deps: Deps) -> ReviewView:
    """An approver other than the admin acknowledges a break-glass use, exactly once."""
    review = load_review(deps, cmd.request_id)
    if review is None:
        with audited(deps, actor, "approval.break_glass_review", None) as trail:
            raise trail.refuse(UnknownRequest(), value=cmd.request_id[:64])
    details = {"request_id": review.request_id, "verdict": cmd.verdict}
    action = f"{review.kind}.break_glass_review"
    with audited(deps, actor, action, review.account, details=details) as trail:
        trail.require(Role.APPROVER, to="review a break-glass use")
        if actor.user_id == review.used_by:
            raise trail.refuse(OwnBreakGlass())
        to_state = ReviewState.AGREED if cmd.verdict == "agree" else ReviewState.FLAGGED
        with deps.ledger.session() as session:
            won = ledger_reviews.acknowledge(
                session=session,
                request_id=review.request_id,
                to_state=to_state,
                by=actor.user_id,
                now=deps.now(),
            )
            if won:
                trail.ok(session=session, used_by=review.used_by, reason=review.reason)
        after = load_review(deps, review.request_id) or review
        if not won:
            raise trail.refuse(AlreadyReviewed(after))
    return after


def load_review(deps: Deps, request_id: str) -> ReviewView | None:
    if not request_id or len(request_id) > 64:
        return None
    with deps.ledger.read_session() as session:
        row = ledger_reviews.get(session=session, request_id=request_id)
        return ReviewView.of(row) if row else None


def unreviewed(deps: Deps) -> list[ReviewView]:
    with deps.ledger.read_session() as session:
        return [ReviewView.of(row) for row in ledger_reviews.unreviewed(session=session)]


def set_review_message(deps: Deps, request_id: str, *, channel: str, ts: str) -> None:
    with deps.ledger.session() as session:
        ledger_reviews.set_message(session=session, request_id=request_id, channel=channel, ts=ts)


def _named(request_id: str, actor: Actor, deps: Deps) -> tuple[ApprovalView, ApprovalKind]:
    request = load_approval(deps, request_id)
    if request is None:
        with audited(deps, actor, "approval.break_glass", None) as trail:
            raise trail.refuse(UnknownRequest(), value=request_id[:64])
    return request, deps.actions.approval(request.kind)


def _still_pending(trail: Trail, request: ApprovalView, deps: Deps) -> None:
    if request.state is not ApprovalState.PENDING:
        raise trail.refuse(AlreadyDecided(request, deps.zone), problem="not pending")
    if deps.now() >= request.expires_at:
        raise trail.refuse(RequestExpired(request, deps.zone), problem="expired")
