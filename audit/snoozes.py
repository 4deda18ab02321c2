"""Accounts held out of the overdue digest until a date, with who and why (one per account)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from audit._sql import changed, table_of
from audit.models import Snooze
from audit.types import as_utc


def snooze(
    *, session: Session, account: str, until: date, by: str, reason: str, now: datetime
) -> Snooze:
    """Hold ``account`` out through ``until`` (inclusive); replaces any earlier snooze."""
    values = {
        "account": account,
        "until": until,
        "by": by,
        "reason": reason,
        "created_at": as_utc(now, "now"),
    }
    table = table_of(Snooze)
    session.flush()
    statement: Any
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(table).values(**values)
        statement = pg.on_conflict_do_update(
            index_elements=["account"], set_={k: pg.excluded[k] for k in values}
        )
    else:
        lite = sqlite.insert(table).values(**values)
        statement = lite.on_conflict_do_update(
            index_elements=["account"], set_={k: lite.excluded[k] for k in values}
        )
    session.execute(statement)
    held = session.get(Snooze, account, populate_existing=True)
    assert held is not None
    return held


def active(*, session: Session, today: date) -> dict[str, Snooze]:
    """Snoozes in force on ``today``, by account. Snoozed until D: out through D, back on D+1."""
    rows = session.scalars(
        select(Snooze)
        .where(col(Snooze.until) >= today)
        .order_by(col(Snooze.account))
        .execution_options(populate_existing=True)
    )
    return {row.account: row for row in rows}


def lift(*, session: Session, account: str) -> bool:
    """End the account's snooze now; True iff there was one."""
    session.flush()
    statement = delete(Snooze).where(col(Snooze.account) == account)
    removed = changed(session, statement.execution_options(synchronize_session=False))
    existing = session.identity_map.get(session.identity_key(Snooze, account))
    if existing is not None:
        session.expunge(existing)
    return removed == 1
