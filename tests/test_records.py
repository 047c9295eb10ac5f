"""Per-LAO records: the clerk keeps their own LAO's; the organization never comes from a form."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from models import InfoAdministrator, LaoWebsite, Organization, TouristPlace, User, db

from .conftest import csrf_token
from .formdata import form_fields


def _clerk(app, username="lao-6610103"):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return user.organization_id


def _sites(app, org_id=None):
    with app.app_context():
        query = select(LaoWebsite.organization_id, LaoWebsite.url)
        if org_id is not None:
            query = query.where(LaoWebsite.organization_id == org_id)
        return sorted(db.session.execute(query).all())


def _without_website(app, org_id):
    """The demo fills บันทึกเว็บไซต์ from ด้าน 1; start this LAO without one."""
    with app.app_context():
        db.session.execute(LaoWebsite.__table__.delete().where(
            LaoWebsite.organization_id == org_id))
        db.session.commit()


def test_clerk_records_a_website_for_their_own_lao_only(app, client, login_as, demo):
    org_id = _clerk(app)
    _without_website(app, org_id)
    others = [s for s in _sites(app) if s[0] != org_id]
    with app.app_context():
        other = db.session.scalar(select(Organization.id).where(Organization.id != org_id))
    login_as("lao-6610103")
    token = csrf_token(client, "/admin/lao_website/new/")
    response = client.post("/admin/lao_website/new/", data={
        "csrf_token": token, "url": "https://www.example-lao.go.th",
        "organization": str(other), "organization_id": str(other)})
    assert response.status_code == 302
    assert _sites(app, org_id) == [(org_id, "https://www.example-lao.go.th")]
    assert [s for s in _sites(app) if s[0] != org_id] == others
    # One website per LAO: the create page is no longer offered.
    assert client.get("/admin/lao_website/new/").status_code == 302


def test_bad_website_url_is_refused_in_thai(app, client, login_as, demo):
    org_id = _clerk(app)
    _without_website(app, org_id)
    login_as("lao-6610103")
    token = csrf_token(client, "/admin/lao_website/new/")
    response = client.post("/admin/lao_website/new/", data={"csrf_token": token,
                                                            "url": "javascript:alert(1)"})
    assert response.status_code == 200
    assert "ที่อยู่เว็บไซต์ไม่ถูกต้อง" in response.get_data(as_text=True)
    assert _sites(app, org_id) == []


def test_info_administrators_and_tourist_places(app, client, login_as, demo):
    org_id = _clerk(app)
    login_as("lao-6610103")
    token = csrf_token(client, "/admin/info_administrator/new/")
    assert client.post("/admin/info_administrator/new/", data={
        "csrf_token": token, "name": "นายสมชาย ใจดี", "position": "นักวิชาการคอมพิวเตอร์",
        "phone": "056-511965", "email": "somchai@example.go.th"}).status_code == 302
    page = client.get("/admin/tourist_place/new/").get_data(as_text=True)
    data = form_fields(page)
    assert "610103" in page  # the LAO's own province's subdistricts are offered …
    assert "100101" not in page and "180101" not in page  # … and no other province's
    data.update({"name": "วัดสังกัสรัตนคีรี", "category": "religion", "subdistrict_code": "610101",
                 "latitude": "15.38", "longitude": "100.02"})
    assert client.post("/admin/tourist_place/new/", data=data).status_code == 302
    with app.app_context():
        admin = db.session.scalars(select(InfoAdministrator)).one()
        place = db.session.scalars(select(TouristPlace)).one()
        assert admin.organization_id == org_id and place.organization_id == org_id
        assert place.subdistrict_code == "610101"


def test_officers_read_but_do_not_write_lao_records(app, client, login_as, demo):
    before = _sites(app)
    login_as("prov-61")
    assert client.get("/admin/lao_website/").status_code == 200
    assert client.get("/admin/lao_website/new/").status_code == 302
    response = client.post("/admin/lao_website/new/", data={
        "csrf_token": csrf_token(client, "/admin/lao_website/"), "url": "https://x.go.th"})
    assert response.status_code == 302
    assert _sites(app) == before


def test_impossible_coordinates_get_a_thai_message_not_sql(app, client, login_as, demo):
    login_as("lao-6610103")
    data = form_fields(client.get("/admin/tourist_place/new/").get_data(as_text=True))
    data.update({"name": "จุดชมวิว", "latitude": "99", "longitude": "1" + "0" * 30})
    body = client.post("/admin/tourist_place/new/", data=data).get_data(as_text=True)
    assert "INSERT" not in body and "CHECK" not in body
    assert "ต้องอยู่ระหว่าง" in body
    with app.app_context():
        assert db.session.scalars(select(TouristPlace)).all() == []


def test_a_database_refusal_is_a_thai_message_not_sql(app):
    """Every back-office view turns refused saves into Thai messages, never the SQL text."""
    from flask import get_flashed_messages
    from sqlalchemy.exc import DataError, IntegrityError

    from models import SubmissionLocked
    admin = app.extensions["admin"][0]
    view = next(v for v in admin._views if v.endpoint == "user_account")
    errors = [IntegrityError("INSERT INTO user_account …", {}, Exception("UNIQUE")),
              DataError("INSERT INTO tourist_place …", {}, Exception("numeric overflow")),
              SubmissionLocked("ข้อมูลได้รับการรับรองแล้ว ต้องยกเลิกการรับรองก่อนแก้ไข")]
    for error in errors:
        with app.test_request_context("/admin/user_account/new/", method="POST"):
            assert view.handle_view_exception(error) is True
            (message,) = get_flashed_messages()
            assert "INSERT" not in message and re.search("[ก-๙]", message)


def test_the_website_has_one_place_shown_in_section_1_too(app, client, login_as, demo):
    """บันทึกเว็บไซต์ อปท. is the website's home; ด้าน 1 of the LAO's open drafts shows it and
    its form does not ask again; the demo's list is no longer empty."""
    from models import FiscalYear, Submission
    from models.tables.sections import Section1General
    from workflow import Status
    with app.app_context():
        named = db.session.scalar(select(func.count()).select_from(LaoWebsite))
        with_url = db.session.scalar(select(func.count(func.distinct(Submission.organization_id)))
                                     .join(Section1General).where(
                                         Section1General.website_url.is_not(None)))
        assert named == with_url > 0
        draft = db.session.scalars(select(Submission).join(FiscalYear).where(
            Submission.status == Status.DRAFT, FiscalYear.status == "open")
            .order_by(Submission.id)).first()
        certified = db.session.scalars(select(Submission).where(
            Submission.organization_id == draft.organization_id,
            Submission.status != Status.DRAFT)).first()
        old_certified = (db.session.get(Section1General, certified.id).website_url
                         if certified else None)
        username, sub_id = f"lao-{draft.organization.dla_code}", draft.id
        certified_id = certified.id if certified else None
        db.session.execute(LaoWebsite.__table__.delete().where(
            LaoWebsite.organization_id == draft.organization_id))
        db.session.commit()
    login_as(username)
    form = client.get(f"/admin/edit_s1/edit/?id={sub_id}").get_data(as_text=True)
    assert 'name="website_url"' not in form and 'name="has_website"' not in form
    token = csrf_token(client, "/admin/lao_website/new/")
    # The same website rule as ด้าน 1's (models/rulebook.valid_url), with its Thai message.
    refused = client.post("/admin/lao_website/new/", data={
        "csrf_token": token, "url": "https://localhost"})
    assert "ที่อยู่เว็บไซต์ไม่ถูกต้อง" in refused.get_data(as_text=True)
    done = client.post("/admin/lao_website/new/", data={
        "csrf_token": token, "url": "https://www.tambon-example.go.th"})
    assert done.status_code == 302
    with app.app_context():
        section = db.session.get(Section1General, sub_id)
        assert (section.has_website, section.website_url) == (
            True, "https://www.tambon-example.go.th")
        if certified_id:  # a certified year keeps the address it was certified with
            assert db.session.get(Section1General, certified_id).website_url == old_certified
    tab = client.get(f"/admin/lao_years/workspace/?id={sub_id}&tab=1").get_data(as_text=True)
    assert "https://www.tambon-example.go.th" in tab
