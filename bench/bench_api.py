#!/usr/bin/env python
"""The open data API's pages at national scale: statements, latency and the query plan of the
first, a middle and the last page of /api/v1/organizations (keyset by DLA code).

    flask --app app seed-demo --scale national --password …   # 7,850 LAOs, into DATABASE_URL
    DATABASE_URL=… .venv/bin/python bench/bench_api.py

In-process (Flask's test client: no network, no server), median of 20 requests per page after
a warm-up; on PostgreSQL the page's SELECT is shown with EXPLAIN ANALYZE after ANALYZE.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, text  # noqa: E402

from app import create_app  # noqa: E402
from models import Organization, db  # noqa: E402
from models.reads import public  # noqa: E402

RUNS = 20


def main() -> None:
    os.environ.setdefault("INFO_MODE", "demo")
    app = create_app({"API_RATE_LIMIT": "1000000 per minute"})
    client = app.test_client()
    with app.app_context():
        engine = db.engine
        laos = db.session.scalar(text("SELECT count(*) FROM organization"))
        codes = list(db.session.scalars(
            public._findable().with_only_columns(Organization.dla_code)
            .order_by(Organization.dla_code)))
        if engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    print(f"{engine.dialect.name}: {laos:,} LAOs, {len(codes):,} findable")
    pages = {"first": None, "middle": codes[len(codes) // 2], "last": codes[-20]}
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    for name, after in pages.items():
        url = "/api/v1/organizations?limit=50" + (f"&after={after}" if after else "")
        client.get(url)
        times = []
        for _ in range(RUNS):
            statements.clear()
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        items = len(response.get_json()["items"])
        print(f"{name:>6} page: {items:3} LAOs, {len(statements)} statements, "
              f"median {statistics.median(times):.1f} ms")
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql
        with app.app_context():
            for name, after in pages.items():
                query = public._findable()
                if after:
                    query = query.where(Organization.dla_code > after)
                sql = str(query.order_by(Organization.dla_code).limit(51).compile(
                    dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
                plan = db.session.execute(text("EXPLAIN ANALYZE " + sql)).scalars().all()
                print(f"--- {name} page\n" + "\n".join(plan))


if __name__ == "__main__":
    main()
