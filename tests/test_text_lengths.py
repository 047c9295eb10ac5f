"""Every text of the section catalogue has a most number of characters (issue 12 item 3): the
form says so in Thai and saves nothing, and the database refuses it on SQLite and PostgreSQL
alike (a CHECK; PostgreSQL's varchar alone did not cover the long texts, SQLite had nothing)."""

from __future__ import annotations

import importlib.util
import os

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DataError, IntegrityError

from models import AuditLog, db
from models.base import Base
from models.tables.sections import Section1General

from .formdata import form_fields

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _catalogue_texts() -> list[tuple[str, str, int]]:
    return [(table.name, column.name, column.info["max_length"])
            for table in Base.metadata.sorted_tables for column in table.columns
            if column.info.get("kind") in ("text", "longtext")]


def migration_lengths() -> list[tuple[str, str, int]]:
    """The (table, column, length) rows the text-length migration makes CHECKs of."""
    spec = importlib.util.spec_from_file_location(
        "text_lengths", os.path.join(ROOT, "migrations", "versions", "f2c8d4a6b9e3_text_lengths.py"))
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration.LENGTHS


def test_every_catalogue_text_has_a_length_and_the_migration_knows_it():
    texts = _catalogue_texts()
    assert texts and all(isinstance(n, int) and n > 0 for _t, _c, n in texts)
    assert sorted(migration_lengths()) == sorted(texts), \
        "a text column's length changed: add a migration for its CHECK"


@pytest.mark.parametrize("column, length", [("terrain", 2000), ("office_road", 255)])
def test_the_database_refuses_a_longer_text(app, complete_draft, column, length):
    sub_id = complete_draft[0]
    with app.app_context():
        before = getattr(db.session.get(Section1General, sub_id), column)
        with pytest.raises((IntegrityError, DataError)):
            db.session.execute(update(Section1General).where(
                Section1General.submission_id == sub_id).values({column: "ก" * (length + 1)}))
            db.session.flush()
        db.session.rollback()
        assert getattr(db.session.get(Section1General, sub_id), column) == before
        # Exactly the length is accepted (Thai characters count one each on both databases).
        db.session.execute(update(Section1General).where(
            Section1General.submission_id == sub_id).values({column: "ก" * length}))
        db.session.commit()
        assert getattr(db.session.get(Section1General, sub_id), column) == "ก" * length


def test_the_form_says_how_long_a_text_may_be_and_saves_nothing(app, client, clerk):
    url = f"/admin/edit_s1/edit/?id={clerk}"
    page = client.get(url).get_data(as_text=True)
    assert 'maxlength="2000"' in page  # the textarea of terrain
    with app.app_context():
        before = db.session.get(Section1General, clerk).terrain
    data = form_fields(page)
    data["terrain"] = "ภูเขา" * 401   # 2,005 characters
    response = client.post(url, data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ยาวได้ไม่เกิน 2,000 ตัวอักษร (กรอกไว้ 2,005 ตัวอักษร)" in body
    with app.app_context():
        assert db.session.get(Section1General, clerk).terrain == before
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0
