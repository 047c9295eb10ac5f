"""The DLA's national workbook in a real browser (views/workbook_cache.py): chosen on the review
list and downloaded; after a change the file written before it comes at once, named by when it
was written, the list says when that was, and the next download holds the change."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select, update

from models import Organization, Submission, db
from views import workbook_cache


def _download(officer, tmp_path, name: str):
    officer.goto("/admin/submission/")
    form = officer.locator("form.info-workbook")
    form.get_by_label("ปีงบประมาณ").select_option("2570")
    form.get_by_label("จังหวัด").select_option(label="ทั้งประเทศ")
    with officer.expect_download() as download:
        form.get_by_role("button", name="ดาวน์โหลด Excel").click()
    path = tmp_path / name
    download.value.save_as(path)
    return download.value.suggested_filename, load_workbook(path, read_only=True)


def _names(book) -> dict[str, str]:
    return {row[0]: row[1] for row in list(book["ด้านที่ 1"].iter_rows(values_only=True))[2:]}


@pytest.mark.parametrize("width", [1366, 390])
def test_the_dla_downloads_the_national_workbook_kept_until_its_data_changes(
        journey, demo, app, read_db, tmp_path, monkeypatch, width):
    shutil.rmtree(app.config["WORKBOOK_CACHE_DIR"], ignore_errors=True)
    # The demo's workbook takes a second: count it as large, as the nation's 25 s are.
    monkeypatch.setitem(app.config, "WORKBOOK_FRESH_SECONDS", 0)
    admin = journey.open("admin", width=width)
    first_name, first = _download(admin, tmp_path, "first.xlsx")
    assert first_name.startswith("info-workbook-th-fy2570-")
    code, sub_id = read_db(lambda: db.session.execute(
        select(Organization.dla_code, Submission.id).join(Organization)
        .where(Submission.fiscal_year == 2570).order_by(Submission.id).limit(1)).one())
    before = _names(first)[code]

    def rename():               # the DLA renames the LAO (a change the workbook shows)
        db.session.execute(update(Organization).where(Organization.dla_code == code)
                           .values(name_th=f"{before} (ชื่อใหม่)"))
        db.session.commit()
    read_db(rename)
    try:
        second_name, second = _download(admin, tmp_path, "second.xlsx")
        assert second_name == first_name and _names(second)[code] == before   # as written
        workbook_cache.wait_for_writings()
        admin.goto("/admin/submission/")
        note = admin.locator(".info-workbook-kept").first
        expect(note).to_contain_text("ไฟล์ทั้งประเทศ ปีงบประมาณ 2570 จัดทำล่าสุดเมื่อ")
        expect(note).to_be_visible()
        assert admin.evaluate("document.documentElement.scrollWidth") <= width
        _third_name, third = _download(admin, tmp_path, "third.xlsx")
        assert _names(third)[code] == f"{before} (ชื่อใหม่)"
    finally:
        def restore():
            db.session.execute(update(Organization).where(Organization.dla_code == code)
                               .values(name_th=before))
            db.session.commit()
        read_db(restore)
        workbook_cache.wait_for_writings()
