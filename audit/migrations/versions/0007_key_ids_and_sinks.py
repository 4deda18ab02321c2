"""Key ids and audit sinks: which audit key signed each event (and signs the head), so the key can
be rotated and old events still verify; and each sink's delivery cursor for ``jethub audit stream``.

Events written before this revision have no key id: they were signed by the ledger's original
key, which ``verify`` finds among the keys it holds.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("key_id", sa.String(), nullable=True))
    with op.batch_alter_table("ledger_head") as batch:
        batch.add_column(sa.Column("key_id", sa.String(), nullable=True))
    op.create_table(
        "audit_sink",
        sa.Column("sink", sa.String(), primary_key=True),
        sa.Column("seq", BigInt, nullable=False, server_default="0"),
        sa.Column("owner", sa.String(), nullable=True),
        sa.Column("leased_until", UTC, nullable=True),
        sa.Column("updated_at", UTC, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("audit_sink")
    with op.batch_alter_table("ledger_head") as batch:
        batch.drop_column("key_id")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("key_id")
