"""One active destructive action per account and kind, held by a row whose primary key is
``(kind, account)``: taking it is an insert-if-absent, so of any number of requests on any
number of processes exactly one holds it, on SQLite and PostgreSQL alike.

The holder is an approval request (taken in the transaction that creates it) or a run (taken in
the transaction that creates it when no request came first); a run created for a request joins
the request's lock. Whoever settles the action without effect (denied, cancelled, expired,
withdrawn) or ends its run releases the lock in that same transaction. A failed run keeps it:
the account still has an unfinished action, to be retried.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col

from audit._sql import changed, insert_if_absent
from audit.models import ActionLock
from audit.types import as_utc


def take(
    *,
    session: Session,
    kind: str,
    account: str,
    now: datetime,
    approval_id: str | None = None,
    run_id: str | None = None,
) -> bool:
    """Hold the lock for this holder; False when another action holds it."""
    session.flush()
    return insert_if_absent(
        session,
        ActionLock,
        kind=kind,
        account=account,
        approval_id=approval_id,
        run_id=run_id,
        created_at=as_utc(now, "now"),
    )


def holder(*, session: Session, kind: str, account: str) -> ActionLock | None:
    return session.get(ActionLock, (kind, account), populate_existing=True)


def attach_run(*, session: Session, kind: str, account: str, approval_id: str, run_id: str) -> None:
    """The run created for an approved request carries on holding the request's lock."""
    session.flush()
    session.execute(
        update(ActionLock)
        .where(
            col(ActionLock.kind) == kind,
            col(ActionLock.account) == account,
            col(ActionLock.approval_id) == approval_id,
        )
        .values(run_id=run_id)
        .execution_options(synchronize_session=False)
    )


def release(*, session: Session, approval_id: str | None = None, run_id: str | None = None) -> bool:
    """Let go of the lock held by this request or run (if it holds one)."""
    session.flush()
    holders = []
    if approval_id is not None:
        holders.append(col(ActionLock.approval_id) == approval_id)
    if run_id is not None:
        holders.append(col(ActionLock.run_id) == run_id)
    if not holders:
        return False
    statement = delete(ActionLock).where(or_(*holders)).execution_options(synchronize_session=False)
    return changed(session, statement) > 0
