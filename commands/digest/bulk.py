"""Suspending every eligible account of the digest at once ("Suspend all eligible (N)").

``prepare_bulk`` builds today's digest again and stores what the person is asked to confirm —
every account and its amount — as a confirmation (``audit.confirmations``, action
``suspend.bulk``). ``confirm_bulk`` settles it exactly once (compare-and-set) and, in that same
transaction, writes one ordinary ``suspend`` run per account (write-ahead, each holding its
account's lock; an account another action holds is skipped and named) and the ``suspend.bulk``
audit event naming them. The runs are then worked one by one; each re-checks its account when
it takes effect (paid, promised or excluded since, suspended or deactivated → refused, and
named as skipped). A process that dies part way leaves the rest to any process's sweeper,
which finishes each once. ``bulk_progress`` reads where they all are from the ledger.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from audit import confirmations as ledger_confirmations
from audit.models import ActionRun, ActionStep, AuditEvent, ConfirmationState, RunState
from commands.actor import Actor, Role
from commands.digest.overdue import build_digest
from commands.errors import CommandError, Conflict, NothingToDo
from commands.runs import records as run_records
from commands.runs.kinds import AccountLocked
from commands.suspension.models import SUSPEND, OverdueSummary
from commands.trail import audited, record

if TYPE_CHECKING:
    from commands.deps import Deps

BULK = "suspend.bulk"  # the confirmation's action, and the audit event naming the runs
BULK_POSTED = "suspend.bulk.posted"  # where its summary message is (channel, ts)
CONFIRM_TTL = timedelta(minutes=30)
NO_ACCOUNT = "-"  # a confirmation names one account; a bulk one names many (in ``shown``)


class BulkItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    name: str
    amount: Decimal
    currency: str


class BulkConfirmation(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    requested_by: str
    origin: str
    reason: str
    items: list[BulkItem]
    expires_at: datetime

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.items), Decimal(0))


class BulkStarted(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    runs: dict[str, str]  # account → its suspend run, in the order confirmed
    skipped: dict[str, str]  # account → why no run was written


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


class BulkRefused(CommandError):
    pass


def bulk_reason(origin: str) -> str:
    return (
        f"Overdue invoices: suspended from the overdue digest of {origin.removeprefix('digest:')}"
    )


def prepare_bulk(actor: Actor, deps: Deps) -> BulkConfirmation:
    """Every account eligible now, stored for the person to confirm (or the refusal, audited)."""
    with audited(deps, actor, BULK, None) as trail:
        trail.require(Role.OPERATOR, to="suspend accounts")
        if deps.policy.suspend_requires_approval:
            refusal = Conflict(
                "Suspensions need a second person's approval here "
                "(`JETHUB_SUSPEND_REQUIRES_APPROVAL`), and one request for them all is not "
                "offered yet: suspend each account from its row, and an approver decides each."
            )
            raise trail.refuse(refusal, problem="approval required")
        digest = build_digest(deps, deps.today())
        if not digest.rows:
            nothing = NothingToDo("No account is eligible for suspension now; nothing to confirm.")
            raise trail.refuse(nothing, problem="none eligible")
        trail.recorded_elsewhere()  # confirming (or cancelling) it is what the audit records
    items = [
        BulkItem(account=r.account, name=r.name, amount=r.amount_overdue, currency=r.currency)
        for r in digest.rows
    ]
    shown = {
        "origin": digest.origin,
        "reason": bulk_reason(digest.origin),
        "items": [i.model_dump(mode="json") for i in items],
        "overdue": {
            r.account: OverdueSummary(
                as_of=digest.day,
                overdue_days=digest.overdue_days,
                count=r.invoices,
                total=r.amount_overdue,
                currency=r.currency,
                oldest_due=r.oldest_due,
            ).model_dump(mode="json")
            for r in digest.rows
        },
    }
    with deps.ledger.session() as session:
        row = ledger_confirmations.create(
            session=session,
            action=BULK,
            account=NO_ACCOUNT,
            requested_by=actor.user_id,
            shown=shown,
            now=deps.now(),
            ttl=CONFIRM_TTL,
        )
        return _confirmation(row)


def confirm_bulk(confirmation_id: str, actor: Actor, deps: Deps) -> BulkStarted:
    """Settle the confirmation once and write every account's run with it (see the module)."""
    where = {"stage": "confirmation", "confirmation_id": confirmation_id[:64]}
    with audited(deps, actor, f"{BULK}.confirm", None, details=where) as trail:
        trail.require(Role.OPERATOR, to="suspend accounts")
        with deps.ledger.read_session() as session:
            row = ledger_confirmations.get(session=session, confirmation_id=confirmation_id)
            if row is None or row.action != BULK:
                raise trail.refuse(BulkRefused("That button matches no bulk suspension."))
            state, shown, by, expires = row.state, dict(row.shown), row.requested_by, row.expires_at
        if by != actor.user_id:
            raise trail.refuse(
                BulkRefused("Only the person who asked can confirm this; nothing was done."),
                problem="not the requester",
            )
        if state != ConfirmationState.PENDING:
            raise trail.refuse(
                BulkRefused(f"Already {state}: nothing more was done by this click."),
                problem=f"already {state}",
            )
        if deps.now() >= expires:
            raise trail.refuse(
                BulkRefused("This confirmation has expired; nothing was done."), problem="expired"
            )
        kind = deps.actions.run(SUSPEND)
        runs: dict[str, str] = {}
        skipped: dict[str, str] = {}
        with deps.ledger.session() as session:
            now = deps.now()
            won = ledger_confirmations.confirm(
                session=session, confirmation_id=confirmation_id, by=actor.user_id, now=now
            )
            if won:
                for item in shown["items"]:
                    account = str(item["account"])
                    params: dict[str, Any] = {
                        "by": actor.user_id,
                        "reason": shown["reason"],
                        "origin": shown["origin"],
                        "shown": shown["overdue"][account],
                        "reference": {"bulk": confirmation_id},
                        "unless_promised": True,
                    }
                    try:
                        with session.begin_nested():  # one account held: only it is skipped
                            run = run_records.create(
                                session,
                                kind,
                                account=account,
                                requested_by=actor.user_id,
                                params=params,
                                now=now,
                            )
                        runs[account] = run.id
                    except AccountLocked as exc:
                        skipped[account] = str(exc)
                trail.ok(
                    session=session,
                    bulk=confirmation_id,
                    origin=shown["origin"],
                    items=shown["items"],
                    runs=runs,
                    skipped=skipped,
                )
        if not won:
            raise trail.refuse(
                BulkRefused("Someone else's click settled this first; nothing more was done."),
                problem="lost the race",
            )
    return BulkStarted(id=confirmation_id, runs=runs, skipped=skipped)


