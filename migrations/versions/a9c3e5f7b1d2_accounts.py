"""Accounts (issue 9 item 4): สมัครสมาชิก requests, one-time set-password links, the account audit
trail, and the province every account belongs to (the scope rule places users by it, so a
province officer manages its province's clerks and district officers).

Revision ID: a9c3e5f7b1d2
Revises: f2c8d4a6b9e3
Create Date: 2026-12-01 12:26:31
"""
from alembic import op
import sqlalchemy as sa


revision = 'a9c3e5f7b1d2'
down_revision = 'f2c8d4a6b9e3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=4), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='requeststatus', native_enum=False, length=32), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_account_request_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['district_code'], ['district.code'], name=op.f('fk_account_request_district_code_district')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_account_request_organization_id_organization')),
    sa.ForeignKeyConstraint(['province_code'], ['province.code'], name=op.f('fk_account_request_province_code_province')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_account_request_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_request'))
    )
    with op.batch_alter_table('account_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_request_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_account_request_province_status', ['province_code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_request_username'), ['username'], unique=False)

    op.create_table('password_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_password_reset_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_password_reset_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_hash'))
    )
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_user_id'), ['user_id'], unique=False)

    op.create_table('account_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('account_request_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('district_code', sa.String(length=4), nullable=True),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('action', sa.Enum('create', 'update', 'password', 'reset_link', 'request', 'approve', 'reject', name='accountaction', native_enum=False, length=32), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['account_request_id'], ['account_request.id'], name=op.f('fk_account_log_account_request_id_account_request')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_account_log_actor_id_user_account')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_account_log_organization_id_organization')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_account_log_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_log'))
    )
    with op.batch_alter_table('account_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_log_account_request_id'), ['account_request_id'], unique=False)
        batch_op.create_index('ix_account_log_province_time', ['province_code', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_log_user_id'), ['user_id'], unique=False)

    # A plain ADD COLUMN (no foreign key): SQLite keeps the table and its one-role CHECK as is.
    op.add_column('user_account', sa.Column('area_province_code', sa.String(length=2), nullable=True))
    op.create_index(op.f('ix_user_account_area_province_code'), 'user_account', ['area_province_code'], unique=False)
    # Existing accounts: their own province, their LAO's or their district's.
    op.execute(
        "UPDATE user_account SET area_province_code = COALESCE(province_code, "
        "(SELECT o.province_code FROM organization o WHERE o.id = user_account.organization_id), "
        "(SELECT d.province_code FROM district d WHERE d.code = user_account.district_code))")


def downgrade():
    op.drop_index(op.f('ix_user_account_area_province_code'), table_name='user_account')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('area_province_code')

    with op.batch_alter_table('account_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_log_user_id'))
        batch_op.drop_index('ix_account_log_province_time')
        batch_op.drop_index(batch_op.f('ix_account_log_account_request_id'))

    op.drop_table('account_log')
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_user_id'))

    op.drop_table('password_reset')
    with op.batch_alter_table('account_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_request_username'))
        batch_op.drop_index(batch_op.f('ix_account_request_status'))
        batch_op.drop_index('ix_account_request_province_status')
        batch_op.drop_index(batch_op.f('ix_account_request_organization_id'))

    op.drop_table('account_request')
