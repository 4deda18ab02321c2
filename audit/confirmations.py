"""Confirmations: what one person was shown before an action, created pending, settled once.

Settling is a compare-and-set (``UPDATE … WHERE id = :id AND state = 'pending'``), so of many
concurrent clicks, in any number of processes, exactly one returns True — and its transaction is
where the caller does what the confirmation allows. A confirmation is for the person who asked,
not a request for someone else: nothing sweeps it; one left pending past ``expires_at`` can no
longer be confirmed, only cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from audit._sql import changed
from audit.approvals import new_request_id
from audit.models import Confirmation, ConfirmationState
from audit.types import as_utc, json_dict


def create(
    *,
    session: Session,
    action: str,
    account: str,
    requested_by: str,
    shown: Mapping[str, Any] | None,
    now: datetime,
    ttl: timedelta,
) -> Confirmation:
    """A new pending confirmation that can be confirmed until ``ttl`` after ``now``."""
    created = as_utc(now, "now")
    confirmation = Confirmation(
        id=new_request_id(),
        action=action,
        account=account,
        requested_by=requested_by,
        shown=json_dict(shown, "shown")[0],
        state=ConfirmationState.PENDING,
        created_at=created,
        expires_at=created + ttl,
    )
    session.add(confirmation)
    session.flush()
    return confirmation


def get(*, session: Session, confirmation_id: str) -> Confirmation | None:
    """The confirmation as stored now (refreshed even if this session loaded it before)."""
    return session.get(Confirmation, confirmation_id, populate_existing=True)


def confirm(*, session: Session, confirmation_id: str, by: str, now: datetime) -> bool:
    """True iff this call confirmed the pending confirmation, before it expired."""
    return _settle(session, confirmation_id, to_state=ConfirmationState.CONFIRMED, by=by, now=now)


def cancel(*, session: Session, confirmation_id: str, by: str, now: datetime) -> bool:
    """True iff this call cancelled the pending confirmation (expired or not)."""
    return _settle(session, confirmation_id, to_state=ConfirmationState.CANCELLED, by=by, now=now)


def _settle(
    session: Session,
    confirmation_id: str,
    *,
    to_state: ConfirmationState,
    by: str,
    now: datetime,
) -> bool:
    session.flush()
    when = as_utc(now, "now")
    statement = (
        update(Confirmation)
        .where(
            col(Confirmation.id) == confirmation_id,
            col(Confirmation.state) == ConfirmationState.PENDING.value,
        )
        .values(state=to_state.value, settled_by=by, settled_at=when)
        .execution_options(synchronize_session=False)
    )
    if to_state == ConfirmationState.CONFIRMED:
        # A click that lands after the deadline loses, however it got past the caller's check.
        statement = statement.where(col(Confirmation.expires_at) > when)
    return changed(session, statement) == 1
