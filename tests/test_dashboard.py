"""The progress dashboards (issue 9 item 1): their numbers against direct SQL counts, the scope
(another province's or district's dashboard does not exist for an officer), the links from a
count to a list of exactly that many LAO-years, the lagging LAOs' CSV and print page.

The demo (Uthai Thani 61, and Chai Nat 18 as another province) is seeded once for the module:
these tests only read it (the suite's per-test emptying is switched off and done at the end).
"""

from __future__ import annotations

import csv
import html as htmllib
import io
import json
import re

import pytest
from sqlalchemy import func, select, update

from models import Organization, Submission, db
from workflow import SECTION_COUNT, Status, today_in_thailand

from .conftest import PASSWORD, _empty_tables, login

YEAR = 2570
HOME, OTHER = "61", "18"
URL = "/admin/dashboard/"
COUNT = re.compile(r'<a href="([^"]+)" class="dash-count" data-count="(\w+)">([\d,]+)</a>')
ROW_LINK = re.compile(r'href="/admin/submission/workspace/\?id=(\d+)"')
LIST_TOTAL = re.compile(r"nav-link active\">[^<(]*\((\d+)\)")


@pytest.fixture(autouse=True)
def _clean():
    """Overrides the suite's per-test emptying: this module's data lives until it ends."""
    yield


@pytest.fixture(scope="module")
def world(app):
    from demo import seed_demo
    with app.app_context():
        seed_demo(scale="demo", years=2, password=PASSWORD, extra_provinces=(OTHER,),
                  echo=lambda *_: None)
        # ⚠ findings on some LAO-certified and some draft LAO-years of both provinces (the demo
        # has none): only the LAO-certified ones wait for the province's review.
        for status, n in ((Status.LAO_CERTIFIED, 2), (Status.DRAFT, 3)):
            for province in (HOME, OTHER):
                ids = db.session.scalars(select(Submission.id).where(
                    Submission.fiscal_year == YEAR, Submission.province_code == province,
                    Submission.status == status).order_by(Submission.id).limit(n)).all()
                db.session.execute(update(Submission).where(Submission.id.in_(ids))
                                   .values(warnings_count=n))
        db.session.commit()
        db.session.remove()
    yield
    _empty_tables(app)


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def expected(app, *where) -> dict[str, int]:
    """The dashboard's counts for LAO-years matching `where`, straight from SQL."""
    def n(*more):
        return db.session.scalar(select(func.count()).select_from(Submission).where(*where, *more))
    with app.app_context():
        counts = dict(
            laos=n(), draft=n(Submission.status == Status.DRAFT),
            lao_certified=n(Submission.status == Status.LAO_CERTIFIED),
            province_certified=n(Submission.status == Status.PROVINCE_CERTIFIED),
            complete=n(Submission.sections_complete == SECTION_COUNT),
            returned=n(Submission.status == Status.DRAFT, Submission.return_reason.is_not(None)),
            warnings=n(Submission.status == Status.LAO_CERTIFIED, Submission.warnings_count > 0))
        db.session.remove()
    return counts


