"""What the clerk and the officer meet in a real browser (Chromium): each journey clicks through
the screens as a person would and, after every action, checks what the DATABASE now holds.

Every test seeds the Uthai Thani demo itself (`demo` fixture; the suite empties it afterwards).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from models import CertificationEvent, Organization, Submission, User, db
from models.catalogue.reading import be_date
from models.tables.sections import SECTIONS
from workflow import SECTION_COUNT, Action, Status

from .conftest import answer_dialog, list_action, submission_of

YEAR = 2570
RETURN_REASON = "จำนวนครัวเรือนไม่ตรงกับทะเบียนราษฎร กรุณาตรวจสอบด้านที่ 1"


# --- helpers ---------------------------------------------------------------------------------

def _demo_lao(demo_output: str, status: Status) -> str:
    """The dla_code `seed-demo` prints for the open year's `status` (demo.demo_logins)."""
    match = re.search(rf"lao-(\d+)\s+lao_editor — .*\(ปี {YEAR}: {re.escape(status.label_th)}\)",
                      demo_output)
    assert match, demo_output
    return match.group(1)


def _province_statuses(province: str = "61") -> dict[int, str]:
    return {i: s.value for i, s in db.session.execute(
        select(Submission.id, Submission.status).where(Submission.province_code == province,
                                                       Submission.fiscal_year == YEAR))}


def _events(submission_id: int) -> list[tuple[str, str]]:
    return [(e.action.value, e.to_status.value) for e in db.session.scalars(
        select(CertificationEvent).where(CertificationEvent.submission_id == submission_id)
        .order_by(CertificationEvent.id))]


