"""Public statistics that add up (issue 23 item 2).  Every figure of /stats and the API declares
in the catalogue how it adds up over LAOs: a territorial one (people, households, water, waste
of an area) is summed over the LAOs below the อบจ., which reports its whole province; an
additive one (each LAO's own revenue, roads, volunteers) over every certified LAO.  Each says
how many LAOs it counts.  A property test draws certification states and compares every
figure with a computation written here from the rows themselves."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from models import OrgType, Submission, db
from models.reads import public
from workflow import PUBLIC_STATUSES, Status

YEAR = 2570


def _independent(be_year: int) -> dict:
    """The figures from the rows, in Python: per province, each figure's sum and count."""
    columns = public.stat_columns()
    by_province: dict[str, dict] = defaultdict(lambda: {"sums": [Decimal(0)] * len(columns),
                                                        "counted": [0] * len(columns),
                                                        "certified": 0})
    subs = db.session.execute(select(Submission.id, Submission.province_code,
                                     Submission.org_type, Submission.status)
                              .where(Submission.fiscal_year == be_year)).all()
    values = {}
    for _label, _unit, column in columns:
        table = column.table
        values[column] = dict(db.session.execute(
            select(table.c.submission_id, column)).all())
    for sub_id, province, org_type, status in subs:
        if status not in PUBLIC_STATUSES:
            continue
        figures = by_province[province]
        figures["certified"] += 1
        for i, (_label, _unit, column) in enumerate(columns):
            if column.info["aggregate"] == "territorial" and org_type is OrgType.PAO:
                continue
            value = values[column].get(sub_id)
            if value is not None:
                figures["sums"][i] += Decimal(value)
                figures["counted"][i] += 1
    return by_province


def _compare(app):
    with app.app_context():
        stats = public._statistics(YEAR)
        truth = _independent(YEAR)
        db.session.remove()
    assert {p["code"] for p in stats["provinces"]} == set(truth)
    for p in stats["provinces"]:
        expected = truth[p["code"]]
        assert p["certified"] == expected["certified"]
        assert [Decimal(v or 0) for v in p["sums"]] == expected["sums"], p["code"]
        assert p["counted"] == expected["counted"], p["code"]
    assert [Decimal(v) for v in stats["totals"]] == [
        sum((t["sums"][i] for t in truth.values()), Decimal(0))
        for i in range(len(stats["labels"]))]
    return stats


@pytest.fixture()
def year_rows(app, two_provinces):
    with app.app_context():
        ids = db.session.scalars(select(Submission.id).where(Submission.fiscal_year == YEAR)
                                 .order_by(Submission.id)).all()
        db.session.remove()
    return ids


def test_every_figure_declares_how_it_adds_up():
    for label, _unit, column in public.stat_columns():
        assert column.info.get("aggregate") in ("additive", "territorial"), label


def test_figures_add_up_under_any_certification_states(app, year_rows):
    statuses = sorted(Status, key=lambda s: s.value)

    @settings(max_examples=12, deadline=None, database=None,
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
            db.session.remove()
        _compare(app)

    draw()


def test_a_provinces_population_is_not_counted_twice(app, client, demo):
    """Uthai Thani's population was its อบจ.'s 863,310 plus the others' 494,659."""
    with app.app_context():
        pao = db.session.scalar(select(Submission).where(
            Submission.fiscal_year == YEAR, Submission.org_type == OrgType.PAO,
            Submission.province_code == "61"))
        pao.status = Status.PROVINCE_CERTIFIED
        pao_id = pao.id
        db.session.commit()
        db.session.remove()
    stats = _compare(app)
    index = [column.key for _l, _u, column in public.stat_columns()].index("population_total")
    uthai = next(p for p in stats["provinces"] if p["code"] == "61")
    with app.app_context():
        from models.tables.sections import Section1General
        pao_population = db.session.scalar(select(Section1General.population_total).where(
            Section1General.submission_id == pao_id))
    assert pao_population and uthai["sums"][index] < pao_population * 2
    # Revenue is the อบจ.'s own too: it is in the sum.
    revenue = [column.key for _l, _u, column in public.stat_columns()].index("revenue_total")
    assert uthai["counted"][revenue] == uthai["certified"]
    assert uthai["counted"][index] == uthai["certified"] - 1
    page = client.get(f"/stats?year={YEAR}").get_data(as_text=True)
    assert f"รวม {stats['counted'][index]:,} จาก {stats['of'][index]:,} อปท." in page
    assert "ไม่รวม อบจ." in page
    api = client.get(f"/api/v1/statistics/{YEAR}").get_json()
    figure = next(f for f in api["figures"] if f["field"] == "section1_general.population_total")
    assert figure["aggregation"] == "territorial"
    assert (figure["counted"], figure["of"]) == (stats["counted"][index], stats["of"][index])


def test_thai_names_sort_in_dictionary_order():
    """A leading vowel sorts by the consonant after it; tone marks weigh second."""
    from models.catalogue.collation import thai_sort_key
    names = ["อุบลราชธานี", "แม่ฮ่องสอน", "อ่างทอง", "เชียงราย", "ชัยนาท", "เพชรบุรี",
             "กรุงเทพมหานคร", "พะเยา", "ชลบุรี"]
    assert sorted(names, key=thai_sort_key) == [
        "กรุงเทพมหานคร", "ชลบุรี", "ชัยนาท", "เชียงราย", "พะเยา", "เพชรบุรี", "แม่ฮ่องสอน",
        "อ่างทอง", "อุบลราชธานี"]
    assert sorted(names) != sorted(names, key=thai_sort_key)   # code point order is not it


def test_public_lists_are_in_thai_order_and_names_in_english_on_the_english_screen(
        app, client, demo):
    """Issue 23: province lists followed code points (เชียงราย, เพชรบุรี, แม่ฮ่องสอน last, อ่างทอง
    after อุบลราชธานี), and LAO names stayed Thai in English mode although name_en exists."""
    import re

    from models import Organization
    from models.catalogue.collation import thai_sort_key
    page = client.get("/").get_data(as_text=True)
    options = re.findall(r'<option value="(\d{2})"[^>]*>([^<]+)</option>', page)
    names = [name for _code, name in options]
    assert len(names) == 77 and names == sorted(names, key=thai_sort_key)
    assert names.index("เชียงราย") < names.index("ตาก") and \
        names.index("อ่างทอง") < names.index("อุบลราชธานี")
    with app.app_context():
        org = db.session.scalars(select(Organization).join(Submission).where(
            Submission.status.in_(list(PUBLIC_STATUSES))).order_by(Organization.id)).first()
        org.name_en = "Test English Name Municipality"
        code, province_en = org.dla_code, org.province.name_en
        db.session.commit()
        db.session.remove()
    client.get("/lang/en")
    profile = client.get(f"/orgs/{code}").get_data(as_text=True)
    assert "Test English Name Municipality" in profile and province_en in profile
    client.get("/lang/th")
    assert "Test English Name Municipality" not in client.get(f"/orgs/{code}").get_data(
        as_text=True)
