"""Migration 0009 on both databases: a request recorded before it needs one approval and has
none recorded, and is approved by one approver as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect

from audit import Ledger, make_engine
from audit import approvals as ledger_approvals
from audit.db import upgrade
from audit.models import ApprovalState
from tests.audit._old_rows import old_pending_request
from tests.fixtures.ledger import AUDIT_KEY

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def test_a_request_from_before_needs_one_approval(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    try:
        upgrade(engine, "0008")
        ledger = Ledger(engine, key=AUDIT_KEY)
        with ledger.session() as session:
            old_pending_request(
                session, request_id="OLDREQUEST07", account="1001", requested_by="U0ALICE",
                now=T0, ttl=timedelta(hours=24),
            )  # fmt: skip
        ledger.upgrade()
        assert "break_glass_review" in inspect(engine).get_table_names()
        with ledger.session() as session:
            row = ledger_approvals.require(session=session, request_id="OLDREQUEST07")
            assert (row.approvals_needed, row.approvals, row.approved_by) == (1, 0, [])
            voters = ledger_approvals.vote(
                session=session, request_id=row.id, by="U0BOB", now=T0 + timedelta(hours=1)
            )
            assert voters == ["U0BOB"]
            assert ledger_approvals.decide(
                session=session, request_id=row.id, to_state=ApprovalState.APPROVED,
                by="U0BOB", now=T0 + timedelta(hours=1),
            )  # fmt: skip
    finally:
        engine.dispose()
