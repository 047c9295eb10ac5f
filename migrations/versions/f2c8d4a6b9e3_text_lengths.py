"""Text fields hold at most their catalogue length on both databases (issue 12): a CHECK
length(col) <= n on every text and long-text column of the section catalogue. PostgreSQL's
varchar already refused longer short texts; SQLite stored any length, and long texts had none.

Revision ID: f2c8d4a6b9e3
Revises: e1b4c6d8f0a2
Create Date: 2026-12-01 12:20:00
"""
from alembic import op

revision = "f2c8d4a6b9e3"
down_revision = "e1b4c6d8f0a2"
branch_labels = None
depends_on = None

# (table, column, most characters), as models/catalogue/columns.py's text()/longtext() declare them today.
LENGTHS = [
    ("section1_general", "office_house_no", 20), ("section1_general", "office_road", 255),
    ("section1_general", "postal_code", 5), ("section1_general", "phone", 50),
    ("section1_general", "website_url", 300), ("section1_general", "boundary_north", 255),
    ("section1_general", "boundary_south", 255), ("section1_general", "boundary_east", 255),
    ("section1_general", "boundary_west", 255), ("section1_general", "terrain", 2000),
    ("section1_general", "climate", 2000), ("section3_economy", "main_crops", 2000),
    ("section5_health", "top_diseases", 2000), ("section1_recorder", "name", 200),
    ("section1_recorder", "position_title", 200), ("section1_recorder", "phone", 50),
    ("section3_occupation_group", "name", 200), ("section3_occupation_group", "product", 200),
    ("section4_festival", "name", 200), ("section4_festival", "activity", 2000),
    ("section6_vehicle", "capacity_unit", 20), ("section6_vehicle", "source", 200),
]


def _tables():
    tables: dict[str, list[tuple[str, int]]] = {}
    for table, column, length in LENGTHS:
        tables.setdefault(table, []).append((column, length))
    return tables


def upgrade():
    # SQLite adds a CHECK only by rebuilding the table: batch mode copies it with its other
    # (named, reflected) constraints.
    for table, columns in _tables().items():
        with op.batch_alter_table(table) as batch:
            for column, length in columns:
                batch.create_check_constraint(f"{column}_max_length", f"length({column}) <= {length}")


def downgrade():
    for table, columns in _tables().items():
        with op.batch_alter_table(table) as batch:
            for column, _length in columns:
                batch.drop_constraint(op.f(f"ck_{table}_{column}_max_length"), type_="check")
