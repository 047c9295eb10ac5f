"""The audit views (issue 9 item 6): certification events and field changes in Thai, filtered
by year, LAO (code or name), user, action and BE dates, each role reading its own scope."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, select

from models import AuditLog, AuditOp, CertificationEvent, Organization, Submission, User, db
from workflow import Action, Status

from .conftest import PASSWORD, login
from .test_query_counts import counting

OWN, OTHER = "61", "18"
ROW = re.compile(r"<tr><td.*?</tr>", re.S)


@pytest.fixture()
def places(app):
    """Three LAO-years of 2570: one of district 6101, one elsewhere in 61, one in Chai Nat (18);
    the audit log emptied and one known change of each, on known days."""
    from demo import seed_demo
    with app.app_context():
        seed_demo(scale="demo", years=2, password=PASSWORD, extra_provinces=(OTHER,),
                  echo=lambda *_: None)
        subs = db.session.execute(
            select(Submission.id, Submission.organization_id, Submission.district_code,
                   Submission.province_code, Organization.dla_code, Organization.name_th)
            .join(Organization).where(Submission.fiscal_year == 2570)
            .order_by(Submission.id)).all()
        own = [s for s in subs if s.district_code == "6101"][1]
        same_province = next(s for s in subs if s.province_code == OWN
                             and s.district_code != "6101")
        other = next(s for s in subs if s.province_code == OTHER)
        clerk = db.session.scalars(select(User).where(
            User.username == f"lao-{own.dla_code}")).one()
        db.session.execute(delete(AuditLog))
        rows = [
            # (submission, day, field, old, new, user)
            (own, datetime(2026, 11, 3, 2, tzinfo=timezone.utc), "drainage_pumps", "4", "12",
             clerk.id),
            (own, datetime(2026, 11, 20, 2, tzinfo=timezone.utc), "has_wastewater_treatment", "False",
             "True", None),
            (same_province, datetime(2026, 11, 10, 2, tzinfo=timezone.utc), "drainage_pumps",
             "1", "2", None),
            (other, datetime(2026, 11, 10, 2, tzinfo=timezone.utc), "drainage_pumps", "7", "8",
             None),
        ]
        for sub, at, field, old, new, user_id in rows:
            db.session.add(AuditLog(submission_id=sub.id, op=AuditOp.UPDATE,
                                    table_name="section7_environment", row_id=str(sub.id),
                                    field=field, old_value=old, new_value=new, user_id=user_id,
                                    created_at=at))
        db.session.commit()
        return dict(own=own, same_province=same_province, other=other,
                    clerk=f"lao-{own.dla_code}", clerk_name=clerk.full_name)


def _client(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _rows(html: str) -> list[str]:
    """The list's rows, whitespace between tags removed (the empty-list row has no cells)."""
    body = html[html.index("</thead>"):]
    body = body[:body.index("</table>")]
    body = re.sub(r"\s*(<[^>]+>)\s*", r"\1", body)
    return [r for r in ROW.findall(body) if "colspan" not in r]


