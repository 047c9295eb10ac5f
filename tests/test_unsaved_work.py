"""No typed work lost (issue 22): the server ends an idle or too-old sign-in, the section form
keeps it alive, and a form sent after the sign-in ended is kept for its own account only,
shown again after signing in, and saved through the usual checks.

The browser side (the keep-alive script, its warning, real cookies) is
tests/browser/test_unsaved_work.py.
"""

from __future__ import annotations

from datetime import timedelta
from time import time

import pytest
from sqlalchemy import func, select, update

from models import AuditLog, Submission, UnsavedForm, User, db, utcnow
from models.tables.sections import Section1General, Section1Recorder
from workflow import Role, Status

from .conftest import PASSWORD, csrf_token, login
from .formdata import form_fields

TERRAIN = "ที่ราบลุ่มริมแม่น้ำสะแกกรัง พิมพ์ไว้ก่อนหมดเวลา"
PHONE = "056-999-888"


# --- helpers ---------------------------------------------------------------------------------

def _url(sub_id: int, section: int = 1) -> str:
    return f"/admin/edit_s{section}/edit/?id={sub_id}"


def _typed_form(client, sub_id: int) -> dict[str, str]:
    """Section 1 as the browser holds it after the clerk typed: a field of the section and
    one of its first child row (a recorder) changed."""
    page = client.get(_url(sub_id))
    assert page.status_code == 200, page.status_code
    data = form_fields(page.get_data(as_text=True))
    assert "recorders-0-phone" in data and "loaded_version" in data
    data["terrain"] = TERRAIN
    data["recorders-0-phone"] = PHONE
    return data


def _idle(client, minutes: float = 31) -> None:
    """Make the client's last request `minutes` ago (the idle timeout is 30 minutes)."""
    with client.session_transaction() as sess:
        sess["seen_at"] = time() - minutes * 60


def _stored(app, sub_id: int) -> tuple[str | None, list[str]]:
    with app.app_context():
        return (db.session.get(Section1General, sub_id).terrain,
                [r.phone for r in db.session.scalars(select(Section1Recorder).where(
                    Section1Recorder.submission_id == sub_id).order_by(Section1Recorder.id))])


def _kept(app) -> list[UnsavedForm]:
    with app.app_context():
        rows = db.session.scalars(select(UnsavedForm).order_by(UnsavedForm.id)).all()
        db.session.expunge_all()
        return rows


def _user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def _second_clerk(app, sub_id: int) -> str:
    """Another clerk account of the same LAO (it may open the same form)."""
    with app.app_context():
        org_id = db.session.get(Submission, sub_id).organization_id
        user = User(username="lao-colleague", role=Role.LAO_EDITOR, full_name="เพื่อนร่วมงาน",
                    organization_id=org_id)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return "lao-colleague"


def _keep_a_form(app, client, sub_id: int) -> dict[str, str]:
    """The clerk types, the sign-in ends (idle), บันทึก: the form is kept, nothing saved."""
    data = _typed_form(client, sub_id)
    _idle(client)
    response = client.post(_url(sub_id), data=data)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    return data


# --- the timeouts, by the server ---------------------------------------------------------------

def test_the_cookie_outlives_the_sign_in(app):
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=7)
    assert app.config["SESSION_COOKIE_DAYS"] == 7
    assert app.config["SESSION_IDLE_MINUTES"] == 30 and app.config["SESSION_ABSOLUTE_HOURS"] == 10


def test_the_idle_timeout_ends_the_sign_in_and_keeps_the_csrf_token_lang_and_uid(
        app, client, clerk, complete_draft):
    client.get("/lang/en")
    csrf_token(client, "/admin/")
    with client.session_transaction() as sess:
        assert sess["uid"] == _user_id(app, complete_draft[1])
        assert sess["seen_at"] >= sess["login_at"]
        # The session's own token (the page shows it signed with the time, a new text each second).
        token = sess["csrf_token"]
    _idle(client, 29)
    assert client.get("/admin/").status_code == 200      # 29 minutes: still signed in
    _idle(client, 31)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.location
    with client.session_transaction() as sess:
        assert "_user_id" not in sess and "login_at" not in sess and "seen_at" not in sess
        assert sess["csrf_token"] == token and sess["lang"] == "en"  # old forms still pass
        assert sess["uid"] == _user_id(app, complete_draft[1])
    page = client.get("/login").get_data(as_text=True)
    assert "Signed out automatically after 30 minutes without activity" in page


