"""A trigram index on the LAO's Thai name (PostgreSQL): a partial name ("น้ำซึม", "อุทัย") is
found among 7,850 without a scan (issue 10). SQLite has no such index and scans.

Revision ID: e1b4c6d8f0a2
Revises: d7a3b5c9e2f1
Create Date: 2026-12-01 10:20:00
"""
from alembic import op

revision = "e1b4c6d8f0a2"
down_revision = "d7a3b5c9e2f1"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm ships with PostgreSQL; creating it needs a role that may create extensions.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_organization_name_trgm ON organization "
               "USING gin (name_th gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_organization_name_trgm")