def table(body: str, table_id: str) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """({row key: {count name: number}}, the total row) of one dashboard table."""
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', body, re.S)
    assert found, f"no table {table_id}"
    text = found.group(0)
    rows = {key: {name: int(n.replace(",", "")) for _u, name, n in COUNT.findall(cells)}
            for key, cells in re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', text, re.S)}
    foot = re.search(r"<tfoot>(.*?)</tfoot>", text, re.S).group(1)
    return rows, {name: int(n.replace(",", "")) for _u, name, n in COUNT.findall(foot)}


def codes(app, model_col, *where) -> set[str]:
    with app.app_context():
        found = set(db.session.scalars(select(model_col).join(Submission).where(*where)))
        db.session.remove()
        return found


# --- the numbers -------------------------------------------------------------------------------

def test_province_dashboard_counts_per_district_and_type_equal_sql(app, world):
    body = signed_in(app, f"prov-{HOME}").get(URL).get_data(as_text=True)
    mine = (Submission.fiscal_year == YEAR, Submission.province_code == HOME)
    by_district, total = table(body, "table-district")
    with app.app_context():
        districts = set(db.session.scalars(select(Submission.district_code).where(*mine)))
    assert set(by_district) == districts and len(districts) == 8
    for district, shown in by_district.items():
        assert shown == expected(app, *mine, Submission.district_code == district), district
    assert total == expected(app, *mine)
    assert total["warnings"] == 2 and total["returned"] > 0  # the known mix is there
    by_type, type_total = table(body, "table-org_type")
    for org_type, shown in by_type.items():
        assert shown == expected(app, *mine, Submission.org_type == org_type), org_type
    assert type_total == total
    percent = 100 * (total["lao_certified"] + total["province_certified"]) / total["laos"]
    assert f'id="dash-percent">{percent:.1f}%' in body


def test_national_dashboard_counts_per_province_equal_sql(app, world):
    body = signed_in(app, "admin").get(URL).get_data(as_text=True)
    by_province, total = table(body, "table-province")
    assert set(by_province) == {HOME, OTHER}
    for province, shown in by_province.items():
        assert shown == expected(app, Submission.fiscal_year == YEAR,
                                 Submission.province_code == province), province
    assert total == expected(app, Submission.fiscal_year == YEAR)


def test_district_dashboard_lists_exactly_its_laos(app, world):
    body = signed_in(app, "dist-6101").get(URL).get_data(as_text=True)
    mine = (Submission.fiscal_year == YEAR, Submission.district_code == "6101")
    laos = re.search(r'<table[^>]*id="table-laos".*?</table>', body, re.S).group(0)
    with app.app_context():
        ids = {str(i) for i in db.session.scalars(select(Submission.id).where(*mine))}
    assert set(ROW_LINK.findall(laos)) == ids
    _rows, total = table(body, "table-org_type")
    assert total == expected(app, *mine)
    assert "อำเภอเมืองอุทัยธานี จังหวัดอุทัยธานี" in body
    # The bar per LAO: its sections complete, under the LAO's short name (อบต.…).
    chart = json.loads(re.search(r'<script type="application/json" id="chart-laos">(.*?)'
                                 r"</script>", body, re.S).group(1))
    with app.app_context():
        complete = sorted(db.session.scalars(select(Submission.sections_complete).where(*mine)))
    assert sorted(chart["datasets"][0]["data"]) == complete and len(complete) == len(ids)
    assert any(label.startswith("อบต.") for label in chart["labels"])
    assert not any(label.startswith("องค์การบริหารส่วนตำบล") for label in chart["labels"])


def test_the_year_picker_counts_that_year(app, world):
    body = signed_in(app, f"prov-{HOME}").get(f"{URL}?year=2569").get_data(as_text=True)
    _rows, total = table(body, "table-district")
    assert total == expected(app, Submission.fiscal_year == 2569,
                             Submission.province_code == HOME)
    assert '<option value="2569" selected>' in body


def test_days_to_the_deadline_in_be(app, world):
    body = signed_in(app, f"prov-{HOME}").get(URL).get_data(as_text=True)
    from demo import open_year_deadline
    from workflow import thai_date
    deadline = open_year_deadline()
    left = (deadline - today_in_thailand()).days
    phrase = (f"อีก {left} วัน" if left > 0 else "วันนี้เป็นวันสุดท้าย" if left == 0
              else f"เลยกำหนดมาแล้ว {-left} วัน")
    shown = " ".join(re.search(r'id="dash-deadline">(.*?)</div>', body, re.S).group(1).split())
    assert shown == f"{thai_date(deadline)} · {phrase}"


# --- the scope ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who, url", [
    (f"prov-{HOME}", f"{URL}?province={OTHER}"),
    (f"prov-{HOME}", f"{URL}?district=1801"),
    (f"prov-{HOME}", f"{URL}lagging.csv?province={OTHER}"),
    (f"prov-{HOME}", f"{URL}lagging/print?district=1801"),
    ("dist-6101", f"{URL}?district=6102"),
    ("dist-6101", f"{URL}?province={HOME}"),
    ("dist-6101", f"{URL}lagging.csv?district=6102"),
    (f"prov-{HOME}", f"{URL}?province=6"),
    (f"prov-{HOME}", f"{URL}?district=%27%20OR%201=1"),
    (f"prov-{HOME}", f"{URL}?year=abc"),
    (f"prov-{HOME}", f"{URL}?year=2599"),
])
def test_a_place_outside_the_scope_or_a_bad_year_is_not_found(app, world, who, url):
    response = signed_in(app, who).get(url)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "ไม่พบ" in body and "dash-count" not in body


