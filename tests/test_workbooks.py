"""Excel workbooks out (issue 11 item 1): the LAO-year report, the province / national
workbooks of the back office and the certified workbooks of the public side, opened with
openpyxl as a user's spreadsheet would read them."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from models import Organization, Submission, User, db
from models.catalogue.columns import catalogue_columns
from models.tables.sections import (CHILDREN, SECTIONS, Section1General, Section6Vehicle,
                             Section8Finance)
from workflow import PUBLIC_STATUSES, Status, today_in_thailand

from .conftest import signed_in

YEAR = 2570
OTHER_PROVINCE = "18"
SECTION_SHEETS = [f"ด้านที่ {s.SECTION_NO}" for s in SECTIONS]
AREA_SHEETS = ["สรุป"] + [name for s in SECTIONS for name in
                          [f"ด้านที่ {s.SECTION_NO}"]
                          + [f"ด้านที่ {s.SECTION_NO}.{n}"
                             for n in range(1, len(CHILDREN.get(s, ())) + 1)]] + ["ค่าที่เลือกได้"]
BE_STAMP = rf"{today_in_thailand().year + 543}-\d\d-\d\d_\d{{4}}"


def open_xlsx(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.get_data()))


def rows_of(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def submissions(app, *where) -> dict[str, int]:
    """dla_code → submission id of FY 2570 submissions matching `where`."""
    with app.app_context():
        found = dict(db.session.execute(
            select(Organization.dla_code, Submission.id).join(Organization)
            .where(Submission.fiscal_year == YEAR, *where)).all())
        db.session.remove()
    return found


def set_terrain(app, sub_id: int, text: str) -> None:
    """A clerk's text that a spreadsheet would run as a formula (Core UPDATE: test data)."""
    with app.app_context():
        db.session.execute(update(Section1General).where(
            Section1General.submission_id == sub_id).values(terrain=text))
        db.session.commit()
        db.session.remove()


# --- the LAO-year report -------------------------------------------------------------------

def test_the_lao_year_report_workbook_has_every_section_the_history_and_safe_cells(app, demo):
    with app.app_context():
        sub = db.session.scalars(select(Submission).join(Section6Vehicle, Section6Vehicle
                                                         .submission_id == Submission.id)
                                 .where(Submission.status == Status.PROVINCE_CERTIFIED)
                                 .order_by(Submission.id)).first()
        sub_id, dla_code, year, name = (sub.id, sub.organization.dla_code, sub.fiscal_year,
                                        sub.organization.name_th)
        s1 = db.session.get(Section1General, sub_id)
        population, as_of = s1.population_total, s1.population_as_of
        revenue = db.session.get(Section8Finance, sub_id).revenue_total
        vehicles = db.session.scalar(select(db.func.count()).select_from(Section6Vehicle)
                                     .where(Section6Vehicle.submission_id == sub_id))
        db.session.remove()
    clerk = f"lao-{dla_code}"
    set_terrain(app, sub_id, "=1+1")
    response = signed_in(app, clerk).get(f"/admin/lao_years/report.xlsx?id={sub_id}")
    assert re.search(rf"filename=info-{dla_code}-{year}-{BE_STAMP}\.xlsx",
                     response.headers["Content-Disposition"])
    assert response.headers["Cache-Control"].startswith("no-store")
    book = open_xlsx(response)
    assert book.sheetnames == ["สรุป", *SECTION_SHEETS]

    summary = rows_of(book["สรุป"])
    facts = {r[0]: r[1] for r in summary if r[0]}
    assert facts["ชื่อ อปท."] == name and facts["ปีงบประมาณ"] == year
    assert facts["สถานะการรับรองข้อมูล"] == Status.PROVINCE_CERTIFIED.label_th
    assert re.fullmatch(r".+ · .+", facts["หมายเลข"])  # the LAO's and the province's numbers
    history = summary[[r[0] for r in summary].index("วันที่/เวลา") + 1:]
    assert history and all(re.fullmatch(r"\d{1,2}/\d{1,2}/25\d\d \d\d:\d\d", r[0])
                           for r in history)
    assert facts["หมายเลข"].split(" · ")[-1] in {r[3] for r in history}

    s1_rows = {r[3]: r for r in rows_of(book["ด้านที่ 1"]) if r[3]}
    assert s1_rows["population_total"][:3] == ("ประชากรรวม", population, "คน")
    assert s1_rows["population_as_of"][1] == \
        f"{as_of.day}/{as_of.month}/{as_of.year + 543}"          # BE date
    assert s1_rows["terrain"][1] == "=1+1"
    terrain = next(c for c in book["ด้านที่ 1"]["B"] if c.value == "=1+1")
    assert terrain.data_type == "s"                              # text, never a formula
    s8 = {r[3]: r for r in rows_of(book["ด้านที่ 8"]) if r[3]}
    assert s8["revenue_total"][1] == pytest.approx(float(revenue))
    s6 = rows_of(book["ด้านที่ 6"])
    titles = [r[0] for r in s6]
    start = titles.index(Section6Vehicle.TITLE_TH) + 1
    assert s6[start][0] == "ลำดับ" and "ราคา (บาท)" in s6[start]
    assert [r[0] for r in s6[start + 1:start + 1 + vehicles]] == list(range(1, vehicles + 1))
    for sheet, section in zip(SECTION_SHEETS, SECTIONS):
        codes = {r[3] for r in rows_of(book[sheet])}
        assert {c.key for c in catalogue_columns(section)} <= codes, sheet


