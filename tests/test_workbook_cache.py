"""Workbooks kept until their data changes (views/workbook_cache.py, issue 13): a province's is
written again in the request when its data changed; the nation's (20–25 s to write at national
scale) is sent as it was last written while one new writing runs in the background, and the
review list says when it was written."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import threading

import pytest
from openpyxl import load_workbook

import views.submissions as submission_views
from models import db
from models.tables.sections import Section7Environment
from models.rules.scoping import scope_key
from views import workbook_cache

from .conftest import signed_in
from .formdata import form_fields

YEAR = 2570
COLUMN = "drainage_pumps"


def _pumps(response, dla_code: str):
    """The drainage pumps the workbook shows for `dla_code` (ด้านที่ 7)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    sheet = load_workbook(io.BytesIO(response.data), read_only=True)["ด้านที่ 7"]
    rows = list(sheet.iter_rows(values_only=True))
    col = rows[1].index(COLUMN)
    return {row[0]: row[col] for row in rows[2:]}[dla_code]


def _save_pumps(clerk, sub_id: int, value: int) -> None:
    """The clerk saves ด้าน 7 through the form, as in the browser."""
    url = f"/admin/edit_s7/edit/?id={sub_id}"
    data = form_fields(clerk.get(url).get_data(as_text=True))
    data[COLUMN] = str(value)
    assert clerk.post(url, data=data).status_code == 302


@pytest.fixture()
def fresh_cache(app):
    shutil.rmtree(app.config["WORKBOOK_CACHE_DIR"], ignore_errors=True)
    yield app.config["WORKBOOK_CACHE_DIR"]
    workbook_cache.wait_for_writings()


