"""Rows as older schema versions stored them, for the migration tests: written with only the
columns those versions had (the ORM model names today's)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

_OLD_REQUEST = sa.table(
    "approval_request",
    *(
        sa.column(name)
        for name in (
            "id", "kind", "account", "requested_by", "reason", "preview", "state",
            "created_at", "expires_at",
        )
    ),
)  # fmt: skip


def old_pending_request(
    session: Session, *, request_id: str, account: str, requested_by: str, now: datetime,
    ttl: timedelta,
) -> str:  # fmt: skip
    """A pending four-eyes request as migrations 0001 to 0006 stored it."""
    session.execute(
        sa.insert(_OLD_REQUEST).values(
            id=request_id, kind="deactivate", account=account, requested_by=requested_by,
            reason="closed", preview="{}", state="pending", created_at=now, expires_at=now + ttl,
        )
    )  # fmt: skip
    return request_id
