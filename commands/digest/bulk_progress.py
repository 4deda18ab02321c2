"""Where a bulk suspension is (``commands.digest.bulk``): each account's line read from the
ledger — its run's step record, or why no run was written — and where its summary message is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from audit import first_time, forget
from audit.models import ActionRun, ActionStep, AuditEvent, RunState
from commands.digest.bulk import BULK, BULK_APPROVED, BULK_POSTED, BulkItem, BulkStarted
from commands.trail import record

if TYPE_CHECKING:
    from commands.deps import Deps

ItemState = Literal["suspended", "skipped", "failed", "waiting"]


class BulkLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    item: BulkItem
    state: ItemState
    why: str = ""


class BulkProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    by: str
    lines: list[BulkLine]

    def count(self, state: ItemState) -> int:
        return sum(1 for line in self.lines if line.state == state)

    @property
    def finished(self) -> bool:
        return self.count("waiting") == 0


def record_posted(deps: Deps, bulk_id: str, channel: str, ts: str) -> None:
    """Where the bulk's summary message is, so any process can redraw it."""
    details = {"bulk": bulk_id, "channel": channel, "ts": ts}
    record(deps, actor="system", action=BULK_POSTED, account=None, outcome="ok", details=details)


def summary_place(deps: Deps, bulk_id: str) -> tuple[str, str | None] | None:
    """Where the bulk's summary is to be posted (channel, thread), as recorded when it started."""
    started = _started(deps, bulk_id)
    place = (started.details.get("reply_to") if started is not None else None) or {}
    channel = place.get("channel")
    return (str(channel), place.get("thread_ts")) if channel else None


def claim_summary(deps: Deps, bulk_id: str) -> bool:
    """True for the one caller, in any process, that is to post the bulk's summary."""
    with deps.ledger.session() as session:
        return first_time(session=session, key=_summary_key(bulk_id), now=deps.now())


def release_summary(deps: Deps, bulk_id: str) -> None:
    """Give the claim up (the post failed), so that the next redraw posts it."""
    with deps.ledger.session() as session:
        forget(session=session, key=_summary_key(bulk_id))


def _summary_key(bulk_id: str) -> str:
    return f"bulk-summary:{bulk_id}"


def posted_at(deps: Deps, bulk_id: str) -> tuple[str, str] | None:
    event = _event(deps, BULK_POSTED, bulk_id)
    return None if event is None else (str(event.details["channel"]), str(event.details["ts"]))


def bulk_progress(deps: Deps, bulk_id: str) -> BulkProgress | None:
    """Where every account of the bulk is, from the ledger: its run's state and refusal."""
    started = _started(deps, bulk_id)
    if started is None:
        return None
    details = started.details
    runs: dict[str, str] = dict(details.get("runs") or {})
    skipped: dict[str, str] = dict(details.get("skipped") or {})
    found: dict[str, tuple[str, str | None, dict[str, Any] | None]] = {}
    with deps.ledger.read_connection() as connection:
        ids = list(runs.values())
        statement = (
            select(ActionRun.id, ActionRun.state, ActionRun.outcome, ActionStep.detail)  # type: ignore[call-overload]
            .join(ActionStep, ActionStep.run_id == ActionRun.id)
            .where(ActionRun.id.in_(ids))  # type: ignore[attr-defined]
        )
        for run_id, state, outcome, detail in connection.execute(statement):
            found[run_id] = (state, outcome, detail)
    lines = []
    for raw in details.get("items") or []:
        item = BulkItem.model_validate(raw)
        if item.account in skipped:
            lines.append(BulkLine(item=item, state="skipped", why=skipped[item.account]))
            continue
        # The step's record, not the run's state: the run is closed just after the step's
        # effect is committed, and the summary is redrawn on that effect.
        state, _, detail = found.get(runs.get(item.account, ""), ("", None, None))
        detail = detail or {}
        if "suspended" in detail:
            lines.append(BulkLine(item=item, state="suspended"))
        elif "refused" in detail:
            why = str((detail.get("refused") or {}).get("message") or "refused")
            lines.append(BulkLine(item=item, state="skipped", why=why))
        elif state == RunState.FAILED.value:
            lines.append(BulkLine(item=item, state="failed", why="stopped; Retry on its card"))
        else:
            lines.append(BulkLine(item=item, state="waiting"))
    return BulkProgress(id=bulk_id, by=str(details.get("by") or started.actor), lines=lines)


def bulk_started(deps: Deps, bulk_id: str) -> BulkStarted | None:
    """The runs a bulk wrote, as recorded when it was confirmed (or approved)."""
    event = _started(deps, bulk_id)
    if event is None:
        return None
    details = event.details
    found, skipped = dict(details.get("runs") or {}), dict(details.get("skipped") or {})
    listed = [str(item["account"]) for item in details.get("items") or ()]
    runs = {account: found[account] for account in listed if account in found}  # listed order
    return BulkStarted(id=bulk_id, runs=runs, skipped=skipped)


def _started(deps: Deps, bulk_id: str) -> AuditEvent | None:
    return _event(deps, f"{BULK}.confirm", bulk_id) or _event(deps, BULK_APPROVED, bulk_id)


def bulk_of(event: AuditEvent) -> str | None:
    """The bulk a suspension's audit event belongs to, if any."""
    value = (event.details or {}).get("bulk")
    return value if isinstance(value, str) else None


def _event(deps: Deps, action: str, bulk_id: str) -> AuditEvent | None:
    with deps.ledger.read_session() as session:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.outcome == "ok")  # type: ignore[arg-type]
            .order_by(AuditEvent.seq.desc())  # type: ignore[attr-defined]
            .limit(200)
        )
        for row in rows:
            if (row.details or {}).get("bulk") == bulk_id:
                session.expunge(row)
                return row
    return None