class Writings(list):
    """How many times a back-office workbook is written; `gate` holds a writing back."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()


@pytest.fixture()
def writings(monkeypatch):
    count = Writings()
    real = submission_views.area_workbook

    def counted(*args, **kw):
        count.append(1)
        assert count.gate.wait(30)
        return real(*args, **kw)
    monkeypatch.setattr(submission_views, "area_workbook", counted)
    yield count
    count.gate.set()


def _clerk_and_code(app, complete_draft):
    sub_id, clerk_name, _name = complete_draft
    with app.app_context():
        row = db.session.get(Section7Environment, sub_id)
        before = getattr(row, COLUMN) or 0
        code = row.submission.organization.dla_code
        db.session.remove()
    return sub_id, signed_in(app, clerk_name), code, before


def test_a_province_workbook_is_written_again_as_soon_as_a_clerk_saves(
        app, complete_draft, fresh_cache, writings):
    sub_id, clerk, code, before = _clerk_and_code(app, complete_draft)
    officer = signed_in(app, "prov-61")
    url = f"/admin/submission/workbook/?year={YEAR}"
    assert _pumps(officer.get(url), code) == (before or None)
    assert _pumps(officer.get(url), code) == (before or None)
    assert len(writings) == 1                       # unchanged data: the kept file
    _save_pumps(clerk, sub_id, before + 7)
    assert _pumps(officer.get(url), code) == before + 7   # written in the request: 3 s or less
    assert len(writings) == 2
    assert len([n for n in os.listdir(fresh_cache) if n.endswith(".xlsx")]) == 1


NATIONAL = f"/admin/submission/workbook/?year={YEAR}"


@pytest.fixture()
def national(app, complete_draft, fresh_cache, monkeypatch):
    """(submission id, its clerk, its LAO code, its pumps, the DLA admin) with every earlier
    writing counted as a large one (the nation's takes 20–25 s at national scale)."""
    monkeypatch.setitem(app.config, "WORKBOOK_FRESH_SECONDS", 0)
    return (*_clerk_and_code(app, complete_draft), signed_in(app, "admin"))


def test_the_national_workbook_is_sent_as_last_written_while_one_new_writing_runs(
        national, writings):
    sub_id, clerk, code, before, admin = national
    url = NATIONAL
    first = admin.get(url)
    assert _pumps(first, code) == (before or None) and len(writings) == 1
    made = re.search(r"filename=(\S+)", first.headers["Content-Disposition"]).group(1)

    _save_pumps(clerk, sub_id, before + 3)
    writings.gate.clear()                       # the new writing waits until both are sent
    stale = [admin.get(url), admin.get(url)]
    listing = admin.get("/admin/submission/", follow_redirects=True).get_data(as_text=True)
    assert "กำลังจัดทำไฟล์ใหม่" in listing
    writings.gate.set()
    assert [s.data for s in stale] == [first.data, first.data]      # sent at once, as written
    assert made in stale[0].headers["Content-Disposition"]           # named by when it was
    workbook_cache.wait_for_writings()
    assert len(writings) == 2                   # one writing for both downloads
    assert _pumps(admin.get(url), code) == before + 3
    assert len(writings) == 2
    page = admin.get("/admin/submission/", follow_redirects=True).get_data(as_text=True)
    assert f"ไฟล์ทั้งประเทศ ปีงบประมาณ {YEAR} จัดทำล่าสุดเมื่อ" in page


def test_a_failed_background_writing_keeps_the_last_file_and_is_tried_again(
        national, fresh_cache, monkeypatch, caplog):
    sub_id, clerk, code, before, admin = national
    url = NATIONAL
    first = admin.get(url).data
    real = submission_views.area_workbook

    def broken(*args, **kw):
        raise RuntimeError("disk full")
    monkeypatch.setattr(submission_views, "area_workbook", broken)
    _save_pumps(clerk, sub_id, before + 5)
    with caplog.at_level(logging.ERROR, logger="views.workbook_cache"):
        assert admin.get(url).data == first
        workbook_cache.wait_for_writings()
    assert "writing the workbook backoffice-th-all-2570@" in caplog.text
    assert not [n for n in os.listdir(fresh_cache) if n.endswith((".lock", ".part"))]
    monkeypatch.setattr(submission_views, "area_workbook", real)
    assert admin.get(url).data == first             # the next download starts it again
    workbook_cache.wait_for_writings()
    assert _pumps(admin.get(url), code) == before + 5


def test_a_dead_writings_lock_is_taken_over(app, fresh_cache):
    os.makedirs(fresh_cache, exist_ok=True)
    lock = os.path.join(fresh_cache, "backoffice-th-all-2570.lock")
    open(lock, "w").close()
    assert not workbook_cache._take_lock(fresh_cache, "backoffice-th-all-2570")   # alive
    old = os.path.getmtime(lock) - workbook_cache.LOCK_SECONDS - 1
    os.utime(lock, (old, old))
    assert workbook_cache._take_lock(fresh_cache, "backoffice-th-all-2570")       # dead
    os.unlink(lock)


def test_each_scope_has_its_own_kept_workbooks(app, demo):
    from sqlalchemy import select

    from models import User
    from models.tables.accounts import AccountStatus
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        keys = {name: scope_key(user) for name, user in users.items()}
        assert keys["admin"] == "th" and keys["prov-61"] == "p61"
        clerk = next(u for u in users.values() if u.organization_id is not None)
        assert keys[clerk.username] == f"o{clerk.organization_id}"
        clerk.status = AccountStatus.DISABLED
        assert scope_key(clerk) == "none" and scope_key(None) == "none"
        db.session.rollback()
        db.session.remove()


def test_renaming_an_lao_writes_its_workbooks_again(app, complete_draft, fresh_cache,
                                                    writings):
    """The workbook shows the LAO's name from the organization, which no submission holds:
    its own updated_at is in the fingerprint (migration d9f1b3c5e7a2)."""
    from models import Organization, Submission
    sub_id = complete_draft[0]
    officer = signed_in(app, "prov-61")
    url = f"/admin/submission/workbook/?year={YEAR}"

    def names(response):
        sheet = load_workbook(io.BytesIO(response.data), read_only=True)["ด้านที่ 1"]
        return {row[0]: row[1] for row in list(sheet.iter_rows(values_only=True))[2:]}
    with app.app_context():
        org = db.session.get(Submission, sub_id).organization
        code = org.dla_code
        assert names(officer.get(url))[code] == org.name_th
        org.name_th = "เทศบาลตำบลทดสอบชื่อใหม่"      # the DLA's edit (views/admin.OrganizationView)
        db.session.commit()
        assert db.session.get(Organization, org.id).updated_at is not None
        db.session.remove()
    assert names(officer.get(url))[code] == "เทศบาลตำบลทดสอบชื่อใหม่"
    assert len(writings) == 2


def test_a_public_workbook_never_sends_a_year_that_left_the_public_statuses(
        app, demo, fresh_cache, monkeypatch):
    """The certified workbook of the nation is as slow to write as the DLA's: after a new
    certification the last file may be sent while the next is written (it holds only
    certified years, one fewer), but after a revocation it may not — it would show a year
    that is no longer certified."""
    from sqlalchemy import select

    from models import Organization, Submission, User
    from models.services.certification import transition
    from workflow import Status
    monkeypatch.setitem(app.config, "WORKBOOK_FRESH_SECONDS", 0)
    public = app.test_client()
    url = f"/stats/workbook.xlsx?year={YEAR}"

    def codes(response):
        sheet = load_workbook(io.BytesIO(response.data), read_only=True)["ด้านที่ 1"]
        return {row[0] for row in list(sheet.iter_rows(values_only=True))[2:]}
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.username == "prov-61"))
        certified = db.session.execute(
            select(Submission.id, Organization.dla_code).join(Organization).where(
                Submission.fiscal_year == YEAR,
                Submission.status == Status.PROVINCE_CERTIFIED)).first()
        waiting = db.session.execute(
            select(Submission.id, Organization.dla_code).join(Organization).where(
                Submission.fiscal_year == YEAR,
                Submission.status == Status.LAO_CERTIFIED)).first()
        db.session.remove()
    first = codes(public.get(url))
    assert certified.dla_code in first and waiting.dla_code in first   # both are public

    with app.app_context():
        officer = db.session.merge(officer)
        assert transition("return_to_lao", [waiting.id], officer, reason="ตรวจทานใหม่")[0].done
        db.session.remove()
    assert waiting.dla_code not in codes(public.get(url))     # written again, in the request
    workbook_cache.wait_for_writings()

    with app.app_context():
        officer = db.session.merge(officer)
        assert transition("revoke_province", [certified.id], officer,
                          reason="ตรวจทานใหม่")[0].done      # province → LAO certified: public
        db.session.remove()
    assert certified.dla_code in codes(public.get(url))
    workbook_cache.wait_for_writings()


