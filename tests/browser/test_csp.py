"""Under the Content-Security-Policy without 'unsafe-inline' for scripts (issue 12 item 4), what
Flask-Admin wired with inline handlers still works, and still asks first: deleting a record
(its confirmation dismissed deletes nothing), adding a child row to a section, printing the
report.  The journey fixture fails any test on a page where the policy blocked something else."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from models import TouristPlace, db
from models.tables.sections import Section6Vehicle
from workflow import Status

from .conftest import answer_dialog, submission_of
from .test_journeys import YEAR, _demo_lao, _open_year_workspace


def test_deleting_a_record_asks_first_and_dismissing_keeps_it(journey, demo, read_db):
    code = _demo_lao(demo, Status.DRAFT)
    page = journey.open(f"lao-{code}")

    def places():
        org = submission_of(code).organization_id
        return db.session.scalar(select(func.count()).select_from(TouristPlace).where(
            TouristPlace.organization_id == org))
    # A place of the clerk's own, made through the form.
    page.goto("/admin/tourist_place/new/")
    page.fill("#name", "น้ำตกทดสอบนโยบายความปลอดภัย")
    page.locator("form.admin-form [type=submit]").first.click()
    page.goto("/admin/tourist_place/")
    before = read_db(places)
    assert before >= 1
    delete = page.locator("table.model-list form.icon button").first

    asked = answer_dialog(page, "dismiss")
    delete.click()
    expect(page.locator("table.model-list")).to_be_visible()   # still the list, not submitted
    assert len(asked) == 1, "deleting did not ask"
    assert read_db(places) == before, "dismissing the confirmation deleted the record"

    asked = answer_dialog(page, "accept")
    with page.expect_navigation():
        delete.click()
    assert len(asked) == 1
    assert read_db(places) == before - 1


def test_a_child_row_is_added_with_the_add_button(journey, demo, read_db):
    code = _demo_lao(demo, Status.DRAFT)
    page = journey.open(f"lao-{code}")
    sub_id = read_db(lambda: submission_of(code).id)

    def vehicles():
        return db.session.scalar(select(func.count()).select_from(Section6Vehicle).where(
            Section6Vehicle.submission_id == sub_id))
    before = read_db(vehicles)
    page.goto(f"/admin/edit_s6/edit/?id={sub_id}")
    rows = page.locator(".inline-field-list > .inline-field")
    shown = rows.count()
    page.locator("#vehicles-button").click()
    expect(rows).to_have_count(shown + 1)
    new = rows.last
    # Fill the new row's required cells the way a clerk would (the first select, the numbers).
    for select_ in new.locator("select").all():
        options = select_.locator("option").evaluate_all("os => os.map(o => o.value)")
        select_.select_option([v for v in options if v][0])
    for box in new.locator("input[type=text]:visible").all():
        box.fill("2565" if "year" in (box.get_attribute("name") or "") else "1")
    with page.expect_navigation():
        page.locator("form.admin-form [type=submit]").first.click()
    journey.step(page, "saved with a new vehicle")
    assert read_db(vehicles) == before + 1, page.locator(".alert").all_inner_texts()


def test_the_report_prints_from_its_button(journey, demo):
    code = _demo_lao(demo, Status.DRAFT)
    page = journey.open(f"lao-{code}")
    page.add_init_script("window.print = function () { document.title = 'printed'; };")
    _open_year_workspace(page)
    sub = re.search(r"id=(\d+)", page.url).group(1)
    page.goto(f"/admin/lao_years/report/?id={sub}")
    page.get_by_role("button", name=re.compile("พิมพ์")).click()
    expect(page).to_have_title("printed")
