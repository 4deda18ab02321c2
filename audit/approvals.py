"""Four-eyes approval requests: created pending, then exactly one state change wins.

Every transition is a compare-and-set (``UPDATE … WHERE id = :id AND state = 'pending'``), so of
many concurrent clicks, in any number of processes, exactly one returns True.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from audit._sql import changed
from audit.errors import ApprovalNotFound, InvalidTransition
from audit.models import ApprovalRequest, ApprovalState
from audit.types import as_utc, json_dict

DECISIONS = frozenset({ApprovalState.APPROVED, ApprovalState.DENIED})


def new_request_id() -> str:
    """Twelve url-safe characters (72 random bits): short enough for a button value."""
    return secrets.token_urlsafe(9)


def create(
    *,
    session: Session,
    kind: str,
    account: str,
    requested_by: str,
    reason: str,
    preview: Mapping[str, Any] | None,
    now: datetime,
    ttl: timedelta,
    origin: str | None = None,
    channel: str | None = None,
    approvals_needed: int = 1,
) -> ApprovalRequest:
    """A new pending request that expires ``ttl`` after ``now`` and is approved once
    ``approvals_needed`` distinct approvers have voted (``vote``)."""
    if approvals_needed < 1:
        raise InvalidTransition(f"a request needs at least one approval, not {approvals_needed}")
    created = as_utc(now, "now")
    request = ApprovalRequest(
        id=new_request_id(),
        kind=kind,
        account=account,
        requested_by=requested_by,
        reason=reason,
        preview=json_dict(preview, "preview")[0],
        state=ApprovalState.PENDING,
        created_at=created,
        expires_at=created + ttl,
        channel=channel,
        origin=origin,
        approvals_needed=approvals_needed,
        approvals=0,
        approved_by=[],
    )
    session.add(request)
    session.flush()
    return request


def get(*, session: Session, request_id: str) -> ApprovalRequest | None:
    """The request as stored now (refreshed even if this session loaded it before)."""
    return session.get(ApprovalRequest, request_id, populate_existing=True)


def require(*, session: Session, request_id: str) -> ApprovalRequest:
    request = get(session=session, request_id=request_id)
    if request is None:
        raise ApprovalNotFound(request_id)
    return request


def _settle(
    session: Session,
    request_id: str,
    *,
    to_state: ApprovalState,
    by: str | None,
    reason: str | None,
    now: datetime,
    unexpired: bool,
) -> bool:
    session.flush()
    when = as_utc(now, "now")
    statement = (
        update(ApprovalRequest)
        .where(
            col(ApprovalRequest.id) == request_id,
            col(ApprovalRequest.state) == ApprovalState.PENDING.value,
        )
        .values(state=to_state.value, decided_by=by, decided_at=when, decision_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if unexpired:
        # A click that lands after the deadline loses even if the sweeper has not run yet.
        statement = statement.where(col(ApprovalRequest.expires_at) > when)
    return changed(session, statement) == 1


def decide(
    *,
    session: Session,
    request_id: str,
    to_state: ApprovalState | str,
    by: str,
    reason: str | None = None,
    now: datetime,
) -> bool:
    """Approve or deny; True iff this call moved the request out of pending (before it expired).

    Who may decide (and whether a requester may approve their own request) is the caller's
    policy; this only guarantees that one decision wins.
    """
    try:
        target = ApprovalState(to_state)
    except ValueError as exc:
        raise InvalidTransition(f"unknown approval state {to_state!r}") from exc
    if target not in DECISIONS:
        raise InvalidTransition(f"decide() approves or denies; {target.value!r} is not a decision")
    return _settle(
        session, request_id, to_state=target, by=by, reason=reason, now=now, unexpired=True
    )


class AlreadyVoted(Exception):
    """This approver's approval of the request is recorded already (the transaction is to be
    rolled back: nothing changed)."""


def vote(*, session: Session, request_id: str, by: str, now: datetime) -> list[str] | None:
    """Record ``by``'s approval of a pending, unexpired request; the approvers so far (``by``
    last), or None when it is no longer pending or has expired. ``AlreadyVoted`` when ``by``
    approved it before.

    The counter's ``UPDATE … WHERE state = 'pending'`` comes first and takes the row's write
    lock, so votes on one request are serialised across processes (PostgreSQL waits for the
    lock, SQLite for the database's): the list read after it is the committed one, and exactly
    one vote — the one that brings ``approvals`` to ``approvals_needed`` — sees the quorum. The
    caller then settles it with ``decide`` in the same transaction.
    """
    session.flush()
    when = as_utc(now, "now")
    locked = changed(
        session,
        update(ApprovalRequest)
        .where(
            col(ApprovalRequest.id) == request_id,
            col(ApprovalRequest.state) == ApprovalState.PENDING.value,
            col(ApprovalRequest.expires_at) > when,
        )
        .values(approvals=col(ApprovalRequest.approvals) + 1)
        .execution_options(synchronize_session=False),
    )
    if locked != 1:
        return None
    row = require(session=session, request_id=request_id)
    before = [str(who) for who in row.approved_by or []]
    if by in before:
        raise AlreadyVoted(by)
    voters = [*before, by]
    session.execute(
        update(ApprovalRequest)
        .where(col(ApprovalRequest.id) == request_id)
        .values(approved_by=voters)
        .execution_options(synchronize_session=False)
    )
    return voters


def cancel(
    *, session: Session, request_id: str, by: str, reason: str | None = None, now: datetime
) -> bool:
    """Withdraw a pending request; True iff this call cancelled it."""
    return _settle(
        session,
        request_id,
        to_state=ApprovalState.CANCELLED,
        by=by,
        reason=reason,
        now=now,
        unexpired=False,
    )


def set_message(*, session: Session, request_id: str, channel: str, ts: str) -> None:
    """Remember where the request was posted in Slack, so its message can be updated later."""
    session.flush()
    statement = (
        update(ApprovalRequest)
        .where(col(ApprovalRequest.id) == request_id)
        .values(channel=channel, message_ts=ts)
        .execution_options(synchronize_session=False)
    )
    if changed(session, statement) != 1:
        raise ApprovalNotFound(request_id)


def expire_due(*, session: Session, now: datetime) -> list[ApprovalRequest]:
    """Expire every pending request past its deadline; return only those this call expired."""
    when = as_utc(now, "now")
    due = session.scalars(
        select(col(ApprovalRequest.id))
        .where(
            col(ApprovalRequest.state) == ApprovalState.PENDING.value,
            col(ApprovalRequest.expires_at) <= when,
        )
        .order_by(col(ApprovalRequest.expires_at))
    ).all()
    expired: list[ApprovalRequest] = []
    for request_id in due:
        won = _settle(
            session,
            request_id,
            to_state=ApprovalState.EXPIRED,
            by=None,
            reason=None,
            now=when,
            unexpired=False,
        )
        if won:
            expired.append(require(session=session, request_id=request_id))
    return expired


def pending(
    *,
    session: Session,
    account: str | None = None,
    kind: str | None = None,
    now: datetime | None = None,
) -> list[ApprovalRequest]:
    """Requests still waiting for a decision, oldest first; with ``now``, only unexpired ones."""
    statement = select(ApprovalRequest).where(
        col(ApprovalRequest.state) == ApprovalState.PENDING.value
    )
    if now is not None:
        statement = statement.where(col(ApprovalRequest.expires_at) > as_utc(now, "now"))
    if account is not None:
        statement = statement.where(col(ApprovalRequest.account) == account)
    if kind is not None:
        statement = statement.where(col(ApprovalRequest.kind) == kind)
    statement = statement.order_by(col(ApprovalRequest.created_at), col(ApprovalRequest.id))
    return list(session.scalars(statement.execution_options(populate_existing=True)))
