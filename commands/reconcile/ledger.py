"""What the ledger says about a batch of accounts, read in one query a batch: the bot's last word
on each account's suspension, when it last refreshed allowances or saved the emergency address,
and what is held out of collections (snoozed, excluded, promised)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from audit import active, excluded
from audit.models import ActionRun, RunState
from audit.types import as_utc
from commands.reconcile.promises import promised
from commands.suspension.models import OVERRIDE, SUSPEND, UNSUSPEND

if TYPE_CHECKING:
    from commands.deps import Deps

ADOPT_KIND = "reconcile.adopt"  # the bot records a suspension (or a lift) made outside it
REFRESH_KIND = "billing.refresh"
EMERGENCY_KIND = "emergency.save"
SUSPENSION_KINDS = (SUSPEND, UNSUSPEND, OVERRIDE, ADOPT_KIND)
_KINDS = (*SUSPENSION_KINDS, REFRESH_KIND, EMERGENCY_KIND)


@dataclass(frozen=True)
class SuspensionRecord:
    """The newest run that settled the account's suspension: the bot's last word on it."""

    kind: str
    run_id: str
    at: datetime
    suspended: bool  # the ledger says the account is suspended
    by: str = ""
    reason: str = ""

    @property
    def for_non_payment(self) -> bool:
        """A non-payment suspension the bot made (its ``suspend`` run, not an override)."""
        return self.suspended and self.kind == SUSPEND

    def describe(self) -> str:
        if not self.suspended:
            return f"lifted ({self.kind})"
        by = f" by {self.by}" if self.by else ""
        why = f": {self.reason}" if self.reason else ""
        how = "adopted from the platform" if self.kind == ADOPT_KIND else f"{self.kind} run"
        return f"suspended{by} ({how}){why}"


@dataclass
class AccountRecord:
    suspension: SuspensionRecord | None = None
    refreshed_at: datetime | None = None
    emergency_saved_at: datetime | None = None


def _suspension(row: Any) -> SuspensionRecord:
    params = dict(row.params or {})
    suspended = row.kind in (SUSPEND, OVERRIDE) or (
        row.kind == ADOPT_KIND and bool(params.get("suspended"))
    )
    return SuspensionRecord(
        kind=row.kind,
        run_id=row.id,
        at=as_utc(row.updated_at, "updated_at"),
        suspended=suspended,
        by=str(params.get("by") or ""),
        reason=str(params.get("reason") or ""),
    )


def records(deps: Deps, accounts: Iterable[str]) -> dict[str, AccountRecord]:
    """Each account's record, from its succeeded runs (one query, columns only)."""
    wanted = list(accounts)
    found: dict[str, AccountRecord] = {a: AccountRecord() for a in wanted}
    if not wanted:
        return found
    runs = ActionRun.__table__.c  # type: ignore[attr-defined]
    statement = (
        select(runs.id, runs.kind, runs.account, runs.params, runs.updated_at)
        .where(
            runs.account.in_(wanted),
            runs.kind.in_(_KINDS),
            runs.state == RunState.SUCCEEDED.value,
            runs.outcome == "done",
        )
        .order_by(runs.created_at, runs.id)
    )
    with deps.ledger.read_session() as session:
        for row in session.execute(statement):
            record = found[row.account]
            at = as_utc(row.updated_at, "updated_at")
            if row.kind in SUSPENSION_KINDS:
                record.suspension = _suspension(row)
            elif row.kind == REFRESH_KIND:
                record.refreshed_at = at
            else:
                record.emergency_saved_at = at
    return found


@dataclass(frozen=True)
class HeldOut:
    """Accounts the team has set aside from collections: no finding says they fell through."""

    snoozed: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)
    promised: set[str] = field(default_factory=set)

    def why(self, account: str) -> str | None:
        for name, held in (
            ("snoozed", self.snoozed),
            ("excluded", self.excluded),
            ("promised", self.promised),
        ):
            if account in held:
                return name
        return None


def held_out(deps: Deps, accounts: Iterable[str]) -> HeldOut:
    wanted = set(accounts)
    with deps.ledger.read_session() as session:
        snoozed = set(active(session=session, today=deps.today())) & wanted
        kept = set(excluded(session=session)) & wanted
    return HeldOut(snoozed=snoozed, excluded=kept, promised=promised(deps, wanted))
