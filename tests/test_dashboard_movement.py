"""The dashboards on data built for each test: the day-by-day movement from the certification
events (Bangkok days), statements per page constant in the number of LAOs, formula-safe CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import insert, select, update

from models import CertificationEvent, FiscalYear, Organization, Submission, User, YearStatus, db
from models.reads import progress
from workflow import BANGKOK, Action, Role, Status, today_in_thailand

from . import factories
from .conftest import PASSWORD, login
from .test_query_counts import counting, explain, show

YEAR = 2570
PROVINCE = "61"
MAX_STATEMENTS = 15


def _year(opens_days_ago: int = 3) -> FiscalYear:
    today = today_in_thailand()
    fy = FiscalYear(be_year=YEAR, status=YearStatus.OPEN,
                    opens_on=today - timedelta(days=opens_days_ago),
                    deadline=today + timedelta(days=10))
    db.session.add(fy)
    db.session.commit()
    return fy


def _officer(username="prov-61", role=Role.PROVINCE_OFFICER, **scope) -> User:
    user = User(username=username, role=role, full_name="ทดสอบ", **scope)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def _at_bangkok(day, hour, minute=0) -> datetime:
    """A stored (UTC) time for `hour` o'clock Bangkok time on `day`."""
    return datetime.combine(day, time(hour, minute), BANGKOK).astimezone(timezone.utc)


def _event(sub_id, action, source, target, when):
    db.session.execute(insert(CertificationEvent), [dict(
        submission_id=sub_id, action=action, from_status=source, to_status=target,
        created_at=when)])


def test_movement_counts_each_bangkok_day_from_the_events(app_ctx):
    fy = _year(opens_days_ago=3)
    today = fy.opens_on + timedelta(days=3)
    ids = factories.add_laos(4, PROVINCE, YEAR, states=(Status.DRAFT,))
    two_days_ago, yesterday = today - timedelta(days=2), today - timedelta(days=1)
    # 00:30 in Bangkok is still the day before in UTC: the event counts on the Bangkok day.
    for sub_id in ids[:2]:
        _event(sub_id, Action.CERTIFY_LAO, Status.DRAFT, Status.LAO_CERTIFIED,
               _at_bangkok(two_days_ago, 0, 30))
    _event(ids[1], Action.CERTIFY_PROVINCE, Status.LAO_CERTIFIED, Status.PROVINCE_CERTIFIED,
           _at_bangkok(yesterday, 23, 50))
    db.session.execute(update(Submission).where(Submission.id == ids[0])
                       .values(status=Status.LAO_CERTIFIED))
    db.session.execute(update(Submission).where(Submission.id == ids[1])
                       .values(status=Status.PROVINCE_CERTIFIED))
    db.session.commit()
    officer = _officer(province_code=PROVINCE)
    place = progress.find_place(officer, province=PROVINCE)
    now = progress.total_of(progress.grouped_counts(officer, YEAR, place, "district"))
    days = progress.movement(officer, fy, place, now, today=today)
    assert [(d.day, d.draft, d.lao_certified, d.province_certified, d.changed) for d in days] == [
        (fy.opens_on, 4, 0, 0, False),
        (two_days_ago, 2, 2, 0, True),
        (yesterday, 2, 1, 1, True),
        (today, 2, 1, 1, False),
    ]
    # Another province's officer sees none of it.
    other = _officer("prov-18", province_code="18")
    elsewhere = progress.Place("province", "18", "ชัยนาท", "18", "ชัยนาท")
    nothing = progress.total_of(progress.grouped_counts(other, YEAR, elsewhere, "district"))
    assert {(d.draft, d.lao_certified, d.province_certified)
            for d in progress.movement(other, fy, elsewhere, nothing, today=today)} == {(0, 0, 0)}


