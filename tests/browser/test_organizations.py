"""The DLA moves an LAO to another district of its province, in a real browser: the LAO found
by the list's search, the new district picked in Flask-Admin's ajax select, a Thai message when
the office's subdistrict is left in the old district (and nothing saved), then the move; the
open year's LAO-year follows the LAO into the new district officer's list and out of the old
one's, and the closed years stay where they were."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from models import Organization, OrgType, Submission, db


def _sao():
    org = db.session.scalars(select(Organization).where(
        Organization.org_type == OrgType.SAO, Organization.district_code == "6101",
        Organization.subdistrict_code.is_not(None)).order_by(Organization.id)).first()
    return org.id, org.dla_code, org.name_th


def _where(org_id):
    org = db.session.get(Organization, org_id)
    years = dict(db.session.execute(select(Submission.fiscal_year, Submission.district_code)
                                    .where(Submission.organization_id == org_id)).all())
    return org.district_code, org.subdistrict_code, years


def _pick(page, field: str, typed: str, label: str) -> None:
    """Choose in Flask-Admin's ajax select (select2): open it, type, click the result."""
    page.locator(f"#s2id_{field} a.select2-choice").click()
    page.locator(".select2-drop-active:visible input.select2-input").fill(typed)
    page.locator(".select2-drop-active:visible .select2-result-label", has_text=label).first.click()
    expect(page.locator(".select2-drop-active:visible")).to_have_count(0)


def test_the_dla_moves_an_lao_to_another_district_of_its_province(journey, demo, read_db):
    org_id, code, name = read_db(_sao)
    district, subdistrict, years = read_db(lambda: _where(org_id))
    assert district == "6101" and years[2570] == "6101" and len(years) >= 2

    admin = journey.open("admin")
    admin.goto("/admin/organization/")
    admin.locator("input[name=search]").fill(code)
    with admin.expect_navigation():
        admin.locator("input[name=search]").press("Enter")
    rows = admin.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(name)
    with admin.expect_navigation():
        rows.first.locator('a.icon[href*="/edit/"]').click()
    expect(admin).to_have_url(re.compile(rf"/admin/organization/edit/\?id={org_id}"))

    # The district alone: the office's subdistrict is still in the old one.
    _pick(admin, "district", "6102", "ทัพทัน")
    with admin.expect_navigation():
        admin.locator("form.admin-form input[type=submit]").first.click()
    expect(admin.locator(".alert")).to_contain_text("ตำบลที่ตั้งสำนักงานต้องอยู่ในอำเภอที่เลือก")
    journey.step(admin, "refused: the subdistrict is in the old district")
    assert read_db(lambda: _where(org_id)) == (district, subdistrict, years)

    # The form kept the new district; a subdistrict of it too: saved.
    expect(admin.locator("#s2id_district")).to_contain_text("ทัพทัน")
    _pick(admin, "subdistrict", "ทัพทัน", "ทัพทัน")
    with admin.expect_navigation():
        admin.locator("form.admin-form input[type=submit]").first.click()
    expect(admin.locator(".alert-success")).to_be_visible()
    journey.step(admin, "moved")
    moved_district, moved_subdistrict, moved_years = read_db(lambda: _where(org_id))
    assert moved_district == "6102" and moved_subdistrict.startswith("6102")
    assert moved_years[2570] == "6102"
    assert {y: d for y, d in moved_years.items() if y != 2570} == \
        {y: d for y, d in years.items() if y != 2570}        # closed years: as they were

    # The open year's LAO-year is now the new district officer's, no longer the old one's.
    for officer, listed in (("dist-6102", True), ("dist-6101", False)):
        page = journey.open(officer)
        page.goto("/admin/submission/")
        table = page.locator("table.model-list")
        expect(table).to_be_visible()
        if listed:
            expect(table).to_contain_text(name)
        else:
            expect(table).not_to_contain_text(name)
