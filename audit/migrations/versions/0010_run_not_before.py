"""Scheduled runs: ``action_run.not_before``, the earliest time a run may be claimed.

A deactivation approved with a cancel window (``JETHUB_DEACTIVATION_DELAY``) is written at once,
in the approving transaction, with ``not_before`` at the end of the window; no worker claims it
and no sweeper resumes it before then. Null (every run before this revision): claimable at once.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("action_run") as batch:
        batch.add_column(sa.Column("not_before", UTC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("action_run") as batch:
        batch.drop_column("not_before")
