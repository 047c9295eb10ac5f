"""Changed since certification (issue 9 item 2): the field changes made after a LAO-year's last
certification, counted per list page in one statement and listed on the status tab."""

from __future__ import annotations

import re

from sqlalchemy import select

from models import AuditLog, Submission, User, db
from models.reads.changes import changes_since, changes_since_certification
from models.services.certification import transition_one
from models.tables.sections import Section7Environment
from workflow import Action

from . import factories
from .conftest import login
from .formdata import form_fields
from .test_query_counts import counting


def _user(username):
    return db.session.scalars(select(User).where(User.username == username)).one()


def _certify_and_revoke(app, sub_id, clerk_name):
    with app.app_context():
        clerk = _user(clerk_name)
        transition_one(Action.CERTIFY_LAO, sub_id, clerk)
        transition_one(Action.REVOKE_LAO, sub_id, clerk, reason="แก้ไขจำนวนเครื่องสูบน้ำ")
        db.session.remove()


def _save_s7(client, sub_id, **values):
    page = client.get(f"/admin/edit_s7/edit/?id={sub_id}")
    data = form_fields(page.get_data(as_text=True))
    data.update(values)
    response = client.post(f"/admin/edit_s7/edit/?id={sub_id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]


def test_only_changes_after_the_last_certification_count(app, client, complete_draft):
    sub_id, clerk_name, _name = complete_draft
    assert login(client, clerk_name).status_code == 302
    with app.app_context():
        before = db.session.get(Section7Environment, sub_id).drainage_pumps
    _save_s7(client, sub_id, drainage_pumps=str((before or 0) + 1))   # before: not counted
    with app.app_context():
        assert changes_since_certification([sub_id]) == {}           # never certified
    _certify_and_revoke(app, sub_id, clerk_name)
    with app.app_context():
        assert changes_since_certification([sub_id]) == {sub_id: 0}
    _save_s7(client, sub_id, drainage_pumps=str((before or 0) + 7))
    with app.app_context():
        assert changes_since_certification([sub_id]) == {sub_id: 1}
        at, changes = changes_since(sub_id)
        assert at is not None
        assert [(c["label"], c["old"], c["new"]) for c in changes] == [
            ("เครื่องสูบน้ำ", str((before or 0) + 1), str((before or 0) + 7))]
        assert changes[0]["table"].startswith("7. ")
        # Certifying again starts the count from zero.
        transition_one(Action.CERTIFY_LAO, sub_id, _user(clerk_name))
        assert changes_since_certification([sub_id]) == {sub_id: 0}
        assert changes_since(sub_id)[1] == []


def test_the_lists_and_the_status_tab_show_what_moved(app, client, complete_draft):
    sub_id, clerk_name, _name = complete_draft
    _certify_and_revoke(app, sub_id, clerk_name)
    assert login(client, clerk_name).status_code == 302
    _save_s7(client, sub_id, drainage_pumps="41")
    _save_s7(client, sub_id, drainage_pumps="42")
    with app.app_context():
        year = db.session.get(Submission, sub_id).fiscal_year
    years = client.get("/admin/lao_years/").get_data(as_text=True)
    assert "แก้ไขหลังรับรอง" in years and "แก้ไข 2 รายการ" in years
    tab = client.get(f"/admin/lao_years/workspace/?id={sub_id}&tab=status").get_data(as_text=True)
    table = tab[tab.index("data-changes"):]
    rows = re.findall(r"<tr><td>.*?</tr>", table)
    assert len(rows) == 2
    assert "เครื่องสูบน้ำ" in rows[0] and "<td>41</td><td>42</td>" in rows[0]
    assert "รายการที่แก้ไขหลังการรับรองข้อมูลครั้งล่าสุด" in tab and ": 2 รายการ" in tab
    officer = app.test_client()
    assert login(officer, "prov-61").status_code == 302
    review = officer.get(f"/admin/submission/?flt0_0={year}").get_data(as_text=True)
    assert "แก้ไข 2 รายการ" in review
    assert f"/admin/submission/workspace/?id={sub_id}&amp;tab=status#changes" in review


def test_a_year_never_revoked_shows_no_changes(app, client, complete_draft):
    sub_id, clerk_name, _name = complete_draft
    assert login(client, clerk_name).status_code == 302
    tab = client.get(f"/admin/lao_years/workspace/?id={sub_id}&tab=status").get_data(as_text=True)
    assert "data-changes" not in tab and "แก้ไขหลังการรับรอง" not in tab


def _add_changed(app, count):
    """`count` more LAO-certified years, each with field changes logged after certification."""
    from datetime import datetime, timezone

    from models import CertificationEvent
    from workflow import Status
    with app.app_context():
        ids = factories.add_laos(count, "61", 2570, states=(Status.DRAFT,))
        at = datetime(2026, 11, 20, 3, tzinfo=timezone.utc)
        later = datetime(2026, 11, 21, 3, tzinfo=timezone.utc)
        for sub_id in ids:
            db.session.add(CertificationEvent(submission_id=sub_id, action=Action.CERTIFY_LAO,
                                              from_status=Status.DRAFT,
                                              to_status=Status.LAO_CERTIFIED, created_at=at))
            db.session.add(CertificationEvent(submission_id=sub_id, action=Action.REVOKE_LAO,
                                              from_status=Status.LAO_CERTIFIED,
                                              to_status=Status.DRAFT, created_at=at))
            for n in range(3):
                db.session.add(AuditLog(submission_id=sub_id, op="update",
                                        table_name="section7_environment", row_id=str(sub_id),
                                        field="drainage_pumps", old_value=str(n),
                                        new_value=str(n + 1), created_at=later))
        db.session.commit()
        db.session.remove()


def test_the_review_list_counts_changes_in_one_statement_whatever_the_rows(app, demo):
    officer = app.test_client()
    assert login(officer, "prov-61").status_code == 302
    url = "/admin/submission/?flt0_0=2570&flt1_3=draft&page=0"
    officer.get(url)   # the filter options are built on the first request, then cached
    sizes = []
    for more in (2, 40):
        _add_changed(app, more)
        with counting(app) as counter:
            body = officer.get(url).get_data(as_text=True)
        sizes.append(len(counter.statements))
        grouped = [s for s in counter.statements if "audit_log" in s]
        assert len(grouped) == 1 and "GROUP BY" in grouped[0]
        assert body.count("แก้ไข 3 รายการ") >= min(more, 10)
    assert sizes[0] == sizes[1], sizes


def test_audit_values_are_shown_with_the_catalogues_labels(app_ctx):
    from models.reads.changes import field_label, table_title, value_text
    assert value_text("section7_environment", "waste_disposal_method", "sanitary_landfill") \
        == "ฝังกลบอย่างถูกหลักสุขาภิบาล"
    assert value_text("section4_festival", "month", "4") == "เมษายน"
    assert value_text("section1_general", "population_as_of", "2025-12-31") == "31 ธ.ค. 2568"
    assert value_text("section7_environment", "has_wastewater_treatment", "True") == "ใช่"
    assert value_text("section7_environment", "drainage_pumps", None) == "–"
    assert value_text("no_such_table", "x", "raw") == "raw"
    assert field_label("section4_festival", "month") == "เดือนที่จัด"
    assert field_label("section7_environment", "no_such_field") == "no_such_field"
    assert table_title("section4_festival") == "ประเพณีและงานประจำปี"
    assert table_title("section7_environment") == "7. ข้อมูลด้านสิ่งแวดล้อม"
    assert table_title("lao_website") == "เว็บไซต์ อปท."
