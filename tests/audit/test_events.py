"""The hash-chained audit log: append, read, tamper detection, export."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update
from sqlmodel import col

from audit import (
    GENESIS_HASH,
    AuditEvent,
    DetailsNotJSON,
    InvalidValue,
    Ledger,
    LedgerHead,
    NaiveDatetime,
    ReadOnlySession,
    UnknownExportFormat,
    append,
    export,
    for_account,
    latest,
    verify,
)
from audit.events import record_text
from audit.types import canonical_json
from tests.audit._race import in_processes
from tests.fixtures.ledger import AUDIT_KEY_TEXT

T0 = datetime(2025, 6, 2, 9, 0, 0, 123456, tzinfo=UTC)
EVENTS = 5
FIRST, MIDDLE, LAST = 1, 3, EVENTS


def _append(ledger: Ledger, n: int, *, account: str | None = "1001", **over: Any) -> None:
    with ledger.session() as session:
        for i in range(n):
            fields: dict[str, Any] = {
                "actor": f"U{i:03d}",
                "action": "account.suspend",
                "account": account,
                "outcome": "ok",
                "details": {"reason": "overdue", "n": i, "name": "Café & <Co>"},
                "correlation_id": f"c{i}",
                "at": T0 + timedelta(minutes=i),
            }
            fields.update(over)
            append(session=session, **fields)


def _verify(ledger: Ledger):
    with ledger.read_session() as session:
        return verify(session=session)


def _raw(ledger: Ledger, statement: Any, params: dict[str, Any] | None = None) -> None:
    with ledger.engine.begin() as connection:
        connection.execute(statement, params or {})


def _table():
    return AuditEvent.__table__  # type: ignore[attr-defined]


# -- appending ------------------------------------------------------------------------------------


def test_events_form_a_chain_that_the_head_follows(ledger: Ledger) -> None:
    _append(ledger, 3)
    with ledger.session() as session:
        events = list(reversed(latest(session=session, limit=10)))
        head = session.execute(select(col(LedgerHead.seq), col(LedgerHead.hash))).one()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert tuple(head) == (3, events[-1].hash)
    assert _verify(ledger).model_dump() == {
        "ok": True,
        "checked": 3,
        "first_bad_seq": None,
        "problem": None,
        "anchors_checked": 0,
    }


def test_the_hash_is_an_hmac_of_the_documented_canonical_array(ledger: Ledger) -> None:
    with ledger.session() as session:
        event = append(
            session=session,
            actor="U1",
            action="account.rename",
            account=None,
            outcome="refused",
            details={"b": [1, 2.5, None], "a": "é"},
            correlation_id=None,
            at=T0,
        )
    document = json.dumps(
        [
            1,
            "2025-06-02T09:00:00.123456Z",
            "U1",
            "account.rename",
            None,
            "refused",
            {"a": "é", "b": [1, 2.5, None]},
            None,
            GENESIS_HASH,
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    keyed = b"jethub-audit-event-v2\n" + document.encode()
    assert event.hash == hmac.new(AUDIT_KEY_TEXT.encode(), keyed, hashlib.sha256).hexdigest()
    assert event.hash != hashlib.sha256(document.encode()).hexdigest()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
maybe_text = st.none() | st.text()


@given(
    seq=st.integers(min_value=1, max_value=2**62),
    at=st.text(),
    actor=st.text(),
    action=st.text(),
    account=maybe_text,
    outcome=st.sampled_from(["ok", "refused", "failed"]),
    details=st.dictionaries(st.text(), json_values, max_size=4),
    correlation_id=maybe_text,
    prev_hash=st.text(),
)
def test_the_hand_written_record_is_exactly_canonical_json(
    seq, at, actor, action, account, outcome, details, correlation_id, prev_hash
) -> None:
    fields = [seq, at, actor, action, account, outcome, details, correlation_id, prev_hash]
    expected = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    spliced = record_text(
        seq, at, actor, action, account, outcome, canonical_json(details), correlation_id, prev_hash
    )
    assert spliced == expected


def test_details_are_stored_as_the_plain_json_they_will_read_back_as(ledger: Ledger) -> None:
    with ledger.session() as session:
        event = append(
            session=session,
            actor="U1",
            action="a",
            account="1001",
            outcome="ok",
            details={"when": T0, "day": date(2025, 6, 2), "amount": Decimal("12.50"), "t": (1, 2)},
            correlation_id="c",
        )
    with ledger.session() as session:
        stored = session.get(AuditEvent, event.seq)
        assert stored is not None
        assert stored.details == event.details
    assert event.details == {
        "when": "2025-06-02T09:00:00.123456Z",
        "day": "2025-06-02",
        "amount": "12.50",
        "t": [1, 2],
    }
    assert _verify(ledger).ok


@freeze_time("2025-06-02 09:00:00")
def test_at_defaults_to_now_in_utc(ledger: Ledger) -> None:
    with ledger.session() as session:
        event = append(
            session=session,
            actor="U1",
            action="a",
            account=None,
            outcome="ok",
            details=None,
            correlation_id=None,
        )
    assert event.at == datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    assert event.details == {}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"outcome": "maybe"}, InvalidValue),
        ({"details": {"x": float("nan")}}, DetailsNotJSON),
        ({"details": {"x": object()}}, DetailsNotJSON),
        ({"details": ["not", "a", "dict"]}, DetailsNotJSON),
        ({"details": {1: "int key"}}, DetailsNotJSON),
        ({"at": datetime(2025, 6, 2, 9, 0)}, NaiveDatetime),
    ],
)
def test_bad_events_are_refused_before_anything_is_written(
    ledger: Ledger, change: dict[str, Any], error: type[Exception]
) -> None:
    fields: dict[str, Any] = {
        "actor": "U1",
        "action": "a",
        "account": "1001",
        "outcome": "ok",
        "details": {},
        "correlation_id": None,
        "at": T0,
    }
    fields.update(change)
    with pytest.raises(error), ledger.session() as session:
        append(session=session, **fields)
    assert _verify(ledger).checked == 0


def test_a_rolled_back_append_leaves_no_gap(ledger: Ledger) -> None:
    _append(ledger, 2)
    with pytest.raises(RuntimeError), ledger.session() as session:
        append(
            session=session,
            actor="U1",
            action="a",
            account="1",
            outcome="ok",
            details={},
            correlation_id=None,
        )
        raise RuntimeError("the command failed after auditing")
    _append(ledger, 1)
    report = _verify(ledger)
    assert report.ok
    assert report.checked == 3


def test_append_refuses_a_read_session(ledger: Ledger) -> None:
    with pytest.raises(ReadOnlySession), ledger.read_session() as session:
        append(
            session=session,
            actor="U1",
            action="a",
            account="1",
            outcome="ok",
            details={},
            correlation_id=None,
        )


def test_concurrent_appends_from_many_threads_keep_the_chain_intact(ledger: Ledger) -> None:
    threads, each = 8, 15
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                with ledger.session() as session:
                    append(
                        session=session,
                        actor=f"U{n}",
                        action="a",
                        account=str(n),
                        outcome="ok",
                        details={"i": i},
                        correlation_id=None,
                    )
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    report = _verify(ledger)
    assert report.ok, report
    assert report.checked == threads * each


def test_appends_from_several_processes_keep_the_chain_intact(ledger: Ledger) -> None:
    url = ledger.engine.url.render_as_string(hide_password=False)
    calls = [{"actor": f"P{i}", "count": 3, "batches": 5} for i in range(3)]
    assert sum(in_processes(url, "append", calls)) == 45
    with ledger.read_session() as session:
        report = verify(session=session)
    assert (report.ok, report.checked) == (True, 45)


# -- reading --------------------------------------------------------------------------------------


def test_for_account_is_newest_first_and_pages_by_seq(ledger: Ledger) -> None:
    _append(ledger, 3, account="1001")
    _append(ledger, 2, account="2002")
    _append(ledger, 2, account="1001")
    with ledger.session() as session:
        first = for_account(session=session, account="1001", limit=3)
        rest = for_account(session=session, account="1001", limit=3, before_seq=first[-1].seq)
    assert [e.seq for e in first] == [7, 6, 3]
    assert [e.seq for e in rest] == [2, 1]
    assert {e.account for e in first + rest} == {"1001"}


# -- tampering ------------------------------------------------------------------------------------


def _tampered_value(ledger: Ledger, field: str, seq: int) -> Any:
    with ledger.engine.connect() as connection:
        row = connection.execute(select(_table()).where(_table().c.seq == seq)).one()
    current = getattr(row, field)
    changes: dict[str, Any] = {
        "seq": lambda: current + 100,
        "at": lambda: current + timedelta(microseconds=1),
        "actor": lambda: current + "x",
        "action": lambda: "account.deactivate",
        "account": lambda: "9999",
        "outcome": lambda: "failed",
        "details": lambda: {**current, "reason": "paid"},
        "correlation_id": lambda: None,
        "prev_hash": lambda: "f" * 64,
        "hash": lambda: "e" * 64,
    }
    return changes[field]()


FIELDS = [
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
]


@pytest.mark.parametrize("seq", [FIRST, MIDDLE, LAST], ids=["first", "middle", "last"])
@pytest.mark.parametrize("field", FIELDS)
def test_changing_any_field_of_any_event_is_caught_at_that_event(
    ledger: Ledger, field: str, seq: int
) -> None:
    _append(ledger, EVENTS)
    value = _tampered_value(ledger, field, seq)
    _raw(ledger, update(_table()).where(_table().c.seq == seq).values({field: value}))
    report = _verify(ledger)
    assert not report.ok
    assert report.first_bad_seq == seq, report.problem


def test_rewriting_details_with_the_same_meaning_is_still_caught(ledger: Ledger) -> None:
    _append(ledger, EVENTS)
    spaced = '{"n": 2, "name": "Caf\\u00e9 & <Co>", "reason": "overdue"}'
    if ledger.dialect == "postgresql":
        statement = text("UPDATE audit_event SET details = CAST(:d AS json) WHERE seq = 3")
    else:
        statement = text("UPDATE audit_event SET details = :d WHERE seq = 3")
    _raw(ledger, statement, {"d": spaced})
    assert _verify(ledger).first_bad_seq == 3


def test_a_number_stored_where_text_belongs_is_caught(sqlite_ledger: Ledger) -> None:
    _append(sqlite_ledger, EVENTS)
    _raw(sqlite_ledger, text("UPDATE audit_event SET actor = 42 WHERE seq = 2"))
    assert _verify(sqlite_ledger).first_bad_seq == 2


@pytest.mark.parametrize("seq", [FIRST, MIDDLE, LAST], ids=["first", "middle", "last"])
def test_deleting_any_event_is_caught(ledger: Ledger, seq: int) -> None:
    _append(ledger, EVENTS)
    _raw(ledger, delete(_table()).where(_table().c.seq == seq))
    report = _verify(ledger)
    assert not report.ok
    assert report.first_bad_seq == seq, report.problem


def test_deleting_every_event_is_caught(ledger: Ledger) -> None:
    _append(ledger, EVENTS)
    _raw(ledger, delete(_table()))
    assert _verify(ledger).first_bad_seq == 1


def test_deleting_the_newest_events_and_winding_back_the_head_seq_is_caught(
    ledger: Ledger,
) -> None:
    _append(ledger, EVENTS)
    _raw(ledger, delete(_table()).where(_table().c.seq == LAST))
    _raw(ledger, update(LedgerHead).values(seq=LAST - 1))
    report = _verify(ledger)
    assert not report.ok
    assert report.first_bad_seq == LAST - 1


def test_a_missing_head_is_caught(ledger: Ledger) -> None:
    _append(ledger, 2)
    _raw(ledger, delete(LedgerHead))
    assert not _verify(ledger).ok


def test_swapping_the_contents_of_two_events_is_caught(ledger: Ledger) -> None:
    _append(ledger, EVENTS)
    with ledger.engine.connect() as connection:
        rows = {
            r.seq: r._asdict()
            for r in connection.execute(select(_table()).where(_table().c.seq.in_([2, 4])))
        }
    for seq, other in ((2, 4), (4, 2)):
        values = {k: v for k, v in rows[other].items() if k != "seq"}
        _raw(ledger, update(_table()).where(_table().c.seq == seq).values(values))
    assert _verify(ledger).first_bad_seq == 2


def test_swapping_the_seqs_of_two_events_is_caught(ledger: Ledger) -> None:
    _append(ledger, EVENTS)
    t = _table()
    _raw(ledger, update(t).where(t.c.seq == 2).values(seq=-2))
    _raw(ledger, update(t).where(t.c.seq == 4).values(seq=2))
    _raw(ledger, update(t).where(t.c.seq == -2).values(seq=4))
    assert _verify(ledger).first_bad_seq == 2


def test_an_event_moved_before_the_start_is_named_by_its_old_place(ledger: Ledger) -> None:
    _append(ledger, EVENTS)
    _raw(ledger, update(_table()).where(_table().c.seq == 3).values(seq=0))
    assert _verify(ledger).first_bad_seq == 3


def test_an_event_added_after_the_head_is_caught(ledger: Ledger) -> None:
    _append(ledger, 2)
    with ledger.engine.connect() as connection:
        row = connection.execute(select(_table()).where(_table().c.seq == 2)).one()._asdict()
    row.update(seq=3, prev_hash=row["hash"])
    _raw(ledger, _table().insert().values(row))
    report = _verify(ledger)
    assert not report.ok
    assert report.first_bad_seq == 3


def test_an_empty_ledger_verifies(ledger: Ledger) -> None:
    assert _verify(ledger).model_dump() == {
        "ok": True,
        "checked": 0,
        "first_bad_seq": None,
        "problem": None,
        "anchors_checked": 0,
    }


# -- export ---------------------------------------------------------------------------------------


def test_export_csv_writes_a_header_and_every_event(ledger: Ledger) -> None:
    _append(ledger, 3)
    out = io.StringIO()
    with ledger.read_session() as session:
        assert export(session=session, fmt="csv", out=out) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["seq"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["at"] == "2025-06-02T09:00:00.123456Z"
    assert json.loads(rows[1]["details"]) == {"n": 1, "name": "Café & <Co>", "reason": "overdue"}
    assert rows[2]["prev_hash"] == rows[1]["hash"]


def test_export_jsonl_round_trips_the_hashes(ledger: Ledger) -> None:
    _append(ledger, 3)
    out = io.StringIO()
    with ledger.read_session() as session:
        assert export(session=session, fmt="jsonl", out=out) == 3
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    for record in records:
        document = json.dumps(
            [record[k] for k in FIELDS[:-1]], sort_keys=True, separators=(",", ":")
        )
        keyed = b"jethub-audit-event-v2\n" + document.encode()
        assert record["scheme"] == 2
        assert (
            hmac.new(AUDIT_KEY_TEXT.encode(), keyed, hashlib.sha256).hexdigest() == record["hash"]
        )


def test_export_filters_by_account_and_utc_day(ledger: Ledger) -> None:
    _append(ledger, 2, account="1001", at=datetime(2025, 6, 1, 23, 59, 59, tzinfo=UTC))
    _append(ledger, 2, account="1001", at=datetime(2025, 6, 2, 0, 0, tzinfo=UTC))
    _append(ledger, 2, account="2002", at=datetime(2025, 6, 3, tzinfo=UTC))
    with ledger.read_session() as session:
        assert export(session=session, fmt="jsonl", out=io.StringIO(), account="1001") == 4
        assert export(session=session, fmt="jsonl", out=io.StringIO(), since=date(2025, 6, 2)) == 4
        out = io.StringIO()
        assert (
            export(session=session, fmt="csv", out=out, account="1001", since=date(2025, 6, 2)) == 2
        )
    assert [r["seq"] for r in csv.DictReader(io.StringIO(out.getvalue()))] == ["3", "4"]


def test_export_refuses_an_unknown_format(ledger: Ledger) -> None:
    with pytest.raises(UnknownExportFormat), ledger.read_session() as session:
        export(session=session, fmt="xml", out=io.StringIO())  # type: ignore[arg-type]


def test_export_csv_neutralises_formula_cells_and_jsonl_stays_exact(ledger: Ledger) -> None:
    hostile = ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"]
    with ledger.session() as session:
        for i, value in enumerate(hostile):
            append(
                session=session,
                actor=value,
                action="account.rename",
                account=value,
                outcome="refused",
                details={"reason": value},
                correlation_id=value,
                at=T0 + timedelta(seconds=i),
            )
    out = io.StringIO()
    with ledger.read_session() as session:
        export(session=session, fmt="csv", out=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert [r["account"] for r in rows] == ["'" + v for v in hostile]
    assert [r["actor"] for r in rows] == ["'" + v for v in hostile]
    assert [r["correlation_id"] for r in rows] == ["'" + v for v in hostile]
    assert all(not r["details"].startswith("'") for r in rows)  # JSON text starts with {
    exact = io.StringIO()
    with ledger.read_session() as session:
        export(session=session, fmt="jsonl", out=exact)
    assert [json.loads(line)["account"] for line in exact.getvalue().splitlines()] == hostile