def test_the_idle_length_is_read_at_each_request(app, client, clerk, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", timedelta(seconds=20))
    _idle(client, 0.25)                                  # 15 s
    assert client.get("/admin/").status_code == 200
    _idle(client, 0.5)                                   # 30 s
    assert client.get("/admin/").status_code == 302


def test_the_absolute_timeout_still_ends_the_sign_in(app, client, clerk):
    with client.session_transaction() as sess:
        sess["login_at"] = time() - 10 * 3600 + 30      # 30 s before the 10 hours
    assert client.get("/admin/").status_code == 200
    answer = client.post("/session/keepalive", headers={"X-CSRFToken": csrf_token(client, "/admin/")})
    assert answer.get_json()["signed_in"] is True
    assert answer.get_json()["seconds_left"] <= 30       # the keep-alive does not extend it
    with client.session_transaction() as sess:
        sess["login_at"] = time() - 10 * 3600 - 1
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.location
    page = client.get("/login").get_data(as_text=True)
    assert "ออกจากระบบอัตโนมัติแล้ว เนื่องจากเข้าสู่ระบบต่อเนื่องครบ 10 ชั่วโมง" in page


# --- the keep-alive ----------------------------------------------------------------------------

def test_the_keepalive_refreshes_an_active_sign_in(app, client, clerk):
    token = csrf_token(client, "/admin/")
    _idle(client, 20)
    answer = client.post("/session/keepalive", data={"check": "1"}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    assert answer.get_json() == {"signed_in": True, "seconds_left": pytest.approx(600, abs=5)}
    with client.session_transaction() as sess:       # asking is not working: nothing refreshed
        assert time() - sess["seen_at"] > 19 * 60
    answer = client.post("/session/keepalive", headers={"X-CSRFToken": token})
    assert answer.get_json() == {"signed_in": True, "seconds_left": pytest.approx(1800, abs=5)}
    with client.session_transaction() as sess:
        assert time() - sess["seen_at"] < 5
    _idle(client, 25)                                    # 25 + 25 minutes, never 30 idle
    assert client.get("/admin/").status_code == 200


def test_the_keepalive_never_revives_an_ended_sign_in(app, client, clerk):
    token = csrf_token(client, "/admin/")
    _idle(client)
    answer = client.post("/session/keepalive", headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.get_json() == {"signed_in": False}
    answer = client.post("/session/keepalive", headers={"X-CSRFToken": token})
    assert answer.get_json() == {"signed_in": False}
    assert client.get("/admin/").status_code == 302


def test_the_keepalive_after_a_sign_out_on_another_device(app, clerk, complete_draft, client):
    token = csrf_token(client, "/admin/")
    other = app.test_client()
    assert login(other, complete_draft[1]).status_code == 302
    other.post("/logout", data={"csrf_token": csrf_token(other, "/admin/")})
    answer = client.post("/session/keepalive", headers={"X-CSRFToken": token})
    assert answer.get_json() == {"signed_in": False}


def test_the_keepalive_answers_a_visitor_and_needs_a_csrf_token(app, client):
    token = csrf_token(client, "/login")
    answer = client.post("/session/keepalive", headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.get_json() == {"signed_in": False}
    refused = client.post("/session/keepalive", headers={"Accept": "application/json"})
    assert refused.status_code == 400 and refused.is_json
    assert client.get("/session/keepalive").status_code == 405


def test_the_section_form_knows_the_idle_length(app, client, clerk, monkeypatch):
    page = client.get(_url(clerk)).get_data(as_text=True)
    assert 'data-idle-seconds="1800"' in page and "js/session-keep.js" in page
    assert "อีก 1 นาทีระบบจะออกจากระบบอัตโนมัติเนื่องจากไม่มีการใช้งาน ข้อมูลที่กรอกไว้ยังไม่ได้บันทึก" in page
    assert "ทำงานต่อ" in page
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", timedelta(seconds=20))
    page = client.get(_url(clerk)).get_data(as_text=True)
    assert 'data-idle-seconds="20"' in page


# --- a save after the sign-in ended ------------------------------------------------------------

@pytest.mark.parametrize("ending", ["idle", "absolute", "signed_out_elsewhere"])
def test_a_save_after_the_sign_in_ended_is_kept_shown_after_sign_in_and_saved(
        app, client, clerk, complete_draft, ending):
    sub_id, username, _name = complete_draft
    before = _stored(app, sub_id)
    data = _typed_form(client, sub_id)
    if ending == "idle":
        _idle(client)
    elif ending == "absolute":
        with client.session_transaction() as sess:
            sess["login_at"] = time() - 11 * 3600
    else:
        other = app.test_client()
        assert login(other, username).status_code == 302
        other.post("/logout", data={"csrf_token": csrf_token(other, "/admin/")})

    response = client.post(_url(sub_id), data=data)
    assert response.status_code == 302
    assert response.location == f"/login?next=/admin/edit_s1/edit/?id%3D{sub_id}"
    assert _stored(app, sub_id) == before                 # nothing saved yet
    kept = _kept(app)
    assert len(kept) == 1 and kept[0].user_id == _user_id(app, username)
    assert kept[0].url == _url(sub_id)
    assert ["terrain", TERRAIN] in kept[0].values and ["recorders-0-phone", PHONE] in kept[0].values
    assert not any(name == "csrf_token" for name, _v in kept[0].values)
    page = client.get(response.location).get_data(as_text=True)
    assert "ยังไม่ได้บันทึกข้อมูล เนื่องจากการเข้าสู่ระบบสิ้นสุดลงแล้ว ระบบเก็บข้อมูลที่ท่านกรอกไว้ให้" in page

    signed_in = client.post(response.location, data={"username": username, "password": PASSWORD,
                                                     "csrf_token": csrf_token(client)})
    assert signed_in.status_code == 302 and signed_in.location == _url(sub_id)
    form = client.get(_url(sub_id))
    html = form.get_data(as_text=True)
    assert "ยังไม่ได้บันทึก กรุณาตรวจสอบแล้วกด บันทึก" in html and "ข้อมูลที่ท่านกรอกไว้เมื่อ" in html
    shown = form_fields(html)
    assert shown["terrain"] == TERRAIN and shown["recorders-0-phone"] == PHONE
    assert shown["loaded_version"] == data["loaded_version"]
    assert _kept(app) == []                               # it is in the form now
    assert "ข้อมูลที่ท่านกรอกไว้เมื่อ" not in client.get(_url(sub_id)).get_data(as_text=True)

    saved = client.post(_url(sub_id), data=shown)
    assert saved.status_code == 302 and "workspace" in saved.location
    assert _stored(app, sub_id) == (TERRAIN, [PHONE, *before[1][1:]])


def test_a_save_after_the_idle_timeout_stores_nothing_without_uid(app, client, clerk):
    data = _typed_form(client, clerk)
    _idle(client)
    with client.session_transaction() as sess:
        del sess["uid"]                                   # a session made before uid existed
    response = client.post(_url(clerk), data=data)
    assert response.status_code == 302 and response.location.startswith("/login?next=")
    assert _kept(app) == []
    page = client.get(response.location).get_data(as_text=True)
    assert "ระบบจึงเก็บข้อมูลที่กรอกไว้ให้ไม่ได้" in page


def test_a_visitor_post_stores_nothing(app, client, clerk):
    data = _typed_form(client, clerk)
    visitor = app.test_client()
    data["csrf_token"] = csrf_token(visitor, "/login")
    response = visitor.post(_url(clerk), data=data)
    assert response.status_code == 302 and "/login" in response.location
    assert _kept(app) == []


def test_another_user_signing_in_on_the_same_browser_never_sees_the_kept_form(
        app, client, clerk, complete_draft):
    sub_id = clerk
    colleague = _second_clerk(app, sub_id)
    _keep_a_form(app, client, sub_id)
    kept_id = _kept(app)[0].id
    assert login(client, colleague).status_code == 302
    with client.session_transaction() as sess:
        assert "unsaved" not in sess                      # not carried over to another account
        sess["unsaved"] = [kept_id]                       # and named by hand: still not shown
    html = client.get(_url(sub_id)).get_data(as_text=True)
    assert TERRAIN not in html and "ข้อมูลที่ท่านกรอกไว้เมื่อ" not in html
    assert [row.id for row in _kept(app)] == [kept_id]   # still the first clerk's


def test_the_kept_form_is_not_applied_to_another_url(app, client, clerk, complete_draft):
    sub_id, username, _name = complete_draft
    _keep_a_form(app, client, sub_id)
    assert login(client, username).status_code == 302
    for other in (_url(sub_id, 2), f"/admin/edit_s1/edit/?id={sub_id}0"):
        response = client.get(other)
        assert "ข้อมูลที่ท่านกรอกไว้เมื่อ" not in response.get_data(as_text=True), other
    assert len(_kept(app)) == 1
    html = client.get(_url(sub_id)).get_data(as_text=True)
    assert "ข้อมูลที่ท่านกรอกไว้เมื่อ" in html and TERRAIN in html


def test_an_unchanged_save_after_restore_changes_nothing(app, client, clerk, complete_draft):
    sub_id, username, _name = complete_draft
    with app.app_context():
        row = db.session.get(Section1General, sub_id)
        before = {c.key: getattr(row, c.key) for c in Section1General.__table__.columns
                  if c.key not in ("updated_at", "version", "updated_by_id", "carried_forward")}
    page = client.get(_url(sub_id)).get_data(as_text=True)
    _idle(client)
    assert client.post(_url(sub_id), data=form_fields(page)).status_code == 302
    assert login(client, username).status_code == 302
    shown = form_fields(client.get(_url(sub_id)).get_data(as_text=True))
    assert client.post(_url(sub_id), data=shown).status_code == 302
    with app.app_context():
        row = db.session.get(Section1General, sub_id)
        after = {k: getattr(row, k) for k in before}
        assert after == before
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_a_year_certified_meanwhile_is_refused_and_says_the_values_were_not_saved(
        app, client, clerk, complete_draft):
    sub_id, username, _name = complete_draft
    before = _stored(app, sub_id)
    _keep_a_form(app, client, sub_id)
    with app.app_context():   # certified from another device meanwhile
        db.session.execute(update(Submission).where(Submission.id == sub_id)
                           .values(status=Status.LAO_CERTIFIED))
        db.session.commit()
    assert login(client, username).status_code == 302
    response = client.get(_url(sub_id))
    assert response.status_code == 302 and "workspace" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "ข้อมูลที่ท่านกรอกไว้ในแบบฟอร์มยังไม่ได้บันทึก" in page
    assert _stored(app, sub_id) == before and _kept(app) == []


def test_a_post_to_a_refused_section_says_the_values_were_not_saved(app, client, clerk):
    data = _typed_form(client, clerk)
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.id == clerk)
                           .values(status=Status.LAO_CERTIFIED))
        db.session.commit()
    response = client.post(_url(clerk), data=data, follow_redirects=True)
    assert "ข้อมูลที่ท่านกรอกไว้ในแบบฟอร์มยังไม่ได้บันทึก" in response.get_data(as_text=True)


def test_a_save_of_a_section_changed_meanwhile_is_refused(app, client, clerk, complete_draft):
    """Optimistic locking holds across the sign-in: the kept form carries its loaded_version."""
    sub_id, username, _name = complete_draft
    _keep_a_form(app, client, sub_id)
    with app.app_context():
        db.session.execute(update(Section1General).where(Section1General.submission_id == sub_id)
                           .values(terrain="แก้จากเครื่องอื่น",
                                   version=Section1General.version + 1))
        db.session.commit()
    assert login(client, username).status_code == 302
    shown = form_fields(client.get(_url(sub_id)).get_data(as_text=True))
    response = client.post(_url(sub_id), data=shown)
    assert response.status_code == 200
    assert "มีผู้อื่นบันทึกข้อมูลด้านนี้ไปแล้ว" in response.get_data(as_text=True)
    assert _stored(app, sub_id)[0] == "แก้จากเครื่องอื่น"


def test_kept_forms_older_than_the_cookie_are_deleted(app, client, clerk, complete_draft):
    uid = _user_id(app, complete_draft[1])
    with app.app_context():
        db.session.add(UnsavedForm(user_id=uid, url="/admin/edit_s2/edit/?id=1", values=[],
                                   created_at=utcnow() - timedelta(days=8)))
        db.session.add(UnsavedForm(user_id=uid, url="/admin/edit_s3/edit/?id=1", values=[],
                                   created_at=utcnow() - timedelta(days=6)))
        db.session.commit()
    _keep_a_form(app, client, clerk)
    assert sorted(row.url for row in _kept(app)) == ["/admin/edit_s1/edit/?id=%d" % clerk,
                                                     "/admin/edit_s3/edit/?id=1"]


@pytest.mark.parametrize("values", [{"terrain": "x"}, [["terrain", 5]], [["a", "b", "c"]], "x",
                                    None, [[None, "x"]]])
def test_malformed_kept_values_are_no_500(app, client, clerk, complete_draft, values):
    uid = _user_id(app, complete_draft[1])
    with app.app_context():
        db.session.add(UnsavedForm(user_id=uid, url=_url(clerk), values=values))
        db.session.commit()
        kept_id = db.session.scalar(select(UnsavedForm.id))
    with client.session_transaction() as sess:
        sess["unsaved"] = [kept_id, "x", None, True]
    response = client.get(_url(clerk))
    assert response.status_code == 200
    assert "อ่านไม่ได้" in response.get_data(as_text=True)


@pytest.mark.parametrize("pending", ["x", {"a": 1}, [None], ["x"], 5])
def test_a_malformed_session_pointer_is_no_500(app, client, clerk, pending):
    with client.session_transaction() as sess:
        sess["unsaved"] = pending
    assert client.get(_url(clerk)).status_code == 200


def test_a_form_whose_cookie_is_gone_is_refused_saying_the_values_were_not_saved(app, client, clerk):
    data = _typed_form(client, clerk)
    client.delete_cookie("info_session")
    response = client.post(_url(clerk), data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "ข้อมูลที่ท่านกรอกไว้ยังไม่ได้บันทึก" in html and "data-history-back" in html
    assert "onclick" not in html
    assert _kept(app) == []
    # Any other form keeps the usual message.
    other = client.post("/logout", data={"csrf_token": "x"})
    assert other.status_code == 400 and "data-history-back" not in other.get_data(as_text=True)
