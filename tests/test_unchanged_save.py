"""Saving a form unchanged changes nothing (SPEC §6): every edit form of every back-office
view is opened, submitted as the browser would submit it, and its row compared."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect, select

from models import (FiscalYear, InfoAdministrator, LaoWebsite, Organization, Submission,
                    TouristPlace, User, YearStatus, db)
from models.tables.sections import SECTIONS
from workflow import Role, Status

from .conftest import login
from .formdata import form_fields

# A row's own bookkeeping; and saving a section is how the clerk confirms values carried
# from last year ("ตรวจสอบแล้วกดบันทึกเพื่อยืนยัน"), so that flag may go from True to False.
IGNORED = {"updated_at", "version", "updated_by_id", "carried_forward"}


def _row_state(model, pk):
    row = db.session.get(model, pk)
    db.session.refresh(row)
    return {attr.key: getattr(row, attr.key) for attr in inspect(model).column_attrs
            if attr.key not in IGNORED}


def _save_unchanged(client, endpoint, pk):
    page = client.get(f"/admin/{endpoint}/edit/?id={pk}")
    assert page.status_code == 200, (endpoint, page.status_code)
    data = form_fields(page.get_data(as_text=True))
    assert data, f"{endpoint}: no form found"
    response = client.post(f"/admin/{endpoint}/edit/?id={pk}", data=data)
    assert response.status_code == 302, (endpoint, response.get_data(as_text=True)[:1500])


@pytest.fixture()
def cases(app, demo):
    """(signed-in username, endpoint, model, primary key) for every edit form."""
    with app.app_context():
        draft = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == 2570, Submission.status == Status.DRAFT,
            Submission.province_code == "61").order_by(Submission.id)).first()
        clerk = f"lao-{draft.organization.dla_code}"
        org_id = draft.organization_id
        # The demo fills บันทึกเว็บไซต์ from ด้าน 1: this LAO's row is made here.
        db.session.execute(LaoWebsite.__table__.delete().where(
            LaoWebsite.organization_id == org_id))
        for record in (LaoWebsite(organization_id=org_id, url="https://www.example.go.th"),
                       InfoAdministrator(organization_id=org_id, name="สมชาย ใจดี",
                                         position="นักวิชาการคอมพิวเตอร์", phone="056-511111",
                                         email="somchai@example.go.th"),
                       TouristPlace(organization_id=org_id, name="น้ำตกผาร่อง",
                                    category="nature", description="น้ำตก 7 ชั้น")):
            db.session.add(record)
        db.session.commit()
        users = {u.role: u.id for u in db.session.scalars(select(User).order_by(User.id))}
        closed = db.session.scalar(select(FiscalYear.be_year).where(
            FiscalYear.status == YearStatus.CLOSED))
        rows = [
            ("admin", "fiscal_year", FiscalYear, closed),
            ("admin", "fiscal_year", FiscalYear, 2570),
            ("admin", "organization", Organization, org_id),
            *[("admin", "user_account", User, users[role]) for role in Role],
            # The province officer's own user form offers only the roles it may grant.
            *[("prov-61", "user_account", User, db.session.scalar(
                select(User.id).where(User.role == role, User.area_province_code == "61")
                .order_by(User.id))) for role in (Role.LAO_EDITOR, Role.DISTRICT_OFFICER)],
            *[(clerk, model.__tablename__, model, db.session.scalar(
                select(model.id).where(model.organization_id == org_id)))
              for model in (LaoWebsite, InfoAdministrator, TouristPlace)],
            *[(clerk, f"edit_s{s.SECTION_NO}", s, draft.id) for s in SECTIONS],
        ]
        assert all(pk is not None for *_rest, pk in rows), rows
        return rows


def test_every_edit_form_saved_unchanged_changes_nothing(app, cases):
    clients = {}
    for username, endpoint, model, pk in cases:
        if username not in clients:
            clients[username] = app.test_client()
            assert login(clients[username], username).status_code == 302
        with app.app_context():
            before = _row_state(model, pk)
        _save_unchanged(clients[username], endpoint, pk)
        with app.app_context():
            after = _row_state(model, pk)
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert changed == {}, f"{endpoint} #{pk}: {changed}"


def test_the_cases_cover_every_view_that_can_edit(app, cases):
    """A new editable view fails here until it has an unchanged-save case."""
    admin = app.extensions["admin"][0]
    editable = {v.endpoint for v in admin._views
                if getattr(v, "model", None) is not None and v.can_edit is True}
    # LaoRecordView's can_edit is a property (True for the clerk): those are covered above.
    editable |= {v.endpoint for v in admin._views if isinstance(
        getattr(type(v), "can_edit", None), property)}
    assert len(editable) >= 10, editable
    assert editable - {endpoint for _u, endpoint, _m, _pk in cases} == set()


def test_enum_selects_read_thai_labels_and_select_the_stored_value(app, cases):
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    with app.app_context():
        officer = db.session.scalar(select(User.id).where(User.username == "prov-61"))
    html = client.get(f"/admin/user_account/edit/?id={officer}").get_data(as_text=True)
    html = html.replace('" selected>', '" selected="selected">').replace(
        "<option selected value=", "<option selected=\"selected\" value=")
    assert re.search(r'<option selected="selected" value="province_officer">'
                     r'สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด</option>'
                     r'|<option value="province_officer" selected="selected">'
                     r'สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด</option>', html), html[:200]
    assert ">ใช้งาน</option>" in html and ">province_officer<" not in html
    clerk = next(u for u, endpoint, *_ in cases if endpoint == "tourist_place")
    client = app.test_client()
    assert login(client, clerk).status_code == 302
    with app.app_context():
        place = db.session.scalar(select(TouristPlace.id))
    html = client.get(f"/admin/tourist_place/edit/?id={place}").get_data(as_text=True)
    assert "ธรรมชาติ" in html and "ศาสนสถาน" in html and ">nature<" not in html