def test_the_report_workbook_is_scoped_and_needs_a_login(app, demo):
    with app.app_context():
        own, other = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == YEAR).order_by(Submission.id).limit(2)).all()
        clerk = f"lao-{own.organization.dla_code}"
        own_id, other_id = own.id, other.id
        db.session.remove()
    anonymous = app.test_client().get(f"/admin/lao_years/report.xlsx?id={own_id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    client = signed_in(app, clerk)
    assert client.get(f"/admin/lao_years/report.xlsx?id={other_id}").status_code == 404
    for bad in ("abc", "1,2", "9" * 20, ""):
        assert client.get(f"/admin/lao_years/report.xlsx?id={bad}").status_code == 404
    prov = signed_in(app, "prov-61")
    assert open_xlsx(prov.get(f"/admin/submission/report.xlsx?id={own_id}")).sheetnames[0] \
        == "สรุป"
    # The year list links to it beside the A4 report.
    year_list = client.get("/admin/lao_years/").get_data(as_text=True)
    assert f"/admin/lao_years/report.xlsx?id={own_id}" in year_list


# --- province and national workbooks --------------------------------------------------------

# The public copy has no sheet of personal data only (ด้านที่ 1.1, the recorders: PDPA).
PUBLIC_AREA_SHEETS = [name for name in AREA_SHEETS if name != "ด้านที่ 1.1"]


def _check_area_book(book, expected_codes: set[str], sheets: list[str] = AREA_SHEETS) -> None:
    assert book.sheetnames == sheets
    for section in SECTIONS:
        sheet = book[f"ด้านที่ {section.SECTION_NO}"]
        rows = rows_of(sheet)
        columns = catalogue_columns(section)
        assert rows[0][:6] == ("รหัส อปท.", "ชื่อ อปท.", "อำเภอ", "จังหวัด",
                               "สถานะการรับรองข้อมูล", "ปีงบประมาณ")
        assert rows[1] == ("dla_code", "name_th", "district", "province", "status",
                           "fiscal_year", *[c.key for c in columns])
        label = columns[0].info["label_th"]
        assert rows[0][6].startswith(label)
        assert sheet.freeze_panes == "C3"
        assert sheet.auto_filter.ref == f"A2:{sheet.cell(2, len(rows[1])).column_letter}" \
            f"{len(rows)}"
        assert {r[0] for r in rows[2:]} == expected_codes, section.__name__
        assert all(isinstance(r[0], str) for r in rows[2:])        # codes stay text


def test_a_province_officer_gets_the_province_workbook_and_nothing_else(app, two_provinces):
    expected = submissions(app, Submission.province_code == "61")
    client = signed_in(app, "prov-61")
    response = client.get(f"/admin/submission/workbook/?year={YEAR}")
    assert re.search(rf"filename=info-workbook-61-fy{YEAR}-{BE_STAMP}\.xlsx",
                     response.headers["Content-Disposition"])
    book = open_xlsx(response)
    _check_area_book(book, set(expected))
    summary = rows_of(book["สรุป"])
    assert summary[0][0] == f"ข้อมูล อปท. จังหวัดอุทัยธานี ปีงบประมาณ {YEAR}"
    # A known value per section, with its number format.
    code, sub_id = sorted(expected.items())[0]
    with app.app_context():
        for section in SECTIONS:
            row = db.session.get(section, sub_id)
            column = next(c for c in catalogue_columns(section)
                          if c.info["kind"] in ("count", "money", "decimal")
                          and getattr(row, c.key) is not None)
            sheet = book[f"ด้านที่ {section.SECTION_NO}"]
            codes = [c.value for c in sheet[2]]
            cell = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == code)[
                codes.index(column.key)]
            assert cell.value == pytest.approx(float(getattr(row, column.key))), column.key
            assert cell.number_format == ("#,##0" if column.info["kind"] == "count"
                                          else "#,##0.00"), column.key
        as_of = db.session.get(Section1General, sub_id).population_as_of
        db.session.remove()
    s1 = book["ด้านที่ 1"]
    codes = [c.value for c in s1[2]]
    row = next(r for r in s1.iter_rows(min_row=3, values_only=True) if r[0] == code)
    assert row[codes.index("population_as_of")] == \
        f"{as_of.day}/{as_of.month}/{as_of.year + 543}"
    # A child table: one row per vehicle, of this province only.
    with app.app_context():
        vehicles = db.session.scalar(select(db.func.count()).select_from(Section6Vehicle)
                                     .join(Submission, Submission.id == Section6Vehicle.submission_id)
                                     .where(Submission.province_code == "61",
                                                             Submission.fiscal_year == YEAR))
        db.session.remove()
    assert len(rows_of(book["ด้านที่ 6.1"])) - 2 == vehicles
    # A province officer cannot widen the scope.
    other = open_xlsx(client.get(f"/admin/submission/workbook/?year={YEAR}&province=18"))
    assert {r[0] for r in rows_of(other["ด้านที่ 1"])[2:]} == set(expected)
    # The list offers the download.
    page = client.get(f"/admin/submission/?flt0_0={YEAR}").get_data(as_text=True)
    assert "/admin/submission/workbook/" in page and "ดาวน์โหลด Excel" in page


