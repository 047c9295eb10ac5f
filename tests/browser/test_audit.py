"""The audit view's filters in a real browser: the province officer narrows the field changes to
one LAO by typing its code, then to a BE day, through Flask-Admin's filter UI; the rows shown
are exactly the database's."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from playwright.sync_api import expect
from sqlalchemy import select

from models import AuditLog, AuditOp, Organization, Submission, db


def _seed_changes():
    subs = db.session.execute(
        select(Submission.id, Organization.dla_code).join(Organization)
        .where(Submission.fiscal_year == 2570, Submission.province_code == "61")
        .order_by(Submission.id).limit(2)).all()
    days = (datetime(2026, 11, 5, 3, tzinfo=timezone.utc),
            datetime(2026, 11, 9, 3, tzinfo=timezone.utc))
    for sub in subs:
        for n, at in enumerate(days):
            db.session.add(AuditLog(submission_id=sub.id, op=AuditOp.UPDATE,
                                    table_name="section7_environment", row_id=str(sub.id),
                                    field="drainage_pumps", old_value=str(n),
                                    new_value=str(n + 5), created_at=at))
    db.session.commit()
    return [s.dla_code for s in subs]


def _add_filter(page, name: str, value: str, operation: str | None = None) -> None:
    # A page reached by clicking a link may show its table before its scripts have run: a
    # click on the dropdown then opens nothing (seen once in CI, under load). Bootstrap's
    # handlers are attached by the load event.
    page.wait_for_load_state("load")
    page.get_by_role("link", name="เพิ่มตัวกรอง").click()
    page.locator(".field-filters a.filter", has_text=name).first.click()
    row = page.locator("#filter_form table.filters tr").last
    if operation:
        row.locator("select.filter-op").select_option(label=operation, force=True)
    row.locator("input.filter-val").fill(value)


def test_the_officer_filters_field_changes_by_lao_and_day(journey, demo, read_db):
    first, second = read_db(_seed_changes)
    page = journey.open("prov-61")
    page.get_by_role("link", name="ประวัติและบันทึกการเปลี่ยนแปลง").click()
    page.get_by_role("link", name="บันทึกการเปลี่ยนแปลงข้อมูล").click()
    expect(page).to_have_url(re.compile(r"/admin/audit_log/"))
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(4)
    _add_filter(page, "อปท.", first)
    with page.expect_navigation():
        page.locator("#filter_form button[type=submit]").click()
    expect(rows).to_have_count(2)
    for i in range(2):
        expect(rows.nth(i).locator("td.col-lao")).to_contain_text(first)
        expect(rows.nth(i).locator("td.col-field")).to_have_text("เครื่องสูบน้ำ")
    journey.step(page, "filtered by LAO")
    _add_filter(page, "วันที่", "9/11/2569", operation="ตั้งแต่วันที่ (วัน/เดือน/ปี พ.ศ.)")
    with page.expect_navigation():
        page.locator("#filter_form button[type=submit]").click()
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.col-created_at")).to_contain_text("9 พ.ย. 2569")
    expect(rows.first.locator("td.col-new_value")).to_have_text("6")
    assert second not in page.locator("table.model-list").inner_text()
