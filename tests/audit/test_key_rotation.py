"""Rotating the audit key: new events are signed with the new key, old ones still verify under
theirs (the key id in each event), a process without the new key refuses to append, an event
signed with the retired key after the rotation is caught, and the CLI never prints a key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from audit import (
    KEY_ROTATED,
    AuditEvent,
    AuditKey,
    AuditKeyNotHeld,
    Keyring,
    Ledger,
    append,
    rotate_key,
    verify,
)
from audit.events import record_text
from audit.types import utc_text
from tests.fixtures.ledger import AUDIT_KEY, AUDIT_KEY_TEXT

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
NEW_KEY_TEXT = "rotated-audit-key-fedcba9876543210fedcba98"
NEW_KEY = AuditKey(NEW_KEY_TEXT)


def _append(ledger: Ledger, n: int, first: int = 0) -> None:
    with ledger.session() as session:
        for i in range(first, first + n):
            append(
                session=session, actor="U1", action="account.view", account="1001",
                outcome="ok", details={"i": i}, correlation_id=None,
                at=T0 + timedelta(seconds=i),
            )  # fmt: skip


def _verify(ledger: Ledger) -> Any:
    with ledger.read_session() as session:
        return verify(session=session)


def _rotated(ledger: Ledger) -> Ledger:
    both = Ledger(ledger.engine, key=Keyring([AUDIT_KEY, NEW_KEY]))
    _append(both, 3)
    with both.session() as session:
        rotate_key(session=session, to=NEW_KEY, actor="U9", at=T0 + timedelta(minutes=1))
    _append(both, 2, first=10)
    return both


def test_after_a_rotation_new_events_carry_the_new_key_and_the_whole_chain_verifies(
    ledger: Ledger,
) -> None:
    both = _rotated(ledger)
    with both.session() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [e.key_id for e in events] == [AUDIT_KEY.key_id] * 4 + [NEW_KEY.key_id] * 2
    assert events[3].action == KEY_ROTATED
    assert events[3].details == {"from": AUDIT_KEY.key_id, "to": NEW_KEY.key_id}
    report = _verify(both)
    assert report.ok and report.checked == 6, report
    # Without the old key the old events cannot be checked, and the report names its id only.
    only_new = _verify(Ledger(ledger.engine, key=NEW_KEY))
    assert not only_new.ok and only_new.first_bad_seq == 1
    assert AUDIT_KEY.key_id in (only_new.problem or "")
    assert AUDIT_KEY_TEXT not in (only_new.problem or "")


def test_a_process_without_the_new_key_refuses_to_append(ledger: Ledger) -> None:
    _rotated(ledger)
    with pytest.raises(AuditKeyNotHeld, match=NEW_KEY.key_id), ledger.session() as session:
        append(
            session=session, actor="U1", action="x", account=None, outcome="ok",
            details=None, correlation_id=None,
        )  # fmt: skip


def test_an_event_signed_with_the_retired_key_after_the_rotation_is_caught(ledger: Ledger) -> None:
    both = _rotated(ledger)
    with both.session() as session:
        five = session.get(AuditEvent, 5)
    assert five is not None
    record = record_text(
        5, utc_text(five.at), five.actor, five.action, five.account, str(five.outcome),
        '{"i":10}', None, five.prev_hash,
    )  # fmt: skip
    forged = AUDIT_KEY.event_mac(record)
    with ledger.engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_event SET hash = :h, key_id = :k WHERE seq = 5"),
            {"h": forged, "k": AUDIT_KEY.key_id},
        )
    report = _verify(both)
    assert not report.ok and report.first_bad_seq == 5
    assert "no rotation moved it" in (report.problem or "")


def test_events_from_before_key_ids_still_verify(ledger: Ledger) -> None:
    _append(ledger, 3)
    with ledger.engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET key_id = NULL"))
        connection.execute(text("UPDATE ledger_head SET key_id = NULL"))
    both = Ledger(ledger.engine, key=Keyring([NEW_KEY, AUDIT_KEY]))  # the old key not first
    assert _verify(both).ok
    _append(both, 1, first=3)  # signs with the key the head is sealed with, not the first
    with both.read_session() as session:
        assert session.get(AuditEvent, 4).key_id == AUDIT_KEY.key_id  # type: ignore[union-attr]
    assert _verify(both).ok


def _cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, key: str | None) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    if key is None:
        monkeypatch.delenv("JETHUB_AUDIT_KEY", raising=False)
    else:
        monkeypatch.setenv("JETHUB_AUDIT_KEY", key)


def test_rotate_key_takes_the_unused_key_from_the_setting_and_never_prints_one(
    sqlite_ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from bot.cli import main

    _append(sqlite_ledger, 2)
    url = str(sqlite_ledger.engine.url)
    _cli(monkeypatch, tmp_path, url, AUDIT_KEY_TEXT)
    assert main(["audit", "rotate-key"]) == 1  # no new key to rotate to
    said = capsys.readouterr()
    assert "add a new key" in said.err and AUDIT_KEY.key_id in said.err
    _cli(monkeypatch, tmp_path, url, f"{AUDIT_KEY_TEXT},{NEW_KEY_TEXT}")
    assert main(["audit", "rotate-key"]) == 0
    assert main(["audit", "verify"]) == 0
    said = capsys.readouterr()
    assert f"from {AUDIT_KEY.key_id} to {NEW_KEY.key_id} at event 3" in said.out
    assert "intact: 3 events" in said.out
    assert main(["audit", "rotate-key"]) == 1  # both keys used now
    said = capsys.readouterr()
    for shown in (said.out, said.err):
        assert AUDIT_KEY_TEXT not in shown and NEW_KEY_TEXT not in shown


def test_rotate_key_adds_a_key_to_an_embedded_ledgers_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from bot.cli import main

    url = f"sqlite:///{tmp_path / 'jethub.db'}"
    _cli(monkeypatch, tmp_path, url, None)
    assert main(["db", "upgrade"]) == 0
    key_file = tmp_path / "jethub.db.key"
    old = Keyring.parse(key_file.read_text())
    _append(Ledger.from_url(url, key=old), 2)
    assert main(["audit", "rotate-key"]) == 0
    keys = Keyring.parse(key_file.read_text())
    assert len(keys) == 2 and keys.first == old.first
    _append(Ledger.from_url(url, key=keys), 1, first=2)
    assert main(["audit", "verify"]) == 0
    said = capsys.readouterr()
    assert "intact: 4 events" in said.out
    assert all(key.reveal() not in said.out + said.err for key in keys)
