"""นำเข้าข้อมูลจากไฟล์ (issue 11): template → dry run → commit, the way a province officer and a
clerk use it; refusals per row; bad files change nothing; values of other systems read-only."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update

from models import AuditLog, ImportBatch, Organization, Submission, User, db
from models.exchange.imports import ImportMode, ImportSource, ImportStatus
from models.tables.sections import Section1General, Section7Environment, Section8Finance
from workflow import Status

from .conftest import login, signed_in

YEAR = 2570
OTHER_PROVINCE = "18"
TOKEN = re.compile(r'name="token" value="([0-9a-f]{64})"')


@pytest.fixture()
def world(two_provinces):
    """Uthai Thani and Chai Nat (tests/conftest.py)."""


def template(client, section: int) -> bytes:
    response = client.get(f"/admin/import/template/?section={section}&year={YEAR}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_data()


def check(client, data: bytes, section: int, *, name: str = "ข้อมูล.xlsx", mode: str = "all",
          source: str | None = None):
    form = {"csrf_token": client.token, "section": str(section), "year": str(YEAR),
            "mode": mode, "file": (io.BytesIO(data), name)}
    if source is not None:
        form["source"] = source
    response = client.post("/admin/import/", data=form, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def commit(client, page: str):
    token = TOKEN.search(page)
    assert token, "the dry-run page offers no commit"
    response = client.post("/admin/import/commit/",
                           data={"csrf_token": client.token, "token": token.group(1)})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def sheet_of(data: bytes, section: int):
    book = load_workbook(io.BytesIO(data))
    return book, book[f"ด้านที่ {section}"]


def codes_row(sheet) -> list[str]:
    return [c.value for c in sheet[2]]


def row_of(sheet, dla_code: str) -> int:
    return next(r[0].row for r in sheet.iter_rows(min_row=3) if r[0].value == dla_code)


def saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def state(app) -> tuple:
    """Everything an import could change."""
    with app.app_context():
        rows = tuple(db.session.execute(select(Section7Environment).order_by(
            Section7Environment.submission_id)).scalars())
        values = tuple((r.submission_id, r.version, r.rainfall, r.waste_trucks, r.forest_area)
                       for r in rows)
        s1 = tuple(db.session.execute(select(Section1General.submission_id,
                                             Section1General.version)).all())
        audit = db.session.scalar(select(func.count()).select_from(AuditLog))
        subs = tuple(db.session.execute(select(Submission.id, Submission.version,
                                               Submission.sections_complete,
                                               Submission.warnings_count)
                                        .order_by(Submission.id)).all())
        db.session.remove()
        return values, s1, audit, subs


def drafts(app, province: str = "61") -> list[tuple[str, int]]:
    """(dla_code, submission id) of the FY 2570 drafts of a province."""
    with app.app_context():
        found = db.session.execute(
            select(Organization.dla_code, Submission.id).join(Organization)
            .where(Submission.fiscal_year == YEAR, Submission.status == Status.DRAFT,
                   Submission.province_code == province, Submission.extension_until.is_(None))
            .order_by(Organization.dla_code)).all()
        db.session.remove()
        return [tuple(r) for r in found]


def certified(app, province: str = "61") -> list[str]:
    with app.app_context():
        found = list(db.session.scalars(
            select(Organization.dla_code).join(Submission)
            .where(Submission.fiscal_year == YEAR, Submission.province_code == province,
                   Submission.status == Status.PROVINCE_CERTIFIED)
            .order_by(Organization.dla_code)))
        db.session.remove()
        return found


# --- the round trip ------------------------------------------------------------------------------

def test_every_section_of_the_province_template_re_imports_with_no_change(app, world):
    officer = signed_in(app, "prov-61")
    before = state(app)
    for section in range(1, 9):
        page = check(officer, template(officer, section), section)
        assert "จะเปลี่ยน 0 แถว" in page, section
        assert "ไม่ผ่าน 0 แถว" in page, section
        assert "ไม่มีข้อมูลที่จะเปลี่ยน" in page
        assert TOKEN.search(page) is None           # nothing to commit
    assert state(app) == before


def test_three_changed_cells_are_exactly_three_audited_field_changes(app, world):
    officer = signed_in(app, "prov-61")
    data = template(officer, 7)
    book, sheet = sheet_of(data, 7)
    codes = codes_row(sheet)
    (a, a_id), (b, b_id) = drafts(app)[:2]
    sheet.cell(row_of(sheet, a), codes.index("rainfall") + 1).value = 1234.5
    sheet.cell(row_of(sheet, a), codes.index("waste_trucks") + 1).value = "๑,๒๓๔"  # Thai digits
    sheet.cell(row_of(sheet, b), codes.index("forest_area") + 1).value = "12,345.5"
    upload = saved(book)
    before_audit = state(app)[2]
    page = check(officer, upload, 7, name="อุทัยธานี ด้าน 7.xlsx")
    assert "จะเปลี่ยน 2 แถว" in page and "3 รายการ" in page
    assert "1,234.5" in page and "12,345.5" in page
    assert state(app)[2] == before_audit                # the dry run wrote nothing
    done = commit(officer, page)
    assert "นำเข้าแล้ว" in done
    with app.app_context():
        batch = db.session.scalars(select(ImportBatch)).one()
        assert batch.status is ImportStatus.COMMITTED
        assert batch.file_name == "อุทัยธานี ด้าน 7.xlsx"
        assert batch.file_sha256 == hashlib.sha256(upload).hexdigest()
        assert (batch.rows_changed, batch.fields_changed) == (2, 3)
        assert batch.user.username == "prov-61" and batch.province_code == "61"
        changes = db.session.execute(
            select(AuditLog.submission_id, AuditLog.field, AuditLog.new_value, AuditLog.user_id)
            .where(AuditLog.batch_id == batch.id).order_by(AuditLog.field)).all()
        assert [(s, f) for s, f, _v, _u in changes] == [
            (b_id, "forest_area"), (a_id, "rainfall"), (a_id, "waste_trucks")]
        assert {u for *_x, u in changes} == {batch.user_id}
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == before_audit + 3
        row = db.session.get(Section7Environment, a_id)
        assert (row.rainfall, row.waste_trucks) == (Decimal("1234.50"), 1234)
        assert db.session.get(Section7Environment, b_id).forest_area == Decimal("12345.50")
        assert row.updated_by_id == batch.user_id and row.carried_forward is False
    # The same file again: nothing left to change.
    assert "จะเปลี่ยน 0 แถว" in check(officer, upload, 7)


def test_mixed_rows_commit_nothing_in_all_or_nothing_mode_and_the_good_ones_on_request(app, world):
    officer = signed_in(app, "prov-61")
    book, sheet = sheet_of(template(officer, 7), 7)
    codes = codes_row(sheet)
    (good, good_id), (bad, _bad_id) = drafts(app)[:2]
    locked = certified(app)[0]
    sheet.cell(row_of(sheet, good), codes.index("rainfall") + 1).value = 1500
    sheet.cell(row_of(sheet, bad), codes.index("waste_trucks") + 1).value = -3
    sheet.cell(row_of(sheet, bad), codes.index("rainfall") + 1).value = "มาก"
    sheet.cell(row_of(sheet, locked), codes.index("rainfall") + 1).value = 1600
    upload = saved(book)
    before = state(app)
    page = check(officer, upload, 7)
    assert "ไม่ผ่าน 2 แถว" in page
    assert "พิมพ์ “มาก” — ใช้จุดเป็นทศนิยม" in page          # not a number
    assert "ต้องไม่น้อยกว่า 0" in page or "ติดลบ" in page or "ต้องไม่ต่ำกว่า" in page, \
        re.findall(r"<li>([^<]*)</li>", page)
    assert "รับรองข้อมูลแล้ว" in page                        # the certified year, per row
    assert TOKEN.search(page) is None                         # all or nothing: no commit
    assert state(app) == before
    # The good rows only, when the officer chooses it.
    page = check(officer, upload, 7, mode=ImportMode.GOOD_ROWS.value)
    done = commit(officer, page)
    assert "นำเข้าแล้ว" in done
    with app.app_context():
        batch = db.session.scalars(select(ImportBatch)).one()
        assert (batch.mode, batch.rows_changed, batch.rows_refused) == \
            (ImportMode.GOOD_ROWS, 1, 2)
        assert db.session.scalars(select(AuditLog.submission_id).where(
            AuditLog.batch_id == batch.id)).all() == [good_id]
        assert db.session.get(Section7Environment, good_id).rainfall == Decimal("1500.00")


def test_a_refused_commit_is_recorded_and_changes_nothing(app, world):
    """Between the dry run and the commit a row became certified: the commit plans again with
    the submissions locked, refuses that row, and in all-or-nothing mode writes nothing."""
    officer = signed_in(app, "prov-61")
    book, sheet = sheet_of(template(officer, 7), 7)
    codes = codes_row(sheet)
    (a, a_id), (b, _b) = drafts(app)[:2]
    for code in (a, b):
        sheet.cell(row_of(sheet, code), codes.index("rainfall") + 1).value = 1700
    page = check(officer, saved(book), 7)
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.id == a_id)
                           .values(status=Status.LAO_CERTIFIED))
        db.session.commit()
    before = state(app)
    done = commit(officer, page)
    assert "ไม่ได้นำเข้า" in done and "ได้รับการรับรองแล้ว" in done
    assert state(app) == before
    with app.app_context():
        batch = db.session.scalars(select(ImportBatch)).one()
        assert (batch.status, batch.rows_refused, batch.fields_changed) == \
            (ImportStatus.REFUSED, 1, 0)


# --- scope ------------------------------------------------------------------------------------

def test_an_lao_imports_for_itself_and_a_province_for_its_own_laos_only(app, world):
    (own, own_id), (neighbour, _n) = drafts(app)[:2]
    foreign = drafts(app, OTHER_PROVINCE)[0][0]
    rows = [["dla_code", "fiscal_year", "rainfall"], [own, YEAR, 1111],
            [neighbour, YEAR, 2222], [foreign, YEAR, 3333]]
    data = _csv(rows)
    clerk = signed_in(app, f"lao-{own}")
    page = check(clerk, data, 7, name="ของเรา.csv", mode="good")
    assert page.count("ในขอบเขตของท่าน") == 2               # the neighbour and the foreign LAO
    commit(clerk, page)
    officer = signed_in(app, "prov-61")
    page = check(officer, data, 7, name="จังหวัด.csv", mode="good")
    assert page.count("ในขอบเขตของท่าน") == 1               # the other province's LAO
    assert "ชัยนาท" not in page
    commit(officer, page)
    with app.app_context():
        assert db.session.get(Section7Environment, own_id).rainfall == Decimal("1111.00")
        changed = set(db.session.scalars(select(AuditLog.submission_id).where(
            AuditLog.batch_id.is_not(None))))
        foreign_id = db.session.scalar(select(Submission.id).join(Organization).where(
            Organization.dla_code == foreign, Submission.fiscal_year == YEAR))
        assert foreign_id not in changed and len(changed) == 2


def test_a_district_officer_cannot_import(app, world):
    client = app.test_client()
    assert login(client, "dist-6101").status_code == 302
    assert client.get("/admin/import/").status_code == 403
    assert client.get(f"/admin/import/template/?section=1&year={YEAR}").status_code == 403


def test_another_users_checked_file_cannot_be_committed(app, world):
    officer = signed_in(app, "prov-61")
    book, sheet = sheet_of(template(officer, 7), 7)
    code, sub_id = drafts(app)[0]
    sheet.cell(row_of(sheet, code), codes_row(sheet).index("rainfall") + 1).value = 1800
    page = check(officer, saved(book), 7)
    token = TOKEN.search(page).group(1)
    admin = signed_in(app, "admin")
    response = admin.post("/admin/import/commit/", data={"csrf_token": admin.token,
                                                         "token": token})
    assert response.status_code == 404
    assert admin.get(f"/admin/import/report/?token={token}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0
        assert db.session.get(Section7Environment, sub_id).rainfall != Decimal("1800")


# --- bad files ----------------------------------------------------------------------------------

def _csv(rows, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def _xlsx(rows, *, sheet: str = "ด้านที่ 7", merge: str | None = None) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    return saved(book)


def _bad_files(code: str) -> dict[str, tuple[bytes, str, str]]:
    good_head = ["dla_code", "fiscal_year", "rainfall"]
    return {
        "empty": (b"", "ว่าง.csv", "ไฟล์ว่างเปล่า"),
        "junk": (bytes(range(256)) * 36_000, "ขยะ.xlsx", "ไม่ใช่ไฟล์ Excel"),
        "zip junk": (b"PK\x03\x04" + b"\x00" * 5000, "เสีย.xlsx", "ไม่ใช่ไฟล์ Excel"),
        "old xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "เก่า.xls", ".xls"),
        "tis-620": (_csv([["dla_code", "terrain"], [code, "ที่ราบลุ่ม"]], "cp874"), "ไทย.csv",
                    "TIS-620"),
        "wrong header": (_csv([["dla_code", "ปริมาณฝน"], [code, "1200"]]), "หัว.csv",
                         "ไม่รู้จักหัวคอลัมน์"),
        "no key": (_csv([["รหัส", "rainfall"], [code, "1200"]]), "หัว.csv", "dla_code"),
        "repeated": (_csv([["dla_code", "rainfall", "rainfall"], [code, "1", "2"]]), "ซ้ำ.csv",
                     "หัวคอลัมน์ซ้ำกัน"),
        "missing sheet": (_two_sheets(code), "แผ่นงาน.xlsx", "ไม่พบแผ่นงาน"),
        "merged": (_xlsx([good_head, [code, YEAR, 1200], [code, YEAR, None]], merge="A2:A3"),
                   "ผสาน.xlsx", "ผสาน"),
        "formula": (_xlsx([good_head, [code, YEAR, "=1000+200"]]), "สูตร.xlsx", "สูตรคำนวณ"),
    }


def _two_sheets(code: str) -> bytes:
    book = Workbook()
    book.active.title = "สรุปของจังหวัด"
    other = book.create_sheet("ข้อมูล")
    other.append(["dla_code", "rainfall"])
    other.append([code, 1200])
    book.create_sheet("หมายเหตุ")
    return saved(book)


@pytest.mark.parametrize("kind", list(_bad_files("6100000")))
def test_a_bad_file_gets_a_thai_message_and_changes_nothing(app, world, kind):
    code = drafts(app)[0][0]
    data, name, message = _bad_files(code)[kind]
    officer = signed_in(app, "prov-61")
    before = state(app)
    page = check(officer, data, 7, name=name)
    assert message in page, kind
    assert 'role="alert"' in page
    assert TOKEN.search(page) is None
    assert state(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_dates_thai_digits_and_separators_are_read_as_a_clerk_means_them(app, world):
    code, sub_id = drafts(app)[0]
    rows = [["dla_code", "population_as_of", "households", "postal_code"],
            [code, "๑/๖/๒๕๖๙", "๑,๒๓๔", 61000.0]]
    officer = signed_in(app, "prov-61")
    page = check(officer, _xlsx(rows, sheet="ด้านที่ 1"), 1, mode="good")
    assert "1/6/2569" in page and "→ <strong>1,234</strong>" in page
    assert "รหัสไปรษณีย์" not in page               # 61000.0 from Excel is "61000": no change
    # An Excel day number in a date column is a date; a text that is not one is refused.
    day = (date(2026, 5, 31) - date(1899, 12, 30)).days
    serial = _xlsx([["dla_code", "population_as_of"], [code, day]], sheet="ด้านที่ 1")
    assert "31/5/2569" in check(officer, serial, 1, mode="good")
    wrong = _xlsx([["dla_code", "population_as_of"], [code, "เมื่อวาน"]], sheet="ด้านที่ 1")
    assert "ต้องเป็นวันที่" in check(officer, wrong, 1)
    bad_separator = _csv([["dla_code", "households"], [code, "1,23"]])
    assert "พิมพ์ “1,23” — ใช้จุดเป็นทศนิยมและจุลภาคคั่นหลักพัน" in check(officer, bad_separator, 1,
                                                                         name="a.csv")


# --- values from another system ---------------------------------------------------------------------

def test_values_from_e_laas_are_read_only_for_the_clerk_and_refreshed_by_the_next_import(app, world):
    code, sub_id = drafts(app)[0]
    rows = [["dla_code", "revenue_taxes", "tax_signboard"], [code, 123456.78, 5000]]
    admin = signed_in(app, "admin")
    page = check(admin, _csv(rows), 8, name="e-laas.csv", source=ImportSource.ELAAS.value)
    commit(admin, page)
    with app.app_context():
        row = db.session.get(Section8Finance, sub_id)
        assert row.revenue_taxes == Decimal("123456.78") and row.from_accounting_import is True
        assert set(row.imported) == {"revenue_taxes", "tax_signboard"}
        assert row.imported["revenue_taxes"]["source"] == "e-laas"
        batch = db.session.scalars(select(ImportBatch)).one()
        assert batch.source is ImportSource.ELAAS
    # The clerk's form shows them read-only with where to change them …
    clerk = app.test_client()
    assert login(clerk, f"lao-{code}").status_code == 302
    form = clerk.get(f"/admin/edit_s8/edit/?id={sub_id}").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="revenue_taxes"[^>]*>', form).group(0)
    assert "readonly" in field
    assert "e-LAAS" in form and "แก้ไขในแบบฟอร์มนี้ไม่ได้" in form
    # The section's tab (the clerk's and the officers' read view) names the source too.
    tab = clerk.get(f"/admin/lao_years/workspace/?id={sub_id}&tab=8").get_data(as_text=True)
    assert tab.count("จาก ระบบบัญชีคอมพิวเตอร์") == 2
    # The DLA's browse of the section table says it in words, not as the stored JSON.
    for url in ("/admin/section8_finance/", f"/admin/section8_finance/details/?id={sub_id}"):
        browse = admin.get(url).get_data(as_text=True)
        assert "ระบบบัญชีคอมพิวเตอร์ขององค์กรปกครองส่วนท้องถิ่น (e-LAAS): หมวดภาษีอากร, ภาษีป้าย" in browse, url
        assert "&#34;source&#34;" not in browse and '"source"' not in browse, url
    # … and a posted change of them is not stored.
    from .formdata import form_fields
    data = form_fields(form)
    data["revenue_taxes"] = "1"
    data["revenue_fees"] = data.get("revenue_fees") or "0"
    clerk.post(f"/admin/edit_s8/edit/?id={sub_id}", data=data)
    with app.app_context():
        assert db.session.get(Section8Finance, sub_id).revenue_taxes == Decimal("123456.78")
    # An import without that source may not change them; the source's next import does.
    officer = signed_in(app, "prov-61")
    page = check(officer, _csv([["dla_code", "revenue_taxes"], [code, 1]]), 8)
    assert "นำเข้าจาก" in page and "ไม่ผ่าน 1 แถว" in page
    page = check(admin, _csv([["dla_code", "revenue_taxes"], [code, 200000]]), 8,
                 source=ImportSource.ELAAS.value)
    commit(admin, page)
    with app.app_context():
        assert db.session.get(Section8Finance, sub_id).revenue_taxes == Decimal("200000.00")


def test_only_the_dla_may_import_as_another_system(app, world):
    code, sub_id = drafts(app)[0]
    with app.app_context():
        flag = db.session.get(Section8Finance, sub_id).from_accounting_import
    officer = signed_in(app, "prov-61")
    page = check(officer, _csv([["dla_code", "revenue_taxes"], [code, 10]]), 8,
                 source=ImportSource.ELAAS.value, mode="good")
    commit(officer, page)
    with app.app_context():
        row = db.session.get(Section8Finance, sub_id)
        assert row.imported is None and row.from_accounting_import is flag
        assert row.revenue_taxes == Decimal("10.00")
        assert db.session.scalars(select(ImportBatch.source)).one() is None


# --- the template ---------------------------------------------------------------------------------

def test_the_template_carries_the_data_validation_and_the_officers_laos_only(app, world):
    officer = signed_in(app, "prov-61")
    book, sheet = sheet_of(template(officer, 7), 7)
    assert book.sheetnames == ["สรุป", "ด้านที่ 7", "ค่าที่เลือกได้"]
    assert book["ค่าที่เลือกได้"].sheet_state == "hidden"
    codes = codes_row(sheet)
    assert codes[:6] == ["dla_code", "name_th", "district", "province", "status", "fiscal_year"]
    rules = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    method = next(v for ref, v in rules.items()
                  if ref.startswith(sheet.cell(3, codes.index("waste_disposal_method") + 1)
                                    .column_letter))
    assert method.type == "list" and "ค่าที่เลือกได้" in method.formula1
    trucks = next(v for ref, v in rules.items()
                  if ref.startswith(sheet.cell(3, codes.index("waste_trucks") + 1).column_letter))
    assert trucks.type == "whole" and trucks.operator == "greaterThanOrEqual"
    laos = {r[0].value for r in sheet.iter_rows(min_row=3)}
    with app.app_context():
        expected = set(db.session.scalars(select(Organization.dla_code).join(Submission).where(
            Submission.fiscal_year == YEAR, Submission.province_code == "61")))
    assert laos == expected


# --- the CLI -------------------------------------------------------------------------------------

def test_the_cli_dry_runs_then_commits_with_the_same_report(app, world, runner, tmp_path):
    code, sub_id = drafts(app)[0]
    path = tmp_path / "ฝน.csv"
    path.write_bytes(_csv([["dla_code", "rainfall"], [code, 1999], ["6100", 1]]))
    args = ["import-section", str(path), "--section", "7", "--year", str(YEAR)]
    dry = runner.invoke(args=args)
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.output and f"แถว 2 {code} เปลี่ยน" in dry.output
    assert "แถว 3 6100 ไม่ผ่าน" in dry.output
    refused = runner.invoke(args=[*args, "--commit"])
    assert refused.exit_code != 0 and "not imported" in refused.output
    done = runner.invoke(args=[*args, "--commit", "--good-rows", "--user", "prov-61"])
    assert done.exit_code == 0, done.output
    with app.app_context():
        assert db.session.get(Section7Environment, sub_id).rainfall == Decimal("1999.00")
        batches = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id)).all()
        assert [(b.status, b.via) for b in batches] == [(ImportStatus.REFUSED, "cli"),
                                                        (ImportStatus.COMMITTED, "cli")]
        officer = db.session.scalar(select(User.id).where(User.username == "prov-61"))
        assert batches[1].user_id == officer
        assert db.session.scalar(select(AuditLog.user_id).where(
            AuditLog.batch_id == batches[1].id)) == officer


def test_the_cli_export_writes_the_workbook_that_re_imports(app, world, runner, tmp_path):
    out = tmp_path / "ประเทศ.xlsx"
    result = runner.invoke(args=["export", "--year", str(YEAR), "--province", "61",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["import-section", str(out), "--section", "4", "--year",
                                str(YEAR)])
    assert "เปลี่ยน 0 แถว" in again.output and "ไม่ผ่าน 0" in again.output


# --- statements ------------------------------------------------------------------------------------

def test_statements_of_a_commit_do_not_grow_with_rows_beyond_one_update_each(app, world):
    from sqlalchemy import event
    from models.exchange.imports import ImportFile, commit_import

    def run(codes, value):
        data = _csv([["dla_code", "rainfall"], *[[c, value] for c in codes]])
        with app.app_context(), app.test_request_context():
            count = [0]

            def counter(*_a):
                count[0] += 1
            event.listen(db.engine, "before_cursor_execute", counter)
            try:
                user = db.session.scalar(select(User).where(User.username == "prov-61"))
                count[0] = 0
                result = commit_import(Section7Environment, ImportFile("a.csv", data), user,
                                       default_year=YEAR)
                assert result.committed and result.batch.rows_changed == len(codes)
            finally:
                event.remove(db.engine, "before_cursor_execute", counter)
            db.session.remove()
            return count[0]
    codes = [c for c, _i in drafts(app)]
    assert len(codes) >= 20
    few, many = run(codes[:2], 1001), run(codes[:20], 1002)
    # One UPDATE per changed row (optimistic locking), everything else per chunk.
    assert many - few <= 18 * 1 + 2, (few, many)


def test_a_file_over_the_upload_limit_gets_the_thai_page_and_changes_nothing(app, world):
    officer = signed_in(app, "prov-61")
    limit = app.config["MAX_CONTENT_LENGTH"]
    before = state(app)
    response = officer.post("/admin/import/", content_type="multipart/form-data", data={
        "csrf_token": officer.token, "section": "7", "year": str(YEAR), "mode": "all",
        "file": (io.BytesIO(b"x" * (limit + 1)), "ใหญ่.csv")})
    assert response.status_code == 413
    assert "ขนาดใหญ่เกินไป" in response.get_data(as_text=True)
    assert state(app) == before


def test_a_clerks_template_holds_its_own_lao_only(app, world):
    code, _sub = drafts(app)[0]
    clerk = signed_in(app, f"lao-{code}")
    _book, sheet = sheet_of(template(clerk, 3), 3)
    assert [r[0].value for r in sheet.iter_rows(min_row=3)] == [code]


def test_warnings_of_an_import_from_an_english_screen_are_stored_in_thai(app, world):
    from models import SectionWarning
    code, sub_id = drafts(app)[0]
    officer = signed_in(app, "prov-61")
    officer.get("/lang/en")
    with app.app_context():
        households = db.session.get(Section1General, sub_id).households
    # A fall of more than half against last year: the ⚠ of the rule registry, not a refusal.
    page = check(officer, _csv([["dla_code", "households"], [code, max(households // 10, 1)]]), 1)
    assert "1 rows will change" in page and "⚠" in page
    commit(officer, page)
    with app.app_context():
        stored = db.session.scalars(select(SectionWarning.message).where(
            SectionWarning.submission_id == sub_id, SectionWarning.section_no == 1)).all()
    assert stored and all(re.search("[\u0e00-\u0e7f]", m) for m in stored), stored


def test_an_import_that_completes_a_section_moves_the_sections_complete_count(app, world):
    from models.rules.completeness import missing_fields, sections_complete
    from models.tables.sections import SECTIONS
    with app.app_context():
        drafts_ = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == YEAR, Submission.status == Status.DRAFT,
            Submission.province_code == "61", Submission.extension_until.is_(None))).all()
        target = next(s for s in drafts_
                      if missing_fields(Section7Environment,
                                        db.session.get(Section7Environment, s.id)))
        sub_id, before = target.id, target.sections_complete
        code = target.organization.dla_code
        row = db.session.get(Section7Environment, sub_id)
        def value(info):
            if info["kind"] == "choice":
                return next(iter(info["choices"])).label_th
            return min(Decimal(10_000), Decimal(info.get("max") or 10_000))
        filled = {c.key: value(c.info) for c in Section7Environment.__table__.columns
                  if c.info.get("required") and getattr(row, c.key) is None}
        db.session.remove()
    heads = ["dla_code", *filled]
    # Large enough for every rule between columns (waste generated ≥ collected ≥ disposed).
    officer = signed_in(app, "prov-61")
    page = check(officer, _csv([heads, [code, *filled.values()]]), 7)
    assert TOKEN.search(page), re.findall(r"<li>([^<]*)</li>", page)
    commit(officer, page)
    with app.app_context():
        sub = db.session.get(Submission, sub_id)
        rows = {cls: db.session.get(cls, sub_id) for cls in SECTIONS}
        assert not missing_fields(Section7Environment, rows[Section7Environment])
        assert sub.sections_complete == sections_complete(
            {c: r for c, r in rows.items() if r is not None}) == before + 1


def test_a_page_checked_with_other_settings_commits_what_it_showed(app, world):
    """The same file checked twice (as e-LAAS values, then as plain data): the first page's
    button commits what the first page showed, not what the last check chose."""
    admin = signed_in(app, "admin")
    code, sub_id = drafts(app)[0]
    data = _csv([["dla_code", "tax_signboard"], [code, 4321]])
    first = check(admin, data, 8, name="x.csv", source=ImportSource.ELAAS.value)
    second = check(admin, data, 8, name="x.csv")
    assert TOKEN.search(first).group(1) != TOKEN.search(second).group(1)
    commit(admin, first)
    with app.app_context():
        batch = db.session.scalars(select(ImportBatch)).one()
        assert batch.source is ImportSource.ELAAS
        assert db.session.get(Section8Finance, sub_id).imported["tax_signboard"]["source"] \
            == "e-laas"


def test_the_dry_run_takes_no_lock(app, world):
    """The dry run of a file only reads: no row lock on PostgreSQL (the commit takes them), and
    on SQLite, where a POST begins with BEGIN IMMEDIATE, a plain BEGIN (a national file takes
    seconds: the clerks' saves must not wait behind it)."""
    from sqlalchemy import event
    officer = signed_in(app, "prov-61")
    code, _sub = drafts(app)[0]
    statements = []
    with app.app_context():
        engine, sqlite = db.engine, db.engine.dialect.name == "sqlite"

    def seen(conn, cursor, statement, *_args):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = check(officer, _csv([["dla_code", "rainfall"], [code, 1234]]), 7)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert "จะเปลี่ยน 1 แถว" in page
    assert not [s for s in statements if "FOR UPDATE" in s]
    reads = [n for n, s in enumerate(statements) if "FROM submission" in s]
    if sqlite:
        begin = [s for s in statements[:reads[0]] if s.startswith("BEGIN")][-1]
        assert begin == "BEGIN", statements[:reads[0]]


def test_the_public_year_page_names_the_system_a_certified_value_came_from(app, world):
    from models.services.certification import missing_by_submission, transition
    from workflow import Action
    with app.app_context():
        rows = db.session.execute(
            select(Submission.id, Organization.dla_code).join(Organization)
            .where(Submission.fiscal_year == YEAR, Submission.status == Status.DRAFT,
                   Submission.province_code == "61", Submission.sections_complete == 8,
                   Submission.extension_until.is_(None))).all()
        missing = missing_by_submission(r.id for r in rows)
        sub_id, code = next((r.id, r.dla_code) for r in rows if not missing[r.id])
        db.session.remove()
    admin = signed_in(app, "admin")
    commit(admin, check(admin, _csv([["dla_code", "tax_signboard"], [code, 7777]]), 8,
                        source=ImportSource.ELAAS.value))
    with app.app_context():
        for action, who in ((Action.CERTIFY_LAO, f"lao-{code}"),
                            (Action.CERTIFY_PROVINCE, "prov-61")):
            actor = db.session.scalar(select(User).where(User.username == who))
            assert transition(action, [sub_id], actor, carried_ok=True)[0].done
        db.session.remove()
    page = app.test_client().get(f"/orgs/{code}/{YEAR}").get_data(as_text=True)
    assert "7,777" in page and "(จาก ระบบบัญชีคอมพิวเตอร์" in page


def test_a_nul_character_anywhere_is_refused_with_a_message_not_a_500(app, world):
    """PostgreSQL stores no NUL: in a CSV (anywhere, not only in its first bytes) the file is
    refused; in a workbook (Excel's escape _x0000_, which the reader decodes) the cell is."""
    code, sub_id = drafts(app)[0]
    officer = signed_in(app, "prov-61")
    before = state(app)
    padding = [["9999999", "ก" * 50]] * 60                       # past the first 4 KB
    page = check(officer, _csv([["dla_code", "terrain"], *padding, [code, "ที่ราบ\x00ลุ่ม"]]), 1,
                 name="nul.csv", mode="good")
    assert "ไม่ใช่ไฟล์ Excel (.xlsx) หรือ CSV ที่อ่านได้" in page and TOKEN.search(page) is None
    page = check(officer, _xlsx([["dla_code", "terrain"], [code, "ที่ราบ_x0000_ลุ่ม"]],
                                sheet="ด้านที่ 1"), 1, mode="good")
    assert "อักขระควบคุม" in page and TOKEN.search(page) is None
    assert state(app) == before
