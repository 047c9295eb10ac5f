"""The province list's CSV as Excel opens it: a UTF-8 BOM (Thai not garbled), a BE-dated file
name, plain text cells, nothing from outside the officer's scope."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

from models import District, Organization, Submission, db
from workflow import today_in_thailand

from .conftest import login


def test_csv_export_has_a_bom_a_be_dated_name_and_thai_text(app, demo):
    client = app.test_client()
    assert login(client, "prov-61").status_code == 302
    response = client.get("/admin/submission/export/csv/?flt0_0=2570")
    assert response.status_code == 200
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    disposition = response.headers["Content-Disposition"]
    be_year = today_in_thailand().year + 543
    assert re.search(rf"filename=info-submission-{be_year}-\d\d-\d\d_\d{{4}}\.csv", disposition)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert "อปท." in header and "ข้อสังเกต ⚠" in header
    with app.app_context():
        expected = db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.fiscal_year == 2570, Submission.province_code == "61"))
    assert len(body) == expected
    assert all("<" not in cell for row in body for cell in row)  # no badges or links
    assert any("องค์การบริหารส่วนตำบล" in row[1] for row in body)


def test_the_province_list_finds_an_lao_by_part_of_its_name_or_its_code(app, demo):
    from models import Organization
    with app.app_context():
        org = db.session.scalars(select(Organization).where(
            Organization.province_code == "61", Organization.org_type == "sao")
            .order_by(Organization.dla_code)).first()
        other = db.session.scalars(select(Organization).where(
            Organization.province_code == "61", Organization.id != org.id)
            .order_by(Organization.dla_code.desc())).first()
        part = org.name_th.removeprefix("องค์การบริหารส่วนตำบล")[:3]
    client = app.test_client()
    assert login(client, "prov-61").status_code == 302
    page = client.get("/admin/submission/?flt0_0=2570&search=" + part).get_data(as_text=True)
    assert org.name_th in page and "ค้นหาชื่อหรือรหัส อปท." in page
    if part not in other.name_th:
        assert other.name_th not in page
    by_code = client.get(f"/admin/submission/?flt0_0=2570&search={org.dla_code}").get_data(
        as_text=True)
    assert org.name_th in by_code and other.name_th not in by_code


def test_one_click_status_filters_keep_the_year_and_district(app, demo):
    client = app.test_client()
    assert login(client, "prov-61").status_code == 302
    html = client.get("/admin/submission/?flt0_0=2570&flt1_1=6102").get_data(as_text=True)
    links = dict((label, href.replace("&amp;", "&")) for href, label in re.findall(
        r'<a class="btn btn-sm [^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', html))
    link = links["อปท. รับรองข้อมูลแล้ว"]
    assert "flt0_0=2570" in link and "flt1_1=6102" in link and "lao_certified" in link
    page = client.get(link).get_data(as_text=True)
    with app.app_context():
        expected = db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.fiscal_year == 2570, Submission.district_code == "6102",
            Submission.status == "lao_certified"))
    assert expected > 0 and page.count('name="rowid"') == expected


def test_the_national_export_streams_every_row_past_postgresqls_parameter_limit(app, demo):
    """More than 65,535 / 8 = 8,192 rows (the carried-forward lookup once bound every id in
    each of the 8 section tables: a 500 on PostgreSQL) and more than the old 10,000-row cap
    (which cut the file short without a word): every row is in the file, from one SELECT."""
    from . import factories
    from .test_query_counts import counting
    with app.app_context():
        # At most 99 per district: the test codes have 7 digits.
        added = [i for province, n in (("10", 4_800), ("30", 3_100), ("50", 2_000),
                                       ("90", 600))
                 for i in factories.add_laos(n, province, 2570)]
        total = db.session.scalar(select(func.count()).select_from(Submission))
        sample = db.session.execute(
            select(Organization.name_th, District.name_th).join(
                Submission, Submission.organization_id == Organization.id)
            .join(District, Organization.district_code == District.code)
            .where(Submission.id == added[5_000])).one()
        db.session.remove()
    assert len(added) == 10_500 and total > 10_500
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    with counting(app) as counter:
        response = client.get("/admin/submission/export/csv/")
        assert response.status_code == 200 and response.is_streamed   # not built in memory
        raw = response.get_data()
    with app.app_context():  # the streaming session gave its connection back (no open transaction)
        assert db.engine.pool.checkedout() == 0
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) - 1 == total
    assert ["2570", sample[0], sample[1], "องค์การบริหารส่วนตำบล", "8/8", "0",
            "อปท. รับรองข้อมูลแล้ว", "20 พ.ย. 2569 10:00"] in rows
    selects = [s for s in counter.statements if "FROM submission" in s]
    assert len(selects) == 1, selects                # no COUNT(*), no per-id lookups
    assert max(len(s) for s in counter.statements) < 5_000   # no IN list of ids
