"""นำเข้าข้อมูลจากไฟล์ in a real browser: a province officer downloads the template of ด้าน 7,
changes two cells, uploads it, reads the dry run (old → new), is asked to confirm — dismissing
writes nothing, accepting imports — and the database holds exactly those two changes under the
batch; then the same on a phone-width screen with no sideways scroll."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import func, select

from models import AuditLog, ImportBatch, Organization, Submission, db
from models.tables.sections import Section7Environment
from workflow import Status


def _drafts(read_db):
    return read_db(lambda: db.session.execute(
        select(Organization.dla_code, Submission.id).join(Organization)
        .where(Submission.fiscal_year == 2570, Submission.status == Status.DRAFT,
               Submission.province_code == "61", Submission.extension_until.is_(None))
        .order_by(Organization.dla_code).limit(2)).all())


@pytest.mark.parametrize("width", [1366, 390])
def test_an_officer_imports_two_changed_cells_after_the_dry_run(journey, demo, read_db,
                                                               tmp_path, width):
    (a, a_id), (b, b_id) = _drafts(read_db)
    officer = journey.open("prov-61", width=width)
    officer.goto("/admin/")
    officer.goto("/admin/import/")
    expect(officer.get_by_role("heading", name="นำเข้าข้อมูลจากไฟล์")).to_be_visible()
    with officer.expect_download() as download:
        officer.get_by_role("link", name="ด้านที่ 7 ข้อมูลด้านสิ่งแวดล้อม").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    book = load_workbook(template)
    sheet = book["ด้านที่ 7"]
    codes = [c.value for c in sheet[2]]
    rows = {r[0].value: r[0].row for r in sheet.iter_rows(min_row=3)}
    sheet.cell(rows[a], codes.index("rainfall") + 1).value = 1357.5
    sheet.cell(rows[b], codes.index("waste_trucks") + 1).value = 17
    edited = tmp_path / "อุทัยธานี-ด้าน7.xlsx"
    book.save(edited)

    officer.select_option("#section", "7")
    officer.set_input_files("#file", str(edited))
    officer.get_by_role("button", name="ตรวจไฟล์ (ยังไม่บันทึก)").click()
    expect(officer.get_by_role("heading", name="ผลตรวจไฟล์ (ยังไม่บันทึก)")).to_be_visible()
    expect(officer.locator(".info-import-summary")).to_contain_text("จะเปลี่ยน 2 แถว")
    expect(officer.locator(".info-import-rows")).to_contain_text("1,357.5")
    journey.step(officer, f"the dry run at {width} px")
    if width == 390:
        assert officer.evaluate("document.documentElement.scrollWidth") <= 390
    audit_before = read_db(lambda: db.session.scalar(select(func.count()).select_from(AuditLog)))

    # Dismissing the confirmation writes nothing.
    officer.once("dialog", lambda dialog: dialog.dismiss())
    officer.get_by_role("button", name="นำเข้า 2 แถว").click()
    officer.wait_for_timeout(500)
    assert read_db(lambda: db.session.scalar(select(func.count()).select_from(ImportBatch))) == 0
    assert read_db(lambda: db.session.scalar(select(func.count()).select_from(AuditLog))) \
        == audit_before

    # Accepting it imports exactly the two cells.
    officer.once("dialog", lambda dialog: dialog.accept())
    officer.get_by_role("button", name="นำเข้า 2 แถว").click()
    expect(officer.get_by_role("status")).to_contain_text("นำเข้าแล้ว")
    journey.step(officer, f"the result at {width} px")
    batch = read_db(lambda: db.session.scalars(select(ImportBatch)).one())
    assert (batch.rows_changed, batch.fields_changed) == (2, 2)
    assert batch.file_name == "อุทัยธานี-ด้าน7.xlsx"
    changes = read_db(lambda: db.session.execute(
        select(AuditLog.submission_id, AuditLog.field).where(AuditLog.batch_id == batch.id)
        .order_by(AuditLog.submission_id)).all())
    assert sorted(changes) == sorted([(a_id, "rainfall"), (b_id, "waste_trucks")])
    assert read_db(lambda: db.session.get(Section7Environment, a_id).rainfall) \
        == Decimal("1357.50")
    # The run is in the audit menu, and its number leads to its field changes.
    officer.goto("/admin/import_batch/")
    expect(officer.locator("table.model-list")).to_contain_text("อุทัยธานี-ด้าน7.xlsx")
    officer.locator("table.model-list a", has_text="2").first.click()
    expect(officer.locator("table.model-list")).to_contain_text("ปริมาณน้ำฝนเฉลี่ย")
