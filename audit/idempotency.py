"""Keys of requests already handled (Slack retries), so a retry is answered and not re-run."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from audit._sql import changed, insert_if_absent
from audit.errors import UnknownKey
from audit.models import IdempotencyKey
from audit.types import JSONDict, as_utc, json_dict


def first_time(*, session: Session | Connection, key: str, now: datetime) -> bool:
    """Record ``key``; True the first time it is seen, False (without an error) after that.

    ``session`` may be a bare ``Ledger.connection()``: the ack path skips the ORM's cost.
    """
    if isinstance(session, Session):
        session.flush()
    return insert_if_absent(session, IdempotencyKey, key=key, created_at=as_utc(now, "now"))


def remember_result(*, session: Session, key: str, result: Mapping[str, Any]) -> None:
    """Store the answer given for ``key`` so that a retry can be given the same answer."""
    session.flush()
    statement = (
        update(IdempotencyKey)
        .where(col(IdempotencyKey.key) == key)
        .values(result=json_dict(result, "result")[0])
        .execution_options(synchronize_session=False)
    )
    if changed(session, statement) != 1:
        raise UnknownKey(key)


def result_for(*, session: Session, key: str) -> JSONDict | None:
    """The answer stored for ``key``, or None (unknown key, or nothing stored yet)."""
    row = session.get(IdempotencyKey, key, populate_existing=True)
    return None if row is None else row.result


def forget(*, session: Session, key: str) -> None:
    """Forget ``key`` (a claim given up: the next ``first_time`` for it is True again)."""
    session.flush()
    statement = (
        delete(IdempotencyKey)
        .where(col(IdempotencyKey.key) == key)
        .execution_options(synchronize_session=False)
    )
    changed(session, statement)


def prune(*, session: Session, older_than: datetime) -> int:
    """Forget keys recorded before ``older_than``; returns how many were removed."""
    session.flush()
    statement = (
        delete(IdempotencyKey)
        .where(col(IdempotencyKey.created_at) < as_utc(older_than, "older_than"))
        .execution_options(synchronize_session=False)
    )
    return changed(session, statement)