def cancel_bulk(confirmation_id: str, actor: Actor, deps: Deps) -> None:
    where = {"bulk": confirmation_id[:64]}
    with (
        audited(deps, actor, f"{BULK}.cancel", None, details=where),
        deps.ledger.session() as session,
    ):
        row = ledger_confirmations.get(session=session, confirmation_id=confirmation_id)
        if row is None or row.action != BULK or row.requested_by != actor.user_id:
            raise BulkRefused("Only the person who asked can cancel this; nothing was done.")
        if not ledger_confirmations.cancel(
            session=session, confirmation_id=confirmation_id, by=actor.user_id, now=deps.now()
        ):
            raise BulkRefused("It was already settled; nothing more was done.")


def record_posted(deps: Deps, bulk_id: str, channel: str, ts: str) -> None:
    """Where the bulk's summary message is, so any process can redraw it."""
    details = {"bulk": bulk_id, "channel": channel, "ts": ts}
    record(deps, actor="system", action=BULK_POSTED, account=None, outcome="ok", details=details)


def posted_at(deps: Deps, bulk_id: str) -> tuple[str, str] | None:
    event = _event(deps, BULK_POSTED, bulk_id)
    return None if event is None else (str(event.details["channel"]), str(event.details["ts"]))


def bulk_progress(deps: Deps, bulk_id: str) -> BulkProgress | None:
    """Where every account of the bulk is, from the ledger: its run's state and refusal."""
    started = _event(deps, f"{BULK}.confirm", bulk_id)
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
    return BulkProgress(id=bulk_id, by=started.actor, lines=lines)


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


def _confirmation(row: Any) -> BulkConfirmation:
    shown = row.shown
    return BulkConfirmation(
        id=row.id,
        requested_by=row.requested_by,
        origin=shown["origin"],
        reason=shown["reason"],
        items=[BulkItem.model_validate(i) for i in shown["items"]],
        expires_at=row.expires_at,
    )
