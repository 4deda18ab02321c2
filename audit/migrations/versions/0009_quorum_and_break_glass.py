"""Approval quorum: a request records how many distinct approvers it needs (from the approval
policy, when it was made) and each approval recorded so far, in order; and break-glass reviews:
an admin's use of break glass, waiting for an approver to acknowledge it.

A request made before this migration needed one approver and has none recorded (a pending one
waits for its one approval as before; a decided one keeps its ``decided_by``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "break_glass_review",
        sa.Column("request_id", sa.String(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("used_by", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("reviewed_by", sa.String(), nullable=True),
        sa.Column("reviewed_at", UTC, nullable=True),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'agreed', 'flagged')", name="ck_break_glass_review_state"
        ),
    )
    op.create_index("ix_break_glass_review_state", "break_glass_review", ["state"])
    with op.batch_alter_table("approval_request") as batch:
        batch.add_column(
            sa.Column("approvals_needed", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(sa.Column("approvals", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("approved_by", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    op.drop_index("ix_break_glass_review_state", table_name="break_glass_review")
    op.drop_table("break_glass_review")
    with op.batch_alter_table("approval_request") as batch:
        batch.drop_column("approved_by")
        batch.drop_column("approvals")
        batch.drop_column("approvals_needed")
