"""The citizen's journey (issue 10): find an LAO by part of its Thai name, open a certified year,
and never reach a year that is not certified — in Chromium, at a desk and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from models import Organization, db
from workflow import Status

from .conftest import submission_of
from .test_journeys import YEAR, _demo_lao


def _name(code: str) -> str:
    return db.session.scalar(db.select(Organization.name_th).where(
        Organization.dla_code == code))


def _part(name: str) -> str:
    """What a citizen types: the place name without the LAO type in front."""
    return re.sub(r"^(องค์การบริหารส่วนตำบล|องค์การบริหารส่วนจังหวัด|เทศบาลเมือง|เทศบาลตำบล|"
                  r"เทศบาลนคร)", "", name)[:6]


@pytest.mark.parametrize("width", [1366, 390])
def test_a_citizen_finds_a_certified_year_and_no_draft_one(journey, demo, read_db, width):
    certified = _demo_lao(demo, Status.PROVINCE_CERTIFIED)
    draft = _demo_lao(demo, Status.DRAFT)
    certified_name, draft_name = read_db(lambda: _name(certified)), read_db(lambda: _name(draft))
    page = journey.open(width=width)

    page.goto("/")
    page.fill("#q", _part(certified_name))
    with page.expect_navigation():
        page.get_by_role("button", name="ค้นหา").click()
    journey.step(page, "search results")
    row = page.locator("table tbody tr", has=page.get_by_role("link", name=certified_name))
    expect(row).to_have_count(1)
    with page.expect_navigation():
        row.get_by_role("link", name=str(YEAR)).click()
    journey.step(page, "the certified year")
    expect(page.locator("h1")).to_contain_text(certified_name)
    expect(page.locator("body")).to_contain_text(Status.PROVINCE_CERTIFIED.label_th)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # The draft LAO's open year is nowhere: not in the search, not at its address.
    page.goto("/")
    page.fill("#q", _part(draft_name))
    with page.expect_navigation():
        page.get_by_role("button", name="ค้นหา").click()
    draft_row = page.locator("table tbody tr", has=page.get_by_role("link", name=draft_name))
    if draft_row.count():            # findable only for its certified years, never 2570
        expect(draft_row.get_by_role("link", name=str(YEAR))).to_have_count(0)
    response = page.goto(f"/orgs/{draft}/{YEAR}")
    assert response.status == 404
    assert read_db(lambda: submission_of(draft).status) is Status.DRAFT


@pytest.mark.parametrize("width", [1366, 390])
def test_a_citizen_follows_an_lao_across_years_and_against_similar_laos(
        journey, demo, read_db, width):
    """Home → the province in the round's table → an LAO → its figures in every certified
    year (charts drawn) → similar LAOs side by side with their peers' medians → one removed,
    one added by name; the page never scrolls sideways and the table's first column stays."""
    certified = _demo_lao(demo, Status.PROVINCE_CERTIFIED)
    name = read_db(lambda: _name(certified))
    page = journey.open(width=width)
    page.goto("/")
    expect(page.locator("#home-figures")).to_contain_text("ประชากร")
    with page.expect_navigation():
        page.locator("#home-round-table").get_by_role("link", name="อุทัยธานี").click()
    journey.step(page, "the province's certified LAOs")
    expect(page.locator("#browse-districts")).to_be_visible()
    page.fill("#q", _part(name))
    with page.expect_navigation():
        page.get_by_role("button", name="ค้นหา").click()
    with page.expect_navigation():
        page.get_by_role("link", name=name).first.click()
    journey.step(page, "the LAO's profile")
    expect(page.locator("#series-table thead th")).to_have_count(4)     # รายการ + 3 years
    expect(page.locator("#series-charts canvas[data-drawn='1']")).to_have_count(10)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    with page.expect_navigation():
        page.locator("#compare-similar").click()
    journey.step(page, "similar LAOs")
    table = page.locator("#compare-table")
    from urllib.parse import parse_qs, urlparse
    chosen = parse_qs(urlparse(page.url).query)["codes"][0].split(",")
    assert 3 <= len(chosen) <= 5 and chosen[0] == certified
    expect(table.locator("thead th a[href^='/orgs/']")).to_have_count(len(chosen))
    expect(table.locator("thead th").nth(1)).to_contain_text(name)
    expect(table.locator("thead th.compare-median")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Scrolled sideways on a phone, the row labels stay in view.
    scroller = page.locator(".compare-scroll")
    scroller.evaluate("el => el.scrollLeft = el.scrollWidth")
    label = table.locator("tbody th").first.bounding_box()
    box = scroller.bounding_box()
    assert label["x"] >= box["x"] - 1 and label["x"] < box["x"] + 20

    removed = table.locator("thead th").nth(2).locator("a").first.inner_text()
    with page.expect_navigation():
        table.locator("thead th").nth(2).locator("a", has_text="นำออก").click()
    expect(page.locator("#compare-table thead th a[href^='/orgs/']")).to_have_count(
        len(chosen) - 1)
    expect(page.locator("#compare-table thead")).not_to_contain_text(removed)
    page.fill("#compare-add", _part(removed))
    with page.expect_navigation():
        page.get_by_role("button", name="แสดง").click()
    journey.step(page, "one added back by name")
    candidates = page.locator("#compare-candidates")
    if candidates.count():            # the part named several LAOs: choose it
        with page.expect_navigation():
            candidates.get_by_role("link", name=removed).click()
    expect(page.locator("#compare-table thead")).to_contain_text(removed)
    expect(page.locator("#compare-table thead th a[href^='/orgs/']")).to_have_count(
        len(chosen))
