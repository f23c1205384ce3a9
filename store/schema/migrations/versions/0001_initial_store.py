"""initial store

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 06:47:37.709545
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.schema.views import team_summary_sql, whiteboard_sql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('authority', sa.String(length=64), nullable=True),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_table('authorities',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_authorities'))
    )
    op.create_table('case_element_status',
    sa.Column('authority', sa.String(length=64), nullable=False),
    sa.Column('case_ref', sa.String(length=128), nullable=False),
    sa.Column('element', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('first_evidenced_on', sa.Date(), nullable=True),
    sa.Column('last_evidenced_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('evidence_count', sa.Integer(), nullable=False),
    sa.Column('latest_scale_value', sa.SmallInteger(), nullable=True),
    sa.Column('computed_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('authority', 'case_ref', 'element', name=op.f('pk_case_element_status'))
    )
    op.create_table('leases',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )
    op.create_table('stream_positions',
    sa.Column('authority', sa.String(length=64), nullable=False),
    sa.Column('stream', sa.String(length=64), nullable=False),
    sa.Column('position', sa.JSON(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('authority', 'stream', name=op.f('pk_stream_positions'))
    )
    op.create_table('sync_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('authority', sa.String(length=64), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('scope_case_ref', sa.String(length=128), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('read_count', sa.Integer(), nullable=False),
    sa.Column('written_count', sa.Integer(), nullable=False),
    sa.Column('unchanged_count', sa.Integer(), nullable=False),
    sa.Column('quarantined_count', sa.Integer(), nullable=False),
    sa.Column('not_evidence_count', sa.Integer(), nullable=False),
    sa.Column('deleted_count', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_runs'))
    )
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.create_index('ix_sync_runs_authority_started', ['authority', 'started_at'], unique=False)

    op.create_table('cases',
    sa.Column('authority', sa.String(length=64), nullable=False),
    sa.Column('case_ref', sa.String(length=128), nullable=False),
    sa.Column('team', sa.String(length=128), nullable=True),
    sa.Column('worker', sa.String(length=128), nullable=True),
    sa.Column('case_type', sa.String(length=32), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('cp_plan_start', sa.Date(), nullable=True),
    sa.Column('source_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_run', sa.Integer(), nullable=True),
    sa.Column('deleted_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['authority'], ['authorities.code'], name=op.f('fk_cases_authority_authorities')),
    sa.PrimaryKeyConstraint('authority', 'case_ref', name=op.f('pk_cases'))
    )
    op.create_table('evidence',
    sa.Column('authority', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.String(length=128), nullable=False),
    sa.Column('case_ref', sa.String(length=128), nullable=False),
    sa.Column('element', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('evidenced_on', sa.Date(), nullable=False),
    sa.Column('scale_value', sa.SmallInteger(), nullable=True),
    sa.Column('source_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_run', sa.Integer(), nullable=True),
    sa.Column('deleted_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['authority'], ['authorities.code'], name=op.f('fk_evidence_authority_authorities')),
    sa.PrimaryKeyConstraint('authority', 'source_id', name=op.f('pk_evidence'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_case', ['authority', 'case_ref'], unique=False)

    op.create_table('quarantine',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('authority', sa.String(length=64), nullable=False),
    sa.Column('stream', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.String(length=128), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('record_hash', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['sync_runs.id'], name=op.f('fk_quarantine_run_id_sync_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine')),
    sa.UniqueConstraint('authority', 'stream', 'record_hash', name='uq_quarantine_record')
    )
    # The read model for dashboards; a later change to a view gets its own revision.
    op.execute(whiteboard_sql())
    op.execute(team_summary_sql())


def downgrade() -> None:
    op.execute("DROP VIEW team_summary")
    op.execute("DROP VIEW whiteboard")
    op.drop_table('quarantine')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_case')

    op.drop_table('evidence')
    op.drop_table('cases')
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_runs_authority_started')

    op.drop_table('sync_runs')
    op.drop_table('stream_positions')
    op.drop_table('leases')
    op.drop_table('case_element_status')
    op.drop_table('authorities')
    op.drop_table('audit_log')
