"""The destructive-action lock: one holder per (kind, account), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from audit import Ledger
from audit import locks as ledger_locks

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_one_holder_per_kind_and_account(ledger: Ledger) -> None:
    with ledger.session() as session:
        assert ledger_locks.take(
            session=session, kind="deactivate", account="1", now=T0, approval_id="a"
        )
        assert not ledger_locks.take(
            session=session, kind="deactivate", account="1", now=T0, approval_id="b"
        )
        assert ledger_locks.take(session=session, kind="suspend", account="1", now=T0, run_id="r")
        assert ledger_locks.take(
            session=session, kind="deactivate", account="2", now=T0, run_id="s"
        )
    with ledger.session() as session:
        ledger_locks.attach_run(
            session=session, kind="deactivate", account="1", approval_id="a", run_id="run-a"
        )
        held = ledger_locks.holder(session=session, kind="deactivate", account="1")
        assert held is not None and (held.approval_id, held.run_id) == ("a", "run-a")
        assert ledger_locks.release(session=session, run_id="run-a")
        assert ledger_locks.holder(session=session, kind="deactivate", account="1") is None
        assert not ledger_locks.release(session=session, approval_id="nobody")
        assert ledger_locks.take(
            session=session, kind="deactivate", account="1", now=T0, approval_id="b"
        )


def test_racing_takers_on_separate_connections_one_wins(ledger: Ledger) -> None:
    barrier = threading.Barrier(8)
    won: list[str] = []

    def take(holder: str) -> None:
        barrier.wait()
        with ledger.session() as session:
            if ledger_locks.take(
                session=session, kind="deactivate", account="1006", now=T0, approval_id=holder
            ):
                won.append(holder)

    threads = [threading.Thread(target=take, args=(f"r{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1
