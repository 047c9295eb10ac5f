"""What the reviewer sees before certifying (issue 8): the ⚠ findings of a clerk's save are
kept with the section, counted on the submission, and shown in the province list, the bulk
preview and the workspace; saving the section again without them clears them."""

from __future__ import annotations

import re

from sqlalchemy import select

from models import SectionWarning, Submission, db
from workflow import SECTION_COUNT, Status

from .conftest import login
from .formdata import double_the_men, form_fields

YOY = "เปลี่ยนแปลงจากปีก่อนเกินร้อยละ 50"


def _save_section1(client, sub_id, change=None):
    """Open ด้านที่ 1's form, apply `change` to what the browser would post, save it."""
    page = client.get(f"/admin/edit_s1/edit/?id={sub_id}").get_data(as_text=True)
    data = form_fields(page)
    if change is not None:
        change(data)
    response = client.post(f"/admin/edit_s1/edit/?id={sub_id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return response


def _halve_the_men(data):
    male = int(data["population_male"].replace(",", "")) // 2
    female = int(data["population_female"].replace(",", ""))
    data["population_male"], data["population_total"] = str(male), str(male + female)


def _stored(app, sub_id):
    with app.app_context():
        rows = db.session.scalars(select(SectionWarning).where(
            SectionWarning.submission_id == sub_id)).all()
        return [(w.section_no, w.field, w.message) for w in rows], \
            db.session.get(Submission, sub_id).warnings_count


def test_warnings_of_a_save_are_kept_counted_and_cleared_by_a_clean_save(app, complete_draft):
    sub_id, clerk, _name = complete_draft
    client = app.test_client()
    assert login(client, clerk).status_code == 302
    _save_section1(client, sub_id, double_the_men)
    kept, count = _stored(app, sub_id)
    assert count == len(kept) >= 1
    assert {no for no, _f, _m in kept} == {1}
    assert all(YOY in message for _n, _f, message in kept)
    assert "population_male" in {f for _n, f, _m in kept}
    # The clerk sees them on the workspace tab, after the flash is gone.
    tab = client.get(f"/admin/lao_years/workspace/?id={sub_id}&tab=1").get_data(as_text=True)
    assert YOY in tab and f"⚠ {count}" in tab
    # A save without the big change removes them.
    _save_section1(client, sub_id, _halve_the_men)
    assert _stored(app, sub_id) == ([], 0)


def test_the_province_sees_the_warnings_in_its_list_and_bulk_preview(app, complete_draft):
    sub_id, clerk, name = complete_draft
    client = app.test_client()
    assert login(client, clerk).status_code == 302
    _save_section1(client, sub_id, double_the_men)
    _kept, count = _stored(app, sub_id)
    token_page = client.get(f"/admin/lao_years/workspace/?id={sub_id}&tab=status")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      token_page.get_data(as_text=True)).group(1)
    # Every ⚠ finding is explained before certifying (issue 24); the province sees it too.
    with app.app_context():
        finding_ids = db.session.scalars(select(SectionWarning.id).where(
            SectionWarning.submission_id == sub_id)).all()
        db.session.remove()
    client.post("/admin/lao_years/explain/", data={
        "csrf_token": token, "id": str(sub_id),
        **{f"explain-{pk}": "ตรวจสอบกับทะเบียนราษฎรแล้ว" for pk in finding_ids}})
    certified = client.post("/admin/lao_years/transition/", data={
        "csrf_token": token, "id": str(sub_id), "action": "certify_lao"})
    assert certified.status_code == 302
    with app.app_context():
        assert db.session.get(Submission, sub_id).status is Status.LAO_CERTIFIED

    officer = app.test_client()
    assert login(officer, "prov-61").status_code == 302
    listing = officer.get("/admin/submission/?flt0_0=2570&flt3_3=lao_certified").get_data(
        as_text=True)
    row = next(r for r in listing.split("<tr") if name in r)
    assert f"⚠ {count}" in row
    preview = officer.get("/admin/submission/bulk/?year=2570").get_data(as_text=True)
    row = next(r for r in preview.split("<tr") if name in r)
    assert f"⚠ {count}" in row and f"{SECTION_COUNT}/{SECTION_COUNT}" in row
    assert "มีข้อสังเกตที่ควรตรวจสอบก่อนรับรอง" in preview
    workspace = officer.get(f"/admin/submission/workspace/?id={sub_id}&tab=1").get_data(
        as_text=True)
    assert YOY in workspace


