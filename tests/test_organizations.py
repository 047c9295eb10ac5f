"""Organizations master data for the dla_admin (issue 9 item 5): create, edit, deactivate, change
type, move district, search; the open years' submissions follow, closed years keep history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import District, FiscalYear, Organization, OrgType, Submission, YearStatus, db
from models.services.rounds import open_year
from workflow import Status

from .conftest import login
from .formdata import form_fields

EDIT = "/admin/organization/edit/?id={}"


@pytest.fixture()
def sao(app, demo):
    """An อบต. of district 6101 with a submission in the open year 2570 and in closed years."""
    with app.app_context():
        org = db.session.scalars(select(Organization).where(
            Organization.org_type == OrgType.SAO, Organization.district_code == "6101")
            .order_by(Organization.id)).first()
        years = dict(db.session.execute(select(Submission.fiscal_year, Submission.id).where(
            Submission.organization_id == org.id)).all())
        assert 2570 in years and len(years) >= 2
        return dict(id=org.id, code=org.dla_code, name=org.name_th, years=years)


@pytest.fixture()
def admin(client, login_as):
    return login_as("admin")


def _form(client, org_id):
    page = client.get(EDIT.format(org_id))
    assert page.status_code == 200
    return form_fields(page.get_data(as_text=True))


def _subs(org_id):
    return {s.fiscal_year: (s.id, s.district_code, s.province_code, s.org_type)
            for s in db.session.scalars(select(Submission).where(
                Submission.organization_id == org_id))}


def test_an_upgraded_sao_keeps_its_code_and_its_history(app, sao, admin):
    with app.app_context():
        before = _subs(sao["id"])
    data = _form(admin, sao["id"])
    data["org_type"] = OrgType.SUBDISTRICT_MUNICIPALITY.value
    data["name_th"] = sao["name"].replace("องค์การบริหารส่วนตำบล", "เทศบาลตำบล")
    response = admin.post(EDIT.format(sao["id"]), data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    with app.app_context():
        org = db.session.get(Organization, sao["id"])
        assert org.org_type is OrgType.SUBDISTRICT_MUNICIPALITY and org.dla_code == sao["code"]
        after = _subs(sao["id"])
        assert {y: s[0] for y, s in after.items()} == {y: s[0] for y, s in before.items()}
        assert after[2570][3] is OrgType.SUBDISTRICT_MUNICIPALITY      # the open year follows
        closed = [y for y in after if y != 2570]
        assert all(after[y][3] is OrgType.SAO for y in closed)        # closed years: as then


def test_moving_district_moves_the_open_years_submission_and_its_scope(app, sao, admin):
    data = _form(admin, sao["id"])
    data["district"] = "6102"
    data["subdistrict"] = ""
    response = admin.post(EDIT.format(sao["id"]), data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    with app.app_context():
        org = db.session.get(Organization, sao["id"])
        assert (org.district_code, org.province_code) == ("6102", "61")
        subs = _subs(sao["id"])
        assert subs[2570][1:3] == ("6102", "61")
        assert all(subs[y][1] == "6101" for y in subs if y != 2570)
    sub_id = sao["years"][2570]
    new_district, old_district = app.test_client(), app.test_client()
    assert login(new_district, "dist-6102").status_code == 302
    assert login(old_district, "dist-6101").status_code == 302
    url = f"/admin/submission/workspace/?id={sub_id}"
    assert new_district.get(url).status_code == 200
    assert old_district.get(url).status_code == 404


def test_a_move_to_another_province_or_a_new_code_is_refused_and_writes_nothing(app, sao, admin):
    with app.app_context():
        other = db.session.scalar(select(func.min(District.code)).where(
            District.province_code != "61"))
        before = (db.session.get(Organization, sao["id"]).district_code, _subs(sao["id"]))
    for change, message in ((dict(district=other, subdistrict=""), "ย้ายได้เฉพาะอำเภอในจังหวัดเดิม"),
                            (dict(dla_code="6101999"), "รหัส อปท. เปลี่ยนไม่ได้")):
        data = {**_form(admin, sao["id"]), **change}
        response = admin.post(EDIT.format(sao["id"]), data=data)
        assert response.status_code == 200 and message in response.get_data(as_text=True)
        with app.app_context():
            org = db.session.get(Organization, sao["id"])
            assert (org.district_code, _subs(sao["id"])) == before and org.dla_code == sao["code"]


def test_a_new_lao_is_created_in_its_districts_province(app, sao, admin):
    page = admin.get("/admin/organization/new/")
    data = form_fields(page.get_data(as_text=True))
    data.update(dla_code="12ab", name_th="เทศบาลตำบลทดสอบใหม่", org_type="subdistrict_municipality",
                district="6103", subdistrict="", active="y")
    response = admin.post("/admin/organization/new/", data=data)
    assert response.status_code == 200 and "รหัส อปท. ต้องเป็นตัวเลข 7 หลัก" in \
        response.get_data(as_text=True)
    data["dla_code"] = "5610399"
    response = admin.post("/admin/organization/new/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    with app.app_context():
        org = db.session.scalars(select(Organization).where(
            Organization.dla_code == "5610399")).one()
        assert (org.province_code, org.district_code, org.active) == ("61", "6103", True)
        assert org.org_type is OrgType.SUBDISTRICT_MUNICIPALITY
    # The same code twice: a Thai message, one row.
    response = admin.post("/admin/organization/new/", data=data)
    assert response.status_code == 200 and "มีข้อมูลนี้อยู่แล้ว" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organization).where(
            Organization.dla_code == "5610399")) == 1


def test_an_inactive_lao_gets_no_draft_when_the_next_year_opens(app, sao, admin):
    data = _form(admin, sao["id"])
    data.pop("active", None)          # the checkbox unticked
    assert admin.post(EDIT.format(sao["id"]), data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Organization, sao["id"]).active is False
        db.session.query(FiscalYear).filter(FiscalYear.be_year == 2570).update(
            {"status": YearStatus.CLOSED})
        db.session.commit()
        open_year(2571, date(2027, 12, 30))
        created = db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.fiscal_year == 2571))
        active = db.session.scalar(select(func.count()).select_from(Organization).where(
            Organization.active.is_(True)))
        assert created == active
        assert db.session.scalar(select(Submission.id).where(
            Submission.organization_id == sao["id"], Submission.fiscal_year == 2571)) is None
        assert db.session.scalar(select(Submission.status).where(
            Submission.organization_id == sao["id"], Submission.fiscal_year == 2570)) in set(Status)


def test_the_list_is_searchable_by_code_and_by_name(app, sao, admin):
    by_code = admin.get(f"/admin/organization/?search={sao['code']}").get_data(as_text=True)
    assert sao["name"] in by_code and "ค้นหารหัสหรือชื่อ อปท." in by_code
    part = sao["name"].replace("องค์การบริหารส่วนตำบล", "")
    by_name = admin.get(f"/admin/organization/?search={part}").get_data(as_text=True)
    assert sao["code"] in by_name