def test_text_that_looks_like_a_formula_stays_text_in_the_province_workbook(app, two_provinces):
    code, sub_id = sorted(submissions(app, Submission.province_code == "61").items())[0]
    set_terrain(app, sub_id, "=1+1")
    book = open_xlsx(signed_in(app, "prov-61").get(f"/admin/submission/workbook/?year={YEAR}"))
    sheet = book["ด้านที่ 1"]
    col = [c.value for c in sheet[2]].index("terrain")
    cell = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == code)[col]
    assert cell.value == "=1+1" and cell.data_type == "s"


def test_a_dla_admin_chooses_a_province_or_the_nation_and_others_are_refused(app, two_provinces):
    admin = signed_in(app, "admin")
    chai_nat = open_xlsx(admin.get(f"/admin/submission/workbook/?year={YEAR}&province=18"))
    _check_area_book(chai_nat, set(submissions(app, Submission.province_code == "18")))
    nation = open_xlsx(admin.get(f"/admin/submission/workbook/?year={YEAR}"))
    _check_area_book(nation, set(submissions(app)))
    assert rows_of(nation["สรุป"])[0][0] == f"ข้อมูล อปท. ทั้งประเทศ ปีงบประมาณ {YEAR}"
    district = open_xlsx(signed_in(app, "dist-6101").get(
        f"/admin/submission/workbook/?year={YEAR}"))
    assert {r[0] for r in rows_of(district["ด้านที่ 1"])[2:]} == \
        set(submissions(app, Submission.district_code == "6101"))
    anonymous = app.test_client().get(f"/admin/submission/workbook/?year={YEAR}")
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    with app.app_context():
        clerk = db.session.scalar(select(Organization.dla_code).join(Submission)
                                  .where(Submission.province_code == "61"))
        db.session.remove()
    assert signed_in(app, f"lao-{clerk}").get(
        f"/admin/submission/workbook/?year={YEAR}").status_code == 403
    for bad in ("abc", "1999", "9" * 20):
        assert admin.get(f"/admin/submission/workbook/?year={bad}").status_code == 404


# --- the public side: certified data only -----------------------------------------------------