def test_a_return_is_on_the_clerks_home_page_with_reason_who_and_the_way_to_fix(app, demo):
    from models import User
    from models.services.certification import transition
    reason = "ข้อมูลประชากรไม่ตรงกับทะเบียนราษฎร ณ 31 ธ.ค."
    with app.app_context():
        sub = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == 2570, Submission.status == Status.LAO_CERTIFIED,
            Submission.province_code == "61").order_by(Submission.id)).first()
        sub_id, clerk = sub.id, f"lao-{sub.organization.dla_code}"
        officer = db.session.scalar(select(User).where(User.username == "prov-61"))
        client = app.test_client()
        assert login(client, clerk).status_code == 302
        assert reason not in client.get("/admin/").get_data(as_text=True)
        (done,) = transition("return_to_lao", [sub_id], officer, reason=reason)
        assert done.done
        name = officer.full_name
    home = client.get("/admin/").get_data(as_text=True)
    assert reason in home and "ส่งคืนข้อมูลเพื่อแก้ไข" in home and name in home
    assert f"/admin/lao_years/workspace/?id={sub_id}" in home
    # Once the clerk certifies again, the notice is gone.
    with app.app_context():
        db.session.get(Submission, sub_id).status = Status.LAO_CERTIFIED
        db.session.commit()
    assert reason not in client.get("/admin/").get_data(as_text=True)


def test_each_certification_has_a_stable_reference_number_on_the_status_tab_and_report(
        app, complete_draft):
    from models import User
    from models.services.certification import transition
    sub_id, clerk, _name = complete_draft
    with app.app_context():
        dla = db.session.get(Submission, sub_id).organization.dla_code
        lao = db.session.scalar(select(User).where(User.username == clerk))
        officer = db.session.scalar(select(User).where(User.username == "prov-61"))
        for action, who in (("certify_lao", lao), ("revoke_lao", lao), ("certify_lao", lao),
                            ("certify_province", officer)):
            (outcome,) = transition(action, [sub_id], who)
            assert outcome.done, outcome.message
    client = app.test_client()
    assert login(client, clerk).status_code == 302
    tab = client.get(f"/admin/lao_years/workspace/?id={sub_id}&tab=status").get_data(
        as_text=True)
    first, second, province = (f"อปท. {dla}/2570-1", f"อปท. {dla}/2570-2", f"จ. {dla}/2570-1")
    assert f"หมายเลข: <strong>{second} · {province}</strong>" in tab
    assert first in tab  # the history keeps the revoked one's number
    report = client.get(f"/admin/lao_years/report/?id={sub_id}").get_data(as_text=True)
    assert f"หมายเลข: {second} · {province}" in report


def test_certifying_with_carried_sections_asks_the_clerk_to_confirm_them(app, complete_draft):
    from models.tables.sections import Section3Economy, Section5Health
    sub_id, clerk, _name = complete_draft
    with app.app_context():
        for cls in (Section3Economy, Section5Health):
            db.session.get(cls, sub_id).carried_forward = True
        db.session.commit()
    client = app.test_client()
    assert login(client, clerk).status_code == 302
    tab = client.get(f"/admin/lao_years/workspace/?id={sub_id}&tab=status").get_data(
        as_text=True)
    assert "ด้านที่ 3 ข้อมูลด้านเศรษฐกิจ" in tab and "ด้านที่ 5 ข้อมูลด้านสาธารณสุข" in tab
    assert 'name="carried_ok"' in tab
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', tab).group(1)
    refused = client.post("/admin/lao_years/transition/", data={
        "csrf_token": token, "id": str(sub_id), "action": "certify_lao"},
        follow_redirects=True).get_data(as_text=True)
    assert "ด้านที่ 3, ด้านที่ 5 ยังเป็นค่าที่ยกมาจากปีก่อน" in refused
    with app.app_context():
        assert db.session.get(Submission, sub_id).status is Status.DRAFT
    done = client.post("/admin/lao_years/transition/", data={
        "csrf_token": token, "id": str(sub_id), "action": "certify_lao", "carried_ok": "y"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Submission, sub_id).status is Status.LAO_CERTIFIED
        assert db.session.get(Section3Economy, sub_id).carried_forward is False


def test_no_button_or_link_is_called_just_cancel_next_to_a_revoke(app, complete_draft):
    sub_id, clerk, _name = complete_draft
    client = app.test_client()
    assert login(client, clerk).status_code == 302
    form = client.get(f"/admin/edit_s1/edit/?id={sub_id}").get_data(as_text=True)
    assert "กลับโดยไม่บันทึก" in form
    officer = app.test_client()
    assert login(officer, "prov-61").status_code == 302
    with app.app_context():
        certified = db.session.scalars(select(Submission.id).where(
            Submission.fiscal_year == 2570, Submission.status == Status.LAO_CERTIFIED)).first()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', officer.get(
        "/admin/submission/?flt0_0=2570").get_data(as_text=True)).group(1)
    reason_page = officer.post("/admin/submission/action/", data={
        "csrf_token": token, "action": "return_to_lao", "rowid": [str(certified)]})
    pages = (form, reason_page.get_data(as_text=True))
    for html in pages:
        assert not re.search(r">\s*ยกเลิก\s*<", html)
