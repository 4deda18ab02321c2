"""The audit log: append, read, verify and export a keyed, hash-chained sequence of events.

Each event covers the canonical JSON array
``[seq, at, actor, action, account, outcome, details, correlation_id, prev_hash]`` (``at`` as
``YYYY-MM-DDTHH:MM:SS.ffffffZ``, JSON with sorted keys, no spaces, ASCII only), and ``prev_hash``
is the previous event's hash (64 zeros for the first). Its ``hash`` is, by its ``scheme``:

1. SHA-256 of that text (events written before the key existed: the legacy prefix);
2. HMAC-SHA256 of ``b"jethub-audit-event-v2\n"`` + that text under ``JETHUB_AUDIT_KEY``.

Each keyed event also records ``key_id``, the id of the key that signed it (not covered by the
hash: another id would not verify). ``ledger_head`` also names the key new events are signed with;
``rotate_key`` moves it, with an ``audit.key_rotated`` event.

``ledger_head`` holds the newest seq and hash, ``keyed_from`` (the first keyed seq: every event
from there on must be scheme 2, and the first of them seals the legacy prefix through its
``prev_hash``) and ``mac``, the key's HMAC over those three. The head moves in the same
transaction as each append, so without the key nobody can rewrite an event, cut the newest off
or pass keyed events off as legacy ones. Anchors (``audit.anchors``) published outside the
database catch even someone who holds the key.

There is deliberately no function that updates or deletes an event.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time
from json.encoder import encode_basestring_ascii as _escape
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    String,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
    text,
    type_coerce,
    update,
)
from sqlmodel import Session, col

from audit._sql import table_of
from audit.anchors import Anchor
from audit.db import APPEND_LOCK, APPENDED, is_read_only, session_key
from audit.errors import (
    AuditKeyMissing,
    AuditKeyNotHeld,
    HeadMissing,
    InvalidValue,
    LedgerError,
    ReadOnlySession,
    UnknownExportFormat,
    WrongAuditKey,
)
from audit.keys import AuditKey, Keyring
from audit.models import AuditEvent, LedgerHead, Outcome
from audit.types import as_utc, canonical_json, json_dict, utc_text

GENESIS_HASH = "0" * 64
LEGACY_SCHEME = 1
KEYED_SCHEME = 2
EXPORT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "account",
    "outcome",
    "details",
    "correlation_id",
    "prev_hash",
    "hash",
    "scheme",
    "key_id",
)
_BATCH = 10_000
_HEAD_TABLE = table_of(LedgerHead)
_READ_HEAD = select(
    _HEAD_TABLE.c.seq,
    _HEAD_TABLE.c.hash,
    _HEAD_TABLE.c.keyed_from,
    _HEAD_TABLE.c.mac,
    _HEAD_TABLE.c.key_id,
).where(_HEAD_TABLE.c.id == 1)
_INSERT_EVENT = insert(table_of(AuditEvent))
_MOVE_HEAD = (
    update(_HEAD_TABLE)
    .where(_HEAD_TABLE.c.id == 1, _HEAD_TABLE.c.seq == bindparam("was"))
    .values(
        seq=bindparam("seq"),
        hash=bindparam("digest"),
        mac=bindparam("mac"),
        key_id=bindparam("key_id"),
    )
)
# The event that moves the chain onto another key (signed by the key it leaves).
KEY_ROTATED = "audit.key_rotated"
# Cells a spreadsheet would run as a formula (or that hide one behind a tab or line break).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class VerifyReport(BaseModel):
    """What ``verify`` found: ``ok``, how many events it read, and the first broken seq."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    anchors_checked: int = 0


def _string(value: str | None) -> str:
    return "null" if value is None else _escape(value)


def record_text(
    seq: int,
    at: str,
    actor: str,
    action: str,
    account: str | None,
    outcome: str,
    details_json: str,
    correlation_id: str | None,
    prev_hash: str,
) -> str:
    """The canonical JSON array that an event's hash covers.

    Written out by hand (the same text ``json.dumps`` gives with compact separators and ASCII
    escapes) with ``details_json`` spliced in as stored: this is what lets ``verify`` hash a
    million rows in a few seconds without parsing any details.
    """
    return (
        f"[{int(seq)},{_escape(at)},{_escape(actor)},{_escape(action)},{_string(account)},"
        f"{_escape(outcome)},{details_json},{_string(correlation_id)},{_escape(prev_hash)}]"
    )


