"""guards: quarantine keyed by source record, run counts of orphaned evidence

Revision ID: 0003_guards
Revises: 0002_status_changes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_guards"
down_revision = "0002_status_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch_op:
        batch_op.add_column(sa.Column("orphaned_count", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("quarantine") as batch_op:
        batch_op.add_column(sa.Column("record_key", sa.String(length=140), nullable=True))
    op.execute(
        "UPDATE quarantine SET record_key = CASE WHEN source_id IS NOT NULL THEN 'id:' || source_id "
        "ELSE 'hash:' || record_hash END"
    )
    # Rows for earlier versions of one record: the newest speaks for it.
    op.execute(
        "DELETE FROM quarantine WHERE id NOT IN "
        "(SELECT max(id) FROM quarantine GROUP BY authority, stream, record_key)"
    )
    with op.batch_alter_table("quarantine") as batch_op:
        batch_op.alter_column("record_key", existing_type=sa.String(length=140), nullable=False)
        batch_op.drop_constraint("uq_quarantine_record", type_="unique")
        batch_op.create_unique_constraint("uq_quarantine_record_key", ["authority", "stream", "record_key"])


def downgrade() -> None:
    with op.batch_alter_table("quarantine") as batch_op:
        batch_op.drop_constraint("uq_quarantine_record_key", type_="unique")
        batch_op.create_unique_constraint("uq_quarantine_record", ["authority", "stream", "record_hash"])
        batch_op.drop_column("record_key")
    with op.batch_alter_table("sync_runs") as batch_op:
        batch_op.drop_column("orphaned_count")
