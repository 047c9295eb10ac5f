#!/usr/bin/env python
"""Opening a fiscal year from the screen at national scale (issue 9): the dla_admin's POST to
/admin/fiscal_year/open/ through a real waitress process, its time against /healthz in the same
run, and what it made — exactly one draft per active LAO, each section carried forward with last
year's values.

    .venv/bin/python bench/bench_open_year.py [--scale national|demo] [--db sqlite|postgres]

Reuses bench_pages.py's throwaway database, seeding (3 years: 2568-2570) and waitress process.
"""

from __future__ import annotations

import re
import secrets
import time

import bench_pages as bp

NEW_YEAR = bp.OPEN_YEAR + 1


def check(app) -> list[str]:
    """What the opening made, read back: one draft per active LAO with last year's values."""
    from sqlalchemy import and_, func, select

    from models import Organization, Submission, db
    from models.catalogue.columns import catalogue_columns
    from models.tables.sections import SECTIONS
    from workflow import Status
    lines = []
    with app.app_context():
        active = db.session.scalar(select(func.count()).select_from(Organization).where(
            Organization.active))
        new = dict(db.session.execute(select(Submission.status, func.count()).where(
            Submission.fiscal_year == NEW_YEAR).group_by(Submission.status)).all())
        laos = db.session.scalar(select(func.count(func.distinct(Submission.organization_id)))
                                 .where(Submission.fiscal_year == NEW_YEAR))
        lines.append(f"active LAOs {active:,}; drafts of {NEW_YEAR}: "
                     f"{new.get(Status.DRAFT, 0):,} for {laos:,} LAOs; other states: "
                     f"{sum(v for k, v in new.items() if k is not Status.DRAFT)}")
        ok = new.get(Status.DRAFT, 0) == active == laos and len(new) == 1
        for section in SECTIONS:
            old, cur = section.__table__.alias("old"), section.__table__.alias("cur")
            old_sub, cur_sub = Submission.__table__.alias("os"), Submission.__table__.alias("cs")
            columns = [c.key for c in catalogue_columns(section)]
            same = and_(*[cur.c[k].is_not_distinct_from(old.c[k]) for k in columns])
            pairs = (select(func.count()).select_from(cur)
                     .join(cur_sub, cur_sub.c.id == cur.c.submission_id)
                     .join(old_sub, and_(old_sub.c.organization_id == cur_sub.c.organization_id,
                                         old_sub.c.fiscal_year == bp.OPEN_YEAR))
                     .join(old, old.c.submission_id == old_sub.c.id)
                     .where(cur_sub.c.fiscal_year == NEW_YEAR))
            carried = db.session.scalar(pairs.where(same, cur.c.carried_forward))
            total = db.session.scalar(pairs)
            ok = ok and carried == total
            lines.append(f"  ด้าน {section.SECTION_NO}: {carried:,} of {total:,} rows carry "
                         f"{bp.OPEN_YEAR}'s {len(columns)} values, marked carried forward")
        lines.append("OK" if ok else "MISMATCH")
        db.session.remove()
    return lines


def run(args) -> None:
    secret = secrets.token_hex(32)
    with bp.database(args.db, args.pg_url) as url:
        app, seconds = bp.build(url, args.scale, secret)
        f = bp.facts(app)
        print(f"open a year — {args.db}, scale {args.scale}: {f['total_year']:,} LAO-years in "
              f"{bp.OPEN_YEAR} (seeded in {seconds:.0f} s)")
        with app.app_context():
            from models import db
            db.engine.dispose()
        with bp.server_process("info", url, secret) as port:
            anon = bp.Client(port)
            hello, _p95 = bp.time_page(anon, "/healthz", 30, 5)
            admin = bp.Client(port)
            admin.login("admin")
            token = bp.csrf(admin.request("GET", "/admin/fiscal_year/open/")[1])
            start = time.perf_counter()
            status, body = admin.request("POST", "/admin/fiscal_year/open/", {
                "csrf_token": token, "be_year": str(NEW_YEAR), "opens_on": "",
                "deadline": f"30/12/{NEW_YEAR}"})
            took = (time.perf_counter() - start) * 1000
            if status != 302:
                message = re.findall(rb'alert[^>]*>(.*?)<', body)
                raise SystemExit(f"the opening answered {status}: {message[:3]!r}")
            print(f"\n/healthz median {hello:.2f} ms; the opening POST {took:,.0f} ms "
                  f"({took / hello:,.0f} × hello) for {f['total_year']:,} LAOs "
                  f"({took / max(f['total_year'], 1):.2f} ms per LAO)")
        for line in check(app):
            print(line)


def main() -> None:
    bp.bench_main(run, __doc__)


if __name__ == "__main__":
    main()
