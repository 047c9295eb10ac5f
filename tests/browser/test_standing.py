"""Where each LAO stands, in Chromium at a desk (1366 px) and on a phone (390 px) (issue 24):
the province officer sees a returned LAO-year as ส่งคืนให้แก้ไข with its reason, who and when
and its extension, filters the list by ส่งคืนให้แก้ไข with the filter menu, searches "หนอง" and
clicks a status button without losing the search; and the dashboard's timeliness table sorts
and leads to exactly the LAO-years it counts."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from models import FiscalYear, Organization, Submission, User, db
from models.services.certification import extend_deadline, transition
from workflow import BANGKOK, Action, Status, thai_date

REASON = "จำนวนครัวเรือนมากกว่าประชากรรวม กรุณาตรวจสอบด้านที่ 1"
WIDTHS = (1366, 390)


def _return_a_nong_lao() -> tuple[int, str, str, date]:
    """Return an LAO-certified หนอง… LAO-year of Uthai Thani through the service, with an
    extension: (its id, its name, the officer's name, the extension)."""
    officer = db.session.scalars(select(User).where(User.username == "prov-61")).one()
    sub = db.session.scalars(select(Submission).join(Organization).where(
        Submission.fiscal_year == 2570, Submission.province_code == "61",
        Organization.name_th.contains("หนอง"),
        Submission.status == Status.LAO_CERTIFIED).order_by(Submission.id)).first()
    assert sub is not None
    (done,) = transition(Action.RETURN_TO_LAO, [sub.id], officer, reason=REASON)
    assert done.done
    until = date.today() + timedelta(days=14)
    extend_deadline([sub.id], officer, until)
    return sub.id, sub.organization.name_th, officer.full_name, until


@pytest.mark.parametrize("width", WIDTHS)
def test_province_officer_finds_returned_years_and_keeps_the_search(journey, demo, read_db,
                                                                     width):
    sub_id, name, officer, until = read_db(_return_a_nong_lao)
    page = journey.open("prov-61", width=width)
    page.goto("/admin/submission/")

    # Search "หนอง", then click a status button: the search stays.
    search = page.locator("input[name=search][type=text]")
    search.fill("หนอง")
    with page.expect_navigation():
        search.press("Enter")
    journey.step(page, "searched หนอง")
    buttons = page.get_by_role("navigation", name="กรองตามสถานะ")
    with page.expect_navigation():
        buttons.get_by_role("link", name="ส่งคืนให้แก้ไข", exact=True).click()
    journey.step(page, "ส่งคืนให้แก้ไข, still หนอง")
    assert "search=%E0%B8%AB%E0%B8%99%E0%B8%AD%E0%B8%87" in page.url  # หนอง
    expect(search).to_have_value("หนอง")
    rows = page.locator("table.model-list tbody tr")
    row = rows.filter(has=page.locator(f'a[href$="id={sub_id}"]'))
    expect(row).to_have_count(1)
    cell = row.locator("td.col-status")
    expect(cell.locator(".badge")).to_have_text("ส่งคืนให้แก้ไข")
    for text in (REASON, officer, "ส่งคืนโดย", f"ขยายเวลาถึง {thai_date(until)}"):
        expect(cell).to_contain_text(text)
    expect(cell).not_to_contain_text(Status.DRAFT.label_th)
    cell.scroll_into_view_if_needed()
    journey.step(page, "the returned row")
    # Every row listed is a returned หนอง… LAO-year.
    for i in range(rows.count()):
        expect(rows.nth(i).locator("td.col-status .badge")).to_have_text("ส่งคืนให้แก้ไข")
        expect(rows.nth(i)).to_contain_text("หนอง")

    with page.expect_navigation():
        buttons.get_by_role("link", name=Status.PROVINCE_CERTIFIED.label_th).click()
    expect(search).to_have_value("หนอง")
    expect(page.locator(".nav-tabs .nav-link.active")).to_contain_text("รายการ")
    for i in range(rows.count()):
        expect(rows.nth(i)).to_contain_text("หนอง")
        expect(rows.nth(i).locator("td.col-status .badge")).to_have_text(
            Status.PROVINCE_CERTIFIED.label_th)

    # The filter menu: "ส่งคืนให้แก้ไข · แสดง · เฉพาะที่ส่งคืนให้แก้ไข", read plainly.
    page.goto("/admin/submission/")
    if not page.get_by_role("link", name="เพิ่มตัวกรอง").is_visible():
        page.locator(".navbar-toggler").first.click()
    page.get_by_role("link", name="เพิ่มตัวกรอง").click()
    page.locator(".field-filters a.filter", has_text="ส่งคืนให้แก้ไข").click()
    filter_row = page.locator("#filter_form table.filters tr").last
    expect(filter_row).to_contain_text("ส่งคืนให้แก้ไข")
    filter_row.locator(".select2-container.filter-val").click()
    page.locator(".select2-drop-active .select2-result-label",
                 has_text="เฉพาะที่ส่งคืนให้แก้ไข").click()
    journey.step(page, "the filter ส่งคืนให้แก้ไข")
    with page.expect_navigation():
        page.locator("#filter_form button[type=submit]").click()
    journey.step(page, "filtered by ส่งคืนให้แก้ไข")
    expected = read_db(lambda: len(db.session.scalars(select(Submission.id).where(
        Submission.fiscal_year == 2570, Submission.province_code == "61",
        Submission.status == Status.DRAFT, Submission.return_reason.is_not(None))).all()))
    expect(rows).to_have_count(expected)
    expect(page.locator(".nav-tabs .nav-link.active")).to_have_text(f"รายการ ({expected})")
    for i in range(rows.count()):
        expect(rows.nth(i).locator("td.col-status .badge")).to_have_text("ส่งคืนให้แก้ไข")


def _late_and_extended() -> dict[str, int]:
    """Make the open round's deadline a past day and certify some of Uthai Thani's LAOs late
    or within an extension; returns how many LAO-years of district 6101 are late."""
    deadline = date(2026, 12, 1)
    db.session.execute(update(FiscalYear).where(FiscalYear.be_year == 2570)
                       .values(deadline=deadline))
    certified = db.session.scalars(select(Submission.id).where(
        Submission.fiscal_year == 2570, Submission.status != Status.DRAFT).order_by(
        Submission.id)).all()
    late_at = datetime.combine(deadline + timedelta(days=4), time(10), tzinfo=BANGKOK)
    late, extended = certified[::3], certified[1::3]
    db.session.execute(update(Submission).where(Submission.id.in_(certified)).values(
        lao_certified_at=datetime.combine(deadline - timedelta(days=5), time(9),
                                          tzinfo=BANGKOK).astimezone(timezone.utc)))
    db.session.execute(update(Submission).where(Submission.id.in_(late + extended)).values(
        lao_certified_at=late_at.astimezone(timezone.utc)))
    db.session.execute(update(Submission).where(Submission.id.in_(extended)).values(
        extension_until=deadline + timedelta(days=10)))
    db.session.commit()
    return {"late": len(late), "extended": len(extended)}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_dashboard_counts_timeliness_sorts_and_links(journey, demo, read_db, width):
    planted = read_db(_late_and_extended)
    page = journey.open("prov-61", width=width)
    page.goto("/admin/dashboard/")
    table = page.locator("#timely-district")
    table.scroll_into_view_if_needed()
    journey.step(page, "the timeliness table")
    total = table.locator("tfoot")
    late = int(total.locator('a[data-count="late"]').inner_text().replace(",", ""))
    extended = int(total.locator('a[data-count="extended"]').inner_text().replace(",", ""))
    assert (late, extended) == (planted["late"], planted["extended"])

    # Sort by เกินกำหนด: the districts with most late LAOs first.
    with page.expect_navigation():
        table.locator('a[data-sort="late"]').click()
    assert re.search(r"sort=late", page.url)
    expect(table.locator('th[aria-sort="descending"]')).to_contain_text("เกินกำหนด")
    counts = [int(t) for t in table.locator('tbody a[data-count="late"]').all_inner_texts()]
    assert counts == sorted(counts, reverse=True) and sum(counts) == late
    journey.step(page, "sorted by late")

    # A count opens the review list of exactly those LAO-years.
    with page.expect_navigation():
        total.locator('a[data-count="late"]').click()
    journey.step(page, "the late LAO-years")
    expect(page.locator(".nav-tabs .nav-link.active")).to_contain_text(f"({late})")
