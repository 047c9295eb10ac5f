"""The language switch in a real browser: EN in the navbar turns the workspace English (its
headings, tabs, buttons and the confirmation the browser asks), ไทย turns it Thai again, on the
same page; what the user declines changes nothing in the database."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from workflow import Status

from .conftest import answer_dialog, submission_of
from .test_journeys import YEAR, _demo_lao, _open_year_workspace


def test_clerk_switches_the_workspace_to_english_and_back(journey, demo, read_db):
    dla_code = _demo_lao(demo, Status.LAO_CERTIFIED)
    sub_id = read_db(lambda: submission_of(dla_code).id)
    page = journey.open(f"lao-{dla_code}")
    _open_year_workspace(page)
    page.get_by_role("link", name="สถานะการรับรองข้อมูล").click()
    page.wait_for_url(re.compile(r"tab=status"))
    expect(page.locator("main h2")).to_have_text("สถานะการรับรองข้อมูล")
    journey.step(page, "status tab in Thai")

    page.locator("nav").get_by_role("link", name="EN", exact=True).click()
    page.wait_for_url(re.compile(rf"/admin/lao_years/workspace/\?id={sub_id}&tab=status"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h2")).to_have_text("Certification status")
    expect(page.get_by_role("heading", name="Certification history")).to_be_visible()
    expect(page.locator("main h1")).to_contain_text(f"Fiscal year {YEAR}")
    expect(page.get_by_role("link", name="1. General information")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    journey.step(page, "status tab in English")

    # The browser's confirmation is English too; declining it changes nothing.
    seen = answer_dialog(page, "dismiss")
    page.get_by_role("button", name="Revoke certification (LAO)").click()
    expect(page.locator("main h2")).to_have_text("Certification status")
    assert seen == ["Confirm: Revoke certification (LAO)?"]
    assert read_db(lambda: submission_of(dla_code).status) is Status.LAO_CERTIFIED

    page.get_by_role("link", name="1. General information").click()
    expect(page.locator("main h2")).to_contain_text("Category 1 General information")
    journey.step(page, "category 1 in English")

    page.locator("nav").get_by_role("link", name="ไทย", exact=True).click()
    page.wait_for_url(re.compile(rf"workspace/\?id={sub_id}&tab=1"))
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.locator("main h2")).to_contain_text("ด้านที่ 1 ข้อมูลสภาพทั่วไป")
    expect(page.get_by_role("link", name="สถานะการรับรองข้อมูล")).to_be_visible()
    expect(page.get_by_role("button", name="ออกจากระบบ")).to_be_visible()
    journey.step(page, "category 1 in Thai again")
