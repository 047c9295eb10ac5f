"""The LAO's website has one home (บันทึกเว็บไซต์ อปท.): fill it from the latest ด้าน 1 that
names one, for every LAO that has none (issue 8: the second list was empty)

Revision ID: d7a3b5c9e2f1
Revises: c4e8a1f2b3d5
Create Date: 2026-12-01 10:05:00
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "d7a3b5c9e2f1"
down_revision = "c4e8a1f2b3d5"
branch_labels = None
depends_on = None

# Frozen stubs of the tables as this revision knows them.
_site = sa.table("lao_website", sa.column("organization_id", sa.Integer),
                 sa.column("url", sa.String), sa.column("updated_at", sa.DateTime(timezone=True)))
_s1 = sa.table("section1_general", sa.column("submission_id", sa.Integer),
               sa.column("website_url", sa.String))
_sub = sa.table("submission", sa.column("id", sa.Integer), sa.column("organization_id", sa.Integer),
                sa.column("fiscal_year", sa.Integer))


def upgrade():
    conn = op.get_bind()
    have = set(conn.scalars(sa.select(_site.c.organization_id)))
    rows, now = {}, datetime.now(timezone.utc)
    for org_id, url in conn.execute(
            sa.select(_sub.c.organization_id, _s1.c.website_url)
            .join(_s1, _s1.c.submission_id == _sub.c.id)
            .where(_s1.c.website_url.is_not(None))
            .order_by(_sub.c.organization_id, _sub.c.fiscal_year.desc())):
        if org_id not in have and org_id not in rows:
            rows[org_id] = dict(organization_id=org_id, url=url, updated_at=now)
    if rows:
        op.bulk_insert(_site, list(rows.values()))


def downgrade():
    pass  # the filled rows are real data now; nothing to undo
