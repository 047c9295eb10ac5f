"""The guides' screenshots (views/guides.py): walk the steps of each guide in Chromium at 1000 px,
checking the database after the certification, and take one JPEG per step.

`INFO_WRITE_GUIDE=1` writes them into static/guide/ (committed, what the guides show); otherwise
they go to a temporary folder, so a test run leaves the repository as it was.  Either way every
image a guide names must be taken here, so the guides and this walk stay in step.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from views.guides import GUIDES

from ..conftest import PASSWORD
from .conftest import submission_of

WIDTH = 1000
STATIC_GUIDE = Path(__file__).resolve().parents[2] / "static" / "guide"


def _target(tmp_path: Path) -> Path:
    return STATIC_GUIDE if os.environ.get("INFO_WRITE_GUIDE") == "1" else tmp_path


def _shot(page: Page, folder: Path, name: str, taken: list[str]) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(folder / name), type="jpeg", quality=70)
    taken.append(name)


def test_the_guides_steps_are_walked_and_photographed(journey, complete_draft, read_db, tmp_path):
    folder = _target(tmp_path)
    folder.mkdir(exist_ok=True)
    taken: list[str] = []
    sub_id, clerk, _name = complete_draft
    dla_code = clerk.removeprefix("lao-")

    # --- the LAO clerk, as the letter's steps go --------------------------------------------
    page = journey.open(width=WIDTH)
    page.goto("/login")
    page.fill("#username", clerk)
    _shot(page, folder, "lao-1-login.jpg", taken)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    _shot(page, folder, "lao-2-home.jpg", taken)
    page.get_by_role("link", name="ข้อมูล อปท. 8 ด้าน", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/lao_years/"))
    _shot(page, folder, "lao-3-years.jpg", taken)
    page.goto(f"/admin/lao_years/workspace/?id={sub_id}&tab=1")
    expect(page.get_by_role("link", name="บันทึก / แก้ไขข้อมูลด้านนี้")).to_be_visible()
    _shot(page, folder, "lao-4-section.jpg", taken)
    # The peers' typical range beside each number (issue 24): the year's bands first.
    read_db(lambda: _bands_and_a_finding(sub_id))
    page.goto(f"/admin/edit_s1/edit/?id={sub_id}")
    hint = page.locator(".entry-hint[data-field='population_total']")
    expect(hint).to_contain_text("ช่วงปกติของ")
    hint.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -250)")
    page.screenshot(path=str(folder / "lao-4b-range.jpg"), type="jpeg", quality=70)
    taken.append("lao-4b-range.jpg")
    page.goto(f"/admin/lao_years/workspace/?id={sub_id}&tab=status")
    box = page.locator("#findings input[name^='explain-']").first
    box.fill("ตรวจสอบกับทะเบียนราษฎรแล้ว มีการรวมหมู่บ้านเมื่อต้นปี")
    page.locator("#findings").scroll_into_view_if_needed()
    page.screenshot(path=str(folder / "lao-4c-explain.jpg"), type="jpeg", quality=70)
    taken.append("lao-4c-explain.jpg")
    with page.expect_navigation():
        page.get_by_role("button", name="บันทึกคำชี้แจง").click()
    _shot(page, folder, "lao-5-status.jpg", taken)
    box = page.get_by_label(re.compile("ข้อมูลที่ยกมาจากปีก่อนในด้านดังกล่าวยังถูกต้อง"))
    if box.count():
        box.check()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="รับรองข้อมูลระดับ อปท.", exact=True).click()
    assert read_db(lambda: submission_of(dla_code).status.value) == "lao_certified"
    expect(page.get_by_role("button", name="ยกเลิกการรับรองข้อมูลระดับ อปท.",
                            exact=True)).to_be_enabled()
    _shot(page, folder, "lao-6-certified.jpg", taken)
    page.goto("/admin/lao_website/")
    _shot(page, folder, "lao-7-website.jpg", taken)

    # --- the province officer ---------------------------------------------------------------
    officer = journey.open(width=WIDTH)
    officer.goto("/login")
    officer.fill("#username", "prov-61")
    _shot(officer, folder, "province-1-login.jpg", taken)
    officer.fill("#password", PASSWORD)
    with officer.expect_navigation():
        officer.click("form button[type=submit]")
    officer.goto("/admin/dashboard/")
    expect(officer.locator("canvas").first).to_be_visible()
    _shot(officer, folder, "province-2-dashboard.jpg", taken)
    officer.goto("/admin/submission/")
    expect(officer.locator("table.model-list")).to_be_visible()
    _shot(officer, folder, "province-3-list.jpg", taken)
    officer.goto("/admin/findings/")
    expect(officer.locator("table.model-list")).to_contain_text("ตรวจสอบกับทะเบียนราษฎรแล้ว")
    _shot(officer, folder, "province-3b-findings.jpg", taken)
    officer.goto("/admin/submission/bulk/")
    expect(officer.get_by_text(dla_code).first).to_be_visible()   # the clerk's certified year
    _shot(officer, folder, "province-4-bulk.jpg", taken)
    officer.goto("/admin/certification_event/")
    expect(officer.locator("table.model-list td.col-lao").first).to_be_visible()
    _shot(officer, folder, "province-5-audit.jpg", taken)
    officer.goto("/admin/import/")
    expect(officer.get_by_role("button", name="ตรวจไฟล์ (ยังไม่บันทึก)")).to_be_visible()
    _shot(officer, folder, "province-6-import.jpg", taken)

    named = [s.image for g in GUIDES.values() for s in g.steps if s.image]
    assert sorted(taken) == sorted(named)
    for name in taken:
        assert (folder / name).stat().st_size < 250_000, name


def _bands_and_a_finding(sub_id: int) -> None:
    """The year's peer bands, and one ⚠ finding on the clerk's draft to explain (as a save of
    a population far from its peers would leave)."""
    from models import SectionWarning, Submission, db
    from models.rules.peers import recompute_bands
    recompute_bands(2570)
    db.session.get(Submission, sub_id).warnings_count += 1
    db.session.add(SectionWarning(
        submission_id=sub_id, section_no=1, field="households", kind="peer", score=5.2,
        message="จำนวนครัวเรือน 9,800 ครัวเรือน สูงกว่า องค์การบริหารส่วนตำบล ในจังหวัดเดียวกัน "
                "240% — มัธยฐาน 2,880 ครัวเรือน (37 แห่ง) โปรดตรวจสอบความถูกต้อง"))
    db.session.commit()


def test_a_guide_fits_a_phone(journey):
    page = journey.open(width=390)
    for slug in GUIDES:
        page.goto(f"/guides/{slug}")
        expect(page.locator("ol.guide-steps > li").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (slug, width)
    page.goto("/")
    page.get_by_role("link", name="คู่มือ", exact=True).click()
    expect(page).to_have_url(re.compile(r"/guides/$"))