def event_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    account: str | None,
    outcome: str,
    details_json: str,
    correlation_id: str | None,
    prev_hash: str,
) -> str:
    """The scheme 1 (legacy, unkeyed) hash: SHA-256 of the record text."""
    record = record_text(
        seq, at, actor, action, account, outcome, details_json, correlation_id, prev_hash
    )
    return hashlib.sha256(record.encode("utf-8")).hexdigest()


def _outcome(value: Outcome | str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError as exc:
        raise InvalidValue(f"outcome must be one of ok, refused, failed; got {value!r}") from exc


def _lock_chain(session: Session) -> None:
    if is_read_only(session):
        raise ReadOnlySession()
    if session.get_bind().dialect.name == "postgresql":
        # Held to the end of the transaction; the SQLite equivalent is the BEGIN IMMEDIATE lock
        # that every read-write ledger transaction already holds.
        session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, hashtext(current_schema()))"),
            {"ns": APPEND_LOCK},
        )


def signing_key(keys: Keyring, head: Any) -> AuditKey:
    """The key the head names (it signs new events and seals the head). A head from before key
    ids names none: the held key its MAC verifies under, else the keyring's first."""
    if head.key_id is not None:
        key = keys.get(head.key_id)
        if key is None:
            raise AuditKeyNotHeld(head.key_id)
        return key
    if head.mac is not None:
        for key in keys:
            if hmac.compare_digest(head.mac, key.head_mac(head.seq, head.hash, head.keyed_from)):
                return key
    return keys.first


def read_head(session: Session) -> Any:
    """The head row (seq, hash, keyed_from, mac, key_id), locked for appending."""
    _lock_chain(session)
    head = session.execute(_READ_HEAD).one_or_none()
    if head is None:
        raise HeadMissing()
    return head


