"""The province officer's progress dashboard in Chromium: the charts are drawn (the canvases
hold pixels), and a count leads to the review list with exactly that many LAO-years."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from models import Submission, db
from workflow import Status

NON_BLANK = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) { n++; } } return n; }"""


def test_province_officer_reads_the_charts_and_drills_down_to_the_list(journey, demo, read_db):
    page = journey.open("prov-61", width=1366)
    page.click("#home-dashboard")
    page.wait_for_url("**/admin/dashboard/")
    canvases = page.locator("canvas[data-chart]")
    expect(canvases).to_have_count(3)  # per district, per LAO type, day by day
    expect(page.locator('canvas[data-drawn="1"]')).to_have_count(3)
    for i in range(3):
        painted = canvases.nth(i).evaluate(NON_BLANK)
        assert painted > 2000, f"chart {i} is blank ({painted} painted pixels)"
    journey.step(page, "dashboard")

    count = page.locator('#table-district tr[data-key="6101"] a[data-count="draft"]')
    shown = int(count.inner_text())
    expected = read_db(lambda: db.session.scalar(select(func.count()).select_from(Submission)
                                                 .where(Submission.fiscal_year == 2570,
                                                        Submission.district_code == "6101",
                                                        Submission.status == Status.DRAFT)))
    assert shown == expected > 0
    count.click()
    page.wait_for_url("**/admin/submission/**")
    journey.step(page, "the list of that count")
    expect(page.locator("table.model-list tbody tr")).to_have_count(shown)
    expect(page.locator(".nav-link.active")).to_contain_text(f"({shown})")
