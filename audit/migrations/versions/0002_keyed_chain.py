"""The keyed chain: a scheme marker on each event; where the keyed chain starts and the head's MAC.

Events already written keep scheme 1 (unkeyed SHA-256) and verify as before; the keyed chain
starts after the current head, so the first keyed event seals the legacy prefix.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("scheme", sa.SmallInteger(), nullable=False, server_default="1"))
    with op.batch_alter_table("ledger_head") as batch:
        batch.add_column(sa.Column("keyed_from", BigInt, nullable=False, server_default="1"))
        batch.add_column(sa.Column("mac", sa.String(), nullable=True))
    op.execute("UPDATE ledger_head SET keyed_from = seq + 1")


def downgrade() -> None:
    with op.batch_alter_table("ledger_head") as batch:
        batch.drop_column("mac")
        batch.drop_column("keyed_from")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("scheme")