def test_a_province_officers_dashboard_shows_nothing_of_another_province(app, world):
    client = signed_in(app, f"prov-{HOME}")
    with app.app_context():
        home = set(db.session.scalars(select(Organization.name_th).where(
            Organization.province_code == HOME)))
        foreign = set(db.session.scalars(select(Organization.name_th).where(
            Organization.province_code == OTHER))) - home
    assert foreign
    for url in (URL, f"{URL}lagging.csv", f"{URL}lagging/print", f"{URL}?district=6101"):
        body = client.get(url).get_data(as_text=True)
        leaked = [n for n in foreign if re.search(
            rf"(?<![\u0E00-\u0E7F]){re.escape(n)}(?![\u0E00-\u0E7F])", body)]
        assert not leaked, (url, leaked[:3])
        assert "ชัยนาท" not in body, url


def test_a_province_officer_drills_down_to_its_district(app, world):
    client = signed_in(app, f"prov-{HOME}")
    body = client.get(URL).get_data(as_text=True)
    assert 'href="/admin/dashboard/?year=2570&amp;district=6101"' in body
    district = client.get(f"{URL}?year=2570&district=6101").get_data(as_text=True)
    _rows, total = table(district, "table-org_type")
    assert total == expected(app, Submission.fiscal_year == YEAR,
                             Submission.district_code == "6101")


def test_the_clerk_has_no_dashboard_and_the_anonymous_signs_in(app, world):
    with app.app_context():
        dla_code = db.session.scalar(select(Organization.dla_code).where(
            Organization.province_code == HOME).order_by(Organization.dla_code))
    clerk = signed_in(app, f"lao-{dla_code}")
    assert clerk.get(URL).status_code == 403
    assert "dashboard" not in clerk.get("/admin/").get_data(as_text=True)
    anonymous = app.test_client().get(URL)
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    officer_home = signed_in(app, f"prov-{HOME}").get("/admin/").get_data(as_text=True)
    assert 'id="home-dashboard"' in officer_home and 'href="/admin/dashboard/"' in officer_home


# --- every count is a link to a list of exactly those LAO-years -----------------------------

def _linked(body: str, table_id: str, key: str | None, name: str) -> tuple[str, int]:
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', body, re.S).group(0)
    part = re.search(rf'<tr data-key="{key}">(.*?)</tr>', found, re.S).group(1) if key \
        else re.search(r"<tfoot>(.*?)</tfoot>", found, re.S).group(1)
    url, n = next((u, int(c.replace(",", ""))) for u, nm, c in COUNT.findall(part) if nm == name)
    return htmllib.unescape(url), n


@pytest.mark.parametrize("table_id, key, name, where", [
    ("table-district", "6101", "draft", (Submission.district_code == "6101",
                                         Submission.status == Status.DRAFT)),
    ("table-district", None, "returned", (Submission.status == Status.DRAFT,
                                          Submission.return_reason.is_not(None))),
    ("table-district", None, "warnings", (Submission.status == Status.LAO_CERTIFIED,
                                          Submission.warnings_count > 0)),
    ("table-org_type", "sao", "complete", (Submission.org_type == "sao",
                                           Submission.sections_complete == SECTION_COUNT)),
    ("table-district", "6106", "province_certified", (
        Submission.district_code == "6106", Submission.status == Status.PROVINCE_CERTIFIED)),
    ("table-district", None, "laos", ()),
])
def test_a_count_links_to_a_list_of_exactly_those_lao_years(app, world, table_id, key, name,
                                                            where):
    client = signed_in(app, f"prov-{HOME}")
    url, shown = _linked(client.get(URL).get_data(as_text=True), table_id, key, name)
    with app.app_context():
        ids = {str(i) for i in db.session.scalars(select(Submission.id).where(
            Submission.fiscal_year == YEAR, Submission.province_code == HOME, *where))}
    assert shown == len(ids) and shown > 0
    listed, pages = set(), 0
    while len(listed) < shown and pages < 5:
        page = client.get(f"{url}&page={pages}").get_data(as_text=True)
        assert int(LIST_TOTAL.search(page).group(1)) == shown
        listed |= set(ROW_LINK.findall(page))
        pages += 1
    assert listed == ids


def test_the_nations_counts_link_to_the_provinces_lists(app, world):
    client = signed_in(app, "admin")
    url, shown = _linked(client.get(URL).get_data(as_text=True), "table-province", OTHER,
                         "lao_certified")
    page = client.get(url).get_data(as_text=True)
    assert int(LIST_TOTAL.search(page).group(1)) == shown == expected(
        app, Submission.fiscal_year == YEAR, Submission.province_code == OTHER)["lao_certified"]


# --- the lagging LAOs -------------------------------------------------------------------------

