"""Confirmations get their own table, settled by compare-and-set like approval requests.

``confirmation`` holds one person's second thought before an action (a suspension, the lifting of
one): what they were shown (``shown``), until when it can be used, and how it was settled
(``state``: pending → confirmed | cancelled, by whom, when). Settling is
``UPDATE … WHERE id = :id AND state = 'pending'``: of any number of clicks exactly one changes the
row.

Earlier versions kept confirmations in ``idempotency_key`` (``suspension:<id>`` and
``suspension:<id>:settled``). They are not copied: a confirmation lives 30 minutes, so one still
pending at the upgrade simply expires — its buttons answer that they match no confirmation and
nothing is done, and the person runs the command again. The old rows are forgotten with the Slack
delivery ids, by the sweeper's prune.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "confirmation",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("shown", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("settled_by", sa.String(), nullable=True),
        sa.Column("settled_at", UTC, nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'confirmed', 'cancelled')", name="ck_confirmation_state"
        ),
    )


def downgrade() -> None:
    op.drop_table("confirmation")
