"""One write path for LAO data (issue 22 item 3): the clerk's section form and the importer
both go through models/services/sections.py — the rules' context built once, the rule registry,
the stamps, the ⚠ findings and the counters.  A rule added to the registry in a test is enforced
by both without touching either; a value written either way is stamped and counted alike."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import (AuditLog, ImportBatch, Organization, SectionWarning, Submission, User,
                    db)
from models.catalogue import rule_kinds
from models.catalogue.rule_kinds import Custom
from models.tables.sections import Section7Environment
from workflow import Status

from .conftest import signed_in
from .formdata import form_fields

MESSAGE = "ปริมาณน้ำฝน 1,234.56 มม. เป็นค่าทดสอบที่กฎใหม่ไม่ยอมรับ"
TOKEN = re.compile(r'name="token" value="([0-9a-f]{64})"')


def _no_test_rainfall(rule, inputs):
    return [MESSAGE] if inputs.get("rainfall") == Decimal("1234.56") else []


@pytest.fixture()
def a_new_rule(monkeypatch):
    """One more blocking rule of ด้าน 7, declared the way a section declares its rules."""
    rule = Custom(fn=_no_test_rainfall, reads=("rainfall",), at="rainfall", message=MESSAGE,
                  breaks=lambda values, _children, _context: values.update(
                      rainfall=Decimal("1234.56")))
    monkeypatch.setattr(Section7Environment, "RULES", (*Section7Environment.RULES, rule))
    rule_kinds.rules_of.cache_clear()
    yield rule
    monkeypatch.undo()
    rule_kinds.rules_of.cache_clear()


def _state(app, sub_id):
    with app.app_context():
        db.session.expire_all()
        row = db.session.get(Section7Environment, sub_id)
        state = (row.rainfall, row.version,
                 db.session.scalar(select(func.count()).select_from(AuditLog)))
        db.session.remove()
        return state


def test_a_rule_added_to_the_registry_is_enforced_by_the_form_and_the_importer(
        app, demo, complete_draft, a_new_rule):
    sub_id, clerk_name, _lao = complete_draft
    before = _state(app, sub_id)
    # The form.
    clerk = signed_in(app, clerk_name)
    data = form_fields(clerk.get(f"/admin/edit_s7/edit/?id={sub_id}").get_data(as_text=True))
    data["rainfall"] = "1,234.56"
    page = clerk.post(f"/admin/edit_s7/edit/?id={sub_id}", data=data).get_data(as_text=True)
    assert MESSAGE in page and "บันทึกข้อมูลเรียบร้อยแล้ว" not in page
    assert _state(app, sub_id) == before
    # The importer: its dry run and its commit.
    with app.app_context():
        code = db.session.get(Submission, sub_id).organization.dla_code
    text = io.StringIO()
    csv.writer(text).writerows([["dla_code", "rainfall"], [code, "1234.56"]])
    officer = signed_in(app, "prov-61")
    checked = officer.post("/admin/import/", content_type="multipart/form-data", data={
        "csrf_token": officer.token, "section": "7", "year": "2570", "mode": "good",
        "file": (io.BytesIO(text.getvalue().encode()), "rain.csv")}).get_data(as_text=True)
    assert MESSAGE in checked and "ไม่ผ่าน 1 แถว" in checked
    assert _state(app, sub_id) == before
    # Without the rule, the same value is written by both.
    a_new_rule_off = tuple(r for r in Section7Environment.RULES if r is not a_new_rule)
    Section7Environment.RULES = a_new_rule_off
    rule_kinds.rules_of.cache_clear()
    page = clerk.post(f"/admin/edit_s7/edit/?id={sub_id}", data=data)
    assert page.status_code == 302
    assert _state(app, sub_id)[0] == Decimal("1234.56")


def test_a_form_save_and_an_import_stamp_and_count_alike(app, demo):
    """The same change made once from the form and once from a file leaves the same trail:
    the stamps, no longer carried, a version more, one audit row, the ⚠ findings and the
    counters recomputed."""
    with app.app_context():
        subs = db.session.execute(
            select(Submission.id, Organization.dla_code).join(Organization)
            .where(Submission.fiscal_year == 2570, Submission.status == Status.DRAFT,
                   Submission.province_code == "61", Submission.sections_complete == 8)
            .order_by(Submission.id).limit(2)).all()
        for sub_id, _code in subs:
            db.session.get(Section7Environment, sub_id).carried_forward = True
        db.session.commit()
        db.session.remove()
    (form_id, form_code), (file_id, file_code) = subs
    clerk = signed_in(app, f"lao-{form_code}")
    data = form_fields(clerk.get(f"/admin/edit_s7/edit/?id={form_id}").get_data(as_text=True))
    data["waste_trucks"] = str(int(data["waste_trucks"].replace(",", "") or 0) + 3)
    assert clerk.post(f"/admin/edit_s7/edit/?id={form_id}", data=data).status_code == 302
    with app.app_context():
        trucks = db.session.get(Section7Environment, file_id).waste_trucks or 0
        version = db.session.get(Section7Environment, file_id).version
    officer = signed_in(app, "prov-61")
    text = f"dla_code,waste_trucks\n{file_code},{trucks + 3}\n".encode()
    page = officer.post("/admin/import/", content_type="multipart/form-data", data={
        "csrf_token": officer.token, "section": "7", "year": "2570", "mode": "all",
        "file": (io.BytesIO(text), "t.csv")}).get_data(as_text=True)
    done = officer.post("/admin/import/commit/", data={
        "csrf_token": officer.token, "token": TOKEN.search(page).group(1)})
    assert "นำเข้าแล้ว" in done.get_data(as_text=True)
    with app.app_context():
        for sub_id, by in ((form_id, f"lao-{form_code}"), (file_id, "prov-61")):
            row = db.session.get(Section7Environment, sub_id)
            assert row.carried_forward is False
            assert row.updated_by_id == db.session.scalar(select(User.id).where(
                User.username == by))
            audit = db.session.scalars(select(AuditLog.field).where(
                AuditLog.submission_id == sub_id, AuditLog.table_name == "section7_environment")
            ).all()
            assert audit == ["waste_trucks"], audit
            sub = db.session.get(Submission, sub_id)
            assert sub.warnings_count == db.session.scalar(
                select(func.count()).select_from(SectionWarning)
                .where(SectionWarning.submission_id == sub_id))
            assert sub.sections_complete == 8
        assert db.session.get(Section7Environment, file_id).version == version + 1
        assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 1
