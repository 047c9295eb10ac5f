"""The SQLAlchemy handle every model module shares."""

from __future__ import annotations

from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __repr__(self) -> str:
        pk = ", ".join(f"{c.key}={getattr(self, c.key, None)!r}"
                       for c in self.__mapper__.primary_key)
        return f"<{type(self).__name__} {pk}>"


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """Timezone-aware now in UTC (stored naive-UTC on SQLite, timestamptz on PostgreSQL)."""
    return datetime.now(timezone.utc)



def include_object_for(dialect_name: str):
    """Alembic autogenerate's `include_object`: skip a schema item made only for another
    database (`ddl_if`), such as PostgreSQL's trigram index when comparing SQLite."""
    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        wanted = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        return reflected or wanted is None or wanted == dialect_name
    return include_object
