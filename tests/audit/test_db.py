"""Engines, migrations and the unit of work, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, inspect, select, text
from sqlmodel import SQLModel, col

from audit import (
    GENESIS_HASH,
    IdempotencyKey,
    InvalidSchemaName,
    Ledger,
    LedgerHead,
    current_revision,
    first_time,
    make_engine,
    upgrade,
)
from audit.db import alembic_config, normalise_url
from tests.fixtures.ledger import LEDGER_TABLES as TABLES

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def _head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_upgrade_creates_every_table_and_the_genesis_head(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == _head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES
        with Ledger(engine).session() as session:
            head = session.execute(select(col(LedgerHead.seq), col(LedgerHead.hash))).all()
        assert [tuple(row) for row in head] == [(0, GENESIS_HASH)]
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(ledger: Ledger) -> None:
    ledger.upgrade()
    ledger.upgrade()
    assert current_revision(ledger.engine) == _head_revision()
    with ledger.session() as session:
        assert len(session.execute(select(col(LedgerHead.id))).all()) == 1


def test_the_models_and_the_migrations_describe_the_same_schema(ledger: Ledger) -> None:
    with ledger.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert [d for d in differences if _ledger_table(d)] == []


def test_the_models_lay_out_each_table_as_the_migrations_do(ledger: Ledger) -> None:
    """What ``compare_metadata`` does not look at: column order, primary keys (their order is
    the key index's), CHECK constraints. The read models share their tables' bases, so this
    fails if a base reorders or drops a column."""
    found = inspect(ledger.engine)
    for name in sorted(TABLES):
        table = SQLModel.metadata.tables[name]
        assert [c["name"] for c in found.get_columns(name)] == list(table.columns.keys()), name
        primary_key = found.get_pk_constraint(name)["constrained_columns"]
        assert primary_key == list(table.primary_key.columns.keys()), name
        checks = {c["name"] for c in found.get_check_constraints(name)}
        assert checks == {c.name for c in table.constraints if isinstance(c, CheckConstraint)}, name


def _ledger_table(difference: object) -> bool:
    """Only our tables count: another package may register SQLModel tables of its own."""
    return any(name in repr(difference) for name in TABLES)


def test_migrations_are_found_from_the_package_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    try:
        upgrade(engine)
        assert current_revision(engine) == _head_revision()
    finally:
        engine.dispose()


def test_concurrent_upgrades_of_one_database_all_succeed(ledger_url: str) -> None:
    errors: list[BaseException] = []
    engines = [make_engine(ledger_url) for _ in range(4)]
    start = threading.Barrier(len(engines))

    def migrate(engine) -> None:
        try:
            start.wait()
            upgrade(engine)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=migrate, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        with Ledger(engines[0]).session() as session:
            assert len(session.execute(select(col(LedgerHead.id))).all()) == 1
    finally:
        for engine in engines:
            engine.dispose()


def test_session_commits_when_the_block_ends(ledger: Ledger) -> None:
    with ledger.session() as session:
        assert first_time(session=session, key="k1", now=NOW)
    with ledger.session() as session:
        assert session.get(IdempotencyKey, "k1") is not None


def test_session_rolls_back_when_the_block_raises(ledger: Ledger) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), ledger.session() as session:
        assert first_time(session=session, key="k1", now=NOW)
        raise Boom
    with ledger.session() as session:
        assert session.get(IdempotencyKey, "k1") is None


def test_read_session_never_commits(ledger: Ledger) -> None:
    with ledger.read_session() as session:
        first_time(session=session, key="k1", now=NOW)
    with ledger.session() as session:
        assert session.get(IdempotencyKey, "k1") is None


def test_objects_stay_readable_after_the_session(ledger: Ledger) -> None:
    with ledger.session() as session:
        first_time(session=session, key="k1", now=NOW)
        row = session.get(IdempotencyKey, "k1")
    assert row is not None
    assert row.created_at == NOW


def test_timestamps_come_back_in_utc_whatever_zone_went_in(ledger: Ledger) -> None:
    sydney = NOW.astimezone(__import__("zoneinfo").ZoneInfo("Australia/Sydney"))
    with ledger.session() as session:
        first_time(session=session, key="k1", now=sydney)
    with ledger.session() as session:
        row = session.get(IdempotencyKey, "k1")
        assert row is not None
        assert row.created_at == NOW
        assert row.created_at.utcoffset() == timedelta(0)


def test_sqlite_connections_are_configured_for_concurrent_use(sqlite_ledger: Ledger) -> None:
    with sqlite_ledger.engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar_one() >= 5000


def test_sqlite_writers_that_read_first_queue_instead_of_failing(sqlite_ledger: Ledger) -> None:
    """A read-then-write transaction started deferred would die with "database is locked"."""
    with sqlite_ledger.session() as session:
        session.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        session.execute(text("INSERT INTO counter VALUES (0)"))
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def bump() -> None:
        try:
            start.wait()
            for _ in range(10):
                with sqlite_ledger.session() as session:
                    n = session.execute(text("SELECT n FROM counter")).scalar_one()
                    session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sqlite_ledger.session() as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 80


@pytest.mark.postgres
def test_make_engine_points_postgres_at_a_schema(fresh_pg_url: str) -> None:
    url = normalise_url(fresh_pg_url)
    schema = str(url.query["options"]).removeprefix("-csearch_path=")
    base = url.difference_update_query(["options"])
    engine = make_engine(base, schema=schema)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT current_schema()")).scalar() == schema
            tables = set(inspect(connection).get_table_names(schema=schema))
        assert tables >= TABLES
    finally:
        engine.dispose()


def test_a_schema_name_must_be_a_plain_identifier() -> None:
    with pytest.raises(InvalidSchemaName):
        make_engine("postgresql+psycopg://postgres@127.0.0.1/test", schema='x"; DROP TABLE y')


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_bare_postgres_urls_use_psycopg_3(scheme: str) -> None:
    url = normalise_url(f"{scheme}://u:p@db.example:5432/app")
    assert url.drivername == "postgresql+psycopg"
    assert url.password == "p"
