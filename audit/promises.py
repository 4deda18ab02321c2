"""Promises to pay (``promise``): the account's newest one, open through its date, then settled
once as kept or broken (compare-and-set on ``state = 'open'`` and the promise's own
``created_at``, so a newer promise is never settled by an older one's check).

``active_promises`` is the small read other parts of the bot ask "is this account promised?"
with: the open promises whose date has not passed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from audit._sql import changed, table_of
from audit.models import Promise
from audit.types import as_utc

OPEN, KEPT, BROKEN = "open", "kept", "broken"


def promise(
    *,
    session: Session,
    account: str,
    amount: str,
    currency: str,
    due: date,
    note: str,
    by: str,
    now: datetime,
) -> Promise:
    """Record the account's promise (open), replacing any earlier one; the row as it now is."""
    values: dict[str, Any] = {
        "account": account,
        "amount": amount,
        "currency": currency,
        "due": due,
        "note": note,
        "by": by,
        "created_at": as_utc(now, "now"),
        "state": OPEN,
        "paid": None,
        "settled_at": None,
    }
    table = table_of(Promise)
    session.flush()
    statement: Any
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).values(**values)
    statement = insert.on_conflict_do_update(
        index_elements=["account"], set_={k: insert.excluded[k] for k in values}
    )
    session.execute(statement)
    found = get_promise(session=session, account=account)
    assert found is not None
    return found


def get_promise(*, session: Session, account: str) -> Promise | None:
    """The account's newest promise, whatever its state."""
    return session.get(Promise, account, populate_existing=True)


def promises(*, session: Session) -> dict[str, Promise]:
    """Every account's newest promise, by account."""
    rows = session.scalars(
        select(Promise).order_by(col(Promise.account)).execution_options(populate_existing=True)
    )
    return {row.account: row for row in rows}


def active_promises(*, session: Session, today: date) -> dict[str, Promise]:
    """The promises in force on ``today`` (open, date not passed), by account: an account in it
    is *promised* and not offered for suspension."""
    rows = session.scalars(
        select(Promise)
        .where(col(Promise.state) == OPEN, col(Promise.due) >= today)
        .order_by(col(Promise.account))
        .execution_options(populate_existing=True)
    )
    return {row.account: row for row in rows}


def due_promises(*, session: Session, today: date) -> list[Promise]:
    """Open promises whose date has passed by ``today``: to be settled as kept or broken."""
    rows = session.scalars(
        select(Promise)
        .where(col(Promise.state) == OPEN, col(Promise.due) < today)
        .order_by(col(Promise.account))
        .execution_options(populate_existing=True)
    )
    return list(rows)


def settle(
    *,
    session: Session,
    account: str,
    created_at: datetime,
    state: str,
    paid: str,
    now: datetime,
) -> bool:
    """Mark the promise made at ``created_at`` kept or broken; True iff this call did (an
    earlier settlement, or a newer promise, leaves it as it is)."""
    if state not in (KEPT, BROKEN):
        raise ValueError(f"a promise is settled as kept or broken, not {state!r}")
    session.flush()
    statement = (
        update(Promise)
        .where(
            col(Promise.account) == account,
            col(Promise.state) == OPEN,
            col(Promise.created_at) == as_utc(created_at, "created_at"),
        )
        .values(state=state, paid=paid, settled_at=as_utc(now, "now"))
        .execution_options(synchronize_session=False)
    )
    return changed(session, statement) == 1
