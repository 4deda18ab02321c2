"""The ledger's tables. The migrations in ``audit/migrations`` create exactly these.

A table that is also read outside a session is a family in the SQLModel style: a ``…Base`` with
the fields, the ``table=True`` class adding the table's name and constraints, and a frozen read
model inheriting the same base (``commands.approvals.model.ApprovalView``,
``commands.runs.kinds.RunView`` / ``StepView``), so the row and its copy cannot drift apart.

States and outcomes are strings guarded by CHECK constraints rather than database enum types, so
the schema is the same on SQLite and PostgreSQL and adding a state is a one-line migration.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from audit.types import UTCDateTime

# BIGINT on PostgreSQL; plain INTEGER on SQLite, where only that spelling makes the primary key
# the rowid (the fast, ordered path that verify() streams along).
BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Outcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"
    FAILED = "failed"


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class ConfirmationState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class RunState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class StepState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class AuditEvent(SQLModel, table=True):
    """One append-only entry of the hash-chained audit log."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.CheckConstraint(_one_of("outcome", Outcome), name="ck_audit_event_outcome"),
        sa.Index("ix_audit_event_account_seq", "account", "seq"),
        sa.Index("ix_audit_event_at", "at"),
    )

    seq: int = Field(sa_column=sa.Column(BigInt, primary_key=True, autoincrement=False))
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor: str = Field(sa_type=sa.String, nullable=False)
    action: str = Field(sa_type=sa.String, nullable=False)
    account: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    outcome: Outcome = Field(sa_type=sa.String, nullable=False)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    correlation_id: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    prev_hash: str = Field(sa_type=sa.String, nullable=False)
    hash: str = Field(sa_type=sa.String, nullable=False)
    # 1: the original unkeyed SHA-256 chain; 2: HMAC-SHA256 under JETHUB_AUDIT_KEY.
    scheme: int = Field(
        default=2, sa_column=sa.Column(sa.SmallInteger, nullable=False, server_default="1")
    )
    # The id of the audit key that signed it (``AuditKey.key_id``, public); None for legacy
    # events and for keyed ones written before key ids were recorded (the original key).
    key_id: str | None = Field(default=None, sa_type=sa.String, nullable=True)


class LedgerHead(SQLModel, table=True):
    """The single row naming the newest event; moved in the same transaction as every append."""

    __tablename__ = "ledger_head"
    __table_args__ = (sa.CheckConstraint("id = 1", name="ck_ledger_head_single_row"),)

    id: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True, autoincrement=False))
    seq: int = Field(sa_column=sa.Column(BigInt, nullable=False))
    hash: str = Field(sa_type=sa.String, nullable=False)
    # The first seq hashed with the key (events before it are the legacy unkeyed prefix), and
    # the key's HMAC over (seq, hash, keyed_from): null until a keyed process first seals it.
    keyed_from: int = Field(
        default=1, sa_column=sa.Column(BigInt, nullable=False, server_default="1")
    )
    mac: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    # The audit key new events are signed with (and ``mac`` is under); moved by a rotation.
    key_id: str | None = Field(default=None, sa_type=sa.String, nullable=True)


class AuditSink(SQLModel, table=True):
    """Where ``jethub audit stream`` got to for one sink: every event up to ``seq`` delivered.

    Whoever delivers holds the row's lease (``owner`` until ``leased_until``), so of any number
    of clocks one sends at a time, in order."""

    __tablename__ = "audit_sink"

    sink: str = Field(sa_type=sa.String, primary_key=True)
    seq: int = Field(default=0, sa_column=sa.Column(BigInt, nullable=False, server_default="0"))
    owner: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    leased_until: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class ApprovalBase(SQLModel):
    """A four-eyes request's fields, shared by its table and its frozen read model."""

    id: str = Field(sa_type=sa.String, primary_key=True)
    kind: str = Field(sa_type=sa.String, nullable=False)
    account: str = Field(sa_type=sa.String, nullable=False)
    requested_by: str = Field(sa_type=sa.String, nullable=False)
    reason: str = Field(default="", sa_type=sa.Text, nullable=False)
    preview: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    state: ApprovalState = Field(default=ApprovalState.PENDING, sa_type=sa.String, nullable=False)
    decided_by: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    decision_reason: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    channel: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    message_ts: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    origin: str | None = Field(default=None, sa_type=sa.String, nullable=True)