def test_the_public_workbooks_hold_only_certified_lao_years(app, two_provinces):
    public = app.test_client()
    certified = submissions(app, Submission.status.in_(list(PUBLIC_STATUSES)))
    others = submissions(app, Submission.status.not_in(list(PUBLIC_STATUSES)))
    assert certified and others
    response = public.get(f"/stats/workbook.xlsx?year={YEAR}")
    assert response.headers["Cache-Control"] == "public, max-age=300"   # a proxy may keep it
    assert "Set-Cookie" not in response.headers
    assert re.search(rf"filename=info-certified-th-fy{YEAR}-{BE_STAMP}\.xlsx",
                     response.headers["Content-Disposition"])
    nation = open_xlsx(response)
    _check_area_book(nation, set(certified), PUBLIC_AREA_SHEETS)
    uthai = open_xlsx(public.get(f"/stats/workbook.xlsx?year={YEAR}&province=61"))
    assert {r[0] for r in rows_of(uthai["ด้านที่ 1"])[2:]} == \
        set(submissions(app, Submission.status.in_(list(PUBLIC_STATUSES)),
                        Submission.province_code == "61"))
    assert public.get(f"/stats/workbook.xlsx?year={YEAR}&province=99").status_code == 404
    assert "/stats/workbook.xlsx" in public.get(f"/stats?year={YEAR}").get_data(as_text=True)

    code, sub_id = sorted(certified.items())[0]
    year_book = open_xlsx(public.get(f"/orgs/{code}/{YEAR}/data.xlsx"))
    assert year_book.sheetnames == ["สรุป", *SECTION_SHEETS]
    history = rows_of(year_book["สรุป"])
    head = next(r for r in history if r[0] == "วันที่/เวลา")
    assert "ผู้ดำเนินการ" not in head and "เหตุผล" not in head       # no officers' names
    assert f"/orgs/{code}/{YEAR}/data.xlsx" in public.get(f"/orgs/{code}/{YEAR}").get_data(
        as_text=True)
    draft_code = sorted(others)[0]
    assert public.get(f"/orgs/{draft_code}/{YEAR}/data.xlsx").status_code == 404

    # Revoked: it disappears from every public workbook.
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.id == sub_id)
                           .values(status=Status.DRAFT))
        db.session.commit()
        db.session.remove()
    assert public.get(f"/orgs/{code}/{YEAR}/data.xlsx").status_code == 404
    after = open_xlsx(public.get(f"/stats/workbook.xlsx?year={YEAR}"))
    assert code not in {r[0] for r in rows_of(after["ด้านที่ 1"])[2:]}
    assert len(rows_of(after["ด้านที่ 1"])) == len(rows_of(nation["ด้านที่ 1"])) - 1


def test_workbook_cells_keep_their_types():
    """The writer alone: numbers, BE dates, labels, month names and formula-looking text."""
    from datetime import datetime, timezone
    from decimal import Decimal

    from models.exchange.workbooks import be_date, be_datetime, cell_value
    from models.tables.sections import OrgSize
    assert cell_value(12) == 12 and cell_value(Decimal("1.50")) == 1.5
    assert cell_value(date(2025, 12, 31)) == "31/12/2568" == be_date(date(2025, 12, 31))
    assert be_datetime(datetime(2026, 12, 1, 17, 30, tzinfo=timezone.utc)) == "2/12/2569 00:30"
    assert cell_value(True) == "มี" and cell_value(OrgSize.SMALL) == "เล็ก"
    assert cell_value(5, {"widget": "month"}) == "พฤษภาคม"
    assert cell_value("=HYPERLINK(\"x\")") == "=HYPERLINK(\"x\")" and cell_value("") is None


# --- statements: constant in the number of LAOs and child rows ---------------------------------

def _statements(app, client, url: str) -> tuple[int, object]:
    from .test_query_counts import counting
    with counting(app) as counter:
        response = client.get(url)
        book = open_xlsx(response)
    return len(counter.statements), book


