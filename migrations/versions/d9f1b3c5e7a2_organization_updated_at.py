"""organization.updated_at (issue 13): a kept workbook is written again when an LAO it shows is
renamed, moved or retyped (models/workbooks.area_fingerprint).  Rows older than the column get
the time of the migration.

Revision ID: d9f1b3c5e7a2
Revises: c6e9a2b4d8f1
"""

import sqlalchemy as sa
from alembic import op

revision = 'd9f1b3c5e7a2'
down_revision = 'c6e9a2b4d8f1'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("organization", sa.Column("updated_at", sa.DateTime(timezone=True),
                                            nullable=True))
    op.execute("UPDATE organization SET updated_at = CURRENT_TIMESTAMP")


def downgrade():
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("updated_at")