def test_only_the_dla_gets_the_last_file_while_the_next_is_written(
        app, complete_draft, fresh_cache, monkeypatch, writings):
    """A province's or a district's workbook is written in the request however long the last
    writing took: an LAO moved out of a district must not stay in its officer's file."""
    monkeypatch.setitem(app.config, "WORKBOOK_FRESH_SECONDS", 0)
    sub_id, clerk, code, before = _clerk_and_code(app, complete_draft)
    officer = signed_in(app, "prov-61")
    url = f"/admin/submission/workbook/?year={YEAR}"
    officer.get(url)
    _save_pumps(clerk, sub_id, before + 9)
    assert _pumps(officer.get(url), code) == before + 9
    assert not workbook_cache._threads or not any(t.is_alive() for t in workbook_cache._threads)


def test_the_lock_of_a_stopped_process_is_taken_over_at_once(app, fresh_cache):
    os.makedirs(fresh_cache, exist_ok=True)
    lock = os.path.join(fresh_cache, "backoffice-th-all-2570.lock")
    with open(lock, "w") as handle:
        handle.write(str(os.getpid()))                   # a live writer: wait for it
    assert not workbook_cache._take_lock(fresh_cache, "backoffice-th-all-2570")
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    with open(lock, "w") as handle:
        handle.write(str(dead))                           # its process is gone
    assert workbook_cache._take_lock(fresh_cache, "backoffice-th-all-2570")
    assert open(lock).read() == str(os.getpid())
    os.unlink(lock)
