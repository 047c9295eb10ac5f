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
