"""Indexes matching the submission lists' sort order per scope

Revision ID: b7c2d9e4f1a0
Revises: 1196639a9f34
Create Date: 2026-11-25 18:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "b7c2d9e4f1a0"
down_revision = "1196639a9f34"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_submission_province_list", "submission",
                    ["province_code", sa.text("fiscal_year DESC"), "district_code", "id"])
    op.create_index("ix_submission_district_list", "submission",
                    ["district_code", sa.text("fiscal_year DESC"), "id"])
    op.create_index("ix_submission_national_list", "submission",
                    [sa.text("fiscal_year DESC"), "district_code", "id"])


def downgrade():
    op.drop_index("ix_submission_national_list", table_name="submission")
    op.drop_index("ix_submission_district_list", table_name="submission")
    op.drop_index("ix_submission_province_list", table_name="submission")
