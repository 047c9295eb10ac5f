"""Importing child rows and clearing a value (issue 22 item 5): one sheet per child table
(ด้านที่ 1.1 ผู้บันทึกข้อมูล, 3.1, 4.1, 4.2, 6.1) keyed by dla_code, year and ลำดับ, replacing an
LAO's rows of that table as a whole through the one write path — the same dry run, all or
nothing, rules and audit as a section; and a cell holding only "-" clears a value an empty cell
leaves."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import AuditLog, Submission, db
from models.exchange.imports import import_tables
from models.tables.sections import Section6Disaster, Section6Vehicle, Section7Environment

from .conftest import signed_in
from .test_import import (YEAR, _csv, check, commit, codes_row, drafts, saved, sheet_of,
                          state, template)

CHILD_TABLES = [(code, section_cls, child) for code, section_cls, child in import_tables()
                if child is not None]


def _children_state(app, child):
    with app.app_context():
        columns = [c for c in child.__table__.columns if c.key != "id"]
        rows = tuple(tuple(r) for r in db.session.execute(
            select(*columns).order_by(child.__table__.c.submission_id,
                                      child.__table__.c.position, child.__table__.c.id)).all())
        db.session.remove()
        return rows


@pytest.fixture()
def world(two_provinces):
    """Uthai Thani and Chai Nat (tests/conftest.py)."""


@pytest.mark.parametrize("code,section_cls,child", CHILD_TABLES,
                         ids=[c for c, _s, _c in CHILD_TABLES])
def test_every_child_table_template_re_imports_with_no_change(app, world, code, section_cls,
                                                              child):
    officer = signed_in(app, "prov-61")
    data = template(officer, code)
    book, sheet = sheet_of(data, code)
    assert codes_row(sheet)[:7] == ["dla_code", "name_th", "district", "province", "status",
                                    "fiscal_year", "position"]
    assert sheet.max_row > 2, "the demo's province has rows of every child table"
    before, children = state(app), _children_state(app, child)
    page = check(officer, data, code)
    assert "จะเปลี่ยน 0 แถว" in page and "ไม่ผ่าน 0 แถว" in page, page[-3000:]
    assert _children_state(app, child) == children
    assert state(app)[2] == before[2], "an unchanged import wrote audit rows"


def test_vehicle_rows_are_changed_added_and_removed_as_the_sheet_says(app, world):
    officer = signed_in(app, "prov-61")
    book, sheet = sheet_of(template(officer, "6.1"), "6.1")
    codes = codes_row(sheet)
    col = {name: codes.index(name) + 1 for name in codes}
    editable = {code for code, _id in drafts(app)}
    rows = [r for r in sheet.iter_rows(min_row=3) if r[0].value in editable]
    by_lao: dict[str, list] = {}
    for r in rows:
        by_lao.setdefault(r[0].value, []).append(r)
    (first, first_rows), (second, second_rows) = list(by_lao.items())[:2]
    # first: its first vehicle's capacity changes, and one more row (a copy of it) is added.
    first_rows[0][col["capacity"] - 1].value = 7777
    new = sheet.max_row + 1
    for c, cell in enumerate(first_rows[0], start=1):
        sheet.cell(new, c).value = cell.value
    sheet.cell(new, col["position"]).value = len(first_rows) + 1
    # second: every row removed but one, which says "-" in ลำดับ.
    for r in reversed(second_rows[1:]):
        sheet.delete_rows(r[0].row)
    for c in range(col["position"] + 1, len(codes) + 1):
        sheet.cell(second_rows[0][0].row, c).value = None
    sheet.cell(second_rows[0][0].row, col["position"]).value = "-"
    ids = dict(drafts(app))
    with app.app_context():
        before_first = db.session.scalars(select(Section6Vehicle).where(
            Section6Vehicle.submission_id == ids[first]).order_by(Section6Vehicle.position)).all()
        capacities = [v.capacity for v in before_first]
        versions = {code: db.session.get(Section6Disaster, ids[code]).version
                    for code in (first, second)}
        db.session.remove()
    page = check(officer, saved(book), "6.1")
    assert "จะเปลี่ยน 2 แถว" in page, page[-3000:]
    assert "รายการที่ 1: " in page and "7,777" in page
    done = commit(officer, page)
    assert "นำเข้าแล้ว" in done
    with app.app_context():
        after = db.session.scalars(select(Section6Vehicle).where(
            Section6Vehicle.submission_id == ids[first]).order_by(Section6Vehicle.position,
                                                                 Section6Vehicle.id)).all()
        assert [v.capacity for v in after] == [7777, *capacities[1:], 7777]
        assert db.session.scalar(select(func.count()).select_from(Section6Vehicle).where(
            Section6Vehicle.submission_id == ids[second])) == 0
        audit = db.session.execute(select(AuditLog.table_name, AuditLog.op).where(
            AuditLog.batch_id.is_not(None))).all()
        assert {t for t, _op in audit} == {"section6_vehicle"}
        assert {op.value for _t, op in audit} == {"create", "update", "delete"}
        # The section row's stamps moved with its children (a new version, not carried).
        section = db.session.get(Section6Disaster, ids[first])
        assert section.carried_forward is False and section.version == versions[first] + 1
        db.session.remove()


def test_a_child_row_that_breaks_a_rule_refuses_the_lao_and_writes_nothing(app, world):
    """The rule registry checks imported child rows as it checks the form's (a vehicle
    acquired after the fiscal year)."""
    officer = signed_in(app, "prov-61")
    code, sub_id = drafts(app)[0]
    rows = [["dla_code", "position", "kind", "year_acquired"], [code, 1, "fire_engine", YEAR + 5]]
    before = _children_state(app, Section6Vehicle)
    page = check(officer, _csv(rows), "6.1", name="v.csv")
    assert "ไม่ผ่าน 1 แถว" in page and f"ต้องไม่เกินปีงบประมาณ พ.ศ. {YEAR}" in page, page[-3000:]
    assert _children_state(app, Section6Vehicle) == before


def test_a_dash_clears_a_value_an_empty_cell_leaves(app, world):
    officer = signed_in(app, "prov-61")
    code, sub_id = drafts(app)[0]
    with app.app_context():
        row = db.session.get(Section7Environment, sub_id)
        row.forest_area, row.waste_trucks = 12, 3
        db.session.commit()
        db.session.remove()
    rows = [["dla_code", "forest_area", "waste_trucks"], [code, "-", ""]]
    page = check(officer, _csv(rows), 7, name="c.csv")
    assert "จะเปลี่ยน 1 แถว" in page, page[-3000:]
    commit(officer, page)
    with app.app_context():
        row = db.session.get(Section7Environment, sub_id)
        assert (row.forest_area, row.waste_trucks) == (None, 3)
        (logged,) = db.session.execute(select(AuditLog.field, AuditLog.new_value).where(
            AuditLog.submission_id == sub_id, AuditLog.batch_id.is_not(None))).all()
        assert logged == ("forest_area", None)
        db.session.remove()


def test_the_cli_imports_a_child_table_by_its_sheet_number(app, world, runner, tmp_path):
    code, sub_id = drafts(app)[0]
    path = tmp_path / "vehicles.csv"
    path.write_bytes(_csv([["dla_code", "position", "kind", "capacity", "year_acquired"],
                           [code, 1, "fire_engine", 5000, YEAR - 3]]))
    result = runner.invoke(args=["import-section", str(path), "--section", "6.1",
                                 "--year", str(YEAR), "--commit"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        found = db.session.execute(select(Section6Vehicle.kind, Section6Vehicle.capacity).where(
            Section6Vehicle.submission_id == sub_id)).all()
        assert [(k.value, c) for k, c in found] == [("fire_engine", 5000)]
        assert db.session.get(Submission, sub_id).sections_complete >= 1
    bad = runner.invoke(args=["import-section", str(path), "--section", "9.1", "--year",
                              str(YEAR)])
    assert bad.exit_code != 0 and "no table" in bad.output
