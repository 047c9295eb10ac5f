"""Imports (issue 11): one import_batch row per run, the batch id on each field change of the
audit log, and on every section row the fields another system supplied (`imported`).

Revision ID: b3d5f7a9c1e4
Revises: a9c3e5f7b1d2
Create Date: 2026-12-01 14:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b3d5f7a9c1e4'
down_revision = 'a9c3e5f7b1d2'
branch_labels = None
depends_on = None

SECTION_TABLES = ('section1_general', 'section2_infrastructure', 'section3_economy',
                  'section4_social', 'section5_health', 'section6_disaster',
                  'section7_environment', 'section8_finance')


def upgrade():
    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('district_code', sa.String(length=4), nullable=True),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('section_no', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_bytes', sa.Integer(), nullable=False),
    sa.Column('via', sa.String(length=8), nullable=False),
    sa.Column('mode', sa.Enum('all', 'good', name='importmode', native_enum=False, length=32), nullable=False),
    sa.Column('source', sa.Enum('e-laas', 'dopa', 'dla', name='importsource', native_enum=False, length=32), nullable=True),
    sa.Column('status', sa.Enum('committed', 'refused', name='importstatus', native_enum=False, length=32), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_changed', sa.Integer(), nullable=False),
    sa.Column('rows_refused', sa.Integer(), nullable=False),
    sa.Column('fields_changed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['district.code'], name=op.f('fk_import_batch_district_code_district')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_import_batch_organization_id_organization')),
    sa.ForeignKeyConstraint(['province_code'], ['province.code'], name=op.f('fk_import_batch_province_code_province')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_import_batch_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_log_batch_id'), ['batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_log_batch_id_import_batch'),
                                    'import_batch', ['batch_id'], ['id'])
    for table in SECTION_TABLES:
        op.add_column(table, sa.Column('imported', sa.JSON(), nullable=True))


def downgrade():
    for table in SECTION_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('imported')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_log_batch_id_import_batch'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_log_batch_id'))
        batch_op.drop_column('batch_id')
    op.drop_table('import_batch')
