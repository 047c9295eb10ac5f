#!/usr/bin/env python
"""The citizen's pages at national scale (issue 23): the home page, an LAO's profile with its
time series, the comparison with its peers' medians, and /stats — statements and latency as
ratios to baselines measured in the same run, interleaved:

  (a) /healthz (SELECT 1)                                    — the hello-world baseline
  (b) the raw SQL of the medians (figures.medians), run through SQLAlchemy alone
  (c) the pages: /, /orgs/<code>, /compare (5 similar LAOs) with the medians kept per process
      (the steady state) and with the cache emptied before each request (the first reader after
      a certification)

    flask --app app seed-demo --scale national --years 2 --password …   # into DATABASE_URL
    DATABASE_URL=… .venv/bin/python bench/bench_public.py

In-process (Flask's test client), median of RUNS requests per page after a warm-up, each
round visiting every page once so that a slow minute weighs on all of them alike.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select, text  # noqa: E402

from app import create_app  # noqa: E402
from models import Organization, OrgType, Submission, db  # noqa: E402
from models.reads import figures, master_cache, public  # noqa: E402

RUNS = 15


def main() -> None:
    os.environ.setdefault("INFO_MODE", "demo")
    app = create_app({"SEARCH_RATE_LIMIT": "1000000 per minute"})
    client = app.test_client()
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        year = public.stat_years()[0]
        code = db.session.scalar(
            select(Organization.dla_code).join(Submission)
            .where(Submission.fiscal_year == year, public.is_public(),
                   Organization.org_type == OrgType.SAO)
            .order_by(Organization.dla_code).limit(1))
        laos = db.session.scalar(text("SELECT count(*) FROM organization"))
        certified = db.session.scalar(select(text("count(*)")).select_from(Submission)
                                      .where(Submission.fiscal_year == year, public.is_public()))
    print(f"{engine.dialect.name}: {laos:,} LAOs, FY {year}: {certified:,} certified")
    compare = client.get(f"/compare?similar={code}&year={year}").location

    def raw_medians():
        with app.app_context():
            figures.medians(year, [OrgType.SAO])

    def uncached(url):
        def run():
            master_cache.clear()
            client.get(url).get_data()
        return run

    def page(url):
        return lambda: client.get(url).get_data()

    cases = {"(a) /healthz": page("/healthz"),
             "(b) medians, raw SQL": raw_medians,
             "(c) / home": page("/"),
             "(c) /orgs/<code>": page(f"/orgs/{code}"),
             "(c) /compare, kept": page(compare),
             "(c) /compare, first reader": uncached(compare),
             "(c) /stats": page(f"/stats?year={year}")}
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    counts = {}
    for name, run in cases.items():
        run()
        statements.clear()
        run()
        counts[name] = len(statements)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(RUNS):
        for name, run in cases.items():
            start = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - start) * 1000)
    base = statistics.median(times["(a) /healthz"])
    raw = statistics.median(times["(b) medians, raw SQL"])
    print(f"{'':28} {'statements':>10} {'median ms':>10} {'× (a)':>8} {'× (b)':>8}")
    for name in cases:
        median = statistics.median(times[name])
        print(f"{name:28} {counts[name]:>10} {median:>10.1f} {median / base:>8.1f} "
              f"{median / raw:>8.2f}")


if __name__ == "__main__":
    main()