def _typed(value) -> str:
    """A stored value as a clerk types or picks it in the section form."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if hasattr(value, "value"):          # enums: the <option> value
        return value.value
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, date):
        return be_date(value)
    return str(value)


def _open_year_workspace(page: Page) -> None:
    """From anywhere: menu ข้อมูล อปท. 8 ด้าน → the year list → ดูข้อมูล of the open year."""
    page.goto("/admin/")
    page.get_by_role("link", name="ข้อมูล อปท. 8 ด้าน", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/lao_years/"))
    row = page.locator("table.model-list tbody tr").filter(
        has=page.locator("td.col-fiscal_year", has_text=re.compile(rf"^\s*{YEAR}\s*$")))
    row.get_by_role("link", name="ดูข้อมูล").click()
    page.wait_for_url(re.compile(r"/admin/lao_years/workspace/"))


# --- the LAO clerk ---------------------------------------------------------------------------

def test_clerk_completes_certifies_cannot_edit_and_revokes(journey, demo, read_db):
    code = _demo_lao(demo, Status.DRAFT)

    def state():
        sub = submission_of(code)
        return sub.id, sub.status.value, sub.sections_complete
    sub_id, status, complete = read_db(state)
    assert status == "draft" and complete < SECTION_COUNT

    page = journey.open(f"lao-{code}")
    _open_year_workspace(page)
    journey.step(page, "workspace")

    # What is missing: the tabs marked ไม่ครบ are the sections the database says are incomplete.
    from models.reads.overview import SubmissionOverview
    missing = read_db(lambda: SubmissionOverview.load(db.session.get(Submission, sub_id)).missing)
    incomplete = sorted(no for no, gaps in missing.items() if gaps)
    tabs = page.locator(".info-tabs .nav-link").filter(
        has=page.locator(".badge", has_text="ไม่ครบ"))
    assert sorted(int(t.inner_text().split(".")[0]) for t in tabs.all()) == incomplete
    expect(page.get_by_text(f"บันทึกครบ {SECTION_COUNT - len(incomplete)}/{SECTION_COUNT} ด้าน")
           ).to_be_visible()

    edit_url = None
    for no in incomplete:
        section_cls = next(s for s in SECTIONS if s.SECTION_NO == no)
        page.locator(".info-tabs .nav-link").filter(
            has_text=re.compile(rf"^\s*{no}\.")).click()
        expect(page.get_by_text("ยังขาด:")).to_be_visible()
        journey.step(page, f"tab {no}: what is missing")
        edit = page.get_by_role("link", name="บันทึก / แก้ไขข้อมูลด้านนี้")
        edit_url = edit.get_attribute("href")
        edit.click()
        expect(page.locator("form.admin-form")).to_be_visible()

        # Fill each empty required field with what the LAO reported last year.
        def last_year(cls=section_cls):
            prev = db.session.get(cls, submission_of(code, YEAR - 1).id)
            return {c.key: getattr(prev, c.key) for c in cls.__table__.columns}
        previous = read_db(last_year)
        empty = []
        for field in page.locator("form.admin-form [data-required='1']").all():
            name = field.get_attribute("name")
            if "-" in name or field.input_value() != "":   # inline child rows have a-0-b names
                continue
            empty.append(name)
            value = _typed(previous[name])
            if field.evaluate("el => el.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        assert empty, f"section {no}: no empty required field on the form"
        journey.step(page, f"section {no}: filled {empty}")
        with page.expect_navigation():
            page.locator("form.admin-form input[type=submit][value='บันทึก']").click()
        expect(page).to_have_url(re.compile(rf"workspace/.*tab={no}"))
        journey.step(page, f"section {no}: saved")

        def saved(cls=section_cls, names=tuple(empty)):
            row = db.session.get(cls, sub_id)
            return {n: getattr(row, n) for n in names}, row.carried_forward
        values, carried = read_db(saved)
        assert values == {n: previous[n] for n in empty} and carried is False

    expect(page.get_by_text(f"บันทึกครบ {SECTION_COUNT}/{SECTION_COUNT} ด้าน")).to_be_visible()
    expect(page.locator(".info-tabs .badge", has_text="ไม่ครบ")).to_have_count(0)
    assert read_db(state) == (sub_id, "draft", SECTION_COUNT)

    # Certify on the status tab, through its confirmation dialog.
    page.get_by_role("link", name="สถานะการรับรองข้อมูล").click()
    journey.step(page, "status tab")
    events_before = read_db(lambda: _events(sub_id))
    # Sections still carried from last year are listed; the clerk confirms they still hold.
    carried = read_db(lambda: sorted(SubmissionOverview.load(
        db.session.get(Submission, sub_id)).carried))
    box = page.get_by_label(re.compile("ข้อมูลที่ยกมาจากปีก่อนในด้านดังกล่าวยังถูกต้อง"))
    if carried:
        for no in carried:
            expect(page.locator(".alert-warning li", has_text=f"ด้านที่ {no} ")).to_be_visible()
        box.check()
    else:
        expect(box).to_have_count(0)
    asked = answer_dialog(page, "accept")
    with page.expect_navigation():
        page.get_by_role("button", name="รับรองข้อมูลระดับ อปท.", exact=True).click()
    assert asked == ["ยืนยัน: รับรองข้อมูลระดับ อปท.?"]
    journey.step(page, "certified")
    assert read_db(state)[1] == "lao_certified"
    assert read_db(lambda: _events(sub_id)) == [*events_before, ("certify_lao", "lao_certified")]
    history = page.locator("#certification-history tbody tr")
    expect(history.first).to_contain_text("รับรองข้อมูลระดับ อปท.")
    expect(history.first).to_contain_text("อปท. รับรองข้อมูลแล้ว")
    expect(history).to_have_count(len(events_before) + 1)

    # Certified data cannot be edited: no edit button, and the edit URL sends the clerk back.
    def section_versions():
        return {cls.SECTION_NO: db.session.get(cls, sub_id).version for cls in SECTIONS}
    versions = read_db(section_versions)
    page.locator(".info-tabs .nav-link").filter(has_text=re.compile(r"^\s*1\.")).click()
    expect(page.get_by_text("ข้อมูลได้รับการรับรองแล้ว ต้องยกเลิกการรับรองก่อนแก้ไข")).to_be_visible()
    expect(page.get_by_role("link", name="บันทึก / แก้ไขข้อมูลด้านนี้")).to_have_count(0)
    page.goto(edit_url)
    expect(page).to_have_url(re.compile(r"/admin/lao_years/workspace/"))
    expect(page.locator(".alert").filter(
        has_text="ข้อมูลได้รับการรับรองแล้ว ต้องยกเลิกการรับรองก่อนแก้ไข").first).to_be_visible()
    expect(page.locator("form.admin-form")).to_have_count(0)
    journey.step(page, "edit refused")
    assert read_db(section_versions) == versions and read_db(state)[1] == "lao_certified"

    # Revoke.
    page.get_by_role("link", name="สถานะการรับรองข้อมูล").click()
    asked = answer_dialog(page, "accept")
    with page.expect_navigation():
        page.get_by_role("button", name="ยกเลิกการรับรองข้อมูลระดับ อปท.", exact=True).click()
    assert asked == ["ยืนยัน: ยกเลิกการรับรองข้อมูลระดับ อปท.?"]
    journey.step(page, "revoked")
    assert read_db(state)[1] == "draft"
    assert read_db(lambda: _events(sub_id))[-1] == ("revoke_lao", "draft")
    expect(history.first).to_contain_text("ยกเลิกการรับรองข้อมูลระดับ อปท.")


def test_status_tab_asks_even_before_the_page_has_loaded(journey, demo, read_db):
    """A clerk who presses the button while the page's scripts still load is asked too, and
    dismissing changes nothing.  (With the listener at the end of <body> such a click revoked
    without a dialog.)  jQuery, the first script after the page's content, is held back."""
    code = _demo_lao(demo, Status.LAO_CERTIFIED)
    sub_id = read_db(lambda: submission_of(code).id)
    page = journey.open(f"lao-{code}")
    events = read_db(lambda: _events(sub_id))
    held = []
    page.route("**/vendor/jquery.min.js*", lambda route: held.append(route))
    page.goto(f"/admin/lao_years/workspace/?id={sub_id}&tab=status", wait_until="commit")
    button = page.get_by_role("button", name="ยกเลิกการรับรองข้อมูลระดับ อปท.", exact=True)
    asked = answer_dialog(page, "dismiss")
    button.click()
    assert held, "the page's scripts were not held back"
    page.evaluate("window.__stillHere = true")
    for route in held:
        route.continue_()
    page.wait_for_load_state()
    assert asked == ["ยืนยัน: ยกเลิกการรับรองข้อมูลระดับ อปท.?"], "no confirmation dialog"
    assert page.evaluate("window.__stillHere === true"), "the form was submitted anyway"
    assert read_db(lambda: (submission_of(code).status.value, _events(sub_id))) == (
        "lao_certified", events)


