#!/usr/bin/env python
"""Statements of the two paths that write LAO data (issue 22): one section saved from its form
(ด้าน 7, and ด้าน 1 with its recorders), and an import commit of 280 rows of ด้าน 7 — counted on
the engine (every statement the database is sent, BEGIN and COMMIT included), in-process, on a
throwaway database seeded at province scale (นครราชสีมา, ~300 LAOs).  Counts, not seconds: they
are the same on every run of the same code.

    .venv/bin/python bench/bench_statements.py [--db sqlite|postgres] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import secrets

import bench_pages as bp

IMPORT_ROWS = 280   # นครราชสีมา at province scale has 290 LAOs


def _count(engine):
    from sqlalchemy import event
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.split(None, 1)[0].upper())
    event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine, "before_cursor_execute", record)


def _kinds(seen: list[str]) -> str:
    kinds: dict[str, int] = {}
    for word in seen:
        kinds[word] = kinds.get(word, 0) + 1
    return ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))


def _form(html: str) -> dict[str, str]:
    sys_path_tests()
    from tests.formdata import form_fields
    return form_fields(html)


def sys_path_tests() -> None:
    import sys
    if str(bp.ROOT) not in sys.path:
        sys.path.insert(0, str(bp.ROOT))


def form_save(app, db, no: int, change) -> tuple[int, str]:
    """Statements of one POST of section `no`'s form by the clerk of a complete FY draft."""
    from sqlalchemy import select

    from models import Submission
    from workflow import SECTION_COUNT, Status
    with app.app_context():
        sub = db.session.scalars(select(Submission).where(
            Submission.fiscal_year == bp.OPEN_YEAR, Submission.status == Status.DRAFT,
            Submission.sections_complete == SECTION_COUNT).order_by(Submission.id)).first()
        username = f"lao-{sub.organization.dla_code}"
        sub_id = sub.id
        engine = db.engine
        db.session.remove()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": username, "password": bp.PASSWORD,
                                       "csrf_token": token}).status_code == 302
    url = f"/admin/edit_s{no}/edit/?id={sub_id}"
    data = _form(client.get(url).get_data(as_text=True))
    change(data)
    seen, stop = _count(engine)
    try:
        response = client.post(url, data=data)
    finally:
        stop()
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return len(seen), _kinds(seen)


def import_commit(app, db) -> tuple[int, str]:
    """Statements of one commit_import of IMPORT_ROWS changed rows of ด้าน 7 (a province
    officer, all or nothing)."""
    from sqlalchemy import select

    from models import Organization, Submission, User
    from models.exchange.imports import ImportFile, commit_import
    from models.tables.sections import Section7Environment
    from workflow import Status
    with app.app_context(), app.test_request_context():
        officer = db.session.scalar(select(User).where(User.username == "prov-30"))
        codes = db.session.scalars(
            select(Organization.dla_code).join(Submission).where(
                Submission.fiscal_year == bp.OPEN_YEAR, Submission.status == Status.DRAFT,
                Submission.province_code == "30").order_by(Organization.dla_code)
            .limit(IMPORT_ROWS)).all()
        assert len(codes) == IMPORT_ROWS, len(codes)
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(["dla_code", "rainfall"])
        writer.writerows([code, f"{1000 + n}.25"] for n, code in enumerate(codes))
        seen, stop = _count(db.engine)
        try:
            result = commit_import(Section7Environment, ImportFile("r.csv", text.getvalue()
                                                                   .encode()), officer,
                                   default_year=bp.OPEN_YEAR)
        finally:
            stop()
        assert result.committed and result.batch.rows_changed == IMPORT_ROWS, \
            (result.batch.rows_changed, [r.refusals for r in result.plan.refused][:3])
        db.session.remove()
    return len(seen), _kinds(seen)


def run(args) -> None:
    from sqlalchemy import update

    from models import Submission, db
    from workflow import Status
    secret = secrets.token_hex(32)
    with bp.database(args.db, args.pg_url) as url:
        app, seconds = bp.build(url, "province", secret)
        print(f"statements of a write — {args.db}, scale province (seeded in {seconds:.0f} s)")
        with app.app_context():
            db.session.execute(update(Submission).where(
                Submission.fiscal_year == bp.OPEN_YEAR, Submission.province_code == "30")
                .values(status=Status.DRAFT))
            db.session.commit()

        def pumps(data):
            data["drainage_pumps"] = str(int((data.get("drainage_pumps") or "0")
                                             .replace(",", "")) + 1)

        def recorder(data):
            data["recorders-0-phone"] = "056 511 999"
        for label, no, change in (("section 7 form save (one field)", 7, pumps),
                                  ("section 1 form save (a recorder's phone)", 1, recorder)):
            n, kinds = form_save(app, db, no, change)
            print(f"{label:45} {n:4d} statements ({kinds})")
        n, kinds = import_commit(app, db)
        print(f"{'import commit, ' + str(IMPORT_ROWS) + ' rows of section 7':45} {n:4d} "
              f"statements ({kinds})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    run(parser.parse_args())
