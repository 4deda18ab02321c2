"""Small statements the ledger needs in the same shape on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import UpdateBase
from sqlmodel import Session, SQLModel


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def changed(session: Session, statement: UpdateBase) -> int:
    """Run an UPDATE/DELETE/INSERT and return how many rows it touched."""
    result: Any = session.execute(statement)
    return int(result.rowcount)


def insert_if_absent(session: Session, model: type[SQLModel], **values: Any) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True iff this call inserted the row.

    The loser of a race gets False without an error, so the caller's transaction stays usable
    (PostgreSQL would otherwise abort it on the unique violation).
    """
    table = table_of(model)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - the ledger supports these two databases only
        raise NotImplementedError(f"the ledger does not support {dialect}")
    # Counted through RETURNING: psycopg reports no rowcount for SQLAlchemy's INSERTs.
    inserted = session.execute(statement.returning(*table.primary_key.columns)).all()
    return len(inserted) == 1
