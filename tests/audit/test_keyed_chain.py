"""The keyed chain: HMAC events, the sealed head, the legacy prefix, and anchors."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text, update

from audit import (
    GENESIS_HASH,
    Anchor,
    AuditEvent,
    AuditKey,
    AuditKeyMissing,
    Ledger,
    LedgerHead,
    WrongAuditKey,
    append,
    current_anchor,
    make_engine,
    parse_anchors,
    upgrade,
    verify,
)
from audit.events import event_hash
from audit.keys import key_file_for, load_or_create_key_file
from audit.types import json_dict, utc_text
from tests.fixtures.ledger import AUDIT_KEY

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def _append(ledger: Ledger, n: int) -> None:
    with ledger.session() as session:
        for i in range(n):
            append(
                session=session,
                actor=f"U{i:03d}",
                action="account.suspend",
                account="1001",
                outcome="ok",
                details={"n": i},
                correlation_id=None,
                at=T0 + timedelta(minutes=i),
            )


def _verify(ledger: Ledger, anchors: list[Anchor] | None = None):
    with ledger.read_session() as session:
        return verify(session=session, anchors=anchors or [])


def _sql(ledger: Ledger, statement: str, **params: object) -> None:
    with ledger.engine.begin() as connection:
        connection.execute(text(statement), params)


def test_appending_needs_the_key(ledger: Ledger) -> None:
    keyless = Ledger(ledger.engine)
    with pytest.raises(AuditKeyMissing), keyless.session() as session:
        append(
            session=session,
            actor="U1",
            action="a",
            account=None,
            outcome="ok",
            details=None,
            correlation_id=None,
        )


def test_another_key_does_not_verify(ledger: Ledger) -> None:
    _append(ledger, 3)
    stranger = Ledger(ledger.engine, key=AuditKey("another-key-" + "x" * 30))
    report = _verify(stranger)
    assert not report.ok and report.first_bad_seq == 1
    assert "JETHUB_AUDIT_KEY" in (report.problem or "")


def test_a_head_moved_back_without_the_key_names_the_first_removed_event(ledger: Ledger) -> None:
    _append(ledger, 5)
    with ledger.engine.connect() as connection:
        fourth = connection.execute(text("SELECT hash FROM audit_event WHERE seq = 4")).scalar()
    _sql(ledger, "DELETE FROM audit_event WHERE seq = 5")
    _sql(ledger, "UPDATE ledger_head SET seq = 4, hash = :h", h=fourth)
    report = _verify(ledger)
    assert not report.ok and report.first_bad_seq == 5, report.problem


def test_an_unsealed_head_is_not_accepted(ledger: Ledger) -> None:
    _append(ledger, 2)
    _sql(ledger, "UPDATE ledger_head SET mac = NULL")
    report = _verify(ledger)
    assert not report.ok and "not sealed" in (report.problem or "")


def test_a_keyed_event_relabelled_as_legacy_is_caught(ledger: Ledger) -> None:
    _append(ledger, 3)
    _sql(ledger, "UPDATE audit_event SET scheme = 1 WHERE seq = 2")
    assert _verify(ledger).first_bad_seq == 2


def test_anchors_match_or_name_the_event(ledger: Ledger) -> None:
    _append(ledger, 4)
    with ledger.read_session() as session:
        anchor = current_anchor(session=session)
    assert anchor.seq == 4
    report = _verify(ledger, [anchor, Anchor(seq=0, hash=GENESIS_HASH)])
    assert report.ok and report.anchors_checked == 2
    forged = Anchor(seq=2, hash="f" * 64)
    assert _verify(ledger, [forged]).first_bad_seq == 2
    beyond = Anchor(seq=9, hash="a" * 64)
    report = _verify(ledger, [beyond])
    assert report.first_bad_seq == 5 and "anchor names event 9" in (report.problem or "")


def test_anchor_lines_are_found_in_any_surrounding_text() -> None:
    line = f"jethub audit anchor: seq=12 hash={'ab' * 32}"
    texts = [f"posted {line} (keep)", "noise", line, "jethub audit anchor: seq=x hash=zz"]
    assert parse_anchors(texts) == [Anchor(seq=12, hash="ab" * 32)]
    assert parse_anchors([Anchor(seq=3, hash="0" * 64).line()]) == [Anchor(seq=3, hash="0" * 64)]


def test_a_legacy_chain_is_migrated_sealed_and_kept_verifiable(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    try:
        upgrade(engine, "0001")
        table = AuditEvent.__table__  # type: ignore[attr-defined]
        prev = GENESIS_HASH
        with engine.begin() as connection:
            for seq in (1, 2):
                at = T0 + timedelta(minutes=seq)
                plain, details = json_dict({"n": seq})
                digest = event_hash(
                    seq, utc_text(at), "U1", "old", "1001", "ok", details, None, prev
                )
                row = {
                    "seq": seq,
                    "at": at,
                    "actor": "U1",
                    "action": "old",
                    "account": "1001",
                    "outcome": "ok",
                    "details": plain,
                    "correlation_id": None,
                    "prev_hash": prev,
                    "hash": digest,
                }
                # The 0001 table has no scheme column yet.
                connection.execute(insert(table).values(row))
                prev = digest
            connection.execute(
                update(LedgerHead).where(LedgerHead.id == 1).values(seq=2, hash=prev)  # type: ignore[arg-type]
            )
        ledger = Ledger(engine, key=AUDIT_KEY)
        ledger.upgrade()  # to head, and sealed
        assert _verify(ledger).ok
        _append(ledger, 2)
        with ledger.read_session() as session:
            schemes = session.execute(select(table.c.seq, table.c.scheme)).all()
            head = session.execute(select(LedgerHead.keyed_from)).scalar()  # type: ignore[call-overload]
        assert sorted(tuple(r) for r in schemes) == [(1, 1), (2, 1), (3, 2), (4, 2)]
        assert head == 3
        report = _verify(ledger)
        assert report.ok and report.checked == 4

        # The legacy prefix rewritten consistently is caught by the first keyed event's seal.
        _sql(ledger, "UPDATE audit_event SET actor = 'U0MALLORY' WHERE seq = 1")
        with engine.connect() as connection:
            one = connection.execute(select(table).where(table.c.seq == 1)).one()
        new = event_hash(
            1, utc_text(one.at), "U0MALLORY", "old", "1001", "ok", '{"n":1}', None, GENESIS_HASH
        )
        _sql(ledger, "UPDATE audit_event SET hash = :h WHERE seq = 1", h=new)
        two = event_hash(
            2, utc_text(T0 + timedelta(minutes=2)), "U1", "old", "1001", "ok", '{"n":2}', None, new
        )
        _sql(ledger, "UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = 2", p=new, h=two)
        assert _verify(ledger).first_bad_seq == 3
    finally:
        engine.dispose()


def test_the_key_file_is_private_created_once_and_reused(tmp_path: Path) -> None:
    path = key_file_for(tmp_path / "jethub.db")
    assert path.name == "jethub.db.key"
    first = load_or_create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key_file(path) == first
    assert first.first.reveal() not in repr(first)
    assert [p.name for p in tmp_path.iterdir()] == ["jethub.db.key"]


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        AuditKey("short")


def test_opening_a_sealed_ledger_with_another_key_is_refused(ledger: Ledger) -> None:
    _append(ledger, 2)
    assert ledger.seal() is False  # already sealed with this key: nothing to do
    stranger = Ledger(ledger.engine, key=AuditKey("another-key-" + "y" * 30))
    with pytest.raises(WrongAuditKey):
        stranger.upgrade()
    assert _verify(ledger).ok


def test_verify_during_appends_sees_one_consistent_snapshot(ledger: Ledger) -> None:
    import threading

    _append(ledger, 20)
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            _append(ledger, 1)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reports = [_verify(ledger) for _ in range(15)]
    finally:
        stop.set()
        thread.join(30)
    assert [r.problem for r in reports if not r.ok] == []
    assert reports[-1].checked >= 20
