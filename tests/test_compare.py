"""Across years and against peers (issue 23): an LAO's headline figures in every certified year
on its profile, the comparison page (/compare) with the medians of the LAO's type in its
province and nationally, and the public home page.  Certified data only; every number is
checked against a computation written here from the rows themselves, and the pages' statements
do not grow with the country."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from models import Organization, OrgType, Submission, db
from models.reads import figures
from models.tables.sections import (Section1General, Section2Infrastructure, Section6Disaster,
                                    Section6Vehicle, Section7Environment, Section8Finance,
                                    VehicleKind)
from workflow import PUBLIC_STATUSES, Status

from .test_query_counts import counting

YEAR = 2570


# --- an independent computation, from the rows ---------------------------------------------------

def _rows(sub_ids: list[int]) -> dict[int, dict]:
    """The headline figures of each submission, computed in Python from its section rows."""
    def by_sub(model):
        return {r.submission_id: r for r in db.session.scalars(
            select(model).where(model.submission_id.in_(sub_ids)))}
    s1, s2, s6, s7, s8 = (by_sub(m) for m in (Section1General, Section2Infrastructure,
                                              Section6Disaster, Section7Environment,
                                              Section8Finance))
    engines = defaultdict(int)
    for v in db.session.scalars(select(Section6Vehicle).where(
            Section6Vehicle.submission_id.in_(sub_ids),
            Section6Vehicle.kind == VehicleKind.FIRE_ENGINE)):
        engines[v.submission_id] += 1
    out = {}
    for sid in sub_ids:
        a, b, f, e, m = (t.get(sid) for t in (s1, s2, s6, s7, s8))
        roads = [getattr(b, n) for n in figures.ROADS] if b else []
        out[sid] = {
            "population": a and a.population_total, "households": a and a.households,
            "area": a and a.area_sq_km,
            "roads": sum(Decimal(r) for r in roads if r is not None)
            if any(r is not None for r in roads) else None,
            "piped_water": b and b.households_piped_water,
            "volunteers": f and f.civil_defence_volunteers,
            "fire_engines": engines[sid] if f else None,
            "waste": e and e.waste_generated,
            "revenue": m and m.revenue_total, "expenditure": m and m.expenditure_total}
    return out


def _num(value):
    return None if value is None else float(value)


def _independent_medians(be_year: int) -> dict:
    subs = db.session.execute(select(Submission.id, Submission.org_type,
                                     Submission.province_code, Submission.status)
                              .where(Submission.fiscal_year == be_year)).all()
    public_subs = [s for s in subs if s.status in PUBLIC_STATUSES]
    values = _rows([s.id for s in public_subs])
    groups: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for s in public_subs:
        v = values[s.id]
        for place in (s.province_code, ""):
            group = groups[(s.org_type.value, place)]
            group["n"].append(1)
            for f in figures.FIGURES:
                if v[f.key] is not None:
                    group[f.key].append(float(v[f.key]))
                if f.ratio and v[f.key] is not None and v[f.ratio.over]:
                    group[f"{f.key}/ratio"].append(
                        float(v[f.key]) * f.ratio.factor / float(v[f.ratio.over]))
    return {key: {m: (len(vs) if m == "n" else statistics.median(vs)) for m, vs in g.items()}
            for key, g in groups.items()}


@pytest.fixture()
def year_rows(app, two_provinces):
    with app.app_context():
        ids = db.session.scalars(select(Submission.id).where(Submission.fiscal_year == YEAR)
                                 .order_by(Submission.id)).all()
        db.session.remove()
    return ids


def test_medians_equal_an_independent_computation_under_any_certification_states(
        app, year_rows):
    """Random certification states over two provinces: every median of every figure and ratio,
    per type in each province and nationally, equals Python's statistics.median of the public
    rows (and nothing of a draft, returned or revoked year counts)."""
    statuses = sorted(Status, key=lambda s: s.value)

    @settings(max_examples=8, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.sampled_from(statuses), min_size=len(year_rows),
                    max_size=len(year_rows)))
    def draw(states):
        with app.app_context():
            for status in statuses:
                chosen = [i for i, s in zip(year_rows, states) if s is status]
                if chosen:
                    db.session.execute(update(Submission).where(Submission.id.in_(chosen))
                                       .values(status=status))
            db.session.commit()
            found = figures.medians(YEAR, list(OrgType))
            truth = _independent_medians(YEAR)
            db.session.remove()
        assert set(found) == set(truth)
        for key, expected in truth.items():
            assert set(found[key]) == set(expected), key
            for measure, value in expected.items():
                assert found[key][measure] == pytest.approx(value, rel=1e-9), (key, measure)

    draw()


# --- the profile's time series ---------------------------------------------------------------

def _series_table(page: str) -> dict[str, list[str]]:
    table = re.search(r'<table[^>]*id="series-table".*?</table>', page, re.S).group(0)
    years = re.findall(r'<th scope="col" class="text-right">(\d{4})</th>', table)
    rows = {}
    for row in re.findall(r"<tr><th scope=\"row\".*?</tr>", table, re.S):
        label = re.search(r'font-weight-normal">([^<]+?) <span', row).group(1)
        rows[label] = re.findall(r'<td class="text-right">([^<]*)</td>', row)
    return {"years": years, **rows}


def test_the_profile_shows_each_certified_year_and_no_other(app, client, demo):
    with app.app_context():
        # an LAO with 2568 and 2569 certified whose 2570 is not public
        org = db.session.scalars(select(Organization).join(Submission).where(
            Submission.fiscal_year == YEAR, Submission.status == Status.DRAFT)
            .order_by(Organization.id)).first()
        subs = db.session.scalars(select(Submission).where(
            Submission.organization_id == org.id).order_by(Submission.fiscal_year)).all()
        public_subs = [s for s in subs if s.status in PUBLIC_STATUSES]
        assert len(public_subs) >= 2 and subs[-1].status is Status.DRAFT
        truth = _rows([s.id for s in public_subs])
        code = org.dla_code
        draft_population = _rows([subs[-1].id])[subs[-1].id]["population"]
        expected_years = [str(s.fiscal_year) for s in public_subs]
        expected_population = [f"{truth[s.id]['population']:,}" for s in public_subs]
        expected_revenue = [f"{Decimal(truth[s.id]['revenue']):,.0f}" for s in public_subs]
        db.session.remove()
    page = client.get(f"/orgs/{code}").get_data(as_text=True)
    table = _series_table(page)
    assert table["years"] == expected_years
    assert table["ประชากร"] == expected_population
    assert table["รายรับจริงรวม"] == expected_revenue
    assert f"{draft_population:,}" not in table["ประชากร"]
    # One chart per figure, from the very numbers of the table.
    for f in figures.FIGURES:
        assert f'data-chart="series-{f.key}"' in page
    chart = re.search(r'id="series-population">(.*?)</script>', page).group(1)
    assert [f"{n:,}" for n in __import__("json").loads(chart)["datasets"][0]["data"]] \
        == expected_population


# --- the comparison -----------------------------------------------------------------------------

def _certified_codes(app, n: int, org_type=OrgType.SAO) -> list[tuple[str, int]]:
    with app.app_context():
        rows = db.session.execute(select(Organization.dla_code, Submission.id).join(Submission)
                                  .where(Submission.fiscal_year == YEAR,
                                         Submission.status.in_(list(PUBLIC_STATUSES)),
                                         Organization.org_type == org_type)
                                  .order_by(Organization.dla_code).limit(n)).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def test_compare_shows_each_laos_values_ratios_and_the_medians_of_its_peers(app, client, demo):
    pairs = _certified_codes(app, 3)
    codes = [c for c, _s in pairs]
    page = client.get(f"/compare?year={YEAR}&codes={','.join(codes)}").get_data(as_text=True)
    with app.app_context():
        truth = _rows([s for _c, s in pairs])
        medians = _independent_medians(YEAR)
        db.session.remove()
    table = re.search(r'<table[^>]*id="compare-table".*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr(?: class=\"compare-ratio\")?><th scope=\"row\".*?</tr>", table, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in rows]
    population, density = cells[0], cells[1]
    assert population[:3] == [f"{truth[s]['population']:,}" for _c, s in pairs]
    for (_c, s), shown in zip(pairs, density[:3]):
        assert shown == f"{truth[s]['population'] / float(truth[s]['area']):,.2f}"
    sao = medians[(OrgType.SAO.value, "61")]
    assert population[3] == f"{Decimal(str(sao['population'])):,.0f}"      # Uthai Thani
    assert density[3] == f"{Decimal(str(sao['population/ratio'])):,.2f}"
    assert population[4] == f"{Decimal(str(medians[(OrgType.SAO.value, '')]['population'])):,.0f}"
    assert f"{sao['n']:,} แห่ง" in table


def test_a_year_not_certified_shows_no_value_and_an_uncertified_lao_is_not_found(
        app, client, demo):
    with app.app_context():
        draft = db.session.execute(select(Organization.dla_code, Submission.id)
                                   .join(Submission).where(Submission.fiscal_year == YEAR,
                                                           Submission.status == Status.DRAFT)
                                   .order_by(Organization.id)).first()
        population = _rows([draft[1]])[draft[1]]["population"]
        db.session.remove()
    code = draft[0]
    certified = _certified_codes(app, 1)[0][0]
    page = client.get(f"/compare?year={YEAR}&codes={certified},{code}").get_data(as_text=True)
    assert "ยังไม่รับรองปีนี้" in page
    assert f">{population:,}<" not in page
    # An LAO that never certified any year is not found at all.
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.organization_id == (
            select(Organization.id).where(Organization.dla_code == code).scalar_subquery()))
            .values(status=Status.DRAFT))
        db.session.commit()
        db.session.remove()
    page = client.get(f"/compare?year={YEAR}&codes={certified},{code}").get_data(as_text=True)
    assert f"ไม่พบ อปท. ที่รับรองข้อมูลแล้วรหัส {code}" in page
    assert f'href="/orgs/{code}"' not in page


def test_similar_laos_are_the_same_type_and_province_nearest_in_population(app, client, demo):
    code, sub_id = _certified_codes(app, 1)[0]
    response = client.get(f"/compare?similar={code}&year={YEAR}")
    assert response.status_code == 302
    chosen = re.search(r"codes=([0-9%C,]+)", response.location).group(1).replace("%2C", ",")
    chosen = chosen.split(",")
    with app.app_context():
        rows = db.session.execute(
            select(Organization.dla_code, Organization.org_type, Organization.province_code,
                   Section1General.population_total)
            .join(Submission, Submission.organization_id == Organization.id)
            .join(Section1General, Section1General.submission_id == Submission.id)
            .where(Submission.fiscal_year == YEAR,
                   Submission.status.in_(list(PUBLIC_STATUSES)))).all()
        db.session.remove()
    own = next(r for r in rows if r.dla_code == code)
    peers = sorted((r for r in rows if r.org_type is own.org_type and r.dla_code != code
                    and r.province_code == own.province_code),
                   key=lambda r: (abs(r.population_total - own.population_total), r.dla_code))
    assert chosen == [code] + [r.dla_code for r in peers[:4]]
    page = client.get(response.location).get_data(as_text=True)
    assert page.count('aria-label="นำ ') == 5


def test_compare_reads_any_input_without_an_error(app, client, demo):
    codes = [c for c, _s in _certified_codes(app, 6)]
    for url in ("/compare?codes=<script>&year=abcd", "/compare?similar=x&add=%",
                "/compare?add=" + "ก" * 300, "/compare?codes=" + ",".join(["9"] * 500),
                "/compare?similar=0000000", f"/compare?year=1999&codes={codes[0]}"):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert "<script>&" not in response.get_data(as_text=True)
    page = client.get(f"/compare?codes={','.join(codes)}").get_data(as_text=True)
    assert f"ไม่ได้แสดงรหัส {codes[5]}" in page
    # Thai digits and a name that names one LAO are added; a part of many names offers them.
    thai = codes[0].translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    page = client.get(f"/compare?add={thai}").get_data(as_text=True)
    assert f'href="/orgs/{codes[0]}"' in page
    page = client.get("/compare?add=ตำบล").get_data(as_text=True)
    assert 'id="compare-candidates"' in page


def test_the_profile_and_the_comparison_read_a_constant_number_of_statements(
        app, client, two_provinces):
    """Statements per page are the same for 1 LAO or 5, for one province or two, for a
    profile of 2 years or 3: nothing is read per LAO, per year or per figure."""
    codes = [c for c, _s in _certified_codes(app, 5)]

    def count(url):
        client.get(url).get_data()
        with counting(app) as counter:
            response = client.get(url)
            response.get_data()
        assert response.status_code == 200
        return len(counter.statements)

    one = count(f"/compare?year={YEAR}&codes={codes[0]}")
    five = count(f"/compare?year={YEAR}&codes={','.join(codes)}")
    assert one == five <= 8, (one, five)
    with app.app_context():     # an LAO with three certified years, one with two
        years = defaultdict(int)
        for code, in db.session.execute(select(Organization.dla_code).join(Submission).where(
                Submission.status.in_(list(PUBLIC_STATUSES)))):
            years[code] += 1
        db.session.remove()
    three = next(c for c, n in sorted(years.items()) if n >= 2)
    one_year = next((c for c, n in sorted(years.items()) if n == 1), None)
    profile = count(f"/orgs/{three}")
    assert profile <= 4
    if one_year:
        assert count(f"/orgs/{one_year}") == profile


# --- the home page ---------------------------------------------------------------------------

def test_the_home_page_shows_national_figures_the_round_and_recent_publications(
        app, client, two_provinces):
    from models.reads import public
    with app.app_context():
        stats = public._statistics(YEAR)
        counts = defaultdict(lambda: [0, 0])
        for province, status in db.session.execute(
                select(Submission.province_code, Submission.status)
                .where(Submission.fiscal_year == YEAR)):
            counts[province][0] += 1
            counts[province][1] += status in PUBLIC_STATUSES
        db.session.remove()
    page = client.get("/").get_data(as_text=True)
    index = [c.key for *_r, c in public.stat_columns()].index("population_total")
    assert f"{stats['totals'][index]:,}" in page
    assert f"รวม {stats['counted'][index]:,} จาก {stats['of'][index]:,} อปท." in page
    table = re.search(r'id="home-round-table".*?</table>', page, re.S).group(0)
    shown = {m[0]: [int(m[1]), int(m[2])] for m in re.findall(
        r'href="/\?province=(\d\d)".*?<td[^>]*>(\d+) / (\d+) <span', table, re.S)}
    assert shown == {p: [c[1], c[0]] for p, c in counts.items()}
    recent = re.search(r'id="home-recent".*?</section>', page, re.S).group(0)
    links = re.findall(r'href="/orgs/(\d{7})/(\d{4})"', recent)
    assert links
    # The newest published year withdrawn: it leaves the list at once.
    code, year = links[0]
    _withdraw(app, code, int(year))
    recent = re.search(r'id="home-recent".*?</section>',
                       client.get("/").get_data(as_text=True), re.S).group(0)
    assert f'href="/orgs/{code}/{year}"' not in recent


def _withdraw(app, code: str, year: int) -> None:
    """Revoke a public LAO-year through the workflow (a province officer returns it)."""
    from models import User
    from models.services.certification import transition
    with app.app_context():
        sub = db.session.scalar(select(Submission).join(Organization).where(
            Organization.dla_code == code, Submission.fiscal_year == year))
        officer = db.session.scalar(select(User).where(
            User.username == f"prov-{sub.province_code}"))
        if sub.status is Status.PROVINCE_CERTIFIED:
            transition("revoke_province", [sub.id], officer, reason="ตรวจสอบตัวเลขอีกครั้ง")
        transition("return_to_lao", [sub.id], officer, reason="ตรวจสอบตัวเลขอีกครั้ง")
        assert db.session.get(Submission, sub.id).status not in PUBLIC_STATUSES
        db.session.remove()
