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
    page.check("#privacy")              # the privacy notice, acknowledged (PDPA)
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


def test_the_province_disables_a_clerk_whose_open_session_ends_at_once(journey, demo, read_db):
    """ระงับการใช้งาน from the user list: the confirmation dismissed changes nothing; accepted,
    the account is disabled, the clerk's open page is signed out and the password no longer
    signs in (the account is restored afterwards: the demo database is shared)."""
    from models import AccountStatus

    from .conftest import PASSWORD, answer_dialog, list_action

    def clerk_of_61():
        return db.session.execute(
            select(User.id, User.username, Organization.name_th).join(User.organization)
            .where(User.role == Role.LAO_EDITOR, Organization.province_code == "61")
            .order_by(User.username.desc())).first()
    user_id, username, org_name = read_db(clerk_of_61)
    clerk = journey.open(username)
    clerk.goto("/admin/")
    expect(clerk.locator("body")).to_contain_text(org_name)
    try:
        officer = journey.open("prov-61")
        officer.goto(f"/admin/user_account/?search={username}")
        boxes = officer.locator("table.model-list tbody input.action-checkbox")
        expect(boxes).to_have_count(1)
        assert boxes.first.get_attribute("value") == str(user_id)
        boxes.first.check()
        asked = answer_dialog(officer, "dismiss")
        list_action(officer, "ระงับการใช้งาน")
        expect(officer.locator("table.model-list")).to_be_visible()
        assert asked == ["ระงับการใช้งานบัญชีที่เลือก? ผู้ใช้จะออกจากระบบทันที"], \
            "no confirmation dialog"
        assert read_db(lambda: db.session.get(User, user_id).status) is AccountStatus.ACTIVE
        answer_dialog(officer, "accept")
        with officer.expect_navigation():
            list_action(officer, "ระงับการใช้งาน")
        expect(officer.get_by_text("ระงับการใช้งานแล้ว 1 บัญชี")).to_be_visible()
        journey.step(officer, "the clerk's account disabled")
        assert read_db(lambda: db.session.get(User, user_id).status) is AccountStatus.DISABLED
        # The clerk's open page: the next click finds the session gone.
        clerk.reload()
        expect(clerk).to_have_url(re.compile(r"/login"))
        clerk.fill("#username", username)
        clerk.fill("#password", PASSWORD)
        clerk.locator("form button[type=submit]").click()
        expect(clerk).to_have_url(re.compile(r"/login"))
        journey.step(clerk, "the disabled clerk's sign-in refused")
    finally:
        def restore():
            db.session.get(User, user_id).status = AccountStatus.ACTIVE
            db.session.commit()
        read_db(restore)
