"""Queries per page do not grow with the number of rows shown or stored (SPEC §6, no N+1).

Each page is requested through the real login form and the real URL, and the SQL statements the
request sends (SQLAlchemy's "before_cursor_execute" on db.engine, counted only while the request
runs) are counted at two data sizes.  The counts must be equal, and below a small bound.

Requests run outside any test-held application context, so every request starts with an empty
identity map, as it does in production (a shared session would hide lazy loads).

`pytest -s` prints the counts ("QUERY-COUNT …").  On PostgreSQL the fiscal-year filter cases
fail today with HTTP 500: `FilterEqual(Submission.fiscal_year, …)` in views/submissions.py binds
the URL's string against an integer column (see bench/README.md, "Findings").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, func, insert, select, update

from models import FiscalYear, Submission, User, YearStatus, db
from models.tables.sections import (EducationAffiliation, EducationLevel, Section4Education,
                             Section4Festival, Section6Vehicle, VehicleKind)
from workflow import Status

from . import factories
from .conftest import PASSWORD, login

PROVINCE = "61"              # อุทัยธานี, the demo province (71 LAOs)
OPEN_YEAR = 2570
PAGE = 50                    # ScopedModelView.page_size
LIST_URL = "/admin/submission/"
EXPORT_URL = "/admin/submission/export/csv/"

# Small absolute bounds: what each page needs today, with a little room.  A per-row lazy load
# would add one statement per row (50 on a list page), far beyond these.
# (Before issue 13: list 15 = 7 + one carried-forward lookup per section table for the page's ids.)
MAX_LIST = 8            # today 5: BEGIN, the user, COUNT, the page ids, the page rows
MAX_EXPORT = 20
MAX_LAO_YEARS = 15
MAX_WORKSPACE = 50           # the workspace reads the 8 sections up to 3 times (constant)
MAX_SECTION_EDIT = 30

ROW_LINK = re.compile(r'href="/admin/(?:submission|lao_years)/workspace/\?id=\d+"')


# --- counting ------------------------------------------------------------------------------

class Counter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)


@contextmanager
def counting(app) -> Iterator[Counter]:
    with app.app_context():
        engine = db.engine
    counter = Counter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


def measure(app, client, url: str, warm: bool = True) -> tuple[int, str, list[str]]:
    """(statements sent while GET `url` ran, the page's text, the statements).

    With `warm`, the page is requested once first: the filter options are cached per scope
    (models/reads/master_cache.py), so what is counted is the steady state of every later request
    (test_filter_options_are_cached counts the first one)."""
    if warm:
        client.get(url).get_data()
    with counting(app) as counter:
        response = client.get(url)
        body = response.get_data(as_text=True)  # consume streamed responses (CSV export)
    assert response.status_code == 200, (url, response.status_code, body[:300])
    return len(counter.statements), body, counter.statements


def explain(a: list[str], b: list[str]) -> str:
    """A readable diff of two statement lists for assertion messages."""
    def short(s: str) -> str:
        return " ".join(s.split())[:160]
    extra = [short(s) for s in b[len(a):]] if len(b) > len(a) else [short(s) for s in a[len(b):]]
    return "\n  ".join([f"{len(a)} vs {len(b)} statements; first extra ones:", *extra[:8]])


def show(label: str, *sizes: tuple[int, int]) -> None:
    """Print "rows → statements" per size (visible with pytest -s; the report quotes them)."""
    print(f"QUERY-COUNT {label}: " + " | ".join(f"{rows} rows: {n} statements"
                                                for rows, n in sizes))


def signed_in(app, username: str):
    client = app.test_client()
    response = login(client, username, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def rows_on_page(html: str) -> int:
    return len(ROW_LINK.findall(html))


# --- data ----------------------------------------------------------------------------------

def seed(app, **kwargs) -> None:
    import demo
    with app.app_context():
        demo.seed_demo(password=PASSWORD, echo=lambda _line: None,
                       **{"scale": "demo", "years": 3, **kwargs})
        # Keep the open year editable whatever today's date is.
        db.session.execute(update(FiscalYear).where(FiscalYear.be_year == OPEN_YEAR)
                           .values(deadline=date(2099, 12, 30)))
        db.session.commit()
        db.session.remove()


def add_laos(app, count: int, province: str = PROVINCE, year: int = OPEN_YEAR) -> None:
    """`count` more อบต. in `province`, each with a submission of `year` in a mix of states."""
    with app.app_context():
        factories.add_laos(count, province, year, states=(
            Status.DRAFT, Status.LAO_CERTIFIED, Status.PROVINCE_CERTIFIED))
        db.session.remove()


def count_rows(app, *where) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(Submission).where(*where))
        db.session.remove()
        return n


def last_page(total: int) -> int:
    """Flask-Admin's 0-based index of the last list page."""
    return (total - 1) // PAGE


def lao_submission(app, year: int = OPEN_YEAR) -> tuple[str, int]:
    """(username, submission id) of the demo's first LAO (a draft of the open year)."""
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username.like("lao-%"))
                                  .order_by(User.username)).first()
        sub_id = db.session.scalar(select(Submission.id).where(
            Submission.organization_id == user.organization_id, Submission.fiscal_year == year))
        username = user.username
        db.session.remove()
    return username, sub_id


