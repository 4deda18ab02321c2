"""What a suspension or deactivation decision needs beside the account's details: its overdue
invoices and whether (and since when) it is a suspension candidate, requests waiting for a
decision, actions running or stopped, and a digest snooze — from Zuora and the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, select
from sqlmodel import Session, col

from audit.approvals import pending
from audit.models import ActionRun, ActionStep, PaymentDecision, RunState, StepState
from audit.payments import latest_decision
from commands.actor import Role
from commands.deps import threshold_days
from commands.digest.models import SnoozeInfo, active
from commands.suspension.models import OverdueInvoice, open_invoices

if TYPE_CHECKING:
    from commands.deps import Deps
    from integrations.zuora import Invoice

MAX_INVOICES_SHOWN = 10


class PendingRequest(BaseModel):
    """A request waiting for an approver."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: str
    account: str
    requested_by: str
    created_at: datetime
    expires_at: datetime
    channel: str | None
    message_ts: str | None


class UnfinishedRun(BaseModel):
    """An action running, waiting to resume, or stopped at a step (Retry)."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: str
    account: str
    state: str
    step: str | None  # the step running or failed, if any
    error: str | None
    updated_at: datetime
    approval_id: str | None
    retry_role: Role | None = None  # who may Retry it, when it is stopped at a step


class PaymentNote(BaseModel):
    """The newest payment decision on the account (``commands.suspension.paid``), as recorded:
    ``lifted`` only once its unsuspend run has done it."""

    model_config = ConfigDict(frozen=True)

    decision: str  # lifted | lifting | asked | noted | partial | reported
    payments: list[str]  # payment numbers
    at: datetime
    remaining: Decimal | None = None  # part paid: what is still overdue
    currency: str | None = None

    @classmethod
    def of(cls, session: Session, row: PaymentDecision) -> PaymentNote:
        decision = row.decision
        if decision == "lifted":
            run = session.get(ActionRun, row.unsuspend_run_id) if row.unsuspend_run_id else None
            done = run is not None and run.state == RunState.SUCCEEDED and run.outcome == "done"
            decision = "lifted" if done else "lifting"
        left = row.remaining or {}
        return cls(
            decision=decision,
            payments=[str(p.get("number")) for p in row.payments if p.get("number")],
            at=row.decided_at,
            remaining=Decimal(str(left["total"])) if left.get("total") is not None else None,
            currency=left.get("currency"),
        )


class AccountState(BaseModel):
    model_config = ConfigDict(frozen=True)

    as_of: date
    overdue: list[OverdueInvoice]  # oldest first, at most MAX_INVOICES_SHOWN
    currency: str | None
    overdue_count: int
    overdue_total: Decimal
    candidate_since: date | None  # a suspension candidate from this day (by today's balances)
    requests: list[PendingRequest]
    runs: list[UnfinishedRun]
    snooze: SnoozeInfo | None
    payment: PaymentNote | None = None


def _with_retry_role(deps: Deps, run: UnfinishedRun) -> UnfinishedRun:
    if run.state != RunState.FAILED.value or run.kind not in deps.actions.runs:
        return run
    return run.model_copy(update={"retry_role": deps.actions.run(run.kind).retry_role})


def overdue_invoices(invoices: Sequence[Invoice], today: date) -> list[OverdueInvoice]:
    """Posted invoices still owing whose due date has passed, oldest first."""
    owing, _ = open_invoices(invoices, today)
    return [i for i in owing if i.days_overdue > 0]


def candidate_since(
    overdue: Sequence[OverdueInvoice], today: date, *, overdue_days: int, min_balance: Decimal
) -> date | None:
    """The day the account became a suspension candidate by the digest's rule (invoices at
    least ``overdue_days`` past due owing ``min_balance`` together), or None if it is not one.

    Invoices cross the threshold oldest first, so it became one when the running total of the
    oldest invoices first reached the minimum."""
    threshold = threshold_days(overdue_days)
    owing = Decimal("0")
    for invoice in overdue:
        owing += invoice.balance
        if owing >= min_balance:
            since = invoice.due_date + timedelta(days=threshold)
            return since if since <= today else None
    return None


def account_state(deps: Deps, account: str, invoices: Sequence[Invoice] | None) -> AccountState:
    """The account's live state; ``invoices`` None when Zuora could not be read."""
    today = deps.today()
    overdue = overdue_invoices(invoices or (), today)
    policy = deps.policy
    with deps.ledger.read_session() as session:
        requests = [
            PendingRequest.model_validate(r, from_attributes=True)
            for r in pending(session=session, account=account, now=deps.now())
        ]
        runs = [_with_retry_role(deps, run) for run in unfinished_runs(session, account=account)]
        snooze = active(session, account, today)
        decided = latest_decision(session=session, account=account)
        payment = PaymentNote.of(session, decided) if decided is not None else None
    return AccountState(
        as_of=today,
        overdue=overdue[:MAX_INVOICES_SHOWN],
        currency=next((i.currency for i in invoices or () if i.currency), None),
        overdue_count=len(overdue),
        overdue_total=sum((i.balance for i in overdue), Decimal("0")),
        candidate_since=candidate_since(
            overdue,
            today,
            overdue_days=policy.overdue_days,
            min_balance=Decimal(str(policy.overdue_min_balance)),
        ),
        requests=requests,
        runs=runs,
        snooze=snooze,
        payment=payment,
    )


UNFINISHED = (RunState.PENDING, RunState.RUNNING, RunState.FAILED)


def unfinished_runs(
    session: Session,
    *,
    account: str | None = None,
    approvals: Select[tuple[str]] | None = None,
    states: Sequence[RunState] = UNFINISHED,
) -> list[UnfinishedRun]:
    """Runs in ``states`` (not finished, by default), oldest first; of one account, or of the
    approval requests ``approvals`` selects."""
    statement = select(ActionRun).where(col(ActionRun.state).in_([s.value for s in states]))
    if account is not None:
        statement = statement.where(col(ActionRun.account) == account)
    if approvals is not None:
        statement = statement.where(col(ActionRun.approval_id).in_(approvals))
    runs = session.scalars(statement.order_by(col(ActionRun.created_at))).all()
    found: list[UnfinishedRun] = []
    for run in runs:
        step = session.scalars(
            select(ActionStep)
            .where(
                col(ActionStep.run_id) == run.id,
                col(ActionStep.state).in_((StepState.RUNNING.value, StepState.FAILED.value)),
            )
            .order_by(col(ActionStep.position))
        ).first()
        found.append(
            UnfinishedRun(
                id=run.id,
                kind=run.kind,
                account=run.account,
                state=run.state,
                step=step.name if step is not None else None,
                error=run.error,
                updated_at=run.updated_at,
                approval_id=run.approval_id,
            )
        )
    return found
