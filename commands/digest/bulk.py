"""Suspending every eligible account of the digest at once ("Suspend all eligible (N)").

``prepare_bulk`` builds today's digest again and stores what the person is asked to confirm —
every account and its amount — as a confirmation (``audit.confirmations``, action
``suspend.bulk``). ``confirm_bulk`` settles it exactly once (compare-and-set) and, in that same
transaction, writes one ordinary ``suspend`` run per account (write-ahead, each holding its
account's lock; an account another action holds is skipped and named) and the ``suspend.bulk``
audit event naming them. The runs are then worked one by one; each re-checks its account when
it takes effect (paid, promised or excluded since, suspended or deactivated → refused, and
named as skipped). A process that dies part way leaves the rest to any process's sweeper,
which finishes each once. ``commands.digest.bulk_progress`` reads where they all are.

When suspensions need a second person's approval (``JETHUB_SUSPEND_REQUIRES_APPROVAL``),
confirming stores one four-eyes request instead (kind ``suspend_bulk``, listing every account
and amount); its approval writes the same runs in the decision's transaction
(``commands.digest.bulk_approval``), and the bulk is then the request's id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from audit import confirmations as ledger_confirmations
from audit.models import ConfirmationState
from commands.actor import Actor, Role
from commands.approvals.model import MANY_ACCOUNTS, ApprovalView, RequestApproval
from commands.approvals.requests import create_request, vet_request
from commands.digest.overdue import build_digest
from commands.errors import CommandError, NothingToDo
from commands.runs import records as run_records
from commands.runs.kinds import AccountLocked
from commands.suspension.models import SUSPEND, OverdueSummary
from commands.trail import Trail, audited

if TYPE_CHECKING:
    from sqlmodel import Session

    from commands.deps import Deps

BULK = "suspend.bulk"  # the confirmation's action, and the audit event naming the runs
BULK_POSTED = "suspend.bulk.posted"  # where its summary message is (channel, ts)
BULK_APPROVED = "suspend.bulk.approved"  # an approved bulk request's runs (as BULK.confirm)
APPROVAL_KIND = "suspend_bulk"
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
    needs_approval: bool = False  # confirming asks an approver instead of suspending

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.items), Decimal(0))


class BulkStarted(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    runs: dict[str, str]  # account → its suspend run, in the order confirmed
    skipped: dict[str, str]  # account → why no run was written


class BulkRequested(BaseModel):
    """Confirmed, and sent for approval: nothing runs until an approver approves."""

    model_config = ConfigDict(frozen=True)

    request: ApprovalView
    items: list[BulkItem]


class BulkRefused(CommandError):
    pass


def bulk_reason(origin: str) -> str:
    return (
        f"Overdue invoices: suspended from the overdue digest of {origin.removeprefix('digest:')}"
    )


def prepare_bulk(actor: Actor, deps: Deps, *, reply_to: str | None = None) -> BulkConfirmation:
    """Every account eligible now, stored for the person to confirm (or the refusal, audited).
    ``reply_to``: the channel its summary is to be posted in once confirmed."""
    with audited(deps, actor, BULK, None) as trail:
        trail.require(Role.OPERATOR, to="suspend accounts")
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
        "needs_approval": deps.policy.suspend_requires_approval,
        "items": [i.model_dump(mode="json") for i in items],
        "reply_to": {"channel": reply_to} if reply_to else None,
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


def confirm_bulk(confirmation_id: str, actor: Actor, deps: Deps) -> BulkStarted | BulkRequested:
    """Settle the confirmation once and write every account's run with it (see the module) —
    or, when suspensions need approval, the one four-eyes request for them all."""
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
        if shown.get("needs_approval") or deps.policy.suspend_requires_approval:
            return _send_for_approval(deps, trail, actor, confirmation_id, shown)
        runs: dict[str, str] = {}
        skipped: dict[str, str] = {}
        with deps.ledger.session() as session:
            now = deps.now()
            won = ledger_confirmations.confirm(
                session=session, confirmation_id=confirmation_id, by=actor.user_id, now=now
            )
            if won:
                runs, skipped = write_runs(
                    session, deps, confirmation_id, shown, by=actor.user_id, approved_by=None
                )
                trail.ok(
                    session=session,
                    bulk=confirmation_id,
                    origin=shown["origin"],
                    items=shown["items"],
                    runs=runs,
                    skipped=skipped,
                    reply_to=shown.get("reply_to"),
                )
        if not won:
            raise _lost(trail)
    return BulkStarted(id=confirmation_id, runs=runs, skipped=skipped)


def _lost(trail: Trail) -> CommandError:
    return trail.refuse(
        BulkRefused("Someone else's click settled this first; nothing more was done."),
        problem="lost the race",
    )


def _send_for_approval(
    deps: Deps, trail: Trail, actor: Actor, confirmation_id: str, shown: dict[str, Any]
) -> BulkRequested:
    """The confirmation settled and the one request for every account stored, together."""
    order = RequestApproval(
        kind=APPROVAL_KIND,
        account=MANY_ACCOUNTS,
        reason=shown["reason"],
        origin=shown["origin"],
        preview={
            "confirmation_id": confirmation_id,
            "accounts": len(shown["items"]),
            "items": shown["items"],
            "overdue": shown["overdue"],
        },
    )
    kind, reason = vet_request(order, actor, deps)
    with deps.ledger.session() as session:
        won = ledger_confirmations.confirm(
            session=session, confirmation_id=confirmation_id, by=actor.user_id, now=deps.now()
        )
        if won:
            request = create_request(session, deps, actor, kind, order, reason)
            trail.ok(session=session, request_id=request.id, items=shown["items"])
    if not won:
        raise _lost(trail)
    return BulkRequested(
        request=request, items=[BulkItem.model_validate(i) for i in shown["items"]]
    )


def write_runs(
    session: Session,
    deps: Deps,
    bulk_id: str,
    shown: dict[str, Any],
    *,
    by: str,
    approved_by: str | None,
) -> tuple[dict[str, str], dict[str, str]]:
    """One ``suspend`` run per listed account, in the caller's transaction: the runs written
    (account → run) and the accounts another action holds (account → why), in listed order."""
    kind = deps.actions.run(SUSPEND)
    now = deps.now()
    runs: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for item in shown["items"]:
        account = str(item["account"])
        params: dict[str, Any] = {
            "by": by,
            "reason": shown["reason"],
            "origin": shown["origin"],
            "shown": shown["overdue"][account],
            "reference": {"bulk": bulk_id},
            "unless_promised": True,
        }
        if approved_by:
            params["approved_by"] = approved_by
        try:
            with session.begin_nested():  # one account held: only it is skipped
                run = run_records.create(
                    session, kind, account=account, requested_by=by, params=params, now=now
                )
            runs[account] = run.id
        except AccountLocked as exc:
            skipped[account] = str(exc)
    return runs, skipped


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


def _confirmation(row: Any) -> BulkConfirmation:
    shown = row.shown
    return BulkConfirmation(
        id=row.id,
        requested_by=row.requested_by,
        origin=shown["origin"],
        reason=shown["reason"],
        items=[BulkItem.model_validate(i) for i in shown["items"]],
        expires_at=row.expires_at,
        needs_approval=bool(shown.get("needs_approval")),
    )