def test_workbooks_add_no_query_per_lao_or_child_row(app):
    import shutil
    from .test_query_counts import add_laos, add_vehicles, lao_submission, seed, show
    seed(app)
    username, sub_id = lao_submission(app)
    officer, clerk = signed_in(app, "prov-61"), signed_in(app, username)
    area, report = f"/admin/submission/workbook/?year={YEAR}", \
        f"/admin/lao_years/report.xlsx?id={sub_id}"
    add_history(app, sub_id, username, 1)
    _statements(app, officer, area)   # the year options are built once, then cached (master_cache)
    shutil.rmtree(app.config["WORKBOOK_CACHE_DIR"], ignore_errors=True)   # written, not kept
    n_area1, book1 = _statements(app, officer, area)
    n_kept, kept = _statements(app, officer, area)      # the data has not changed: kept
    n_report1, _ = _statements(app, clerk, report)
    add_laos(app, 330)
    vehicles = add_vehicles(app, sub_id, 60)
    add_history(app, sub_id, username, 4)        # 5 events in all, by one actor
    n_area2, book2 = _statements(app, officer, area)
    n_report2, report2 = _statements(app, clerk, report)
    laos = (len(rows_of(book1["ด้านที่ 1"])) - 2, len(rows_of(book2["ด้านที่ 1"])) - 2)
    show("province workbook", (laos[0], n_area1), (laos[1], n_area2))
    show("LAO-year report workbook (child rows, events)", (f"{vehicles - 60}, 1", n_report1),
         (f"{vehicles}, 5", n_report2))
    assert laos == (71, 401)
    assert sum(1 for r in rows_of(report2["ด้านที่ 6"]) if isinstance(r[0], int)) == vehicles
    # One SELECT per sheet (8 sections + 5 child tables) and the sign-in's own few.
    assert n_area1 == n_area2 <= 13 + 8
    # The kept file is sent after one aggregate (its fingerprint) and the sign-in's own.
    assert n_kept <= 4 and rows_of(kept["ด้านที่ 1"]) == rows_of(book1["ด้านที่ 1"])
    assert n_report1 == n_report2 <= 22
    history = rows_of(report2["สรุป"])
    assert [r[4] for r in history if r[2] == Status.LAO_CERTIFIED.label_th] == ["เสมียน"] * 3


def add_history(app, sub_id: int, username: str, count: int) -> None:
    """`count` certification events (certify, revoke, …) by `username` (test data)."""
    from models import CertificationEvent, User
    from workflow import Action, Role
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        user.full_name = "เสมียน"
        start = db.session.scalar(select(db.func.count()).select_from(CertificationEvent)
                                  .where(CertificationEvent.submission_id == sub_id))
        steps = [(Action.CERTIFY_LAO, Status.DRAFT, Status.LAO_CERTIFIED),
                 (Action.REVOKE_LAO, Status.LAO_CERTIFIED, Status.DRAFT)]
        for i in range(count):
            action, source, target = steps[(start + i) % 2]
            db.session.add(CertificationEvent(submission_id=sub_id, action=action,
                                              from_status=source, to_status=target,
                                              actor_id=user.id, actor_role=Role.LAO_EDITOR))
        db.session.commit()
        db.session.remove()


def test_the_public_workbook_is_written_once_until_the_published_data_changes(
        app, two_provinces, monkeypatch):
    """Anyone may ask for the national workbook (~20 s to write at national scale): it is kept
    under the fingerprint of what it shows and written again only when that changes — here a
    province certification that is revoked (a transition raises the version) and one that is
    swapped for another at the same count."""
    import shutil

    import views.public as public_views
    from models.services.certification import transition
    # Start from nothing: an earlier test's identical demo data has the same fingerprint.
    shutil.rmtree(app.config["WORKBOOK_CACHE_DIR"], ignore_errors=True)
    written = []
    real = public_views.area_workbook
    monkeypatch.setattr(public_views, "area_workbook",
                        lambda *args, **kw: written.append(1) or real(*args, **kw))
    public = app.test_client()
    first = public.get(f"/stats/workbook.xlsx?year={YEAR}").data
    assert public.get(f"/stats/workbook.xlsx?year={YEAR}").data == first
    assert public.get(f"/stats/workbook.xlsx?year={YEAR}&province=61").status_code == 200
    assert len(written) == 2          # the nation once, the province once
    with app.app_context():
        sub = db.session.scalar(select(Submission).where(
            Submission.status == Status.PROVINCE_CERTIFIED, Submission.province_code == "61"))
        officer = db.session.scalar(select(User).where(User.username == "prov-61"))
        assert transition("revoke_province", [sub.id], officer, reason="ตรวจทานใหม่")[0].done
        db.session.remove()
    public.get(f"/stats/workbook.xlsx?year={YEAR}")
    assert len(written) == 3          # lao_certified is still public: same count, new version
    public.get(f"/stats/workbook.xlsx?year={YEAR}")
    assert len(written) == 3
