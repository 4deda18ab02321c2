"""Accounts never offered for suspension (``exclusion``): one row per account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session, col

from audit._sql import changed, insert_if_absent
from audit.models import Exclusion
from audit.types import as_utc


def get_exclusion(*, session: Session, account: str) -> Exclusion | None:
    return session.get(Exclusion, account, populate_existing=True)


def exclude(*, session: Session, account: str, reason: str, by: str, now: datetime) -> Exclusion:
    """Exclude ``account`` (replacing an earlier reason); the row as it now is."""
    session.flush()
    existing = get_exclusion(session=session, account=account)
    if existing is None:
        insert_if_absent(
            session,
            Exclusion,
            account=account,
            reason=reason,
            by=by,
            created_at=as_utc(now, "now"),
        )
    else:
        existing.reason, existing.by, existing.created_at = reason, by, as_utc(now, "now")
        session.add(existing)
        session.flush()
    found = get_exclusion(session=session, account=account)
    assert found is not None
    return found


def include(*, session: Session, account: str) -> bool:
    """Offer ``account`` for suspension again; True iff it was excluded."""
    session.flush()
    statement = delete(Exclusion).where(col(Exclusion.account) == account)
    removed = changed(session, statement.execution_options(synchronize_session=False))
    existing = session.identity_map.get(session.identity_key(Exclusion, account))
    if existing is not None:
        session.expunge(existing)
    return removed == 1


def excluded(*, session: Session) -> dict[str, Exclusion]:
    """Every excluded account, by account."""
    rows = session.scalars(
        select(Exclusion).order_by(col(Exclusion.account)).execution_options(populate_existing=True)
    )
    return {row.account: row for row in rows}
