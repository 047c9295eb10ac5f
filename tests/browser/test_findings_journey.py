"""A certification that means something, in Chromium (issue 24): the clerk types a population
ten times too large, sees the peers' typical range beside the field before saving, saves,
finds the ⚠ finding on the status tab, cannot certify until it is explained, explains it and
certifies; the province opens ข้อสังเกตที่ต้องตรวจ, sees that LAO first with the explanation, and
follows its link to the field in the LAO's workspace — at a desk and on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from models import OrgType, SectionWarning, Submission, db
from models.rules import peers
from models.tables.sections import SECTIONS, Section1General
from workflow import Status

from .conftest import answer_dialog

EXPLANATION = "ตรวจสอบกับทะเบียนราษฎรแล้ว มีการรวมหมู่บ้าน"


def _prepare(app) -> tuple[int, str, str, int]:
    """A complete FY 2570 draft of an อบต. of Uthai Thani (nothing carried, no finding
    unexplained) and the year's peer bands: (id, clerk, LAO name, its population)."""
    with app.app_context():
        sub = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == 2570, Submission.status == Status.DRAFT,
            Submission.org_type == OrgType.SAO, Submission.sections_complete == 8)
            .order_by(Submission.id)).first()
        for section in SECTIONS:
            db.session.execute(update(section).where(section.submission_id == sub.id)
                               .values(carried_forward=False))
        db.session.execute(update(SectionWarning).where(SectionWarning.submission_id == sub.id)
                           .values(explanation="ตรวจสอบแล้ว"))
        peers.recompute_bands(2570)
        db.session.commit()
        population = db.session.scalar(select(Section1General.population_total).where(
            Section1General.submission_id == sub.id))
        found = sub.id, f"lao-{sub.organization.dla_code}", sub.organization.name_th, population
        db.session.remove()
    return found


@pytest.mark.parametrize("width", [1366, 390])
def test_a_wrong_population_is_seen_explained_certified_and_reviewed(journey, demo, app, width):
    sub_id, clerk, name, population = _prepare(app)
    page = journey.open(clerk, width=width)
    page.goto(f"/admin/edit_s1/edit/?id={sub_id}")
    hint = page.locator(".entry-hint[data-field='population_total']")
    expect(hint).to_contain_text("ช่วงปกติของ อบต. ในจังหวัด")
    expect(hint).to_contain_text(f"ปีก่อน")
    journey.step(page, "the typical range beside the field")
    wrong = population * 10
    page.fill("#population_male", str(wrong // 2))
    page.fill("#population_female", str(wrong - wrong // 2))
    page.fill("#population_total", str(wrong))
    for field in page.locator("input[name^='pop_age_']").all():
        field.fill("")
    with page.expect_navigation():
        page.locator("form.admin-form input[type=submit][value='บันทึก']").click()

    page.goto(f"/admin/lao_years/workspace/?id={sub_id}&tab=status")
    finding = page.locator("#findings li.finding", has_text="มัธยฐาน")
    expect(finding.filter(has_text="ประชากรรวม")).to_contain_text("สูงกว่า องค์การบริหารส่วนตำบล")
    journey.step(page, "the finding on the status tab")
    certify = page.get_by_role("button", name="รับรองข้อมูลระดับ อปท.", exact=True)
    if certify.is_enabled():       # the button may be enabled; the guard refuses it anyway
        answer_dialog(page, "accept")
        with page.expect_navigation():
            certify.click()
        expect(page.locator("body")).to_contain_text("ยังไม่ได้ชี้แจง")
    assert _status(app, sub_id) is Status.DRAFT
    for box in page.locator("#findings input[name^='explain-']").all():
        if not box.input_value():
            box.fill(EXPLANATION)
    with page.expect_navigation():
        page.get_by_role("button", name="บันทึกคำชี้แจง").click()
    expect(page.locator("#findings")).to_contain_text("ชี้แจงโดย")
    answer_dialog(page, "accept")
    with page.expect_navigation():
        page.get_by_role("button", name="รับรองข้อมูลระดับ อปท.", exact=True).click()
    journey.step(page, "certified after explaining")
    assert _status(app, sub_id) is Status.LAO_CERTIFIED
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    officer = journey.open("prov-61", width=width)
    officer.goto("/admin/findings/")
    first = officer.locator("table.model-list tr").nth(1)
    expect(first).to_contain_text(name)
    expect(first).to_contain_text(EXPLANATION)
    journey.step(officer, "the province's findings list")
    with officer.expect_navigation():
        first.get_by_role("link", name=name).click()
    field = officer.url.rsplit("#", 1)[1]
    assert field.startswith("field-population_"), officer.url
    expect(officer.locator(f"#{field}")).to_be_visible()


def _status(app, sub_id: int) -> Status:
    with app.app_context():
        status = db.session.get(Submission, sub_id).status
        db.session.remove()
    return status


def test_the_province_leaves_one_lao_out_of_the_bulk_certification(journey, demo, app):
    """The preview's boxes: one unticked, the button and its one confirmation name the rest,
    exactly those are certified and the left-out one is reported."""
    page = journey.open("prov-61")
    page.goto("/admin/submission/bulk/")
    rows = page.locator("#bulk-preview tbody tr")
    total = rows.count()
    assert total >= 2
    left = rows.nth(1)
    code = left.get_attribute("data-lao")
    name = left.locator("td").nth(2).inner_text()
    left.locator("input[type=checkbox]").uncheck()
    button = page.get_by_role("button", name=f"รับรองข้อมูลที่เลือก {total - 1:,} แห่ง")
    expect(button).to_be_visible()
    journey.step(page, "one LAO left out")
    asked = answer_dialog(page, "accept")
    with page.expect_navigation():
        button.click()
    assert asked == [f"ยืนยันการรับรองข้อมูลระดับจังหวัด {total - 1:,} แห่ง?"]
    expect(page.locator("#left-out")).to_contain_text("1 แห่ง")
    expect(page.locator("#left-out + ul")).to_contain_text(name)
    journey.step(page, "the result names the left-out LAO")
    with app.app_context():
        from models import Organization
        statuses = dict(db.session.execute(
            select(Organization.dla_code, Submission.status).join(Submission)
            .where(Submission.fiscal_year == 2570, Submission.province_code == "61",
                   Submission.status.in_([Status.LAO_CERTIFIED, Status.PROVINCE_CERTIFIED])))
            .all())
        db.session.remove()
    assert statuses[code] is Status.LAO_CERTIFIED
    assert list(statuses.values()).count(Status.LAO_CERTIFIED) == 1
