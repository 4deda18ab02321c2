"""Who is chasing an overdue account (``take``): one row per account, replaced on a take-over."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from audit._sql import changed, insert_if_absent
from audit.models import Take
from audit.types import as_utc


def get_take(*, session: Session, account: str) -> Take | None:
    return session.get(Take, account, populate_existing=True)


def take(
    *, session: Session, account: str, by: str, now: datetime, over: str | None = None
) -> bool:
    """``by`` takes ``account``: True iff it was free (``over`` None) or still held by ``over``
    (a take-over of exactly the person shown), compare-and-set either way."""
    session.flush()
    if over is None:
        return insert_if_absent(session, Take, account=account, by=by, at=as_utc(now, "now"))
    statement = (
        update(Take)
        .where(col(Take.account) == account, col(Take.by) == over)
        .values(by=by, at=as_utc(now, "now"))
        .execution_options(synchronize_session=False)
    )
    return changed(session, statement) == 1


def takes(*, session: Session) -> dict[str, Take]:
    """Every account someone has taken, by account."""
    rows = session.scalars(
        select(Take).order_by(col(Take.account)).execution_options(populate_existing=True)
    )
    return {row.account: row for row in rows}
