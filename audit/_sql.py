"""Small statements the ledger needs in the same shape on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, bindparam, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Session, SQLModel


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def changed(session: Session, statement: UpdateBase) -> int:
    """Run an UPDATE/DELETE/INSERT and return how many rows it touched."""
    result: Any = session.execute(statement)
    return int(result.rowcount)


def insert_if_absent(session: Session | Connection, model: type[SQLModel], **values: Any) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True iff this call inserted the row.

    The loser of a race gets False without an error, so the caller's transaction stays usable
    (PostgreSQL would otherwise abort it on the unique violation).
    """
    dialect = session.dialect if isinstance(session, Connection) else session.get_bind().dialect
    if dialect.name not in ("postgresql", "sqlite"):  # pragma: no cover
        raise NotImplementedError(f"the ledger does not support {dialect.name}")
    statement = _insert_if_absent(dialect, table_of(model), tuple(sorted(values)))
    # Counted through RETURNING: psycopg reports no rowcount for SQLAlchemy's INSERTs.
    return len(session.execute(statement, values).all()) == 1


@functools.lru_cache(maxsize=64)
def _insert_if_absent(dialect: Dialect, table: Table, names: tuple[str, ...]) -> TextClause:
    # Written as text because SQLAlchemy never caches the compiled form of the dialects' ON
    # CONFLICT inserts: compiling one on every call was a third of the dedupe before each ack.
    # SQLite (3.35+) and PostgreSQL take the same statement.
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    params = ", ".join(f":{name}" for name in names)
    keys = ", ".join(quote(column.name) for column in table.primary_key.columns)
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({columns}) "
        f"VALUES ({params}) ON CONFLICT DO NOTHING RETURNING {keys}"
    )
    return text(sql).bindparams(*(bindparam(name, type_=table.c[name].type) for name in names))
