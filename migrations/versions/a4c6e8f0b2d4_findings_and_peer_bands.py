"""Findings that can be explained, and peer bands (issue 24): section_warning gains its kind, the
value compared, the peers' median, how many and where, the score, the clerk's explanation (who,
when) and the province's follow-up mark; peer_band keeps the median and MAD of every numeric
field per fiscal year, LAO type and province (or the country).

Revision ID: a4c6e8f0b2d4
Revises: e3a5c7f9b1d4
"""

import sqlalchemy as sa
from alembic import op

revision = "a4c6e8f0b2d4"
down_revision = "e3a5c7f9b1d4"
branch_labels = None
depends_on = None

ORG_TYPES = ("pao", "city_municipality", "town_municipality", "subdistrict_municipality", "sao",
             "bangkok", "pattaya")


def upgrade():
    with op.batch_alter_table("section_warning") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), server_default="rule",
                                   nullable=False))
        batch.add_column(sa.Column("value", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("median", sa.Float(), nullable=True))
        batch.add_column(sa.Column("peers", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("peer_place", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("explanation", sa.Text(), nullable=True))
        batch.add_column(sa.Column("explained_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("explained_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("follow_up", sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.create_foreign_key(batch.f("fk_section_warning_explained_by_id_user_account"),
                                 "user_account", ["explained_by_id"], ["id"],
                                 ondelete="SET NULL")
    op.create_table(
        "peer_band",
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("org_type", sa.Enum(*ORG_TYPES, name="orgtype", native_enum=False, length=32),
                  nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("median", sa.Float(), nullable=False),
        sa.Column("mad", sa.Float(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fiscal_year", "org_type", "province_code", "field",
                                name=op.f("pk_peer_band")),
    )


def downgrade():
    op.drop_table("peer_band")
    with op.batch_alter_table("section_warning") as batch:
        batch.drop_constraint(batch.f("fk_section_warning_explained_by_id_user_account"),
                              type_="foreignkey")
        for column in ("follow_up", "explained_at", "explained_by_id", "explanation", "score",
                       "peer_place", "peers", "median", "value", "kind"):
            batch.drop_column(column)
