"""Scheduled jobs that must run once per period however many clock processes are up."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from audit._sql import changed, insert_if_absent
from audit.models import JobRun
from audit.types import as_utc


def claim_period(
    *,
    session: Session,
    job: str,
    period: str,
    owner: str,
    now: datetime,
    stale_after: timedelta | None = None,
) -> bool:
    """True iff this caller gets to run ``job`` for ``period`` (e.g. "digest", "2025-06-02").

    Commit the claim before doing the work. With ``stale_after``, a claim that never finished
    and started longer ago than that (its process died) may be taken over; without it, a
    period that was claimed is never run again.
    """
    when = as_utc(now, "now")
    session.flush()
    if insert_if_absent(session, JobRun, job=job, period=period, owner=owner, started_at=when):
        return True
    if stale_after is None:
        return False
    takeover = (
        update(JobRun)
        .where(
            col(JobRun.job) == job,
            col(JobRun.period) == period,
            col(JobRun.finished_at).is_(None),
            col(JobRun.started_at) <= when - stale_after,
        )
        .values(owner=owner, started_at=when)
        .execution_options(synchronize_session=False)
    )
    return changed(session, takeover) == 1


def finish_period(
    *, session: Session, job: str, period: str, owner: str, now: datetime, outcome: str = "ok"
) -> bool:
    """Record how the period's run ended; False if ``owner`` no longer holds the claim."""
    session.flush()
    statement = (
        update(JobRun)
        .where(
            col(JobRun.job) == job,
            col(JobRun.period) == period,
            col(JobRun.owner) == owner,
            col(JobRun.finished_at).is_(None),
        )
        .values(finished_at=as_utc(now, "now"), outcome=outcome)
        .execution_options(synchronize_session=False)
    )
    return changed(session, statement) == 1


def get_period(*, session: Session, job: str, period: str) -> JobRun | None:
    return session.get(JobRun, (job, period), populate_existing=True)
