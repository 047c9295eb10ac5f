"""unsaved_form (issue 22, "no typed work lost"): a section form posted after its sign-in had
ended, kept for the account that sent it until it signs in again (models/tables/unsaved.py).

Revision ID: e3a5c7f9b1d4
Revises: d9f1b3c5e7a2
"""

import sqlalchemy as sa
from alembic import op

revision = "e3a5c7f9b1d4"
down_revision = "d9f1b3c5e7a2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unsaved_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=200), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE",
                                name=op.f("fk_unsaved_form_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unsaved_form")),
    )
    with op.batch_alter_table("unsaved_form") as batch:
        batch.create_index(batch.f("ix_unsaved_form_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_unsaved_form_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("unsaved_form") as batch:
        batch.drop_index(batch.f("ix_unsaved_form_created_at"))
        batch.drop_index(batch.f("ix_unsaved_form_user_id"))
    op.drop_table("unsaved_form")
