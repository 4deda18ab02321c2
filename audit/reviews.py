"""Break-glass reviews: one row per request an admin carried out without its approvers, pending
until one approver acknowledges it (agreed or flagged) — a compare-and-set, so exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from audit._sql import changed
from audit.models import BreakGlassReview, ReviewState
from audit.types import as_utc


def create(
    *,
    session: Session,
    request_id: str,
    kind: str,
    account: str,
    used_by: str,
    reason: str,
    now: datetime,
) -> BreakGlassReview:
    review = BreakGlassReview(
        request_id=request_id,
        kind=kind,
        account=account,
        used_by=used_by,
        reason=reason,
        created_at=as_utc(now, "now"),
        state=ReviewState.PENDING,
    )
    session.add(review)
    session.flush()
    return review


def get(*, session: Session, request_id: str) -> BreakGlassReview | None:
    return session.get(BreakGlassReview, request_id, populate_existing=True)


def acknowledge(
    *, session: Session, request_id: str, to_state: ReviewState, by: str, now: datetime
) -> bool:
    """Agree or flag a pending review; True iff this call did."""
    if to_state is ReviewState.PENDING:
        raise ValueError("a review is acknowledged as agreed or flagged")
    session.flush()
    statement = (
        update(BreakGlassReview)
        .where(
            col(BreakGlassReview.request_id) == request_id,
            col(BreakGlassReview.state) == ReviewState.PENDING.value,
        )
        .values(state=to_state.value, reviewed_by=by, reviewed_at=as_utc(now, "now"))
        .execution_options(synchronize_session=False)
    )
    return changed(session, statement) == 1


def set_message(*, session: Session, request_id: str, channel: str, ts: str) -> None:
    session.flush()
    session.execute(
        update(BreakGlassReview)
        .where(col(BreakGlassReview.request_id) == request_id)
        .values(channel=channel, message_ts=ts)
        .execution_options(synchronize_session=False)
    )


def unreviewed(*, session: Session) -> list[BreakGlassReview]:
    """Every review still waiting, oldest first."""
    statement = (
        select(BreakGlassReview)
        .where(col(BreakGlassReview.state) == ReviewState.PENDING.value)
        .order_by(col(BreakGlassReview.created_at))
    )
    return list(session.scalars(statement.execution_options(populate_existing=True)))
