"""What the digest lets other features read: the snooze in force on an account."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from audit import Snooze


class SnoozeInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    until: date
    by: str
    reason: str

    @classmethod
    def of(cls, row: Snooze) -> SnoozeInfo:
        return cls(until=row.until, by=row.by, reason=row.reason)


def active(session: Session, account: str, today: date) -> SnoozeInfo | None:
    """The account's snooze in force on ``today``, if any."""
    row = session.get(Snooze, account, populate_existing=True)
    return SnoozeInfo.of(row) if row is not None and row.until >= today else None
