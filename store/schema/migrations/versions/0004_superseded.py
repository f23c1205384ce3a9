"""run counts of superseded rows: a child's earlier episodes, replaced by its latest

Revision ID: 0004_superseded
Revises: 0003_guards
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_superseded"
down_revision = "0003_guards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch_op:
        batch_op.add_column(sa.Column("superseded_count", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch_op:
        batch_op.drop_column("superseded_count")
