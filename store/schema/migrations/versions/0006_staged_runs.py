"""staged runs: a run's rows wait in staging tables until its guards pass; positions know their config

Revision ID: 0006_staged_runs
Revises: 0005_read_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0006_staged_runs"
down_revision = "0005_read_indexes"
branch_labels = None
depends_on = None

REF = sa.String(length=128)


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch_op:
        for name in ("inserted_count", "updated_count", "duplicates_count", "staged_count", "ahead_count"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("stage", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))
    with op.batch_alter_table("stream_positions") as batch_op:
        batch_op.add_column(sa.Column("config_hash", sa.String(length=64), nullable=True))

    op.create_table(
        "staged_cases",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("case_ref", REF, nullable=False),
        sa.Column("team", REF, nullable=True),
        sa.Column("worker", REF, nullable=True),
        sa.Column("case_type", sa.String(length=32), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("cp_plan_start", sa.Date(), nullable=True),
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "seq", name="pk_staged_cases"),
    )
    op.create_index("ix_staged_cases_key", "staged_cases", ["run_id", "case_ref"])
    op.create_table(
        "staged_evidence",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("source_id", REF, nullable=False),
        sa.Column("case_ref", REF, nullable=False),
        sa.Column("element", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("evidenced_on", sa.Date(), nullable=False),
        sa.Column("scale_value", sa.SmallInteger(), nullable=True),
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "seq", name="pk_staged_evidence"),
    )
    op.create_index("ix_staged_evidence_key", "staged_evidence", ["run_id", "source_id"])
    op.create_table(
        "staged_quarantine",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("record_key", sa.String(length=140), nullable=False),
        sa.Column("source_id", REF, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "stream", "record_key", name="pk_staged_quarantine"),
    )
    op.create_table(
        "staged_kept",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("key", REF, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "stream", "key", name="pk_staged_kept"),
    )
    op.create_table(
        "staged_mapped",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("source_id", REF, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "stream", "source_id", name="pk_staged_mapped"),
    )
    op.create_table(
        "staged_streams",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("position", sa.JSON(), nullable=True),
        sa.Column("config_hash", sa.String(length=64), nullable=True),
        sa.Column("read_count", sa.Integer(), nullable=False),
        sa.Column("quarantined_count", sa.Integer(), nullable=False),
        sa.Column("not_evidence_count", sa.Integer(), nullable=False),
        sa.Column("superseded_count", sa.Integer(), nullable=False),
        sa.Column("unreadable", sa.Boolean(), nullable=False),
        sa.Column("incomplete", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "stream", name="pk_staged_streams"),
    )


def downgrade() -> None:
    for table in ("staged_streams", "staged_mapped", "staged_kept", "staged_quarantine", "staged_evidence", "staged_cases"):
        op.drop_table(table)
    with op.batch_alter_table("stream_positions") as batch_op:
        batch_op.drop_column("config_hash")
    with op.batch_alter_table("sync_runs") as batch_op:
        for name in (
            "notes",
            "stage",
            "ahead_count",
            "staged_count",
            "duplicates_count",
            "updated_count",
            "inserted_count",
        ):
            batch_op.drop_column(name)
