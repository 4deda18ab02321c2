"""Actions the ledger holds that went nowhere: stuck (not finished, and no progress for longer
than a lease — no sweeper picked them up) or failed and never retried (no later run of the same
kind on the account, and not abandoned by the team)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlalchemy import select

from audit import ABANDONED
from audit.models import ActionRun, RunState
from audit.types import as_utc
from commands.reconcile.models import ABANDON, FAILED_ACTION, RETRY, STUCK_ACTION, Finding
from commands.runs.kinds import DEFAULT_LEASE

if TYPE_CHECKING:
    from commands.deps import Deps

ACTIVE = (RunState.PENDING.value, RunState.RUNNING.value)


def action_findings(deps: Deps, account: str | None = None) -> Iterator[Finding]:
    """Stuck and failed runs, oldest first (of one account, or all)."""
    table = ActionRun.__table__  # type: ignore[attr-defined]
    runs, later = table.c, table.alias("later").c
    superseded = (
        select(later.id)
        .where(
            later.account == runs.account,
            later.kind == runs.kind,
            later.created_at > runs.created_at,
        )
        .exists()
    )
    statement = select(
        runs.id,
        runs.kind,
        runs.account,
        runs.state,
        runs.updated_at,
        runs.lease_until,
        runs.error,
        runs.outcome,
        superseded.label("superseded"),
    ).where(runs.state.in_((*ACTIVE, RunState.FAILED.value)))
    if account is not None:
        statement = statement.where(runs.account == account)
    now = deps.now()
    with deps.ledger.read_session() as session:
        rows = list(session.execute(statement.order_by(runs.created_at, runs.id)))
    for row in rows:
        updated = as_utc(row.updated_at, "updated_at")
        label = deps.actions.label(row.kind)
        if row.state in ACTIVE:
            kind = deps.actions.runs.get(row.kind)
            lease = kind.lease_for if kind is not None else DEFAULT_LEASE
            until = as_utc(row.lease_until, "lease_until") if row.lease_until else updated
            if now - max(until, updated) <= lease:
                continue
            yield Finding(
                account=row.account,
                check=STUCK_ACTION,
                ledger=f"{label} {row.state} since {updated.isoformat()}, no progress",
                since=updated,
                fixes=(RETRY, ABANDON),
                run_id=row.id,
            )
        elif not row.superseded and row.outcome != ABANDONED:
            yield Finding(
                account=row.account,
                check=FAILED_ACTION,
                ledger=f"{label} failed: {row.error or 'no error recorded'}",
                since=updated,
                fixes=(RETRY, ABANDON),
                run_id=row.id,
            )
