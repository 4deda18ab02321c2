"""What a suspension or deactivation decision needs beside the account's details: its overdue
invoices and whether (and since when) it is a suspension candidate, requests waiting for a
decision, actions running or stopped, a digest snooze, a promise to pay and who is chasing the
account — from Zuora and the ledger."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, String, and_, bindparam, cast, select
from sqlalchemy.engine import Connection, Row
from sqlmodel import Session, col

from audit.models import (
    ActionRun,
    ActionStep,
    ApprovalRequest,
    ApprovalState,
    PaymentDecision,
    Promise,
    RunState,
    Snooze,
    StepState,
    Take,
)
from audit.types import as_utc
from commands.actor import Role
from commands.deps import threshold_days
from commands.digest.models import SnoozeInfo
from commands.suspension.models import OverdueInvoice, PromiseInfo, open_invoices

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
    def of_row(cls, row: Mapping[Any, Any]) -> PaymentNote:
        """From ``_PAYMENT``'s row: the decision with its unsuspend run's state and outcome."""
        decision = row["decision"]
        if decision == "lifted":
            done = row["run_state"] == RunState.SUCCEEDED.value and row["run_outcome"] == "done"
            decision = "lifted" if done else "lifting"
        left = row["remaining"] or {}
        return cls(
            decision=decision,
            payments=[str(p.get("number")) for p in row["payments"] if p.get("number")],
            at=row["decided_at"],
            remaining=Decimal(str(left["total"])) if left.get("total") is not None else None,
            currency=left.get("currency"),
        )


class AccountState(BaseModel):
    model_config = ConfigDict(frozen=True)

    as_of: date
    invoices_known: bool  # False when Zuora could not be read: overdue is unknown, not none
    overdue: list[OverdueInvoice]  # oldest first, at most MAX_INVOICES_SHOWN
    currency: str | None
    overdue_count: int
    overdue_total: Decimal
    candidate_since: date | None  # a suspension candidate from this day (by today's balances)
    requests: list[PendingRequest]
    runs: list[UnfinishedRun]
    snooze: SnoozeInfo | None
    payment: PaymentNote | None = None
    promise: PromiseInfo | None = None  # the account's newest promise to pay, in any state
    taken_by: str | None = None  # who is chasing the account (a digest row's Take)
    taken_at: datetime | None = None


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
    now = as_utc(deps.now(), "now")
    # Three Core statements built once (below), on a plain connection: the ORM's unit of work,
    # identity map and a statement per run's step cost more than the reads themselves.
    with deps.ledger.read_connection() as connection:
        requests = [
            PendingRequest(**row._mapping)
            for row in connection.execute(_PENDING, {"account": account, "now": now})
        ]
        runs = [
            _with_retry_role(deps, run)
            for run in _runs(connection.execute(_UNFINISHED, {"account": account}))
        ]
        held = connection.execute(_HELD, {"account": account, "today": today}).one()._mapping
        decided = connection.execute(_PAYMENT, {"account": account}).first()
    snooze = (
        None if held["until"] is None else SnoozeInfo(**_prefixed(held, "s_"), until=held["until"])
    )
    promise = None if held["p_due"] is None else PromiseInfo.of(_prefixed(held, "p_"))
    payment = None if decided is None else PaymentNote.of_row(decided._mapping)
    return AccountState(
        as_of=today,
        invoices_known=invoices is not None,
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
        promise=promise,
        taken_by=held["t_by"],
        taken_at=held["t_at"],
    )


def _prefixed(row: Mapping[Any, Any], prefix: str) -> dict[str, Any]:
    return {str(k).removeprefix(prefix): v for k, v in row.items() if str(k).startswith(prefix)}


UNFINISHED = (RunState.PENDING, RunState.RUNNING, RunState.FAILED)

_APPROVALS = ApprovalRequest.__table__.c  # type: ignore[attr-defined]
_RUNS = ActionRun.__table__.c  # type: ignore[attr-defined]
_STEPS = ActionStep.__table__.c  # type: ignore[attr-defined]
_SNOOZES = Snooze.__table__.c  # type: ignore[attr-defined]

# The step a run is at: the first running or failed one, by position (a correlated subquery, so
# a run and its step come in one statement).
_STEP_AT = (
    select(_STEPS.name)
    .where(
        _STEPS.run_id == _RUNS.id,
        _STEPS.state.in_((StepState.RUNNING.value, StepState.FAILED.value)),
    )
    .order_by(_STEPS.position)
    .limit(1)
    .scalar_subquery()
    .label("step")
)
_RUN_COLUMNS = (
    _RUNS.id,
    _RUNS.kind,
    _RUNS.account,
    _RUNS.state,
    _STEP_AT,
    _RUNS.error,
    _RUNS.updated_at,
    _RUNS.approval_id,
)

# An account's requests waiting for a decision and not expired, oldest first.
_PENDING = (
    select(
        _APPROVALS.id,
        _APPROVALS.kind,
        _APPROVALS.account,
        _APPROVALS.requested_by,
        _APPROVALS.created_at,
        _APPROVALS.expires_at,
        _APPROVALS.channel,
        _APPROVALS.message_ts,
    )
    .where(
        _APPROVALS.state == ApprovalState.PENDING.value,
        _APPROVALS.expires_at > bindparam("now"),
        _APPROVALS.account == bindparam("account"),
    )
    .order_by(_APPROVALS.created_at, _APPROVALS.id)
)
# An account's unfinished runs, oldest first.
_UNFINISHED = (
    select(*_RUN_COLUMNS)
    .where(
        _RUNS.state.in_([s.value for s in UNFINISHED]),
        _RUNS.account == bindparam("account"),
    )
    .order_by(_RUNS.created_at)
)
_DECISION_TABLE = PaymentDecision.__table__  # type: ignore[attr-defined]
_RUN_TABLE = ActionRun.__table__  # type: ignore[attr-defined]
_DECISIONS = _DECISION_TABLE.c
# The account's newest payment decision, with the state of the run that lifts it.
_PAYMENT = (
    select(
        _DECISIONS.decision,
        _DECISIONS.payments,
        _DECISIONS.decided_at,
        _DECISIONS.remaining,
        _RUNS.state.label("run_state"),
        _RUNS.outcome.label("run_outcome"),
    )
    .select_from(_DECISION_TABLE.outerjoin(_RUN_TABLE, _RUNS.id == _DECISIONS.unsuspend_run_id))
    .where(_DECISIONS.account == bindparam("account"))
    .order_by(_DECISIONS.decided_at.desc())
    .limit(1)
)
_SNOOZE_TABLE = Snooze.__table__  # type: ignore[attr-defined]
_PROMISE_TABLE = Promise.__table__  # type: ignore[attr-defined]
_TAKE_TABLE = Take.__table__  # type: ignore[attr-defined]
_PROMISES, _TAKES = _PROMISE_TABLE.c, _TAKE_TABLE.c
# What holds the account in one statement (one row, NULLs where nothing does): its snooze in
# force on ``today``, its newest promise to pay and who took it, joined to the account asked.
_ASKED = select(cast(bindparam("account"), String).label("account")).subquery("asked")
_HELD = select(
    _SNOOZES.until,
    _SNOOZES.by.label("s_by"),
    _SNOOZES.reason.label("s_reason"),
    *(column.label(f"p_{column.name}") for column in _PROMISES if column.name != "account"),
    _TAKES.by.label("t_by"),
    _TAKES.at.label("t_at"),
).select_from(
    _ASKED.outerjoin(
        _SNOOZE_TABLE,
        and_(_SNOOZES.account == _ASKED.c.account, _SNOOZES.until >= bindparam("today")),
    )
    .outerjoin(_PROMISE_TABLE, _PROMISES.account == _ASKED.c.account)
    .outerjoin(_TAKE_TABLE, _TAKES.account == _ASKED.c.account)
)


def _runs(rows: Iterable[Row[Any]]) -> list[UnfinishedRun]:
    return [UnfinishedRun(**row._mapping) for row in rows]


def unfinished_runs(
    session: Session | Connection,
    *,
    account: str | None = None,
    approvals: Select[tuple[str]] | None = None,
    states: Sequence[RunState] = UNFINISHED,
) -> list[UnfinishedRun]:
    """Runs in ``states`` (not finished, by default), oldest first; of one account, or of the
    approval requests ``approvals`` selects."""
    statement = select(*_RUN_COLUMNS).where(_RUNS.state.in_([s.value for s in states]))
    if account is not None:
        statement = statement.where(_RUNS.account == account)
    if approvals is not None:
        statement = statement.where(col(ActionRun.approval_id).in_(approvals))
    return _runs(session.execute(statement.order_by(_RUNS.created_at)))
