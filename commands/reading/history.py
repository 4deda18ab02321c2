"""``audit``: the account's recent audit events from the ledger, a page at a time by ``seq``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import col, select

from audit.events import for_account
from audit.models import AuditEvent
from commands.accounts import resolve_account
from commands.actor import Actor, Role
from commands.errors import AccountNotFound
from commands.reading._models import ReadOrder, ReadResult
from commands.trail import authorize
from integrations.errors import IntegrationError

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps

PAGE_SIZE = 15


class ListAuditEvents(ReadOrder):
    """A page of the account's events: the newest, those ``before_seq``, or those ``after_seq``."""

    before_seq: int | None = Field(default=None, ge=1)
    after_seq: int | None = Field(default=None, ge=0)
    limit: int = Field(default=PAGE_SIZE, ge=1, le=40)

    @model_validator(mode="after")
    def _one_direction(self) -> ListAuditEvents:
        if self.before_seq is not None and self.after_seq is not None:
            raise ValueError("page before a seq or after one, not both")
        return self


class AuditEntry(BaseModel):
    """One event as the view needs it (detached from the ledger session)."""

    model_config = ConfigDict(frozen=True)

    seq: int
    at: datetime
    actor: str
    action: str
    outcome: str
    details: dict[str, Any] = {}


class AuditPage(ReadResult):
    account: str
    account_name: str | None = None
    entries: list[AuditEntry]  # newest first
    has_older: bool = False
    has_newer: bool = False

    @property
    def oldest_seq(self) -> int | None:
        return self.entries[-1].seq if self.entries else None

    @property
    def newest_seq(self) -> int | None:
        return self.entries[0].seq if self.entries else None


def list_audit_events(cmd: ListAuditEvents, actor: Actor, deps: Deps) -> AuditPage:
    """The ledger is read even when the platform is down: a number names the account as is."""
    authorize(
        deps, actor, Role.VIEWER, action="audit", to="view the audit log", account=cmd.account
    )
    number, name = _account(deps, cmd.account)
    with deps.ledger.read_session() as session:
        if cmd.after_seq is not None:
            rows = _newer(session, number, cmd.after_seq, cmd.limit + 1)
            has_newer = len(rows) > cmd.limit
            rows = rows[-cmd.limit :] if has_newer else rows
            has_older = True
        else:
            rows = for_account(
                session=session, account=number, limit=cmd.limit + 1, before_seq=cmd.before_seq
            )
            has_older = len(rows) > cmd.limit
            rows = rows[: cmd.limit]
            has_newer = cmd.before_seq is not None and bool(
                rows and _newer(session, number, rows[0].seq, 1)
            )
        entries = [_entry(row) for row in rows]
    return AuditPage(
        account=number, account_name=name, entries=entries, has_older=has_older, has_newer=has_newer
    )


def _account(deps: Deps, query: str) -> tuple[str, str | None]:
    try:
        account = resolve_account(deps, query)
    except IntegrationError:
        if not query.strip().isdigit():
            raise
        return query.strip(), None
    except AccountNotFound:
        if not query.strip().isdigit() or not _has_events(deps, query.strip()):
            raise
        return query.strip(), None  # gone from the platform, still in the ledger
    return account.id, account.name


def _has_events(deps: Deps, account: str) -> bool:
    with deps.ledger.read_session() as session:
        return bool(for_account(session=session, account=account, limit=1))


def _newer(session: Session, account: str, after_seq: int, limit: int) -> list[AuditEvent]:
    """Up to ``limit`` events just after ``after_seq``, newest first."""
    stmt = (
        select(AuditEvent)
        .where(col(AuditEvent.account) == account, col(AuditEvent.seq) > after_seq)
        .order_by(col(AuditEvent.seq).asc())
        .limit(limit)
    )
    return list(reversed(session.exec(stmt).all()))


def _entry(row: AuditEvent) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        outcome=str(row.outcome),
        details=dict(row.details or {}),
    )


__all__ = ["PAGE_SIZE", "AuditEntry", "AuditPage", "ListAuditEvents", "list_audit_events"]