def add_vehicles(app, sub_id: int, count: int) -> int:
    with app.app_context():
        start = db.session.scalar(select(func.count()).select_from(Section6Vehicle).where(
            Section6Vehicle.submission_id == sub_id))
        kinds = list(VehicleKind)
        if count:
            db.session.execute(insert(Section6Vehicle), [
                dict(submission_id=sub_id, position=start + i, kind=kinds[i % len(kinds)],
                     capacity=Decimal("6000"), capacity_unit="ลิตร", year_acquired=2560 + i % 10,
                     source="งบประมาณ อปท.", price=Decimal("2500000.00"))
                for i in range(count)])
        db.session.commit()
        total = db.session.scalar(select(func.count()).select_from(Section6Vehicle).where(
            Section6Vehicle.submission_id == sub_id))
        db.session.remove()
    return total


def add_education_and_festivals(app, sub_id: int, count: int) -> None:
    levels, affiliations = list(EducationLevel), list(EducationAffiliation)
    with app.app_context():
        db.session.execute(insert(Section4Education), [
            dict(submission_id=sub_id, position=100 + i, level=levels[i % len(levels)],
                 affiliation=affiliations[i % len(affiliations)], schools=1 + i % 3,
                 classrooms=6, students=120 + i, teachers=8) for i in range(count)])
        db.session.execute(insert(Section4Festival), [
            dict(submission_id=sub_id, position=100 + i, name=f"งานประเพณีทดสอบ {i + 1}",
                 month=1 + i % 12, activity="ขบวนแห่") for i in range(count)])
        db.session.commit()
        db.session.remove()


# --- the province officer's list ------------------------------------------------------------

def test_province_list_does_not_grow_with_rows_shown_or_stored(app):
    seed(app)
    officer = signed_in(app, f"prov-{PROVINCE}")
    counts, pages = {}, {}

    def both_pages(label):
        total = count_rows(app, Submission.province_code == PROVINCE)
        for name, page in (("first", 0), ("last", last_page(total))):
            n, html, statements = measure(app, officer, f"{LIST_URL}?page={page}")
            counts[f"{label}/{name}"] = (n, statements)
            pages[f"{label}/{name}"] = rows_on_page(html)
            show(f"province list {label} {name} page ({total} rows)", (rows_on_page(html), n))
        return total

    few = both_pages("demo")                  # 71 LAOs × 3 years
    add_laos(app, 330)
    many = both_pages("+330")                 # 401 LAOs in the province
    assert (few, many) == (213, 543)
    assert pages == {"demo/first": PAGE, "demo/last": 213 - 4 * PAGE,
                     "+330/first": PAGE, "+330/last": 543 - 10 * PAGE}, pages

    base = counts["demo/last"][1]
    for label, (n, statements) in counts.items():
        assert n == len(base), f"{label}: " + explain(base, statements)
    assert len(base) <= MAX_LIST, explain([], base)


