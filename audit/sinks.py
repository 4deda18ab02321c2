"""Delivery cursors for ``jethub audit stream``: how far each sink has been sent the log.

One row per sink; whoever delivers holds its lease (``owner`` until ``leased_until``), taken
and renewed by compare-and-set, so however many clocks run, one sends to a sink at a time and
in order. The cursor moves only after the sink accepted a batch: a crash or an outage between
the two sends that batch again (at least once, never out of order).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlmodel import Session, col

from audit._sql import changed, insert_if_absent
from audit.models import AuditSink
from audit.types import as_utc


def take_sink(
    *, session: Session, sink: str, owner: str, now: datetime, lease: timedelta
) -> int | None:
    """The sink's cursor (the last seq delivered) if ``owner`` now holds its lease; None while
    another deliverer holds it."""
    when = as_utc(now, "now")
    session.flush()
    insert_if_absent(session, AuditSink, sink=sink, seq=0, updated_at=when)
    taken = changed(
        session,
        update(AuditSink)
        .where(
            col(AuditSink.sink) == sink,
            or_(
                col(AuditSink.owner).is_(None),
                col(AuditSink.owner) == owner,
                col(AuditSink.leased_until) <= when,
            ),
        )
        .values(owner=owner, leased_until=when + lease)
        .execution_options(synchronize_session=False),
    )
    if taken != 1:
        return None
    return cursor(session=session, sink=sink)


def advance_sink(
    *, session: Session, sink: str, owner: str, seq: int, now: datetime, lease: timedelta
) -> bool:
    """Record that the sink accepted every event up to ``seq`` and renew the lease; False if
    ``owner`` lost the lease (another deliverer took over: stop sending)."""
    when = as_utc(now, "now")
    return (
        changed(
            session,
            update(AuditSink)
            .where(col(AuditSink.sink) == sink, col(AuditSink.owner) == owner)
            .values(seq=seq, leased_until=when + lease, updated_at=when)
            .execution_options(synchronize_session=False),
        )
        == 1
    )


def release_sink(*, session: Session, sink: str, owner: str) -> None:
    session.execute(
        update(AuditSink)
        .where(col(AuditSink.sink) == sink, col(AuditSink.owner) == owner)
        .values(owner=None, leased_until=None)
        .execution_options(synchronize_session=False)
    )


def cursor(*, session: Session, sink: str) -> int:
    """The last seq delivered to ``sink`` (0 before the first delivery)."""
    seq = session.execute(
        select(col(AuditSink.seq)).where(col(AuditSink.sink) == sink)
    ).scalar_one_or_none()
    return int(seq or 0)


def reset_sink(*, session: Session, sink: str, seq: int, now: datetime) -> None:
    """Send ``sink`` everything after ``seq`` next time (``jethub audit stream --from``)."""
    when = as_utc(now, "now")
    session.flush()
    if not insert_if_absent(session, AuditSink, sink=sink, seq=seq, updated_at=when):
        session.execute(
            update(AuditSink)
            .where(col(AuditSink.sink) == sink)
            .values(seq=seq, updated_at=when)
            .execution_options(synchronize_session=False)
        )
