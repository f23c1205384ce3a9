"""indexes for the read side: evidence by case with its deletion date, cases with their open dates

Revision ID: 0005_read_indexes
Revises: 0004_superseded
"""

from __future__ import annotations

from alembic import op

revision = "0005_read_indexes"
down_revision = "0004_superseded"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # `status` counts each authority's live evidence and the part naming no stored case: with
    # deleted_on in the index that is a scan of the index, not a table lookup per record. The wider
    # index serves every lookup by case the narrower one did, so it replaces it.
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.create_index("ix_evidence_case_live", ["authority", "case_ref", "deleted_on"], unique=False)
        batch_op.drop_index("ix_evidence_case")
    # The whiteboard joins every evidence and status row to its case to keep the open ones: with
    # the case's closing and deletion dates in an index, that join reads the index alone.
    with op.batch_alter_table("cases") as batch_op:
        batch_op.create_index("ix_cases_open", ["authority", "case_ref", "closed_on", "deleted_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_open")
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.create_index("ix_evidence_case", ["authority", "case_ref"], unique=False)
        batch_op.drop_index("ix_evidence_case_live")
