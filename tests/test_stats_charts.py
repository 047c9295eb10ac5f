"""/stats charts (issue 10): each drawn from the numbers its table shows, certified data only."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from sqlalchemy import func, select

from models import Submission, User, db
from models.services.certification import transition
from models.tables.sections import Section2Infrastructure, Section8Finance
from workflow import PUBLIC_STATUSES, Status

ROADS = ("road_asphalt_km", "road_concrete_km", "road_laterite_km", "road_crushed_rock_km",
         "road_earth_km")


def _chart(body: str, chart_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{chart_id}">(.*?)</script>', body,
                      re.S)
    assert found, chart_id
    return json.loads(found.group(1))


def _sum(column, statuses):
    return db.session.scalar(select(func.coalesce(func.sum(column), 0)).join(
        Submission, column.class_.submission_id == Submission.id).where(
        Submission.fiscal_year == 2570, Submission.status.in_(list(statuses))))


def test_stats_charts_show_the_tables_certified_numbers(app, client, demo):
    with app.app_context():
        # Return one LAO-certified year: its roads and money leave the charts at once.
        officer = db.session.scalar(select(User).where(User.username == "prov-61"))
        lao = db.session.scalars(select(Submission.id).where(
            Submission.fiscal_year == 2570, Submission.status == Status.LAO_CERTIFIED)).first()
        assert transition("return_to_lao", [lao], officer, reason="ตรวจสอบอีกครั้ง")[0].done
        roads = [_sum(getattr(Section2Infrastructure, c), PUBLIC_STATUSES) for c in ROADS]
        every_road = [_sum(getattr(Section2Infrastructure, c), list(Status)) for c in ROADS]
        money = [_sum(Section8Finance.revenue_total, PUBLIC_STATUSES),
                 _sum(Section8Finance.expenditure_total, PUBLIC_STATUSES)]
        certified = db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.fiscal_year == 2570, Submission.status.in_(list(PUBLIC_STATUSES))))
        laos = db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.fiscal_year == 2570))
    body = client.get("/stats?year=2570").get_data(as_text=True)
    road_chart = _chart(body, "chart-roads")
    assert road_chart["labels"] == ["ถนนลาดยาง", "ถนนคอนกรีต", "ถนนลูกรัง", "ถนนหินคลุก",
                                    "ถนนดิน"]
    shown = [Decimal(str(v)) for v in road_chart["datasets"][0]["data"]]
    assert shown == [Decimal(str(r)) for r in roads] and shown != [
        Decimal(str(r)) for r in every_road]
    table = re.search(r'<table[^>]*id="stats-nation".*?</table>', body, re.S).group(0)
    for value in roads:  # the table beside shows the same numbers
        assert f"{value:,}" in table
    money_chart = _chart(body, "chart-money")
    assert [Decimal(str(v)) for v in money_chart["datasets"][0]["data"]] == [
        Decimal(str(m)) for m in money]
    provinces = _chart(body, "chart-provinces")
    assert provinces["labels"] == ["อุทัยธานี"]
    assert [d["data"] for d in provinces["datasets"]] == [[certified], [laos - certified]]
    assert f"{certified} / {laos}" in body
    assert 'src="/vendor/chart.umd.min.js"' in body and 'src="/static/js/charts.js"' in body


def test_stats_without_certified_data_draw_nothing(client, app):
    body = client.get("/stats").get_data(as_text=True)
    assert "ยังไม่มีข้อมูลที่รับรองแล้ว" in body and "chart.umd.min.js" not in body
