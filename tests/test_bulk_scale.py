"""Bulk certification of a whole large province is one request whose number of SQL statements
does not grow with the number of LAOs (SPEC §3 "bulk transitions", §6 "no N+1").

นครราชสีมา (30) is built with bulk inserts: first 35 LAO-certified submissions, certified from
/admin/submission/bulk/; then 350 more, certified the same way.  The two POSTs must issue the
same, small number of statements.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from sqlalchemy import event, func, insert, select

from models import (CertificationEvent, FiscalYear, Submission,
                    User, YearStatus, db)
from workflow import Action, Role, Status

from .factories import add_laos
from .conftest import PASSWORD, csrf_token

PROVINCE = "30"            # นครราชสีมา
YEAR = 2570
BULK_URL = "/admin/submission/bulk/"
MAX_STATEMENTS = 25
SMALL, LARGE = 35, 350
DONE_CELL = re.compile(r"<td>\s*สำเร็จ\s*</td>")


def _setup_year_and_officer() -> int:
    db.session.execute(insert(FiscalYear), [dict(
        be_year=YEAR, status=YearStatus.OPEN, opens_on=date(2026, 10, 1),
        deadline=date(2099, 12, 30), opened_at=datetime(2026, 10, 1, 1, tzinfo=timezone.utc))])
    officer = User(username=f"prov-{PROVINCE}", role=Role.PROVINCE_OFFICER,
                   province_code=PROVINCE, full_name="เจ้าหน้าที่ สถจ.นครราชสีมา")
    officer.set_password(PASSWORD)
    db.session.add(officer)
    db.session.commit()
    return officer.id


def _add_lao_certified(count: int, start: int) -> list[int]:
    """`count` new LAO-certified อบต. of the open year in the province."""
    return add_laos(count, PROVINCE, YEAR, states=(Status.LAO_CERTIFIED,), code_digit="6")


def _certify_whole_province(client) -> tuple[int, str]:
    """POST the bulk page's confirm form; return (SQL statements during the POST, page)."""
    preview = client.get(f"{BULK_URL}?year={YEAR}").get_data(as_text=True)
    token = csrf_token(client, f"{BULK_URL}?year={YEAR}")
    # The confirmation posts the previewed rows, as the browser does.
    rowids = re.findall(r'name="rowid" value="(\d+)"', preview)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.post(BULK_URL, data={"year": str(YEAR), "province": PROVINCE,
                                               "district": "", "confirmed": "1", "rowid": rowids,
                                               "csrf_token": token})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(statements), response.get_data(as_text=True)


def _assert_certified(sub_ids: list[int], officer_id: int) -> None:
    db.session.expire_all()
    rows = db.session.execute(select(Submission.status, Submission.province_certified_by_id,
                                     Submission.province_certified_at)
                              .where(Submission.id.in_(sub_ids))).all()
    assert len(rows) == len(sub_ids)
    assert {r.status for r in rows} == {Status.PROVINCE_CERTIFIED}
    assert {r.province_certified_by_id for r in rows} == {officer_id}
    assert all(r.province_certified_at is not None for r in rows)
    events = db.session.execute(
        select(CertificationEvent.submission_id, func.count())
        .where(CertificationEvent.submission_id.in_(sub_ids),
               CertificationEvent.action == Action.CERTIFY_PROVINCE)
        .group_by(CertificationEvent.submission_id)).all()
    assert len(events) == len(sub_ids) and {n for _, n in events} == {1}
    assert db.session.scalar(select(func.count()).select_from(CertificationEvent).where(
        CertificationEvent.submission_id.in_(sub_ids),
        CertificationEvent.actor_id == officer_id,
        CertificationEvent.from_status == Status.LAO_CERTIFIED,
        CertificationEvent.to_status == Status.PROVINCE_CERTIFIED)) == len(sub_ids)


def test_bulk_certification_of_a_large_province_is_one_request_with_constant_sql(
        app, client, login_as):
    with app.app_context():
        officer_id = _setup_year_and_officer()
        small = _add_lao_certified(SMALL, start=0)
        db.session.remove()
    login_as(f"prov-{PROVINCE}", PASSWORD)

    with app.app_context():
        small_count, small_page = _certify_whole_province(client)
        _assert_certified(small, officer_id)
        large = _add_lao_certified(LARGE, start=SMALL)
        db.session.remove()

    with app.app_context():
        large_count, large_page = _certify_whole_province(client)
        _assert_certified(large, officer_id)
        total = db.session.scalar(select(func.count()).select_from(CertificationEvent))
        assert total == SMALL + LARGE
        db.session.remove()

    # The results page reports each LAO, and every one of them succeeded.
    assert len(DONE_CELL.findall(small_page)) == SMALL
    assert len(DONE_CELL.findall(large_page)) == LARGE
    assert "องค์การบริหารส่วนตำบลทดสอบ 1<" in small_page
    assert f"องค์การบริหารส่วนตำบลทดสอบ {SMALL + LARGE}<" in large_page
    assert "ไม่สำเร็จ 0 แห่ง" in large_page

    assert small_count == large_count, (small_count, large_count)
    assert large_count <= MAX_STATEMENTS, large_count
