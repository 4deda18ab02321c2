"""Payment decisions: what the bot decided when an account it suspended for non-payment was paid.

``payment_decision`` holds one row per decision, keyed so that it is made once however many
callouts, checks and clocks reach it: ``paid:<suspension run id>`` (the suspension was paid up:
lifted, offered to lift, or noted), ``part:<payment number>`` (a part payment left something
overdue), ``report:<payment number>`` (a suspension the bot does not lift, reported). The insert
is ``ON CONFLICT DO NOTHING``: the one that inserts acts, in the same transaction.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "payment_decision",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("decision", sa.String(), nullable=False),
        sa.Column("suspend_run_id", sa.String(), nullable=True),
        sa.Column("unsuspend_run_id", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("payments", sa.JSON(), nullable=False),
        sa.Column("remaining", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("decided_at", UTC, nullable=False),
    )
    op.create_index("ix_payment_decision_account", "payment_decision", ["account", "decided_at"])


def downgrade() -> None:
    op.drop_index("ix_payment_decision_account", table_name="payment_decision")
    op.drop_table("payment_decision")
