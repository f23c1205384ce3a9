"""evidence indexed by case with its deletion date, so counting live evidence per case reads the index alone

Revision ID: 0005_evidence_live_case
Revises: 0004_superseded
"""

from __future__ import annotations

from alembic import op

revision = "0005_evidence_live_case"
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


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.create_index("ix_evidence_case", ["authority", "case_ref"], unique=False)
        batch_op.drop_index("ix_evidence_case_live")