class ApprovalRequest(ApprovalBase, table=True):
    """A four-eyes request: pending until one approver decides it, or it expires or is cancelled."""

    __tablename__ = "approval_request"
    __table_args__ = (
        sa.CheckConstraint(_one_of("state", ApprovalState), name="ck_approval_request_state"),
        sa.Index("ix_approval_request_state_expires_at", "state", "expires_at"),
        sa.Index("ix_approval_request_account", "account"),
    )


class Confirmation(SQLModel, table=True):
    """One person's second thought before an action (a suspension, the lifting of one): what they
    were shown, pending until they confirm (before ``expires_at``) or cancel it, exactly once."""

    __tablename__ = "confirmation"
    __table_args__ = (
        sa.CheckConstraint(_one_of("state", ConfirmationState), name="ck_confirmation_state"),
    )

    id: str = Field(sa_type=sa.String, primary_key=True)
    action: str = Field(sa_type=sa.String, nullable=False)
    account: str = Field(sa_type=sa.String, nullable=False)
    requested_by: str = Field(sa_type=sa.String, nullable=False)
    shown: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    state: ConfirmationState = Field(
        default=ConfirmationState.PENDING, sa_type=sa.String, nullable=False
    )
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    settled_by: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class RunBase(SQLModel):
    """A run's fields, shared by its table and its frozen read model."""

    id: str = Field(sa_type=sa.String, primary_key=True)
    approval_id: str | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.String,
            sa.ForeignKey("approval_request.id", name="fk_action_run_approval_id"),
            nullable=True,
        ),
    )
    kind: str = Field(sa_type=sa.String, nullable=False)
    account: str = Field(sa_type=sa.String, nullable=False)
    state: RunState = Field(default=RunState.PENDING, sa_type=sa.String, nullable=False)
    lease_owner: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    error: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    requested_by: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    params: dict[str, Any] | None = Field(
        default=None, sa_type=sa.JSON(none_as_null=True), nullable=True
    )
    outcome: str | None = Field(default=None, sa_type=sa.String, nullable=True)  # done | refused


class ActionRun(RunBase, table=True):
    """A long action executed as ordered steps, leased to one worker at a time."""

    __tablename__ = "action_run"
    __table_args__ = (
        sa.CheckConstraint(_one_of("state", RunState), name="ck_action_run_state"),
        sa.UniqueConstraint("approval_id", name="uq_action_run_approval_id"),
        sa.Index("ix_action_run_state_lease_until", "state", "lease_until"),
        sa.Index("ix_action_run_account", "account"),
    )


