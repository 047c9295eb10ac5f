"""สมัครสมาชิก in a real browser: a clerk files a request (the LAO picked by the ajax search), the
province officer approves it, the clerk opens the one-time link, sets a password, signs in and
sees its LAO — checking the database after each step."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from models import AccountRequest, Organization, RequestStatus, User, db
from workflow import Role

NEW_PASSWORD = "ช้างเผือกสามเชือก2570"


def test_a_request_is_filed_approved_and_the_new_clerk_signs_in(journey, demo, read_db):
    org = read_db(lambda: db.session.execute(
        select(Organization.dla_code, Organization.name_th).where(
            Organization.province_code == "61", Organization.name_th.like("%หนองฉาง%"))
        .order_by(Organization.dla_code)).first())
    # 1. The public form, from the login page; the LAO found by typing part of its name.
    page = journey.open()
    page.goto("/login")
    page.get_by_role("link", name="สมัครสมาชิก").click()
    expect(page).to_have_url(re.compile(r"/register$"))
    page.fill("#org-search", "หนองฉาง")
    result = page.locator(f".org-result[data-code='{org.dla_code}']")
    expect(result).to_be_visible()
    result.click()
    expect(page.locator("#dla_code")).to_have_value(org.dla_code)
    page.fill("#full_name", "นางสาวสมใจ ใจดี")
    page.fill("#position", "นักวิชาการคอมพิวเตอร์")
    page.fill("#phone", "056 511 234")
    page.fill("#email", "somjai@example.go.th")
    page.fill("#username", "somjai")
    journey.step(page, "the filled สมัครสมาชิก form")
    page.get_by_role("button", name="ส่งคำขอสมัครสมาชิก").click()
    expect(page.get_by_role("status")).to_contain_text("ส่งคำขอสมัครสมาชิกแล้ว")
    filed = read_db(lambda: db.session.scalar(select(AccountRequest)))
    assert filed.status is RequestStatus.PENDING and filed.organization_id is not None

    # 2. The province officer approves it from the request's page.
    officer = journey.open("prov-61")
    officer.goto("/admin/account_request/")
    expect(officer.locator("table.model-list")).to_contain_text("นางสาวสมใจ ใจดี")
    officer.goto(f"/admin/account_request/details/?id={filed.id}")
    officer.once("dialog", lambda dialog: dialog.accept())
    officer.get_by_role("button", name="อนุมัติ", exact=True).click()
    link = officer.locator("#reset-link")
    expect(link).to_be_visible()
    journey.step(officer, "the approval and its set-password link")
    url = link.input_value()
    user = read_db(lambda: db.session.scalar(select(User).where(User.username == "somjai")))
    assert user.role is Role.LAO_EDITOR and user.organization_id == filed.organization_id
    assert read_db(lambda: db.session.get(AccountRequest, filed.id).status) is RequestStatus.APPROVED

    # 3. The clerk opens the link (not signed in), sets a password, signs in.
    clerk = journey.open()
    clerk.goto(url)
    clerk.fill("#password", NEW_PASSWORD)
    clerk.fill("#confirm_password", NEW_PASSWORD)
    clerk.get_by_role("button", name="บันทึกรหัสผ่าน").click()
    expect(clerk).to_have_url(re.compile(r"/login"))
    clerk.fill("#username", "somjai")
    clerk.fill("#password", NEW_PASSWORD)
    clerk.locator("form button[type=submit]").click()
    expect(clerk).to_have_url(re.compile(r"/admin/"))
    expect(clerk.locator("body")).to_contain_text(org.name_th)
    journey.step(clerk, "the new clerk's home page")
    # The link was spent.
    clerk.goto(url)
    expect(clerk.locator("body")).to_contain_text("ใช้ไปแล้วหรือหมดอายุแล้ว")
