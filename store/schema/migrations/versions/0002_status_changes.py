"""status change log and touched cases

Revision ID: 0002_status_changes
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_status_changes"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("case_ref", sa.String(length=128), nullable=False),
        sa.Column("element", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_changes")),
    )
    op.create_index("ix_status_changes_case", "status_changes", ["authority", "case_ref", "element"])
    op.create_index("ix_status_changes_from", "status_changes", ["authority", "from_date"])
    op.create_index(
        "uq_status_changes_open",
        "status_changes",
        ["authority", "case_ref", "element"],
        unique=True,
        sqlite_where=sa.text("to_date IS NULL"),
        postgresql_where=sa.text("to_date IS NULL"),
    )
    op.create_table(
        "touched_cases",
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("case_ref", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("authority", "case_ref", name=op.f("pk_touched_cases")),
    )
    # Statuses already stored become each case element's first, open, change: history starts here.
    op.execute(
        "INSERT INTO status_changes (authority, case_ref, element, status, from_date, to_date, run_id) "
        "SELECT authority, case_ref, element, status, computed_on, NULL, NULL FROM case_element_status"
    )


def downgrade() -> None:
    op.drop_table("touched_cases")
    op.drop_index("uq_status_changes_open", table_name="status_changes")
    op.drop_index("ix_status_changes_from", table_name="status_changes")
    op.drop_index("ix_status_changes_case", table_name="status_changes")
    op.drop_table("status_changes")
