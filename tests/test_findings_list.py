"""The province's findings list (issue 24): /admin/findings/ and its CSV show the ⚠ findings of
the officer's scope only, the most extreme first, with the clerk's explanation; the follow-up
mark is set and cleared on the scope's rows only; the page's statements do not grow with its
rows."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from models import Organization, SectionWarning, Submission, db

from .conftest import csrf_token
from .test_query_counts import counting

YEAR = 2570


@pytest.fixture()
def findings(app, two_provinces):
    """Findings on FY 2570 LAO-years of Uthai Thani (61) and Chai Nat (18), scores 1…n."""
    with app.app_context():
        subs = db.session.execute(select(Submission.id, Submission.province_code,
                                         Organization.name_th)
                                  .join(Organization).where(Submission.fiscal_year == YEAR)
                                  .order_by(Submission.id)).all()
        rows = []
        for n, (sub_id, province, _name) in enumerate(subs, start=1):
            rows.append(SectionWarning(
                submission_id=sub_id, section_no=1, field="population_total", kind="peer",
                message=f"ข้อสังเกตทดสอบ {province}-{n}", score=float(n),
                explanation="ตรวจสอบแล้ว" if n % 3 == 0 else None))
        db.session.add_all(rows)
        db.session.commit()
        out = {r.id: (r.submission_id, r.message, r.score) for r in rows}
        names = {sub_id: (province, name) for sub_id, province, name in subs}
        db.session.remove()
    return out, names


def test_the_list_shows_its_scope_only_most_extreme_first(app, findings, login_as, client):
    rows, names = findings
    login_as("prov-61")
    page = client.get("/admin/findings/?page_size=500").get_data(as_text=True)
    shown = re.findall(r"ข้อสังเกตทดสอบ (\d\d)-(\d+)", page)
    assert shown and {p for p, _n in shown} == {"61"}
    mine = [r for r in rows.values() if names[r[0]][0] == "61"]
    assert len(shown) == min(len(mine), 50)
    scores = [int(n) for _p, n in shown]
    assert scores == sorted(scores, reverse=True)          # the most extreme first
    assert "ยังไม่ได้ชี้แจง" in page and "ตรวจสอบแล้ว" in page
    # Filter: explained ones only.
    page = client.get("/admin/findings/?flt0_5=explained").get_data(as_text=True)
    body = re.search(r"</thead>.*?</table>", page, re.S).group(0)
    assert "ตรวจสอบแล้ว" in body and "ยังไม่ได้ชี้แจง" not in body


def test_the_csv_holds_the_same_rows_of_the_scope(app, findings, login_as, client):
    rows, names = findings
    login_as("prov-61")
    response = client.get("/admin/findings/export.csv")
    assert response.status_code == 200, response.status_code
    text = response.get_data(as_text=True).lstrip("\ufeff")
    records = list(csv.reader(io.StringIO(text)))
    assert records[0][0] == "รหัส อปท."
    messages = {r[5] for r in records[1:]}
    expected = {m for sub_id, m, _s in rows.values() if names[sub_id][0] == "61"}
    assert messages == expected


def test_follow_up_marks_only_rows_of_the_scope(app, findings, login_as, client):
    rows, names = findings
    own = [pk for pk, r in rows.items() if names[r[0]][0] == "61"][:2]
    other = [pk for pk, r in rows.items() if names[r[0]][0] == "18"][:1]
    login_as("prov-61")
    token = csrf_token(client, "/admin/findings/")
    client.post("/admin/findings/action/", data={
        "csrf_token": token, "action": "follow_up", "rowid": [str(i) for i in own + other],
        "url": "/admin/findings/"})
    with app.app_context():
        marked = set(db.session.scalars(select(SectionWarning.id).where(
            SectionWarning.follow_up.is_(True))))
        db.session.remove()
    assert marked == set(own)
    client.post("/admin/findings/action/", data={
        "csrf_token": token, "action": "clear_follow_up", "rowid": [str(own[0])],
        "url": "/admin/findings/"})
    with app.app_context():
        assert set(db.session.scalars(select(SectionWarning.id).where(
            SectionWarning.follow_up.is_(True)))) == {own[1]}
        db.session.remove()


def test_a_clerk_has_no_findings_list(app, findings, login_as, client):
    with app.app_context():
        clerk = db.session.scalar(select(Organization.dla_code).order_by(Organization.id))
        db.session.remove()
    login_as(f"lao-{clerk}")
    assert client.get("/admin/findings/").status_code in (302, 403)
    assert client.get("/admin/findings/export.csv").status_code in (302, 403)


def test_the_list_reads_a_constant_number_of_statements(app, findings, login_as, client):
    login_as("admin")

    def count(url):
        client.get(url).get_data()
        with counting(app) as counter:
            response = client.get(url)
            response.get_data()
        assert response.status_code == 200
        return len(counter.statements)

    few = count("/admin/findings/?page_size=5")
    many = count("/admin/findings/?page_size=100")
    assert few == many, (few, many)
