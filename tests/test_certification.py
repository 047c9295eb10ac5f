"""Certification through the service and the screens: state, timestamps, events, refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import CertificationEvent, FiscalYear, Submission, SubmissionLocked, User, db
from models.services.certification import transition, transition_one
from models.tables.sections import Section1General, Section1Recorder, Section7Environment
from workflow import Action, Status, TransitionNotAllowed

from .conftest import csrf_token


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def _pick(**where):
    query = select(Submission).where(Submission.fiscal_year == 2570)
    for key, value in where.items():
        query = query.where(getattr(Submission, key) == value)
    return db.session.scalars(query.order_by(Submission.id)).first()


def _events(sub_id):
    return db.session.scalars(select(CertificationEvent).where(
        CertificationEvent.submission_id == sub_id).order_by(CertificationEvent.id)).all()


def test_lao_certifies_and_revokes_its_own_year(app, demo):
    with app.app_context():
        sub = _pick(status=Status.DRAFT, sections_complete=8, province_code="61")
        lao = _user(f"lao-{sub.organization.dla_code}")
        db.session.get(Section7Environment, sub.id).carried_forward = True
        db.session.commit()
        # A section still holding last year's values: transition() itself asks for the
        # confirmation, whichever path calls it (issue 22: it was a check of one view).
        with pytest.raises(TransitionNotAllowed, match="ด้านที่ 7.* ยังเป็นค่าที่ยกมาจากปีก่อน"):
            transition_one(Action.CERTIFY_LAO, sub.id, lao)
        assert db.session.get(Submission, sub.id).status is Status.DRAFT
        outcome = transition_one(Action.CERTIFY_LAO, sub.id, lao, carried_ok=True)
        assert outcome.done and outcome.to_status is Status.LAO_CERTIFIED
        # Certifying confirms carried-forward values too.
        db.session.expire_all()
        assert db.session.get(Section7Environment, sub.id).carried_forward is False
        db.session.expire_all()
        sub = db.session.get(Submission, sub.id)
        assert sub.status is Status.LAO_CERTIFIED
        assert sub.received_at is not None and sub.lao_certified_by_id == lao.id
        (event,) = _events(sub.id)
        assert (event.action, event.from_status, event.to_status, event.actor_id) == \
            (Action.CERTIFY_LAO, Status.DRAFT, Status.LAO_CERTIFIED, lao.id)
        transition_one(Action.REVOKE_LAO, sub.id, lao)
        db.session.expire_all()
        assert db.session.get(Submission, sub.id).status is Status.DRAFT
        assert [e.action for e in _events(sub.id)] == [Action.CERTIFY_LAO, Action.REVOKE_LAO]


def test_incomplete_submission_is_refused_with_what_is_missing(app, demo):
    with app.app_context():
        sub = _pick(status=Status.DRAFT, province_code="61", sections_complete=8)
        section = db.session.get(Section7Environment, sub.id)
        section.waste_generated = section.waste_collected = section.waste_disposed = None
        db.session.commit()
        lao = _user(f"lao-{sub.organization.dla_code}")
        with pytest.raises(TransitionNotAllowed) as refusal:
            transition_one(Action.CERTIFY_LAO, sub.id, lao)
        assert "ด้านที่ 7" in str(refusal.value) and "ยังไม่ครบ 8 ด้าน" in str(refusal.value)
        assert db.session.get(Submission, sub.id).status is Status.DRAFT
        assert _events(sub.id) == []


def test_lao_cannot_certify_another_lao(app, demo):
    with app.app_context():
        mine = _pick(status=Status.DRAFT, sections_complete=8)
        other = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == 2570, Submission.status == Status.DRAFT,
            Submission.organization_id != mine.organization_id)).first()
        lao = _user(f"lao-{mine.organization.dla_code}")
        (outcome,) = transition(Action.CERTIFY_LAO, [other.id], lao)
        assert not outcome.done and "ไม่พบข้อมูล" in outcome.message
        assert db.session.get(Submission, other.id).status is Status.DRAFT


def test_lao_cannot_revoke_after_province_certified(app, demo):
    with app.app_context():
        sub = _pick(status=Status.PROVINCE_CERTIFIED, province_code="61")
        lao = _user(f"lao-{sub.organization.dla_code}")
        with pytest.raises(TransitionNotAllowed) as refusal:
            transition_one(Action.REVOKE_LAO, sub.id, lao)
        assert "ประสาน" in str(refusal.value)


@pytest.mark.parametrize("action", [Action.REVOKE_PROVINCE, Action.RETURN_TO_LAO])
def test_province_reasons_are_required_and_recorded(app, demo, action):
    with app.app_context():
        source = Status.PROVINCE_CERTIFIED if action is Action.REVOKE_PROVINCE \
            else Status.LAO_CERTIFIED
        sub = _pick(status=source, province_code="61")
        officer = _user("prov-61")
        (refused,) = transition(action, [sub.id], officer, reason="   ")
        assert not refused.done and "เหตุผล" in refused.message
        (done,) = transition(action, [sub.id], officer, reason="ตัวเลขประชากรไม่ตรง")
        assert done.done
        event = _events(sub.id)[-1]
        assert event.reason == "ตัวเลขประชากรไม่ตรง" and event.actor_role.value == "province_officer"
        if action is Action.RETURN_TO_LAO:
            assert db.session.get(Submission, sub.id).return_reason == "ตัวเลขประชากรไม่ตรง"


def test_closed_year_refuses_every_transition(app, demo):
    with app.app_context():
        sub = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == 2569, Submission.status == Status.LAO_CERTIFIED)).first()
        (outcome,) = transition(Action.CERTIFY_PROVINCE, [sub.id], _user("admin"))
        assert not outcome.done and "ปิดแล้ว" in outcome.message


def test_status_tab_certifies_through_the_screen(app, client, login_as, demo):
    with app.app_context():
        sub = _pick(status=Status.DRAFT, sections_complete=8, province_code="61")
        username = f"lao-{sub.organization.dla_code}"
        sub_id = sub.id
    login_as(username)
    page = client.get(f"/admin/lao_years/workspace/?id={sub_id}&tab=status")
    assert "รับรองข้อมูลระดับ อปท." in page.get_data(as_text=True)
    # As the browser posts it: the clerk ticks "carried values still hold" when it is asked.
    carried = {"carried_ok": "y"} if 'name="carried_ok"' in page.get_data(as_text=True) else {}
    response = client.post("/admin/lao_years/transition/", data={
        "csrf_token": csrf_token(client, "/admin/lao_years/"), "id": str(sub_id),
        "action": "certify_lao", **carried})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Submission, sub_id).status is Status.LAO_CERTIFIED
        assert len(_events(sub_id)) == 1
    # A province action is not the clerk's to take, even by a hand-made POST.
    response = client.post("/admin/lao_years/transition/", data={
        "csrf_token": csrf_token(client, "/admin/lao_years/"), "id": str(sub_id),
        "action": "certify_province"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Submission, sub_id).status is Status.LAO_CERTIFIED


def test_malformed_action_is_a_400(app, client, login_as, demo):
    with app.app_context():
        sub = _pick(status=Status.DRAFT, province_code="61")
        username, sub_id = f"lao-{sub.organization.dla_code}", sub.id
    login_as(username)
    response = client.post("/admin/lao_years/transition/", data={
        "csrf_token": csrf_token(client, "/admin/lao_years/"), "id": str(sub_id),
        "action": "certify_everything"})
    assert response.status_code == 400


# --- locks below the views -------------------------------------------------------------------

def test_certified_data_cannot_be_changed_from_the_shell(app, demo):
    with app.app_context():
        sub = _pick(status=Status.LAO_CERTIFIED)
        section = db.session.get(Section1General, sub.id)
        before = section.phone
        section.phone = "099-9999999"
        with pytest.raises(SubmissionLocked) as locked:
            db.session.commit()
        assert "ต้องยกเลิกการรับรองก่อนแก้ไข" in str(locked.value)
        db.session.rollback()
        assert db.session.get(Section1General, sub.id).phone == before


def test_child_rows_of_certified_data_are_locked_too(app, demo):
    with app.app_context():
        sub = _pick(status=Status.PROVINCE_CERTIFIED)
        recorders = db.session.scalars(select(Section1Recorder).where(
            Section1Recorder.submission_id == sub.id)).all()
        db.session.delete(recorders[0])
        with pytest.raises(SubmissionLocked):
            db.session.commit()
        db.session.rollback()
        db.session.add(Section1Recorder(submission_id=sub.id, name="x", position_title="y",
                                        phone="1"))
        with pytest.raises(SubmissionLocked):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Section1Recorder).where(
            Section1Recorder.submission_id == sub.id)) == len(recorders)


def test_closed_year_data_is_read_only(app, demo):
    with app.app_context():
        sub = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == 2569, Submission.status == Status.DRAFT)).first() \
            or db.session.scalars(select(Submission).where(Submission.fiscal_year == 2569)).first()
        section = db.session.get(Section1General, sub.id)
        section.phone = "099-9999999"
        with pytest.raises(SubmissionLocked) as locked:
            db.session.commit()
        assert "ปิดแล้ว" in str(locked.value)
        db.session.rollback()


def test_deadline_locks_drafts_unless_extended(app, demo):
    with app.app_context():
        sub = _pick(status=Status.DRAFT)
        year = db.session.get(FiscalYear, 2570)
        year.deadline = date.today() - timedelta(days=3)
        db.session.commit()
        section = db.session.get(Section1General, sub.id)
        section.phone = "099-1111111"
        with pytest.raises(SubmissionLocked) as locked:
            db.session.commit()
        assert "เลยกำหนด" in str(locked.value)
        db.session.rollback()
        db.session.get(Submission, sub.id).extension_until = date.today() + timedelta(days=7)
        db.session.commit()
        section = db.session.get(Section1General, sub.id)
        section.phone = "099-1111111"
        db.session.commit()
        assert db.session.get(Section1General, sub.id).phone == "099-1111111"


def test_draft_in_an_open_year_is_editable(app, demo):
    with app.app_context():
        sub = _pick(status=Status.DRAFT)
        section = db.session.get(Section1General, sub.id)
        version = section.version
        section.phone = "056-000000"
        db.session.commit()
        assert db.session.get(Section1General, sub.id).version == version + 1


def test_province_extends_the_deadline_of_its_own_laos_only(app, client, login_as, demo):
    with app.app_context():
        mine = _pick(status=Status.DRAFT, province_code="61").id
    login_as("prov-61")
    token = csrf_token(client, "/admin/submission/")
    page = client.post("/admin/submission/action/", data={
        "csrf_token": token, "action": "extend_deadline", "rowid": [str(mine)]})
    assert page.status_code == 200 and "ขยายเวลา" in page.get_data(as_text=True)
    bad = client.post("/admin/submission/extend/", data={
        "csrf_token": token, "rowid": [str(mine)], "until": "31/02/2570"})
    assert "วันที่ไม่ถูกต้อง" in bad.get_data(as_text=True)
    from demo import returned_extension
    from models.catalogue.reading import be_date
    until = returned_extension()        # 15/1/2570 while the demo's round is the letter's
    done = client.post("/admin/submission/extend/", data={
        "csrf_token": token, "rowid": [str(mine)],
        "until": be_date(until)})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Submission, mine).extension_until == until
        from models import AuditLog
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.submission_id == mine, AuditLog.field == "extension_until")) == 1


def test_lao_clerk_cannot_extend_its_own_deadline(app, client, login_as, demo):
    with app.app_context():
        sub = _pick(status=Status.DRAFT, province_code="61")
        username, sub_id = f"lao-{sub.organization.dla_code}", sub.id
    login_as(username)
    response = client.post("/admin/submission/extend/", data={
        "csrf_token": csrf_token(client, "/admin/lao_years/"), "rowid": [str(sub_id)],
        "until": "15/1/2570"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Submission, sub_id).extension_until is None


def test_report_shows_all_eight_sections_of_the_clerks_own_year(app, client, login_as, demo):
    with app.app_context():
        sub = _pick(status=Status.PROVINCE_CERTIFIED, province_code="61")
        username, sub_id, name = f"lao-{sub.organization.dla_code}", sub.id, sub.organization.name_th
    login_as(username)
    body = client.get(f"/admin/lao_years/report/?id={sub_id}").get_data(as_text=True)
    assert name in body and "ด้านที่ 8" in body and "ประวัติการรับรองข้อมูล" in body
    assert body.count("<section>") == 8