def append(
    *,
    session: Session,
    actor: str,
    action: str,
    account: str | None,
    outcome: Outcome | str,
    details: Mapping[str, Any] | None,
    correlation_id: str | None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one event at the end of the chain, in the caller's transaction.

    Appends serialise across processes for the rest of the transaction, so append last, just
    before the unit of work commits.
    """
    checked_outcome = _outcome(outcome)
    when = as_utc(at, "at") if at is not None else datetime.now(UTC)
    plain, details_json = json_dict(details)
    keys = session_key(session)
    if keys is None:
        raise AuditKeyMissing()
    session.flush()  # the caller's pending changes go first, as the ORM would order them
    head = read_head(session)
    key = signing_key(keys, head)
    seq = head.seq + 1
    record = record_text(
        seq,
        utc_text(when),
        actor,
        action,
        account,
        checked_outcome.value,
        details_json,
        correlation_id,
        head.hash,
    )
    digest = key.event_mac(record)
    row = {
        "seq": seq,
        "at": when,
        "actor": actor,
        "action": action,
        "account": account,
        "outcome": checked_outcome.value,
        "details": plain,
        "correlation_id": correlation_id,
        "prev_hash": head.hash,
        "hash": digest,
        "scheme": KEYED_SCHEME,
        "key_id": key.key_id,
    }
    # Core statements built once (so compiled once), not an ORM add and flush: half the cost
    # of an append, which every audited action and refusal pays.
    session.execute(_INSERT_EVENT, [row])
    mac = key.head_mac(seq, digest, head.keyed_from)
    moved: Any = session.execute(
        _MOVE_HEAD,
        {"was": head.seq, "seq": seq, "digest": digest, "mac": mac, "key_id": key.key_id},
    )
    if moved.rowcount != 1:  # only possible if something bypassed the chain lock
        raise LedgerError(f"ledger head moved while appending seq {seq}")
    event = AuditEvent(**{**row, "outcome": checked_outcome})
    session.info.setdefault(APPENDED, []).append(event)
    return event


def seal(*, session: Session) -> bool:
    """Put the key's MAC on the head if it has none (a new or just-migrated ledger).

    True if it sealed, False if the head was already sealed with this key. A head sealed with
    another key (or moved without one) raises ``WrongAuditKey``: a process must not go on
    appending under a key that will not verify, nor paper over a tampered head.
    """
    keys = session_key(session)
    if keys is None:
        raise AuditKeyMissing()
    head = read_head(session)
    key = signing_key(keys, head)
    if head.mac is not None:
        if not hmac.compare_digest(head.mac, key.head_mac(head.seq, head.hash, head.keyed_from)):
            raise WrongAuditKey()
        if head.key_id is None:  # a head from before key ids: name the key it is sealed with
            session.execute(
                update(_HEAD_TABLE).where(_HEAD_TABLE.c.id == 1).values(key_id=key.key_id)
            )
        return False
    session.execute(
        update(_HEAD_TABLE)
        .where(_HEAD_TABLE.c.id == 1, _HEAD_TABLE.c.mac.is_(None))
        .values(mac=key.head_mac(head.seq, head.hash, head.keyed_from), key_id=key.key_id)
    )
    return True


def for_account(
    *, session: Session, account: str, limit: int = 20, before_seq: int | None = None
) -> list[AuditEvent]:
    """The account's events, newest first; pass the last seq seen as ``before_seq`` to page."""
    stmt = select(AuditEvent).where(col(AuditEvent.account) == account)
    if before_seq is not None:
        stmt = stmt.where(col(AuditEvent.seq) < before_seq)
    stmt = stmt.order_by(col(AuditEvent.seq).desc()).limit(limit)
    return list(session.scalars(stmt))


def newest(
    *,
    session: Session,
    actions: Sequence[str],
    account: str | None = None,
    since: datetime | None = None,
    outcome: Outcome | str = "ok",
) -> AuditEvent | None:
    """The newest event of one of ``actions`` with ``outcome`` (for ``account``, at or after
    ``since``), or None."""
    stmt = select(AuditEvent).where(
        col(AuditEvent.action).in_(list(actions)), col(AuditEvent.outcome) == str(outcome)
    )
    if account is not None:
        stmt = stmt.where(col(AuditEvent.account) == account)
    if since is not None:
        stmt = stmt.where(col(AuditEvent.at) >= since)
    return session.scalars(stmt.order_by(col(AuditEvent.seq).desc()).limit(1)).first()


def latest(*, session: Session, limit: int = 20) -> list[AuditEvent]:
    """The newest events across all accounts, newest first."""
    stmt = select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(limit)
    return list(session.scalars(stmt))


def _raw_rows(session: Session) -> Iterator[tuple[Any, ...]]:
    """Every event in seq order as plain tuples, streamed, with ``at`` as canonical text.

    Details come back as their stored JSON text (hashed as stored), never parsed.
    """
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    at_column: Any = col(AuditEvent.at)
    if sqlite:
        # The stored "YYYY-MM-DD HH:MM:SS.ffffff" becomes the canonical text inside SQLite;
        # parsing a million datetimes in Python would eat most of verify's time budget.
        stored = cast(at_column, Text)
        at_column = type_coerce(
            func.substr(stored, 1, 10) + "T" + func.substr(stored, 12) + "Z", String
        )
    else:
        # PostgreSQL formats the canonical text itself (the column is timestamptz).
        at_column = type_coerce(
            func.to_char(func.timezone("UTC", at_column), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            String,
        )
    stmt = select(
        col(AuditEvent.seq),
        at_column,
        col(AuditEvent.actor),
        col(AuditEvent.action),
        col(AuditEvent.account),
        col(AuditEvent.outcome),
        cast(col(AuditEvent.details), Text),
        col(AuditEvent.correlation_id),
        col(AuditEvent.prev_hash),
        col(AuditEvent.hash),
        col(AuditEvent.scheme),
        col(AuditEvent.key_id),
    ).order_by(col(AuditEvent.seq))
    # Straight from the driver's cursor, inside the session's transaction: plain tuples, no
    # Row objects. On PostgreSQL a named (server-side) cursor streams instead of buffering.
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    dbapi: Any = connection.connection.dbapi_connection
    cursor = dbapi.cursor() if sqlite else dbapi.cursor(name="jethub_verify")
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(_BATCH):
            yield from batch
    finally:
        cursor.close()


def verify(*, session: Session, anchors: Sequence[Anchor] = ()) -> VerifyReport:
    """Walk the whole chain once and report the first place it is not intact.

    Catches a changed field (the row's hash no longer matches: with the key, even if the hashes
    after it were recomputed with the unkeyed scheme), a deleted event (a gap in seq, a broken
    prev_hash link, or the head naming an event that is not there), reordering, events added
    around the chain, a keyed event passed off as a legacy one, and a head moved back without
    the key (its MAC). ``anchors`` (heads published outside the database) must each match the
    event they name. Verifying keyed events needs the Ledger's keys: each event names the key
    that signed it, and the chain stays on one key until an ``audit.key_rotated`` event (signed
    by the key it leaves) moves it to the next, so an event signed with a retired key after a
    rotation is caught. Use a ``Ledger.read_session()`` for a large log.
    """
    keys = session_key(session)
    head = session.execute(_READ_HEAD).one_or_none()
    keyed_from = head.keyed_from if head is not None else 1
    anchored: dict[int, str] = {}
    for anchor in anchors:
        if anchored.setdefault(anchor.seq, anchor.hash) != anchor.hash:
            return VerifyReport(
                ok=False,
                checked=0,
                first_bad_seq=anchor.seq,
                problem=f"two anchors name different hashes for event {anchor.seq}",
            )
    expected = 1
    prev_hash = GENESIS_HASH
    checked = 0
    anchors_checked = 0
    last_anchor_ok = 0
    # A row whose seq was moved below 1 sorts first; the hole it left further on is the
    # event to name, so such rows are noted and reported only if nothing else is wrong.
    stray: int | None = None

    def bad(seq: int, problem: str) -> VerifyReport:
        return VerifyReport(
            ok=False,
            checked=checked,
            first_bad_seq=seq,
            problem=problem,
            anchors_checked=anchors_checked,
        )

    sha256, esc = hashlib.sha256, _escape
    # The key the chain is on (None until the first keyed event shows it), and whether an event
    # has named its key yet (after one has, every event must).
    chain_key: AuditKey | None = None
    named = False
    for (
        seq,
        at,
        actor,
        action,
        account,
        outcome,
        details,
        cid,
        stored_prev,
        stored_hash,
        scheme,
        key_id,
    ) in _raw_rows(session):
        checked += 1
        if seq < expected:
            if stray is None:
                stray = seq
            continue
        if seq != expected:
            return bad(expected, f"event {expected} is missing (next stored event is {seq})")
        # record_text() inlined: this loop runs once per event, a million times for a big log.
        try:
            record = (
                f"[{seq},{esc(at)},{esc(actor)},{esc(action)},"
                f"{'null' if account is None else esc(account)},{esc(outcome)},"
                f"{'null' if details is None else details},"
                f"{'null' if cid is None else esc(cid)},{esc(stored_prev)}]"
            ).encode()
        except TypeError:  # SQLite lets raw SQL store a number where text belongs
            return bad(seq, f"event {seq} holds a value of the wrong type")
        if seq >= keyed_from:
            if scheme != KEYED_SCHEME:
                return bad(
                    seq,
                    f"event {seq} is marked unkeyed but the chain is keyed from event "
                    f"{keyed_from} (it was rewritten without the key)",
                )
            if keys is None:
                return bad(seq, f"event {seq} is keyed: verifying it needs JETHUB_AUDIT_KEY")
            if key_id is not None:
                if chain_key is not None and key_id != chain_key.key_id:
                    return bad(
                        seq,
                        f"event {seq} is signed with audit key {key_id} but the chain is on key "
                        f"{chain_key.key_id} (no rotation moved it)",
                    )
                if chain_key is None:
                    chain_key = keys.get(key_id)
                    if chain_key is None:
                        return bad(
                            seq,
                            f"event {seq} is signed with audit key {key_id}, which is not among "
                            "the keys in JETHUB_AUDIT_KEY",
                        )
                named = True
            elif named:
                return bad(seq, f"event {seq} names no audit key though the events before it do")
            elif chain_key is None:  # written before key ids: the original key, found once
                chain_key = next(
                    (k for k in keys if k.event_mac_bytes(record) == stored_hash), keys.first
                )
            computed = chain_key.event_mac_bytes(record)
        else:
            if scheme != LEGACY_SCHEME:
                return bad(seq, f"event {seq} is marked keyed but comes before the keyed chain")
            computed = sha256(record).hexdigest()
        if computed != stored_hash:
            if seq == keyed_from:
                return bad(
                    seq,
                    f"event {seq} (the first keyed one) does not match its hash: a field was "
                    "changed, or this is not the ledger's JETHUB_AUDIT_KEY",
                )
            return bad(seq, f"event {seq} does not match its hash (a field was changed)")
        if stored_prev != prev_hash:
            return bad(seq, f"event {seq} does not link to event {seq - 1}")
        if seq in anchored:
            if anchored[seq] != stored_hash:
                return bad(
                    seq,
                    f"event {seq} does not match the anchor published for it: the chain was "
                    f"rewritten after event {last_anchor_ok} (the last anchor that matched)",
                )
            anchors_checked += 1
            last_anchor_ok = seq
        if action == KEY_ROTATED and seq >= keyed_from and keys is not None:
            moved_to = keys.get(str(json.loads(details).get("to")))
            if moved_to is None:
                return bad(
                    seq + 1,
                    f"event {seq} rotated the audit key to {json.loads(details).get('to')}, "
                    "which is not among the keys in JETHUB_AUDIT_KEY",
                )
            chain_key = moved_to
        prev_hash = stored_hash
        expected += 1

    last = expected - 1
    beyond = [seq for seq in anchored if seq > last]
    if beyond:
        return bad(
            last + 1,
            f"events {last + 1}..{max(beyond)} are missing: an anchor names event {max(beyond)}",
        )
    if 0 in anchored:
        if anchored[0] != GENESIS_HASH:
            return bad(1, "the anchor for the empty ledger is not the genesis hash")
        anchors_checked += 1
    if head is None:
        return bad(last + 1, "the ledger head row is missing")
    if head.seq > last:
        return bad(last + 1, f"events {last + 1}..{head.seq} named by the head are missing")
    if head.seq < last:
        return bad(head.seq + 1, f"events after {head.seq} were added outside the chain")
    if head.hash != prev_hash:
        return bad(last, f"the head's hash does not match event {last}")
    if stray is not None:
        return bad(stray, f"an event has seq {stray}, outside the chain")
    if keys is not None:
        key = chain_key
        if head.key_id is not None:
            key = keys.get(head.key_id)
            if key is None:
                return bad(
                    head.seq + 1,
                    f"the ledger head is sealed with audit key {head.key_id}, which is not among "
                    "the keys in JETHUB_AUDIT_KEY",
                )
            if chain_key is not None and key.key_id != chain_key.key_id:
                return bad(
                    head.seq,
                    f"the ledger head names audit key {head.key_id} but the chain is on key "
                    f"{chain_key.key_id}",
                )
        key = key or signing_key(keys, head)
        if head.mac is None:
            return bad(
                keyed_from,
                "the ledger head is not sealed with the key: run `jethub db upgrade` with "
                "JETHUB_AUDIT_KEY set (or the head was replaced)",
            )
        if not hmac.compare_digest(head.mac, key.head_mac(head.seq, head.hash, keyed_from)):
            return bad(
                head.seq + 1,
                f"the ledger head was moved without the key: events after {head.seq} may have "
                "been removed",
            )
    return VerifyReport(ok=True, checked=checked, anchors_checked=anchors_checked)


def _export_records(
    session: Session,
    account: str | None,
    since: date | None,
    *,
    after: int | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Events as plain dicts in seq order, streamed (rows, not ORM objects: memory stays flat)."""
    table = table_of(AuditEvent)
    stmt = select(table).order_by(table.c.seq)
    if after is not None:
        stmt = stmt.where(table.c.seq > after)
    if limit is not None:
        stmt = stmt.limit(limit)
    if account is not None:
        stmt = stmt.where(table.c.account == account)
    if since is not None:
        stmt = stmt.where(table.c.at >= datetime.combine(since, time(0), tzinfo=UTC))
    result = session.connection().execute(stmt, execution_options={"yield_per": _BATCH})
    for partition in result.mappings().partitions():
        for row in partition:
            record = {name: row[name] for name in EXPORT_COLUMNS}
            record["at"] = utc_text(row["at"])
            yield record


def events_after(*, session: Session, seq: int, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` events after ``seq``, in seq order, as ``export`` writes JSON lines: every
    field the hash covers, the hash itself, its scheme and key id (for a receiver to verify)."""
    return list(_export_records(session, None, None, after=seq, limit=limit))


def spreadsheet_safe(value: object) -> object:
    """``value`` as a CSV cell that a spreadsheet shows as text instead of running."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export(
    *,
    session: Session,
    fmt: Literal["csv", "jsonl"],
    out: TextIO,
    account: str | None = None,
    since: date | None = None,
) -> int:
    """Write events in seq order as CSV (with a header) or JSON lines; return rows written.

    ``since`` is a UTC calendar day; CSV carries details as their canonical JSON text. CSV is
    for opening in a spreadsheet: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or
    a carriage return gets a leading ``'`` so it is shown, never run as a formula. JSON lines
    are exact (use them to re-check hashes).
    """
    if fmt not in ("csv", "jsonl"):
        raise UnknownExportFormat(fmt)
    written = 0
    if fmt == "csv":
        # CRLF rows (RFC 4180): the writer then quotes any field holding a CR or LF.
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for record in _export_records(session, account, since):
            record["details"] = canonical_json(record["details"])
            writer.writerow({name: spreadsheet_safe(value) for name, value in record.items()})
            written += 1
    else:
        for record in _export_records(session, account, since):
            out.write(json.dumps(record, sort_keys=True, ensure_ascii=False))
            out.write("\n")
            written += 1
    return written


def rotate_key(
    *, session: Session, to: AuditKey, actor: str, at: datetime | None = None
) -> AuditEvent:
    """Move the chain onto key ``to`` (one of the session's keys): an ``audit.key_rotated`` event
    signed by the key it leaves, then the head resealed under ``to`` in the same transaction.
    From then on every process that holds ``to`` signs with it; one that does not refuses to
    append (``AuditKeyNotHeld``) rather than sign under a retired key."""
    keys = session_key(session)
    if keys is None:
        raise AuditKeyMissing()
    if keys.get(to.key_id) is None:
        raise InvalidValue(f"audit key {to.key_id} is not among this process's keys")
    head = read_head(session)
    leaving = signing_key(keys, head)
    if leaving.key_id == to.key_id:
        raise InvalidValue(f"the ledger already signs with audit key {to.key_id}")
    event = append(
        session=session,
        actor=actor,
        action=KEY_ROTATED,
        account=None,
        outcome="ok",
        details={"from": leaving.key_id, "to": to.key_id},
        correlation_id=None,
        at=at,
    )
    session.execute(
        update(_HEAD_TABLE)
        .where(_HEAD_TABLE.c.id == 1, _HEAD_TABLE.c.seq == event.seq)
        .values(key_id=to.key_id, mac=to.head_mac(event.seq, event.hash, head.keyed_from))
    )
    return event


def used_key_ids(*, session: Session) -> set[str]:
    """Every key id the chain has signed with or rotated to (a key is never used twice)."""
    used: set[str] = set()
    for details in session.scalars(
        select(col(AuditEvent.details)).where(col(AuditEvent.action) == KEY_ROTATED)
    ):
        used.update(str(details.get(name)) for name in ("from", "to") if details.get(name))
    head_key = session.execute(_READ_HEAD).one_or_none()
    if head_key is not None and head_key.key_id:
        used.add(head_key.key_id)
    return used
