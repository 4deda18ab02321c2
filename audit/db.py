"""Engines, migrations and the unit of work for the ledger, on SQLite or PostgreSQL."""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from audit.errors import InvalidSchemaName
from audit.keys import AuditKey, Keyring
from audit.models import AuditEvent
from audit.types import canonical_json

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATIONS = "audit:migrations"
# Advisory-lock namespaces (first key); the second key is the schema's hash, so ledgers in
# different schemas of one database never wait for each other.
MIGRATE_LOCK = 0x4A480001
APPEND_LOCK = 0x4A480002
# Where a session keeps the audit events it appended, for ``Ledger.observers``.
APPENDED = "jethub_appended_events"
# Execution option that makes a SQLite transaction start deferred (readers only).
_READ_ONLY = "jethub_ledger_read_only"
# Where a Ledger's sessions carry its audit key for append() and verify().
_AUDIT_KEY = "jethub_audit_key"
_SCHEMA = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def normalise_url(url: str | URL) -> URL:
    """``url`` parsed, with bare PostgreSQL URLs pointed at the psycopg 3 driver."""
    parsed = make_url(url)
    # Platforms hand out postgres:// and postgresql://; we only ship the psycopg 3 driver.
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, *, schema: str | None = None, **kwargs: Any) -> Engine:
    """An engine configured for the ledger.

    SQLite: WAL, ``synchronous=NORMAL``, a busy timeout, foreign keys on, and every transaction
    opened with ``BEGIN IMMEDIATE`` so concurrent writers queue on the lock instead of failing
    half way. PostgreSQL: psycopg 3; ``schema`` sets the ``search_path`` (tests use a fresh one).
    An in-memory SQLite URL (``sqlite://``) gives each thread its own database: one thread only.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, json_serializer=canonical_json, **kwargs)
        _configure_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
        return engine
    if schema is not None:
        if not _SCHEMA.fullmatch(schema):
            raise InvalidSchemaName(schema)
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args["options"] = f"{connect_args.get('options', '')} -csearch_path={schema}"
        kwargs["connect_args"] = connect_args
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, json_serializer=canonical_json, **kwargs)


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module so that we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if not in_memory:
                _switch_to_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode = WAL``, waiting for the lock as long as the busy timeout would.

    SQLite answers a journal-mode switch that races another connection with SQLITE_BUSY at once,
    without calling the busy handler, so several processes opening a new file together (two
    ``jethub db upgrade``, a web and a clock starting) would fail instead of queueing.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the ledger to ``revision`` in one transaction; concurrent callers queue."""
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:ns, hashtext(current_schema()))"),
                {"ns": MIGRATE_LOCK},
            )
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revision() -> str | None:
    """The newest revision the shipped migrations know."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class Ledger:
    """The ledger's engine and its unit of work.

    ``with ledger.session() as session:`` commits when the block ends normally and rolls back
    when it raises. Objects stay readable after the block (they are not expired on commit).
    """

    def __init__(self, engine: Engine, *, key: AuditKey | Keyring | None = None) -> None:
        self.engine = engine
        # Called with each audit event once its transaction has committed (the composition root
        # counts them and announces finished changes); never for a rolled-back one.
        self.observers: list[Callable[[AuditEvent], None]] = []
        # Every key this process holds; the ledger's head says which one signs.
        self.keyring = Keyring.of(key) if key is not None else None
        self.key = self.keyring.first if self.keyring is not None else None
        # SQLite has one writer at a time; this process's short writers queue on a mutex
        # (an instant hand-off) instead of SQLite's busy handler, which sleeps and retries.
        self._short_writes = threading.Lock() if engine.dialect.name == "sqlite" else None
        self._read_engine: tuple[Engine, Engine] | None = None  # (engine, its read-only copy)

    @classmethod
    def from_url(
        cls,
        url: str | URL,
        *,
        schema: str | None = None,
        migrate: bool = False,
        key: AuditKey | Keyring | None = None,
    ) -> Ledger:
        ledger = cls(make_engine(url, schema=schema), key=key)
        if migrate:
            ledger.upgrade()
        return ledger

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self) -> None:
        """Migrate to the newest schema, then seal the head with the key (if there is one)."""
        upgrade(self.engine)
        if self.key is not None:
            self.seal()

    def seal(self) -> bool:
        """Put the key's MAC on a head that has none yet (a new or just-migrated ledger)."""
        from audit.events import seal

        with self.session() as session:
            return seal(session=session)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-write transaction (on SQLite it holds the write lock from its first statement)."""
        with Session(self.engine, expire_on_commit=False) as session:
            session.info[_AUDIT_KEY] = self.keyring
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            self._announce(session.info.pop(APPENDED, ()))

    def _announce(self, appended: Iterable[AuditEvent]) -> None:
        for appended_event in appended:
            for observer in self.observers:
                try:
                    observer(appended_event)
                except Exception:  # a metric must never undo or hide a committed action
                    log.exception("ledger observer failed")

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A read-write transaction without the ORM, for the few statements on the ack path
        (the dedupe insert): committed when the block ends normally, else rolled back."""
        if self._short_writes is None:
            with self.engine.begin() as connection:
                yield connection
            return
        with self._short_writes, self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A transaction for reading only (verify, export, listings); always rolled back.

        On SQLite it does not take the write lock, so a long verify does not hold up writers.
        Writing through it is a mistake: on SQLite the lock upgrade can fail with "database is
        locked" under contention.
        """
        with Session(self._reader(), expire_on_commit=False) as session:
            session.info[_READ_ONLY] = True
            session.info[_AUDIT_KEY] = self.keyring
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """:meth:`read_session` without the ORM, for the hot reads (an account view's open
        requests, runs and snooze as Core statements): always rolled back."""
        with self._reader().connect() as connection:
            try:
                yield connection
            finally:
                connection.rollback()

    def _reader(self) -> Engine:
        """The engine with the read-only options, made once (making it costs more than a read).
        On PostgreSQL one snapshot for the whole read (SQLite's read transaction already is
        one): verify must not see the head move past the events it has streamed."""
        engine = self.engine
        cached = self._read_engine
        if cached is not None and cached[0] is engine:
            return cached[1]
        options: dict[str, Any] = {_READ_ONLY: True}
        if engine.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
        reader = engine.execution_options(**options)
        self._read_engine = (engine, reader)
        return reader

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Ledger({self.engine.url.render_as_string(hide_password=True)!r})"


def is_read_only(session: Session) -> bool:
    return bool(session.info.get(_READ_ONLY, False))


def session_key(session: Session) -> Keyring | None:
    """The audit keys of the Ledger that opened ``session`` (None if it has none)."""
    keys = session.info.get(_AUDIT_KEY)
    return keys if isinstance(keys, Keyring) else None
