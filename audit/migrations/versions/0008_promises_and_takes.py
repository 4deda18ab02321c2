"""Promises to pay (``promise``: the account's newest, open until the day after its date, then
kept or broken) and who is chasing an overdue account (``take``). One row per account each; the
audit log keeps the history (``promise``, ``promise.kept``, ``promise.broken``, ``take``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "promise",
        sa.Column("account", sa.String(), primary_key=True),
        sa.Column("amount", sa.String(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("paid", sa.String(), nullable=True),
        sa.Column("settled_at", UTC, nullable=True),
        sa.CheckConstraint("state IN ('open', 'kept', 'broken')", name="ck_promise_state"),
    )
    op.create_index("ix_promise_state_due", "promise", ["state", "due"])
    op.create_table(
        "take",
        sa.Column("account", sa.String(), primary_key=True),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("at", UTC, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("take")
    op.drop_index("ix_promise_state_due", table_name="promise")
    op.drop_table("promise")
