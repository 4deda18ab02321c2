"""Payment decisions (``payment_decision``): made once each, read back for the account card."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from audit._sql import changed, insert_if_absent
from audit.models import PaymentDecision
from audit.types import as_utc


def decide_once(
    *,
    session: Session,
    key: str,
    account: str,
    decision: str,
    source: str,
    now: datetime,
    payments: list[dict[str, Any]],
    suspend_run_id: str | None = None,
    unsuspend_run_id: str | None = None,
    remaining: dict[str, Any] | None = None,
) -> bool:
    """Record the decision ``key`` unless it was made already; True iff this call made it (then
    act on it in the same transaction)."""
    session.flush()
    return insert_if_absent(
        session,
        PaymentDecision,
        key=key,
        account=account,
        decision=decision,
        source=source,
        decided_at=as_utc(now, "now"),
        payments=payments,
        suspend_run_id=suspend_run_id,
        unsuspend_run_id=unsuspend_run_id,
        remaining=remaining,
    )


def attach_run(*, session: Session, key: str, run_id: str) -> bool:
    """Name the run that carries the decision out (a lift), in the transaction that made it."""
    session.flush()
    statement = (
        update(PaymentDecision)
        .where(col(PaymentDecision.key) == key)
        .values(unsuspend_run_id=run_id)
        .execution_options(synchronize_session=False)
    )
    return changed(session, statement) == 1


def latest_decision(*, session: Session, account: str) -> PaymentDecision | None:
    """The account's newest payment decision, if any."""
    return session.scalars(
        select(PaymentDecision)
        .where(col(PaymentDecision.account) == account)
        .order_by(col(PaymentDecision.decided_at).desc())
        .limit(1)
        .execution_options(populate_existing=True)
    ).first()


def decided_keys(*, session: Session, keys: list[str]) -> set[str]:
    """Which of ``keys`` have been decided already."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):  # bounded IN lists
        chunk = keys[start : start + 500]
        rows = session.scalars(
            select(col(PaymentDecision.key)).where(col(PaymentDecision.key).in_(chunk))
        )
        found.update(rows)
    return found
