"""Durable actions: what a run is for, how it ended, and one active destructive action per account.

``action_run`` gains who asked (``requested_by``), the order it carries out (``params``) and how
it ended for the person (``outcome``: done | refused). ``action_lock`` holds one row per account
and kind of destructive action while one is active; its primary key is the guarantee, on SQLite
and PostgreSQL alike.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("action_run", sa.Column("requested_by", sa.String(), nullable=True))
    op.add_column("action_run", sa.Column("params", sa.JSON(), nullable=True))
    op.add_column("action_run", sa.Column("outcome", sa.String(), nullable=True))
    op.create_index("ix_action_run_account", "action_run", ["account"])
    op.create_table(
        "action_lock",
        sa.Column("kind", sa.String(), primary_key=True),
        sa.Column("account", sa.String(), primary_key=True),
        sa.Column("approval_id", sa.String(), nullable=True),
        sa.Column("run_id", sa.String(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("action_lock")
    op.drop_index("ix_action_run_account", table_name="action_run")
    op.drop_column("action_run", "outcome")
    op.drop_column("action_run", "params")
    op.drop_column("action_run", "requested_by")
