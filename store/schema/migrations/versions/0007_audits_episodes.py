"""audits and case episodes: how good the practice was and the course it led to, beside the elements

Revision ID: 0007_audits_episodes
Revises: 0006_staged_runs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_audits_episodes"
down_revision = "0006_staged_runs"
branch_labels = None
depends_on = None

REF = sa.String(length=128)


def _record_columns() -> list[sa.Column[object]]:
    """What every stored source record carries besides its own fields."""
    return [
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_run", sa.Integer(), nullable=True),
        sa.Column("deleted_on", sa.Date(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "audits",
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("source_id", REF, nullable=False),
        sa.Column("case_ref", REF, nullable=False),
        sa.Column("audited_on", sa.Date(), nullable=False),
        sa.Column("grade", sa.String(length=64), nullable=False),
        sa.Column("grade_words", sa.String(length=64), nullable=False),
        sa.Column("grade_rank", sa.SmallInteger(), nullable=False),
        sa.Column("meets_good_line", sa.Boolean(), nullable=False),
        sa.Column("family_participation", sa.String(length=32), nullable=True),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("area_grades", sa.JSON(), nullable=False),
        *_record_columns(),
        sa.ForeignKeyConstraint(
            ["authority"], ["authorities.code"], name=op.f("fk_audits_authority_authorities")
        ),
        sa.PrimaryKeyConstraint("authority", "source_id", name=op.f("pk_audits")),
    )
    op.create_index("ix_audits_case_live", "audits", ["authority", "case_ref", "deleted_on"], unique=False)
    op.create_table(
        "case_episodes",
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("source_id", REF, nullable=False),
        sa.Column("case_ref", REF, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=64), nullable=True),
        sa.Column("previous_cp_plans", sa.SmallInteger(), nullable=True),
        *_record_columns(),
        sa.ForeignKeyConstraint(
            ["authority"], ["authorities.code"], name=op.f("fk_case_episodes_authority_authorities")
        ),
        sa.PrimaryKeyConstraint("authority", "source_id", name=op.f("pk_case_episodes")),
    )
    op.create_index(
        "ix_case_episodes_case_live", "case_episodes", ["authority", "case_ref", "deleted_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_case_episodes_case_live", table_name="case_episodes")
    op.drop_table("case_episodes")
    op.drop_index("ix_audits_case_live", table_name="audits")
    op.drop_table("audits")
