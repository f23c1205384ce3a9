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


def _audit_columns() -> list[sa.Column[object]]:
    return [
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
    ]


def _episode_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("source_id", REF, nullable=False),
        sa.Column("case_ref", REF, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=64), nullable=True),
        sa.Column("previous_cp_plans", sa.SmallInteger(), nullable=True),
    ]


def _staged(name: str, columns: list[sa.Column[object]]) -> None:
    """A stream's staging table: its record columns as a run reads them, keyed by run and row."""
    op.create_table(
        name,
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        *columns,
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "seq", name=f"pk_{name}"),
    )
    op.create_index(f"ix_{name}_key", name, ["run_id", "source_id"])


def upgrade() -> None:
    _staged("staged_audits", _audit_columns())
    _staged("staged_case_episodes", _episode_columns())
    op.create_table(
        "audits",
        *_audit_columns(),
        *_record_columns(),
        sa.ForeignKeyConstraint(
            ["authority"], ["authorities.code"], name=op.f("fk_audits_authority_authorities")
        ),
        sa.PrimaryKeyConstraint("authority", "source_id", name=op.f("pk_audits")),
    )
    op.create_index("ix_audits_case_live", "audits", ["authority", "case_ref", "deleted_on"], unique=False)
    op.create_table(
        "case_episodes",
        *_episode_columns(),
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
    for name in ("staged_case_episodes", "staged_audits"):
        op.drop_index(f"ix_{name}_key", table_name=name)
        op.drop_table(name)
    op.drop_index("ix_case_episodes_case_live", table_name="case_episodes")
    op.drop_table("case_episodes")
    op.drop_index("ix_audits_case_live", table_name="audits")
    op.drop_table("audits")
