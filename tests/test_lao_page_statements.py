"""The LAO clerk's pages in at most 10 SQL statements, and a save in one transaction with one
commit (issue 13 item 3).

Counted as in tests/test_query_counts.py: every statement the request sends on db.engine while
it runs, through the real login and the real URLs, the identity map empty at the start of each
request as in production.  BEGIN / COMMIT are counted from the engine's transaction events (on
SQLite INFO emits its own `BEGIN IMMEDIATE`, so it is also a statement there).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from models import Submission, db
from models.tables.sections import Section1General, Section6Disaster

from .formdata import form_fields
from .test_query_counts import (PROVINCE, add_education_and_festivals, add_vehicles, explain,
                                lao_submission, seed, show, signed_in)

MAX_LAO_PAGE = 10


class Recorder:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.begins = 0
        self.commits = 0

    def statement(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def begin(self, conn):
        self.begins += 1

    def commit(self, conn):
        self.commits += 1

    @property
    def sql(self) -> list[str]:
        """What the database is asked, less transaction control (BEGIN IMMEDIATE, PRAGMA)."""
        return [s for s in self.statements
                if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA"))]


@contextmanager
def recording(app) -> Iterator[Recorder]:
    with app.app_context():
        engine = db.engine
    rec = Recorder()
    hooks = (("before_cursor_execute", rec.statement), ("begin", rec.begin),
             ("commit", rec.commit))
    for name, fn in hooks:
        event.listen(engine, name, fn)
    try:
        yield rec
    finally:
        for name, fn in hooks:
            event.remove(engine, name, fn)


def get(app, client, url):
    with recording(app) as rec:
        response = client.get(url)
        body = response.get_data(as_text=True)
    assert response.status_code == 200, (url, response.status_code, body[:300])
    return rec, body


@pytest.fixture()
def clerk_sub(app):
    seed(app)
    username, sub_id = lao_submission(app)
    return signed_in(app, username), sub_id


@pytest.mark.parametrize("tab", ["1", "4", "6", "status"])
def test_workspace_in_at_most_ten_statements(app, clerk_sub, tab):
    clerk, sub_id = clerk_sub
    url = f"/admin/lao_years/workspace/?id={sub_id}&tab={tab}"
    few, body1 = get(app, clerk, url)
    add_vehicles(app, sub_id, 60)
    add_education_and_festivals(app, sub_id, 40)
    many, body2 = get(app, clerk, url)
    show(f"LAO workspace tab={tab}", (0, len(few.sql)), (100, len(many.sql)))
    assert len(few.sql) == len(many.sql), explain(few.sql, many.sql)
    assert len(many.sql) <= MAX_LAO_PAGE, explain([], many.sql)
    assert few.commits == many.commits == 0
    if tab == "6":
        assert body2.count("<tr") >= body1.count("<tr") + 60


@pytest.mark.parametrize("section_no", [1, 4, 6])
def test_section_form_in_at_most_ten_statements(app, clerk_sub, section_no):
    clerk, sub_id = clerk_sub
    url = f"/admin/edit_s{section_no}/edit/?id={sub_id}"
    few, _body = get(app, clerk, url)
    add_vehicles(app, sub_id, 60)
    add_education_and_festivals(app, sub_id, 40)
    many, body = get(app, clerk, url)
    show(f"LAO section {section_no} form", (0, len(few.sql)), (100, len(many.sql)))
    assert 'name="loaded_version"' in body
    assert len(few.sql) == len(many.sql), explain(few.sql, many.sql)
    assert len(many.sql) <= MAX_LAO_PAGE, explain([], many.sql)
    assert few.commits == many.commits == 0


def _save(app, clerk, sub_id, section_no, change):
    url = f"/admin/edit_s{section_no}/edit/?id={sub_id}"
    data = form_fields(clerk.get(url).get_data(as_text=True))
    change(data)
    with recording(app) as rec:
        response = clerk.post(url, data=data)
    return rec, response


@pytest.mark.parametrize("section_no,field", [(1, "population_female"), (6, "fires")])
def test_a_save_is_one_transaction_with_one_commit(app, clerk_sub, section_no, field):
    clerk, sub_id = clerk_sub
    with app.app_context():
        model = Section1General if section_no == 1 else Section6Disaster
        row = db.session.get(model, sub_id)
        version = row.version
        old = getattr(row, field)
        db.session.remove()
    new = str((old or 0) + 1)

    def change(data):
        data[field] = new
        if field == "population_female":
            male = int(data["population_male"].replace(",", ""))
            data["population_total"] = str(male + int(new))
            for band in ("pop_age_0_17", "pop_age_18_25", "pop_age_26_60", "pop_age_over_60"):
                data[band] = ""
    rec, response = _save(app, clerk, sub_id, section_no, change)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "workspace" in response.headers["Location"]
    with app.app_context():
        row = db.session.get(model, sub_id)
        assert str(getattr(row, field)) == new
        assert row.version == version + 1
        assert row.carried_forward is False
        db.session.remove()
    show(f"LAO save of section {section_no}", (1, len(rec.sql)))
    # One transaction: one BEGIN (BEGIN IMMEDIATE on SQLite), one COMMIT, nothing read after.
    assert rec.commits == 1, rec.commits
    assert rec.begins == 1, rec.begins
    begins = [s for s in rec.statements if s.lstrip().upper().startswith("BEGIN")]
    assert len(begins) <= 1, begins
