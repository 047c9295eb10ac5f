#!/usr/bin/env python
"""The findings of a fiscal year at national scale (issue 24): the recomputation of every peer
band and peer finding, and the province's findings list — as ratios to baselines measured in
the same run, interleaved:

  (a) /healthz (SELECT 1)                                   — the hello-world baseline
  (b) a default Flask-Admin ModelView over the same section_warning table, no scope, no
      formatters, 50 rows a page                             — the Flask-Admin baseline
  (c) /admin/findings/ as the DLA (the whole country) and as a province officer, 50 rows,
      most extreme first, and its CSV of the province
  (d) `recompute-findings` for the year: the bands (one INSERT … SELECT) and the findings

    flask --app app seed-demo --scale national --years 2 --password …   # into DATABASE_URL
    DATABASE_URL=… .venv/bin/python bench/bench_findings.py --password …

In-process (Flask's test client), median of RUNS requests per page after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_admin.contrib.sqla import ModelView  # noqa: E402
from sqlalchemy import event, func, select, text  # noqa: E402

from app import create_app  # noqa: E402
from models import SectionWarning, Submission, db  # noqa: E402
from models.rules.peers import evaluate, recompute_bands  # noqa: E402
from models.tables.sections import SECTIONS  # noqa: E402

RUNS = 15


def login(client, username: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 302, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--password", required=True)
    parser.add_argument("--year", type=int, default=2570)
    args = parser.parse_args()
    os.environ.setdefault("INFO_MODE", "demo")
    app = create_app({"LOGIN_RATE_LIMIT": "100000 per minute",
                      "LOGIN_ACCOUNT_IP_LIMIT": "100000 per minute",
                      "LOGIN_ACCOUNT_LIMIT": "100000 per minute", "WTF_CSRF_ENABLED": True})
    admin = app.extensions["admin"][0]
    admin.add_view(ModelView(SectionWarning, db.session, endpoint="plain_findings",
                             url="/plain-findings"))
    with app.app_context():
        engine = db.engine
        start = time.perf_counter()
        bands = recompute_bands(args.year)
        middle = time.perf_counter()
        changed = evaluate(SECTIONS, Submission.fiscal_year == args.year)
        db.session.commit()
        end = time.perf_counter()
        findings = db.session.scalar(select(func.count()).select_from(SectionWarning))
        if engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    print(f"{engine.dialect.name}: FY {args.year}: {bands:,} bands in {middle - start:.1f} s; "
          f"findings of {len(changed):,} LAO-years in {end - middle:.1f} s; "
          f"{findings:,} findings stored")
    dla, province, plain = app.test_client(), app.test_client(), app.test_client()
    login(dla, "admin", args.password)
    login(province, "prov-30", args.password)
    cases = {"(a) /healthz": (plain, "/healthz"),
             "(b) default ModelView": (plain, "/plain-findings/"),
             "(c) findings, DLA": (dla, "/admin/findings/"),
             "(c) findings, province": (province, "/admin/findings/"),
             "(c) findings CSV, province": (province, "/admin/findings/export.csv")}
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    counts = {}
    for name, (client, url) in cases.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        response.get_data()
        statements.clear()
        client.get(url).get_data()
        counts[name] = len(statements)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(RUNS):
        for name, (client, url) in cases.items():
            start = time.perf_counter()
            client.get(url).get_data()
            times[name].append((time.perf_counter() - start) * 1000)
    base = statistics.median(times["(a) /healthz"])
    plain_ms = statistics.median(times["(b) default ModelView"])
    print(f"{'':28} {'statements':>10} {'median ms':>10} {'× (a)':>8} {'× (b)':>8}")
    for name in cases:
        median = statistics.median(times[name])
        print(f"{name:28} {counts[name]:>10} {median:>10.1f} {median / base:>8.1f} "
              f"{median / plain_ms:>8.2f}")


if __name__ == "__main__":
    main()