FILTERS = {
    "year": f"flt0_0={OPEN_YEAR}",                                      # ปีงบประมาณ
    "year+district": f"flt0_0={OPEN_YEAR}&flt1_1=6101",                 # + อำเภอ
    "year+status": f"flt0_0={OPEN_YEAR}&flt3_3=lao_certified",          # + สถานะ
    "district": "flt1_1=6101",                                          # อำเภอ only
    "type+sorted": "flt2_2=sao&sort=2&desc=1",                          # ประเภท, sorted
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_filtered_province_list_does_not_grow(app, name):
    seed(app)
    officer = signed_in(app, f"prov-{PROVINCE}")
    url = f"{LIST_URL}?{FILTERS[name]}"
    n1, html1, s1 = measure(app, officer, url)
    add_laos(app, 330)
    n2, html2, s2 = measure(app, officer, url)
    show(f"province list ?{FILTERS[name]}", (rows_on_page(html1), n1), (rows_on_page(html2), n2))
    assert 0 < rows_on_page(html1) <= rows_on_page(html2), url
    if name == "year+district":   # from a part-filled to a full page
        assert rows_on_page(html1) < rows_on_page(html2) == PAGE
    assert n1 == n2, f"{url}: " + explain(s1, s2)
    assert n2 <= MAX_LIST, explain([], s2)


# --- the national list (dla_admin) ------------------------------------------------------------

@pytest.mark.parametrize("filtered", [False, True], ids=["all", "year+province"])
def test_national_list_does_not_grow_with_more_provinces(app, filtered):
    seed(app)
    admin = signed_in(app, "admin")
    counts, suffix, where = {}, "", ()
    if filtered:
        suffix = f"&flt0_0={OPEN_YEAR}&flt4_4={PROVINCE}"
        where = (Submission.fiscal_year == OPEN_YEAR, Submission.province_code == PROVINCE)

    def pages_of(label):
        total = count_rows(app, *where)
        for name, page in (("first", 0), ("last", last_page(total))):
            n, html, statements = measure(app, admin, f"{LIST_URL}?page={page}{suffix}")
            assert rows_on_page(html) == (PAGE if name == "first" else total - page * PAGE)
            counts[f"{label}/{name}"] = (n, statements)
            show(f"national list{suffix} {label} {name} page ({total} rows)",
                 (rows_on_page(html), n))
        return total

    few = pages_of("demo")
    seed(app, extra_provinces=("18", "30"))    # ชัยนาท and นครราชสีมา
    many = pages_of("+18+30")
    assert filtered or many > 3 * few, (few, many)

    base = counts["demo/first"][1]
    for label, (n, statements) in counts.items():
        assert n == len(base), f"{label}: " + explain(base, statements)
    assert len(base) <= MAX_LIST, explain([], base)


# --- export --------------------------------------------------------------------------------

@pytest.mark.parametrize("query,sizes", [(f"?flt0_0={OPEN_YEAR}", (71, 401)), ("", (213, 543))],
                         ids=["open-year", "all-years"])
def test_csv_export_adds_no_query_per_row(app, query, sizes):
    seed(app)
    officer = signed_in(app, f"prov-{PROVINCE}")
    url = EXPORT_URL + query
    n1, body1, s1 = measure(app, officer, url)
    add_laos(app, 330)
    n2, body2, s2 = measure(app, officer, url)
    rows1 = list(csv.reader(io.StringIO(body1)))[1:]
    rows2 = list(csv.reader(io.StringIO(body2)))[1:]
    show(f"export {url}", (len(rows1), n1), (len(rows2), n2))
    assert (len(rows1), len(rows2)) == sizes
    assert n1 == n2, explain(s1, s2)
    assert n2 <= MAX_EXPORT, explain([], s2)


# --- the LAO clerk's pages ------------------------------------------------------------------

def test_lao_year_list_does_not_grow_with_years(app):
    seed(app, years=1)
    username, _sub = lao_submission(app)
    clerk = signed_in(app, username)
    n1, html1, s1 = measure(app, clerk, "/admin/lao_years/")
    seed(app, years=3)
    n3, html3, s3 = measure(app, clerk, "/admin/lao_years/")
    show("LAO year list", (rows_on_page(html1), n1), (rows_on_page(html3), n3))
    assert (rows_on_page(html1), rows_on_page(html3)) == (1, 3)
    assert n1 == n3, explain(s1, s3)
    assert n3 <= MAX_LAO_YEARS, explain([], s3)


@pytest.mark.parametrize("tab", ["1", "4", "6", "status"])
def test_workspace_does_not_grow_with_child_rows(app, tab):
    seed(app)
    username, sub_id = lao_submission(app)
    clerk = signed_in(app, username)
    officer = signed_in(app, f"prov-{PROVINCE}")
    urls = {clerk: f"/admin/lao_years/workspace/?id={sub_id}&tab={tab}",
            officer: f"/admin/submission/workspace/?id={sub_id}&tab={tab}"}
    before = {url: measure(app, client, url) for client, url in urls.items()}
    few = add_vehicles(app, sub_id, 0)
    many = add_vehicles(app, sub_id, 60)
    add_education_and_festivals(app, sub_id, 40)
    after = {url: measure(app, client, url) for client, url in urls.items()}
    assert few < 10 and many == few + 60
    for url in urls.values():
        (n1, html1, s1), (n2, html2, s2) = before[url], after[url]
        show(f"workspace {url.split('?')[0]} tab={tab} (vehicles {few}→{many}, +40 education"
             " and festival rows)", (few, n1), (many, n2))
        if tab == "6":  # the vehicles table shows every row
            assert html2.count("<tr") >= html1.count("<tr") + 60, url
        assert n1 == n2, f"{url}: " + explain(s1, s2)
        assert n2 <= MAX_WORKSPACE, explain([], s2)


def test_report_does_not_grow_with_child_rows(app):
    """รายงาน: all 8 sections and their child rows on one page."""
    seed(app)
    username, sub_id = lao_submission(app)
    clerk = signed_in(app, username)
    officer = signed_in(app, f"prov-{PROVINCE}")
    urls = {clerk: f"/admin/lao_years/report/?id={sub_id}",
            officer: f"/admin/submission/report/?id={sub_id}"}
    before = {url: measure(app, client, url) for client, url in urls.items()}
    few = add_vehicles(app, sub_id, 0)
    many = add_vehicles(app, sub_id, 60)
    add_education_and_festivals(app, sub_id, 40)
    after = {url: measure(app, client, url) for client, url in urls.items()}
    for url in urls.values():
        (n1, html1, s1), (n2, html2, s2) = before[url], after[url]
        show(f"report {url.split('?')[0]} (vehicles {few}→{many}, +40 education and festival "
             "rows)", (few, n1), (many, n2))
        assert html2.count("<tr") >= html1.count("<tr") + 60 + 2 * 40, url
        assert n1 == n2, f"{url}: " + explain(s1, s2)
        assert n2 <= MAX_WORKSPACE, explain([], s2)


@pytest.mark.parametrize("section_no", [6, 4])
def test_section_edit_does_not_grow_with_child_rows(app, section_no):
    seed(app)
    username, sub_id = lao_submission(app)
    clerk = signed_in(app, username)
    url = f"/admin/edit_s{section_no}/edit/?id={sub_id}"
    n1, html1, s1 = measure(app, clerk, url)
    add_vehicles(app, sub_id, 60)
    add_education_and_festivals(app, sub_id, 40)
    n2, html2, s2 = measure(app, clerk, url)
    field = "vehicles-" if section_no == 6 else "education_rows-"
    shown1 = len(set(re.findall(rf'name="{field}(\d+)-', html1)))
    shown2 = len(set(re.findall(rf'name="{field}(\d+)-', html2)))
    show(f"section edit {url}", (shown1, n1), (shown2, n2))
    assert shown2 >= shown1 + 40, (shown1, shown2)
    assert n1 == n2, explain(s1, s2)
    assert n2 <= MAX_SECTION_EDIT, explain([], s2)


# --- the filter options: cached per scope, dropped when master data changes ----------------

def test_filter_options_are_cached_per_scope_and_follow_master_data(app):
    """The review list's filter menu (years, 928 districts for the admin, provinces) is built
    once per scope, not per request; a new fiscal year shows at once (same process)."""
    from models.reads import master_cache
    seed(app)
    master_cache.clear()
    admin = signed_in(app, "admin")
    officer = signed_in(app, f"prov-{PROVINCE}")
    url = f"{LIST_URL}?flt0_0={OPEN_YEAR}"
    cold, html_cold, s_cold = measure(app, admin, url, warm=False)
    warm, html_warm, s_warm = measure(app, admin, url, warm=False)
    show("national list: first request, then cached options", (PAGE, cold), (PAGE, warm))
    # years, districts, provinces (the filter) and provinces (the Excel download form)
    assert cold - warm == 4, explain(s_warm, s_cold)
    assert not any("FROM district" in s or "FROM fiscal_year" in s for s in s_warm)
    assert filter_groups(html_cold) == filter_groups(html_warm)

    # Another scope has its own entry: the officer is offered the province's districts only.
    first, html_officer, _s = measure(app, officer, url, warm=False)
    assert first == warm + 2, first                      # its districts and provinces
    admin_districts, officer_districts = district_options(html_warm), district_options(html_officer)
    assert len(admin_districts) > len(officer_districts) > 0
    assert all(code.startswith(PROVINCE) for code in officer_districts), officer_districts

    # A new fiscal year (a write to master data) drops the cache: the filter offers it now.
    with app.app_context():
        db.session.add(FiscalYear(be_year=2571, status=YearStatus.CLOSED,
                                  opens_on=date(2027, 10, 1), deadline=date(2028, 3, 31)))
        db.session.commit()
        db.session.remove()
    after, html_after, _s = measure(app, admin, url, warm=False)
    assert after == cold
    years = [[v for v, _l in f["options"]] for f in filter_groups(html_after)["ปีงบประมาณ"]]
    assert "2571" in years[0]
    assert "2571" not in [v for v, _l in filter_groups(html_warm)["ปีงบประมาณ"][0]["options"]]


def filter_groups(html: str) -> dict:
    """The filter menu's data Flask-Admin embeds in the list page."""
    import html as html_module
    import json
    found = re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', html, re.S)
    return json.loads(html_module.unescape(found.group(1)))


def district_options(html: str) -> list[str]:
    return [v for v, _l in filter_groups(html)["อำเภอ"][0]["options"]]


@pytest.mark.parametrize("user", ["admin", f"prov-{PROVINCE}"])
def test_list_pages_are_a_deferred_join(app, user):
    """The OFFSET statement reads ids only (no join to organization or district: the list
    indexes hold them); the page's rows, in order, are the ones the list order gives."""
    seed(app)
    client = signed_in(app, user)
    where = (Submission.fiscal_year == 2569,) if user == "admin" \
        else (Submission.fiscal_year == 2569, Submission.province_code == PROVINCE)
    total = count_rows(app, *where)
    page = last_page(total)
    n, html, statements = measure(app, client, f"{LIST_URL}?page={page}&flt0_0=2569")
    paged = [s for s in statements if "OFFSET" in s.upper()]
    assert len(paged) == 1, statements
    assert "JOIN" not in paged[0].upper()
    assert re.match(r"SELECT submission\.id AS submission_id\s+FROM submission\b", paged[0]), \
        paged[0]
    with app.app_context():
        expected = list(db.session.scalars(
            select(Submission.id).where(*where)
            .order_by(Submission.fiscal_year.desc(), Submission.district_code, Submission.id)
            .offset(page * PAGE).limit(PAGE)))
        db.session.remove()
    shown = [int(i) for i in re.findall(r'href="/admin/submission/workspace/\?id=(\d+)"', html)]
    assert shown == expected and shown
