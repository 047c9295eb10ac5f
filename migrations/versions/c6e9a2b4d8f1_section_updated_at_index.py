"""The section tables' updated_at is indexed (issue 13): the DLA's browse of a section table
lists the rows changed last first, and 7,850 LAOs × 3 years would be sorted on every page.

Revision ID: c6e9a2b4d8f1
Revises: b3d5f7a9c1e4
"""

from alembic import op

revision = 'c6e9a2b4d8f1'
down_revision = 'b3d5f7a9c1e4'
branch_labels = None
depends_on = None

TABLES = ("section1_general", "section2_infrastructure", "section3_economy", "section4_social",
          "section5_health", "section6_disaster", "section7_environment", "section8_finance")


def upgrade():
    for table in TABLES:
        op.create_index(f"ix_{table}_updated_at", table, ["updated_at"])


def downgrade():
    for table in TABLES:
        op.drop_index(f"ix_{table}_updated_at", table_name=table)