def _lagging_sql(app, *where):
    with app.app_context():
        rows = db.session.execute(
            select(Organization.dla_code, Submission.sections_complete).join(Submission)
            .where(Submission.fiscal_year == YEAR, Submission.status == Status.DRAFT, *where)
        ).all()
        db.session.remove()
    return rows


def test_lagging_csv_lists_the_drafts_least_complete_first(app, world):
    response = signed_in(app, f"prov-{HOME}").get(f"{URL}lagging.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert re.fullmatch(r"attachment; filename=info-lagging-2570-61-25\d\d-\d\d-\d\d_\d{4}\.csv",
                        response.headers["Content-Disposition"])
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["ลำดับ", "รหัส อปท.", "อปท.", "ประเภท", "อำเภอ", "จังหวัด",
                       "บันทึกครบ (ด้าน)", "ส่งคืนแก้ไข", "ข้อสังเกต ⚠"]
    sql = _lagging_sql(app, Submission.province_code == HOME)
    assert sorted(r[1] for r in rows[1:]) == sorted(code for code, _n in sql)
    done = [int(r[6].split("/")[0]) for r in rows[1:]]
    assert done == sorted(done) and [r[0] for r in rows[1:]] == [
        str(i) for i in range(1, len(sql) + 1)]
    assert all(r[5] == "อุทัยธานี" for r in rows[1:])
    assert sum(r[7] == "ส่งคืน" for r in rows[1:]) == expected(
        app, Submission.fiscal_year == YEAR, Submission.province_code == HOME)["returned"]


def test_the_page_shows_the_lagging_laos_and_the_csv_the_district(app, world):
    client = signed_in(app, "dist-6101")
    body = client.get(URL).get_data(as_text=True)
    lagging = re.search(r'<table[^>]*id="table-lagging".*?</table>', body, re.S).group(0)
    sql = _lagging_sql(app, Submission.district_code == "6101")
    assert len(ROW_LINK.findall(lagging)) == len(sql) > 0
    text = client.get(f"{URL}lagging.csv").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(text[1:])))) - 1 == len(sql)


def test_print_page_is_the_attachment_of_a_reminder_letter(app, world):
    body = signed_in(app, f"prov-{HOME}").get(f"{URL}lagging/print").get_data(as_text=True)
    assert "รายชื่อองค์กรปกครองส่วนท้องถิ่นที่ยังไม่รับรองข้อมูลพื้นฐาน 8 ด้าน ปีงบประมาณ 2570" in body
    from demo import open_year_deadline
    from workflow import thai_date
    assert "จังหวัดอุทัยธานี" in body
    assert f"กำหนดส่งข้อมูลภายในวันที่ {thai_date(open_year_deadline())}" in body
    sql = _lagging_sql(app, Submission.province_code == HOME)
    printed = re.search(r'<table[^>]*id="print-lagging".*?</table>', body, re.S).group(0)
    assert len(re.findall(r"<tr><td>\d+</td>", printed)) == len(sql)
    for code, _n in sql:
        assert f"<td>{code}</td>" in printed
    assert f"ยังไม่รับรองข้อมูล {len(sql)} แห่ง" in body
    assert "<script>" not in body and "onclick" not in body


def test_lagging_workbook_holds_the_csv_rows(app, world):
    """The lagging LAOs as XLSX: the same Thai headers and rows as the CSV, numbers as numbers,
    a title naming the place and year, a formula-like name kept as text."""
    import openpyxl
    client = signed_in(app, f"prov-{HOME}")
    response = client.get(f"{URL}lagging.xlsx")
    assert response.status_code == 200
    assert re.fullmatch(r"attachment; filename=info-lagging-2570-61-25\d\d-\d\d-\d\d_\d{4}\.xlsx",
                        response.headers["Content-Disposition"])
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "รายชื่อ อปท. ที่ยังไม่รับรองข้อมูล · จังหวัดอุทัยธานี · ปีงบประมาณ 2570"
    text = client.get(f"{URL}lagging.csv").get_data(as_text=True)
    csv_rows = list(csv.reader(io.StringIO(text[1:])))
    assert [str(c) for c in rows[1]] == csv_rows[0]
    assert [[("" if c is None else str(c)) for c in r] for r in rows[2:]] == \
        [[c.lstrip("'") if c.startswith("'=") else c for c in r] for r in csv_rows[1:]]
    assert all(isinstance(r[0], int) for r in rows[2:]) and len(rows) - 2 == len(csv_rows) - 1