def _shown(app, client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return _rows(response.get_data(as_text=True))


@pytest.mark.parametrize("who, sees", [
    ("clerk", {"own"}),
    ("dist-6101", {"own"}),
    (f"prov-{OWN}", {"own", "same_province"}),
    ("admin", {"own", "same_province", "other"}),
])
def test_each_role_reads_the_field_changes_of_its_own_scope(app, places, who, sees):
    client = _client(app, places["clerk"] if who == "clerk" else who)
    rows = _shown(app, client, "/admin/audit_log/")
    expected = {"own": 2, "same_province": 1, "other": 1}
    assert len(rows) == sum(expected[k] for k in sees)
    page = "".join(rows)
    for kind in ("own", "same_province", "other"):
        assert (places[kind].dla_code in page) == (kind in sees), (who, kind)


def test_field_changes_are_shown_with_the_catalogues_labels(app, places):
    client = _client(app, places["clerk"])
    rows = _shown(app, client, "/admin/audit_log/")
    newest, oldest = rows
    # Newest first; a yes/no field by its label and values, a BE date, the LAO and who.
    assert "20 พ.ย. 2569" in newest and "<td class=\"col-old_value\">ไม่ใช่</td>" in newest \
        and "<td class=\"col-new_value\">ใช่</td>" in newest
    assert "เครื่องสูบน้ำ" in oldest and "3 พ.ย. 2569" in oldest
    assert places["clerk_name"] in oldest and places["own"].name_th in oldest
    assert "7. ข้อมูลด้านสิ่งแวดล้อม" in oldest
    assert "drainage_pumps" not in oldest and "section7_environment" not in oldest


def test_filters_year_lao_user_and_dates_narrow_the_field_changes(app, places):
    client = _client(app, "admin")
    base = "/admin/audit_log/?"
    own, other = places["own"], places["other"]
    assert len(_shown(app, client, base + "flt0_0=2570")) == 4
    assert _shown(app, client, base + "flt0_0=2569") == []
    by_code = _shown(app, client, base + f"flt0_1={own.dla_code}")
    assert len(by_code) == 2 and all(own.dla_code in r for r in by_code)
    by_name = _shown(app, client, base + f"flt0_1={other.name_th[-4:]}")
    assert any(other.dla_code in r for r in by_name)
    by_user = _shown(app, client, base + f"flt0_2={places['clerk']}")
    assert len(by_user) == 1 and "เครื่องสูบน้ำ" in by_user[0]
    # 10 พ.ย. 2569 (BE) as the first and the last day: the two changes of that Bangkok day.
    day = _shown(app, client, base + "flt0_5=10/11/2569&flt1_6=10/11/2569")
    assert len(day) == 2 and all("10 พ.ย. 2569" in r for r in day)
    assert len(_shown(app, client, base + "flt0_5=11/11/2569")) == 1
    assert len(_shown(app, client, base + "flt0_6=9/11/2569")) == 1
    both = _shown(app, client, base + f"flt0_1={own.dla_code}&flt1_5=1/11/2569&flt2_6=3/11/2569")
    assert len(both) == 1 and "เครื่องสูบน้ำ" in both[0]


@pytest.mark.parametrize("query", [
    "flt0_5=31/02/2569", "flt0_5=abc", "flt0_0=99999999999999999999", "flt0_1=" + "ก" * 300,
    "flt0_2=%25", "flt0_3=nope", "flt0_6=0/0/0",
])
def test_bad_filter_values_are_refused_in_thai_not_a_500(app, places, query):
    client = _client(app, "admin")
    response = client.get(f"/admin/audit_log/?{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    if "flt0_2" not in query:
        assert "ค่าที่ระบุไม่ถูกต้อง" in body


def _add_events(app, sub_id, n, actor_id=None):
    with app.app_context():
        for i in range(n):
            db.session.add(CertificationEvent(
                submission_id=sub_id, action=Action.CERTIFY_LAO if i % 2 == 0
                else Action.REVOKE_LAO, from_status=Status.DRAFT, to_status=Status.LAO_CERTIFIED,
                actor_id=actor_id, created_at=datetime(2026, 11, 12, 4, tzinfo=timezone.utc)))
        db.session.commit()


def test_certification_events_are_scoped_and_filtered(app, places):
    with app.app_context():
        db.session.execute(delete(CertificationEvent))
        db.session.commit()
        clerk_id = db.session.scalar(select(User.id).where(User.username == places["clerk"]))
    _add_events(app, places["own"].id, 3, clerk_id)
    _add_events(app, places["other"].id, 2)
    clerk = _client(app, places["clerk"])
    rows = _shown(app, clerk, "/admin/certification_event/")
    assert len(rows) == 3 and all(places["own"].dla_code in r for r in rows)
    assert "รับรองข้อมูลระดับ อปท." in rows[0] and "12 พ.ย. 2569" in rows[0]
    assert places["clerk_name"] in rows[0] and "2570" in rows[0]
    admin = _client(app, "admin")
    assert len(_shown(app, admin, "/admin/certification_event/")) == 5
    assert len(_shown(app, admin, "/admin/certification_event/?flt0_3=revoke_lao")) == 2
    assert len(_shown(app, admin, f"/admin/certification_event/?flt0_1={places['other'].dla_code}")) == 2
    assert len(_shown(app, admin, f"/admin/certification_event/?flt0_2={places['clerk']}")) == 3
    assert _shown(app, admin, "/admin/certification_event/?flt0_7=11/11/2569") == []
    assert _shown(app, admin, "/admin/certification_event/?flt0_6=13/11/2569") == []
    assert len(_shown(app, admin, "/admin/certification_event/?flt0_6=12/11/2569")) == 5
    assert len(_shown(app, admin, "/admin/certification_event/?flt0_0=2570")) == 5
    # Filtering by another province's LAO finds nothing for the clerk: the scope still holds.
    assert _shown(app, clerk, f"/admin/certification_event/?flt0_1={places['other'].dla_code}") == []
    assert _shown(app, clerk, f"/admin/audit_log/?flt0_1={places['other'].dla_code}") == []


def test_an_audit_page_reads_the_same_statements_whatever_its_rows(app, places):
    client = _client(app, f"prov-{OWN}")
    sizes = []
    for more in (1, 45):
        with app.app_context():
            for i in range(more):
                db.session.add(AuditLog(submission_id=places["same_province"].id,
                                        op=AuditOp.UPDATE, table_name="section7_environment",
                                        row_id="1", field="drainage_pumps", old_value=str(i),
                                        new_value=str(i + 1)))
            db.session.commit()
        for url in ("/admin/audit_log/", "/admin/certification_event/"):
            with counting(app) as counter:
                assert client.get(url).status_code == 200
            sizes.append((url, len(counter.statements)))
    assert sizes[0] == sizes[2] and sizes[1] == sizes[3], sizes
