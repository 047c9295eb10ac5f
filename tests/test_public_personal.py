"""No one's personal data in anything the public reads (issue 23 item 1, PDPA B.E. 2562).

The catalogue declares what is personal (the section-1 recorders' name, position and phone; an
INFO administrator's contacts); one rule (models/reads/public.published) drops it from every
public page, download, workbook and API answer.  This test enumerates every URL rule outside the
back office — a new public endpoint fails it until its arguments are given below — fetches each
in every format it has, reads XLSX files inside, and fails if any personal value of a certified
LAO-year shows.  The back office still shows them to the scope that holds them."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from models import InfoAdministrator, Organization, Submission, db
from models.catalogue.columns import catalogue_columns
from models.reads.public import published
from models.tables.sections import CHILDREN, SECTIONS, Section1Recorder
from workflow import PUBLIC_STATUSES

from .conftest import signed_in

SECRETS = {"name": "นางสาวข้อมูลส่วนบุคคล ลับเฉพาะ", "position_title": "ตำแหน่งส่วนบุคคลทดสอบ",
           "phone": "089-555-0123"}
ADMIN = {"name": "นายผู้ดูแลระบบ ส่วนบุคคล", "position": "ตำแหน่งผู้ดูแลลับ",
         "phone": "081-444-0987", "email": "private.person@example.go.th"}
# Rules that hold no LAO data or are not for the public to read data from.
NOT_DATA = {"static", "vendor.asset", "auth.logout", "accounts.set_password",
            "public.set_language", "guides.guide"}


@pytest.fixture()
def certified(app, demo):
    """A certified LAO-year whose recorders and INFO administrator carry distinctive values."""
    with app.app_context():
        sub = db.session.scalars(select(Submission).where(
            Submission.status.in_(list(PUBLIC_STATUSES)), Submission.fiscal_year == 2570)
            .order_by(Submission.id)).first()
        recorders = db.session.scalars(select(Section1Recorder).where(
            Section1Recorder.submission_id == sub.id)).all()
        assert recorders, "the demo's certified years have recorders"
        # The guard refuses changes to certified data; set them as the seeding does.
        table = Section1Recorder.__table__
        db.session.execute(table.update().where(table.c.submission_id == sub.id)
                           .values(**SECRETS))
        db.session.add(InfoAdministrator(organization_id=sub.organization_id, **ADMIN))
        db.session.commit()
        found = (sub.organization.dla_code, sub.fiscal_year, sub.organization.name_th,
                 sub.province_code)
        db.session.remove()
        return found


def _text(response) -> str:
    body = response.get_data()
    if body[:4] == b"PK\x03\x04":              # an XLSX: every part's text
        archive = zipfile.ZipFile(io.BytesIO(body))
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return response.get_data(as_text=True)


def _urls(app, code: str, year: int, name: str, province: str) -> list[str]:
    values = {"dla_code": [code], "be_year": [str(year)], "fmt": ["csv", "json", "xlsx"]}
    urls, unknown = [], []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") or rule.endpoint in NOT_DATA \
                or "GET" not in rule.methods:
            continue
        missing = [a for a in rule.arguments if a not in values]
        if missing:
            unknown.append(f"{rule.endpoint}: {missing}")
            continue
        combos = [{}]
        for argument in sorted(rule.arguments):
            combos = [{**c, argument: v} for c in combos for v in values[argument]]
        with app.test_request_context():
            from flask import url_for
            urls += [url_for(rule.endpoint, **combo) for combo in combos]
    assert unknown == [], "give these public rules' arguments to the personal-data test"
    return urls + [f"/?q={name[-6:]}", f"/?province={province}", f"/stats?year={year}",
                   f"/stats/workbook.xlsx?year={year}",
                   f"/stats/workbook.xlsx?year={year}&province={province}",
                   f"/api/v1/organizations?q={name[-6:]}", f"/register/organizations?q={code}",
                   f"/api/v1/statistics/{year}", f"/compare?codes={code}&year={year}",
                   f"/compare?add={name[-6:]}"]


def test_no_public_page_download_or_answer_shows_personal_data(app, certified):
    code, year, name, province = certified
    client = app.test_client()
    fetched = 0
    for url in _urls(app, code, year, name, province):
        response = client.get(url)
        assert response.status_code < 500, url
        text = _text(response)
        for value in (*SECRETS.values(), *ADMIN.values()):
            assert value not in text, (url, value)
        fetched += response.status_code == 200
    assert fetched >= 20
    # The certified year's data is there — only the personal fields are not.
    page = client.get(f"/orgs/{code}/{year}").get_data(as_text=True)
    assert "ประชากร" in page and "ผู้บันทึกข้อมูล" not in page


def test_the_back_office_still_shows_the_recorders_to_their_scope(app, certified):
    code, year, _name, _province = certified
    with app.app_context():
        sub_id = db.session.scalar(select(Submission.id).join(Organization).where(
            Organization.dla_code == code, Submission.fiscal_year == year))
    officer = signed_in(app, "prov-61")
    page = officer.get(f"/admin/submission/workspace/?id={sub_id}&tab=1").get_data(as_text=True)
    assert SECRETS["name"] in page and SECRETS["phone"] in page


def test_the_catalogue_declares_the_recorders_and_administrators_personal():
    personal = {f"{m.__tablename__}.{c.key}" for s in SECTIONS
                for m in (s, *(child for _n, child in CHILDREN.get(s, ())))
                for c in catalogue_columns(m) if c.info.get("personal")}
    assert personal == {"section1_recorder.name", "section1_recorder.position_title",
                        "section1_recorder.phone"}
    assert published(Section1Recorder) == ()
    assert all(InfoAdministrator.__table__.c[k].info.get("personal")
               for k in ("name", "position", "phone", "email"))
