"""The ledger: audit log with its head, approvals, runs and steps, jobs, snoozes, idempotency.

Revision ID: 0001
Revises:
Create Date: 2026-05-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the model's types: a migration must not change when the models do.
BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = sa.DateTime(timezone=True)
GENESIS_HASH = "0" * 64


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("account", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("correlation_id", sa.String(), nullable=True),
        sa.Column("prev_hash", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.CheckConstraint("outcome IN ('ok', 'refused', 'failed')", name="ck_audit_event_outcome"),
    )
    op.create_index("ix_audit_event_account_seq", "audit_event", ["account", "seq"])
    op.create_index("ix_audit_event_at", "audit_event", ["at"])

    head = op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", BigInt, nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_ledger_head_single_row"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])

    op.create_table(
        "approval_request",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("preview", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.Column("origin", sa.String(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'denied', 'expired', 'cancelled')",
            name="ck_approval_request_state",
        ),
    )
    op.create_index(
        "ix_approval_request_state_expires_at", "approval_request", ["state", "expires_at"]
    )
    op.create_index("ix_approval_request_account", "approval_request", ["account"])

    op.create_table(
        "action_run",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column(
            "approval_id",
            sa.String(),
            sa.ForeignKey("approval_request.id", name="fk_action_run_approval_id"),
            nullable=True,
        ),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("lease_owner", sa.String(), nullable=True),
        sa.Column("lease_until", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'running', 'succeeded', 'failed')", name="ck_action_run_state"
        ),
        sa.UniqueConstraint("approval_id", name="uq_action_run_approval_id"),
    )
    op.create_index("ix_action_run_state_lease_until", "action_run", ["state", "lease_until"])

    op.create_table(
        "action_step",
        sa.Column(
            "run_id",
            sa.String(),
            sa.ForeignKey("action_run.id", name="fk_action_step_run_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", UTC, nullable=True),
        sa.Column("finished_at", UTC, nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'running', 'done', 'failed')", name="ck_action_step_state"
        ),
    )

    op.create_table(
        "job_run",
        sa.Column("job", sa.String(), primary_key=True),
        sa.Column("period", sa.String(), primary_key=True),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.Column("outcome", sa.String(), nullable=True),
    )

    op.create_table(
        "snooze",
        sa.Column("account", sa.String(), primary_key=True),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )

    op.create_table(
        "idempotency_key",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
    )
    op.create_index("ix_idempotency_key_created_at", "idempotency_key", ["created_at"])


def downgrade() -> None:
    op.drop_table("idempotency_key")
    op.drop_table("snooze")
    op.drop_table("job_run")
    op.drop_table("action_step")
    op.drop_table("action_run")
    op.drop_table("approval_request")
    op.drop_table("ledger_head")
    op.drop_table("audit_event")