# --- the province officer --------------------------------------------------------------------

def test_province_officer_filters_certifies_two_and_returns_one(journey, demo, read_db):
    page = journey.open("prov-61")
    page.goto("/admin/submission/")
    before = read_db(_province_statuses)
    waiting = sorted(i for i, s in before.items() if s == "lao_certified")
    assert len(waiting) >= 3

    # Filter with Flask-Admin's filter UI: สถานะ = อปท. รับรองข้อมูลแล้ว.
    page.get_by_role("link", name="เพิ่มตัวกรอง").click()
    page.locator(".field-filters a.filter", has_text="สถานะ").click()
    page.locator("#filter_form table.filters tr").last.locator(
        ".select2-container.filter-val").click()
    page.locator(".select2-drop-active .select2-result-label",
                 has_text=Status.LAO_CERTIFIED.label_th).click()
    with page.expect_navigation():
        page.locator("#filter_form button[type=submit]").click()
    filtered_url = page.url
    journey.step(page, "filtered by status")
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(len(waiting))
    expect(page.locator(".nav-tabs .nav-link.active")).to_have_text(f"รายการ ({len(waiting)})")
    boxes = page.locator("table.model-list tbody input.action-checkbox")
    assert sorted(int(v) for v in boxes.evaluate_all("els => els.map(e => e.value)")) == waiting

    # Certify two from the list (its confirmation accepted).
    chosen = [int(boxes.nth(i).get_attribute("value")) for i in (0, 1)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    asked = answer_dialog(page, "accept")
    with page.expect_navigation():
        list_action(page, "รับรองข้อมูลระดับจังหวัด")
    assert asked == ["ยืนยันการรับรองข้อมูลระดับจังหวัดของรายการที่เลือก?"]
    journey.step(page, "certified two")
    expect(page.get_by_text("สำเร็จ 2 แห่ง")).to_be_visible()
    after = read_db(_province_statuses)
    assert {i for i in before if after[i] != before[i]} == set(chosen)
    assert {after[i] for i in chosen} == {"province_certified"}

    # Return one to its LAO, with a reason.
    page.goto(filtered_url)
    expect(rows).to_have_count(len(waiting) - 2)
    returned = int(boxes.nth(0).get_attribute("value"))
    boxes.nth(0).check()
    with page.expect_navigation():
        list_action(page, "ส่งคืน อปท. เพื่อแก้ไข")
    page.fill("#reason", RETURN_REASON)
    journey.step(page, "return reason")
    with page.expect_navigation():
        page.get_by_role("button", name="ส่งคืน อปท. เพื่อแก้ไข").click()
    expect(page.get_by_text("สำเร็จ 1 แห่ง")).to_be_visible()
    journey.step(page, "returned one")

    def returned_state():
        sub = db.session.get(Submission, returned)
        return sub.status.value, sub.return_reason, sub.organization.dla_code
    status, reason, code = read_db(returned_state)
    assert (status, reason) == ("draft", RETURN_REASON)
    final = read_db(_province_statuses)
    assert {i for i in before if final[i] != before[i]} == {*chosen, returned}

    # The LAO's clerk sees why, in the workspace.
    clerk = journey.open(f"lao-{code}")
    _open_year_workspace(clerk)
    journey.step(clerk, "clerk sees the return")
    expect(clerk.locator(".alert-warning", has_text="จังหวัดส่งคืนเพื่อแก้ไข")).to_contain_text(
        RETURN_REASON)


def test_clerk_home_page_shows_the_return_reason(journey, demo, read_db):
    from models.services.certification import transition

    def return_one():
        code = _demo_lao(demo, Status.LAO_CERTIFIED)
        officer = db.session.scalar(select(User).where(User.username == "prov-61"))
        (outcome,) = transition(Action.RETURN_TO_LAO, [submission_of(code).id], officer,
                                reason=RETURN_REASON)
        assert outcome.done
        return code
    code = read_db(return_one)
    page = journey.open(f"lao-{code}")
    page.goto("/admin/")
    journey.step(page, "clerk home")
    notice = page.locator(".alert-warning", has_text="จังหวัดส่งคืนข้อมูลเพื่อแก้ไข")
    expect(notice).to_contain_text(RETURN_REASON)
    expect(notice).to_contain_text("โดย")
    # The way to the tab to fix it.
    with page.expect_navigation():
        notice.get_by_role("link", name="ไปแก้ไขข้อมูล").click()
    expect(page).to_have_url(re.compile(r"/admin/lao_years/workspace/\?id=\d+&tab=1"))
    expect(page.locator(".alert-warning", has_text="จังหวัดส่งคืนเพื่อแก้ไข")).to_contain_text(
        RETURN_REASON)


def test_bulk_certification_asks_and_certifies_exactly_the_preview(journey, demo, read_db):
    page = journey.open("prov-61")
    page.goto("/admin/submission/bulk/")
    journey.step(page, "bulk preview")
    before = read_db(_province_statuses)
    codes = page.locator("table tbody tr td:nth-child(2)").all_inner_texts()

    def ids_of(dla_codes):
        return set(db.session.scalars(select(Submission.id).join(Organization).where(
            Organization.dla_code.in_(dla_codes), Submission.fiscal_year == YEAR)))
    preview = read_db(lambda: ids_of(codes))
    assert len(preview) == len(codes) > 0
    assert preview == {i for i, s in before.items() if s == "lao_certified"}
    button = page.get_by_role("button", name=f"รับรองข้อมูลทั้ง {len(codes):,} แห่ง")
    message = f"ยืนยันการรับรองข้อมูลระดับจังหวัด {len(codes)} แห่ง?"

    # Dismissing the confirmation certifies nothing.
    asked = answer_dialog(page, "dismiss")
    page.evaluate("window.__stillHere = true")
    button.click()
    page.wait_for_timeout(300)
    page.wait_for_load_state()
    assert read_db(_province_statuses) == before, "dismissing the confirmation certified LAOs"
    assert asked == [message], "no confirmation dialog was shown"
    assert page.evaluate("window.__stillHere === true"), "the form was submitted anyway"

    # Accepting it certifies exactly the previewed LAOs.
    asked = answer_dialog(page, "accept")
    with page.expect_navigation():
        button.click()
    assert asked == [message]
    journey.step(page, "bulk result")
    expect(page.get_by_text(f"สำเร็จ {len(codes)} แห่ง")).to_be_visible()
    after = read_db(_province_statuses)
    assert {i for i in before if after[i] != before[i]} == preview
    assert {after[i] for i in preview} == {"province_certified"}


# --- the district officer and the anonymous visitor ------------------------------------------

def test_district_officer_reads_the_list_and_cannot_act(journey, demo, read_db):
    page = journey.open("dist-6101")
    page.goto("/admin/submission/")
    journey.step(page, "district list")
    district = read_db(lambda: db.session.scalar(select(func.count()).select_from(Submission).where(
        Submission.district_code == "6101", Submission.fiscal_year == YEAR)))
    expect(page.locator(".nav-tabs .nav-link.active")).to_have_text(f"รายการ ({district})")
    expect(page.get_by_text("ดำเนินการกับรายการที่เลือก")).to_have_count(0)
    expect(page.locator("input.action-checkbox")).to_have_count(0)
    expect(page.get_by_text("รับรองข้อมูลระดับจังหวัดทั้งจังหวัด")).to_have_count(0)

    target = read_db(lambda: db.session.scalar(select(Submission.id).where(
        Submission.district_code == "6101", Submission.fiscal_year == YEAR,
        Submission.status == Status.LAO_CERTIFIED)))
    page.goto(f"/admin/submission/workspace/?id={target}&tab=status")
    expect(page.locator("form[action$='/transition/'] button")).to_have_count(0)
    journey.step(page, "district status tab")

    # Forged POSTs with the officer's own session and CSRF token are refused.
    before = read_db(lambda: (_province_statuses(), _events(target)))
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = [
        ("/admin/submission/action/", {"action": "certify_province", "rowid": str(target)}),
        ("/admin/submission/transition/", {"action": "certify_province", "id": str(target)}),
        ("/admin/submission/reason/", {"action": "return_to_lao", "rowid": str(target),
                                       "reason": "ปลอม"}),
        ("/admin/submission/bulk/", {"year": str(YEAR), "confirmed": "1"}),
    ]
    for url, form in forged:
        response = page.request.post(url, form={"csrf_token": token, **form},
                                     max_redirects=0)
        assert response.status in (302, 403), (url, response.status)
        if response.status == 302:
            assert "/login" not in response.headers["location"], (url, response.headers)
    assert read_db(lambda: (_province_statuses(), _events(target))) == before


def test_anonymous_visitor_is_sent_to_log_in(page):
    page.goto("/admin/lao_years/")
    expect(page).to_have_url(re.compile(r"/login\?next=.*admin.*lao_years"))
    expect(page.locator("#username")).to_be_visible()