class ActionLock(SQLModel, table=True):
    """One active destructive action (``kind``) per account: held from the request (or the run,
    when there is no request) until it is settled without effect or its run ends."""

    __tablename__ = "action_lock"

    kind: str = Field(sa_type=sa.String, primary_key=True)
    account: str = Field(sa_type=sa.String, primary_key=True)
    approval_id: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    run_id: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class StepBase(SQLModel):
    """A run step's fields, shared by its table and its frozen read model."""

    run_id: str = Field(
        sa_column=sa.Column(
            sa.String,
            sa.ForeignKey("action_run.id", name="fk_action_step_run_id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    position: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True, autoincrement=False))
    name: str = Field(sa_type=sa.String, nullable=False)
    state: StepState = Field(default=StepState.PENDING, sa_type=sa.String, nullable=False)
    attempts: int = Field(default=0, sa_type=sa.Integer, nullable=False)
    detail: dict[str, Any] | None = Field(
        default=None, sa_type=sa.JSON(none_as_null=True), nullable=True
    )
    error: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class ActionStep(StepBase, table=True):
    """One idempotent step of a run; (run_id, position) is unique."""

    __tablename__ = "action_step"
    __table_args__ = (sa.CheckConstraint(_one_of("state", StepState), name="ck_action_step_state"),)


class JobRun(SQLModel, table=True):
    """One scheduled job in one period; the primary key (job, period) makes it happen once."""

    __tablename__ = "job_run"

    job: str = Field(sa_type=sa.String, primary_key=True)
    period: str = Field(sa_type=sa.String, primary_key=True)
    owner: str = Field(sa_type=sa.String, nullable=False)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    outcome: str | None = Field(default=None, sa_type=sa.String, nullable=True)


class Snooze(SQLModel, table=True):
    """An account held out of the digest through ``until`` (inclusive); one per account."""

    __tablename__ = "snooze"

    account: str = Field(sa_type=sa.String, primary_key=True)
    until: date = Field(sa_type=sa.Date, nullable=False)
    by: str = Field(sa_type=sa.String, nullable=False)
    reason: str = Field(default="", sa_type=sa.Text, nullable=False)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class IdempotencyKey(SQLModel, table=True):
    """A request id already handled, with the answer given (if any) so a retry gets it again."""

    __tablename__ = "idempotency_key"
    __table_args__ = (sa.Index("ix_idempotency_key_created_at", "created_at"),)

    key: str = Field(sa_type=sa.String, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    result: dict[str, Any] | None = Field(
        default=None, sa_type=sa.JSON(none_as_null=True), nullable=True
    )


class PaymentDecision(SQLModel, table=True):
    """What the bot decided when an account it had suspended for non-payment was paid: one row
    per decision, its ``key`` making it happen once (``paid:<suspension run>`` for a suspension
    paid up, ``part:<payment>`` for a part payment, ``report:<payment>`` for a suspension the bot
    does not lift), whichever callout or check got there first."""

    __tablename__ = "payment_decision"
    __table_args__ = (sa.Index("ix_payment_decision_account", "account", "decided_at"),)

    key: str = Field(sa_type=sa.String, primary_key=True)
    account: str = Field(sa_type=sa.String, nullable=False)
    decision: str = Field(sa_type=sa.String, nullable=False)  # lifted | asked | noted | ...
    suspend_run_id: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    unsuspend_run_id: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    source: str = Field(sa_type=sa.String, nullable=False)  # callout | check
    payments: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    remaining: dict[str, Any] | None = Field(
        default=None, sa_type=sa.JSON(none_as_null=True), nullable=True
    )
    decided_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class Exclusion(SQLModel, table=True):
    """An account never offered for suspension (a hospital, a council), with who and why."""

    __tablename__ = "exclusion"

    account: str = Field(sa_type=sa.String, primary_key=True)
    reason: str = Field(sa_type=sa.Text, nullable=False)
    by: str = Field(sa_type=sa.String, nullable=False)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class Promise(SQLModel, table=True):
    """A customer's promise to pay ``amount`` by ``due`` (inclusive), recorded by ``by``: the
    account's newest one (a new promise replaces it; the audit log keeps every one). ``state``
    is ``open`` until the day after ``due``, then ``kept`` or ``broken`` by what Zuora shows
    paid since ``created_at`` (``paid``)."""

    __tablename__ = "promise"
    __table_args__ = (
        sa.CheckConstraint("state IN ('open', 'kept', 'broken')", name="ck_promise_state"),
        sa.Index("ix_promise_state_due", "state", "due"),
    )

    account: str = Field(sa_type=sa.String, primary_key=True)
    amount: str = Field(sa_type=sa.String, nullable=False)  # a Decimal's text: exact everywhere
    currency: str = Field(default="AUD", sa_type=sa.String, nullable=False)
    due: date = Field(sa_type=sa.Date, nullable=False)
    note: str = Field(default="", sa_type=sa.Text, nullable=False)
    by: str = Field(sa_type=sa.String, nullable=False)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    state: str = Field(default="open", sa_type=sa.String, nullable=False)
    paid: str | None = Field(default=None, sa_type=sa.String, nullable=True)
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class Take(SQLModel, table=True):
    """Who is chasing an overdue account (a digest row's Take): one per account."""

    __tablename__ = "take"

    account: str = Field(sa_type=sa.String, primary_key=True)
    by: str = Field(sa_type=sa.String, nullable=False)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