def test_the_movement_table_and_chart_on_the_page(app, app_ctx):
    fy = _year(opens_days_ago=5)
    ids = factories.add_laos(3, PROVINCE, YEAR, states=(Status.DRAFT,))
    when = _at_bangkok(fy.opens_on + timedelta(days=2), 10)
    _event(ids[0], Action.CERTIFY_LAO, Status.DRAFT, Status.LAO_CERTIFIED, when)
    db.session.execute(update(Submission).where(Submission.id == ids[0])
                       .values(status=Status.LAO_CERTIFIED))
    db.session.commit()
    _officer(province_code=PROVINCE)
    client = app.test_client()
    assert login(client, "prov-61").status_code == 302
    body = client.get("/admin/dashboard/").get_data(as_text=True)
    table = re.search(r'<table[^>]*id="table-movement".*?</table>', body, re.S).group(0)
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row)
             for row in re.findall(r"<tr>(<td.*?)</tr>", table, re.S)]
    from workflow import thai_date
    assert cells == [[thai_date(today_in_thailand()), "2", "1", "0"],
                     [thai_date(fy.opens_on + timedelta(days=2)), "2", "1", "0"],
                     [thai_date(fy.opens_on), "3", "0", "0"]]
    chart = re.search(r'<script type="application/json" id="chart-movement">(.*?)</script>',
                      body, re.S)
    import json
    data = json.loads(chart.group(1))
    assert data["type"] == "line" and len(data["labels"]) == 6
    assert [d["data"] for d in data["datasets"]] == [[3, 3, 2, 2, 2, 2], [0, 0, 1, 1, 1, 1],
                                                     [0] * 6]
    # No inline script: the charts are drawn by a static file from the JSON blocks.
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))[^>]*>\s*[^<\s]",
                         body.split("</head>", 1)[1])
    assert 'src="/vendor/chart.umd.min.js"' in body and 'src="/static/js/charts.js' in body


# --- statements per page ----------------------------------------------------------------------

@pytest.mark.parametrize("who, url", [
    ("province", "/admin/dashboard/"),
    ("national", "/admin/dashboard/"),
    ("province", "/admin/dashboard/?district=6101"),
    ("province", "/admin/dashboard/lagging.csv"),
    ("province", "/admin/dashboard/lagging/print"),
])
def test_statements_per_dashboard_do_not_grow_with_the_laos(app, who, url):
    with app.app_context():
        fy = _year(opens_days_ago=20)
        if who == "national":
            _officer("admin", Role.DLA_ADMIN)
            username = "admin"
        else:
            _officer(province_code=PROVINCE)
            username = "prov-61"
        opens = fy.opens_on
        db.session.remove()
    client = app.test_client()
    assert login(client, username).status_code == 302
    sizes = []
    for count in (8, 120):
        with app.app_context():
            have = db.session.scalar(select(db.func.count()).select_from(Submission))
            ids = factories.add_laos(count - have, PROVINCE, YEAR, states=(
                Status.DRAFT, Status.LAO_CERTIFIED, Status.PROVINCE_CERTIFIED))
            if who == "national":  # a second province, so the per-province rows grow too
                ids += factories.add_laos(count // 4, "18", YEAR, code_digit="8")
            db.session.execute(insert(CertificationEvent), [dict(
                submission_id=i, action=Action.CERTIFY_LAO, from_status=Status.DRAFT,
                to_status=Status.LAO_CERTIFIED,
                created_at=_at_bangkok(opens + timedelta(days=n % 15), 9)) for n, i in
                enumerate(ids)])
            db.session.commit()
            db.session.remove()
        with counting(app) as counter:
            response = client.get(url)
            response.get_data()
        assert response.status_code == 200
        sizes.append((count, len(counter.statements), counter.statements))
    show(f"dashboard {who} {url}", *[(n, s) for n, s, _ in sizes])
    (_, small, a), (_, large, b) = sizes
    assert small == large, explain(a, b)
    assert large <= MAX_STATEMENTS, large


# --- exports are formula-safe --------------------------------------------------------------

def test_lagging_csv_cells_never_start_a_formula(app, app_ctx):
    _year()
    ids = factories.add_laos(2, PROVINCE, YEAR, states=(Status.DRAFT,))
    org_id = db.session.scalar(select(Submission.organization_id).where(Submission.id == ids[0]))
    db.session.execute(update(Organization).where(Organization.id == org_id)
                       .values(name_th='=HYPERLINK("http://x.example","คลิก")'))
    db.session.commit()
    _officer(province_code=PROVINCE)
    client = app.test_client()
    assert login(client, "prov-61").status_code == 302
    text = client.get("/admin/dashboard/lagging.csv").get_data(as_text=True)
    names = [r[2] for r in list(csv.reader(io.StringIO(text[1:])))[1:]]
    assert "'=HYPERLINK(\"http://x.example\",\"คลิก\")" in names
    assert not any(n[:1] in "=+-@" for n in names)
