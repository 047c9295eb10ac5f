"""Warnings kept with their sections, counted on the submission (issue 8: certify not blind)

Revision ID: c4e8a1f2b3d5
Revises: b7c2d9e4f1a0
Create Date: 2026-12-01 09:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = "c4e8a1f2b3d5"
down_revision = "b7c2d9e4f1a0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "section_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("section_no", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE",
                                name=op.f("fk_section_warning_submission_id_submission")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_section_warning")),
    )
    op.create_index("ix_section_warning_submission", "section_warning",
                    ["submission_id", "section_no"])
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("warnings_count", sa.Integer(), server_default="0",
                                   nullable=False))


def downgrade():
    with op.batch_alter_table("submission") as batch:
        batch.drop_column("warnings_count")
    op.drop_index("ix_section_warning_submission", table_name="section_warning")
    op.drop_table("section_warning")
