"""No typed work lost (issue 22), in Chromium: a clerk fills a section form, the sign-in ends
(a sign-out on another device, or the idle timeout, here made 20 seconds long), บันทึก leads to
the sign-in page with a Thai message, and after signing in the form shows what was typed; one
more บันทึก stores it — checked in the database.  And while the form is open the page warns
before the idle end, and ทำงานต่อ keeps the sign-in.

The server side (who may see a kept form, the timeouts, the keep-alive) is
tests/test_unsaved_work.py.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import UnsavedForm, db
from models.tables.sections import Section1General, Section1Recorder

from .conftest import PASSWORD

TERRAIN = "ที่ราบลุ่มสลับเนินเขา กรอกไว้ก่อนหมดเวลา"
COMMUNITIES = "17"
PHONE = "056-777-123"
SAVE = "form.admin-form input[type=submit][value='บันทึก']"
IDLE = timedelta(seconds=20)
KEPT_MESSAGE = "ยังไม่ได้บันทึกข้อมูล เนื่องจากการเข้าสู่ระบบสิ้นสุดลงแล้ว ระบบเก็บข้อมูลที่ท่านกรอกไว้ให้"
SHOWN_MESSAGE = re.compile(r"ข้อมูลที่ท่านกรอกไว้เมื่อ \d\d:\d\d น\. ยังไม่ได้บันทึก กรุณาตรวจสอบแล้วกด บันทึก")
WARNING = "อีก 1 นาทีระบบจะออกจากระบบอัตโนมัติเนื่องจากไม่มีการใช้งาน ข้อมูลที่กรอกไว้ยังไม่ได้บันทึก"


@pytest.fixture()
def short_idle(app, monkeypatch):
    """The idle timeout made 20 seconds for this test (the live server reads it per request)."""
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", IDLE)


def _open_form(page: Page, sub_id: int) -> None:
    page.goto(f"/admin/edit_s1/edit/?id={sub_id}")
    expect(page.locator("form.admin-form")).to_be_visible()


def _type(page: Page) -> None:
    """What the clerk types: two fields of the section and the phone of its first recorder."""
    page.fill("[name=terrain]", TERRAIN)
    page.fill("[name=communities]", COMMUNITIES)
    page.fill("[name='recorders-0-phone']", PHONE)


def _stored(sub_id: int):
    row = db.session.get(Section1General, sub_id)
    phones = list(db.session.scalars(select(Section1Recorder.phone).where(
        Section1Recorder.submission_id == sub_id).order_by(Section1Recorder.id)))
    return row.terrain, row.communities, phones[0]


def _kept_rows() -> int:
    return len(db.session.scalars(select(UnsavedForm.id)).all())


def _save_after_the_end_and_sign_in_again(journey, page: Page, sub_id: int, username: str,
                                          read_db) -> None:
    """บันทึก after the sign-in ended → the sign-in page says so → sign in → the typed values
    are back with a message → บันทึก stores them."""
    before = read_db(lambda: _stored(sub_id))
    with page.expect_navigation():
        page.locator(SAVE).click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_text(KEPT_MESSAGE)).to_be_visible()
    journey.step(page, "sign-in page after บันทึก")
    assert read_db(lambda: _stored(sub_id)) == before       # nothing saved yet
    assert read_db(_kept_rows) == 1

    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/admin/edit_s1/edit/\?id={sub_id}$"))
    expect(page.get_by_text(SHOWN_MESSAGE)).to_be_visible()
    expect(page.locator("[name=terrain]")).to_have_value(TERRAIN)
    expect(page.locator("[name=communities]")).to_have_value(COMMUNITIES)
    expect(page.locator("[name='recorders-0-phone']")).to_have_value(PHONE)
    journey.step(page, "the typed values are back")
    assert read_db(_kept_rows) == 0
    assert read_db(lambda: _stored(sub_id)) == before       # still only shown

    with page.expect_navigation():
        page.locator(SAVE).click()
    expect(page).to_have_url(re.compile(r"/admin/lao_years/workspace/"))
    journey.step(page, "saved")
    assert read_db(lambda: _stored(sub_id)) == (TERRAIN, int(COMMUNITIES), PHONE)


def test_save_after_a_sign_out_on_another_device_keeps_the_typed_values(
        journey, complete_draft, read_db):
    sub_id, username, _name = complete_draft
    page = journey.open(username)
    _open_form(page, sub_id)
    _type(page)
    journey.step(page, "typed")

    # The same clerk signs out on another computer: every session of the account ends.
    elsewhere = journey.open(username)
    elsewhere.goto("/admin/")
    with elsewhere.expect_navigation():
        elsewhere.get_by_role("button", name="ออกจากระบบ").click()
    expect(elsewhere).to_have_url(re.compile(r"/login"))

    _save_after_the_end_and_sign_in_again(journey, page, sub_id, username, read_db)


def test_save_after_the_idle_timeout_keeps_the_typed_values(
        journey, complete_draft, read_db, short_idle):
    sub_id, username, _name = complete_draft
    page = journey.open(username)
    _open_form(page, sub_id)
    _type(page)
    # Nothing more happens: the page learns from the server that the sign-in has ended.
    expect(page.locator("#session-ended")).to_be_visible(timeout=45_000)
    expect(page.locator("#session-ended")).to_contain_text("กด บันทึก ในหน้านี้ก่อน")
    journey.step(page, "the sign-in has ended")

    _save_after_the_end_and_sign_in_again(journey, page, sub_id, username, read_db)


def test_the_warning_comes_before_the_idle_end_and_continue_keeps_the_sign_in(
        journey, complete_draft, read_db, short_idle):
    sub_id, username, _name = complete_draft
    page = journey.open(username)
    _open_form(page, sub_id)
    loaded = time.monotonic()
    page.fill("[name=terrain]", TERRAIN)

    warning = page.locator("#session-warning")
    expect(warning).to_be_visible(timeout=IDLE.total_seconds() * 1000)
    assert time.monotonic() - loaded < IDLE.total_seconds()  # before the end, not after
    expect(warning).to_contain_text(WARNING)
    journey.step(page, "warning")
    warning.get_by_role("button", name="ทำงานต่อ").click()
    expect(warning).to_be_hidden()

    # Past the moment the sign-in would have ended without ทำงานต่อ: still signed in.
    page.wait_for_timeout(max(0, (IDLE.total_seconds() + 2 - (time.monotonic() - loaded)) * 1000))
    expect(page.locator("#session-ended")).to_be_hidden()
    with page.expect_navigation():
        page.locator(SAVE).click()
    expect(page).to_have_url(re.compile(r"/admin/lao_years/workspace/"))
    assert read_db(lambda: db.session.get(Section1General, sub_id).terrain) == TERRAIN
    assert read_db(_kept_rows) == 0


def test_a_form_whose_cookie_is_gone_says_nothing_was_saved_and_offers_to_go_back(
        journey, complete_draft, read_db):
    """No cookie, no account: nothing can be kept; the refusal says so and its way back is a
    button bound by a script (the CSP runs no inline handler)."""
    sub_id, username, _name = complete_draft
    page = journey.open(username)
    _open_form(page, sub_id)
    before = read_db(lambda: _stored(sub_id))
    _type(page)
    page.context.clear_cookies()
    with page.expect_navigation():
        page.locator(SAVE).click()
    expect(page.get_by_text("ข้อมูลที่ท่านกรอกไว้ยังไม่ได้บันทึก")).to_be_visible()
    journey.step(page, "refused")
    back = page.get_by_role("button", name="ย้อนกลับไปที่แบบฟอร์ม")
    with page.expect_navigation():
        back.click()
    expect(back).to_have_count(0)
    assert read_db(lambda: _stored(sub_id)) == before and read_db(_kept_rows) == 0
