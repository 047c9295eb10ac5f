"""Fiscal years for the dla_admin, on screen (issue 9 part 3): open a year with carry-forward,
set the deadline in BE, close, re-open — through models/services/rounds.py, never a bare status edit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from models import FiscalYear, Organization, Submission, YearStatus, db
from models.tables.sections import Section1General

from .conftest import csrf_token, login


def _admin(app):
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    return client, csrf_token(client, "/admin/fiscal_year/open/")


def test_the_dla_opens_a_new_year_from_the_screen_with_last_years_values(app, demo):
    client, token = _admin(app)
    page = client.get("/admin/fiscal_year/open/").get_data(as_text=True)
    assert 'name="be_year"' in page and "กำหนดส่งข้อมูล" in page
    done = client.post("/admin/fiscal_year/open/", data={
        "csrf_token": token, "be_year": "2571", "opens_on": "1/10/2570",
        "deadline": "30/12/2570"}, follow_redirects=True)
    body = done.get_data(as_text=True)
    assert "เปิดปีงบประมาณ 2571 แล้ว" in body
    with app.app_context():
        year = db.session.get(FiscalYear, 2571)
        assert (year.status, year.opens_on, year.deadline) == (
            YearStatus.OPEN, date(2027, 10, 1), date(2027, 12, 30))
        active = db.session.scalar(select(func.count()).select_from(Organization).where(
            Organization.active.is_(True)))
        assert db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.fiscal_year == 2571)) == active
        carried = db.session.scalar(select(func.count()).select_from(Section1General).join(
            Submission).where(Submission.fiscal_year == 2571, Section1General.carried_forward))
        assert carried == active
    assert f"สร้างข้อมูลให้ อปท. {active:,} แห่ง" in body


def test_a_bad_year_or_date_is_a_thai_message_and_changes_nothing(app, demo):
    client, token = _admin(app)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(FiscalYear))
    for data, message in (
            ({"be_year": "2027", "deadline": "30/12/2570"}, "ปีงบประมาณต้องเป็นปี พ.ศ."),
            ({"be_year": "2571", "deadline": "31/02/2570"}, "วันที่ไม่ถูกต้อง"),
            ({"be_year": "2571", "deadline": ""}, "กรุณากรอกวันที่"),
            ({"be_year": "2571", "opens_on": "1/10/2570", "deadline": "1/9/2570"},
             "ต้องไม่ก่อนวันที่เปิดรับข้อมูล")):
        page = client.post("/admin/fiscal_year/open/", data={"csrf_token": token, **data},
                           follow_redirects=True)
        assert page.status_code == 200 and message in page.get_data(as_text=True), data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FiscalYear)) == before


def test_close_and_reopen_a_year_from_the_screen(app, demo):
    client, token = _admin(app)
    closed = client.post("/admin/fiscal_year/close/", data={"csrf_token": token,
                                                            "year": "2570"},
                         follow_redirects=True).get_data(as_text=True)
    assert "ปิดปีงบประมาณ 2570 แล้ว" in closed
    with app.app_context():
        assert db.session.get(FiscalYear, 2570).status is YearStatus.CLOSED
        submissions = db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.fiscal_year == 2570))
    again = client.post("/admin/fiscal_year/close/", data={"csrf_token": token, "year": "2570"},
                        follow_redirects=True).get_data(as_text=True)
    assert "ปิดอยู่แล้ว" in again
    reopened = client.post("/admin/fiscal_year/open/", data={
        "csrf_token": token, "be_year": "2570", "deadline": "15/1/2570"},
        follow_redirects=True).get_data(as_text=True)
    assert "เปิดปีงบประมาณ 2570 อีกครั้งแล้ว" in reopened
    with app.app_context():
        year = db.session.get(FiscalYear, 2570)
        assert (year.status, year.deadline) == (YearStatus.OPEN, date(2027, 1, 15))
        assert db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.fiscal_year == 2570)) == submissions


def test_the_edit_form_sets_the_deadline_in_be_and_cannot_change_the_status(app, demo):
    client, token = _admin(app)
    form = client.get("/admin/fiscal_year/edit/?id=2570").get_data(as_text=True)
    from demo import open_year_deadline
    from models.catalogue.reading import be_date
    assert 'name="status"' not in form
    assert f'value="{be_date(open_year_deadline())}"' in form
    done = client.post("/admin/fiscal_year/edit/?id=2570", data={
        "csrf_token": token, "opens_on": "1/10/2569", "deadline": "15/1/2570",
        "status": "closed"})
    assert done.status_code == 302
    with app.app_context():
        year = db.session.get(FiscalYear, 2570)
        assert (year.status, year.deadline) == (YearStatus.OPEN, date(2027, 1, 15))


def test_only_the_dla_opens_or_closes_years(app, demo):
    for username in ("prov-61", "dist-6101"):
        client = app.test_client()
        assert login(client, username).status_code == 302
        token = csrf_token(client, "/admin/")
        assert client.post("/admin/fiscal_year/close/", data={
            "csrf_token": token, "year": "2570"}).status_code == 403
        assert client.get("/admin/fiscal_year/open/").status_code == 403
    with app.app_context():
        assert db.session.get(FiscalYear, 2570).status is YearStatus.OPEN
