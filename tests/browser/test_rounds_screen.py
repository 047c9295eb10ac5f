"""The dla_admin opens a fiscal year from the screen (issue 9 item 3), in Chromium: dismissing
the confirmation opens nothing; accepting it shows that the request is working (the button is
disabled with its busy text, so it cannot be pressed twice) and makes one draft per active LAO."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from models import FiscalYear, Organization, Submission, db

from .conftest import answer_dialog

NEW_YEAR = 2571


def _state():
    return (db.session.scalar(select(func.count()).select_from(FiscalYear).where(
                FiscalYear.be_year == NEW_YEAR)),
            db.session.scalar(select(func.count()).select_from(Submission).where(
                Submission.fiscal_year == NEW_YEAR)),
            db.session.scalar(select(func.count()).select_from(Organization).where(
                Organization.active)))


def test_the_dla_admin_opens_a_year_from_the_screen(journey, demo, read_db):
    page = journey.open("admin")
    page.goto("/admin/fiscal_year/open/")
    page.fill("#be_year", str(NEW_YEAR))
    page.fill("#deadline", f"30/12/{NEW_YEAR}")
    button = page.get_by_role("button", name="เปิดปีงบประมาณ", exact=True)

    asked = answer_dialog(page, "dismiss")
    button.click()
    expect(button).to_be_enabled()
    assert asked == ["เปิดปีงบประมาณนี้?"]
    assert read_db(_state)[:2] == (0, 0), "dismissing the confirmation opened the year"

    asked = answer_dialog(page, "accept")
    # What the button looked like while the request worked (it takes ~20 s for the nation):
    # recorded in the page just after the submit, read back after the navigation.
    page.evaluate("""() => document.addEventListener("submit", (e) => setTimeout(() => {
        const b = e.submitter;
        sessionStorage.setItem("busy", JSON.stringify([b.disabled, b.textContent]));
    }, 20))""")
    with page.expect_navigation():
        button.click()
    assert asked == ["เปิดปีงบประมาณนี้?"]
    disabled, text = page.evaluate("JSON.parse(sessionStorage.getItem('busy'))")
    assert disabled and "กำลังเปิดปีงบประมาณ" in text, (disabled, text)
    journey.step(page, "year opened")
    years, drafts, active = read_db(_state)
    assert (years, drafts) == (1, active) and active > 0
    expect(page.locator(".alert")).to_contain_text(str(NEW_YEAR))
