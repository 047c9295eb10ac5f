#!/usr/bin/env python
"""Importing one section for every LAO of the country (issue 11): the national workbook of a
section (the export, which is the import template), the two XLSX readers side by side, and the
dry run and the commit of 7,850 changed rows — in-process with the statements counted, then
through a real waitress process in one request each, against /healthz in the same run.

    .venv/bin/python bench/bench_import.py [--scale national|demo] [--db sqlite|postgres]

Reuses bench_pages.py's throwaway database and seeding (3 years, 2568-2570).  Every FY 2570
submission is set back to draft first (a throwaway database), so every row of the file may be
written.  The readers are timed interleaved, in alternating order, over the same file.
"""

from __future__ import annotations

import io
import random
import resource
import secrets
import time
import uuid

import bench_pages as bp

SECTION_NO = 7           # ด้าน 7: numbers, a choice, texts — and no other system's values
COLUMN = "rainfall"


def _counting(db):
    from sqlalchemy import event
    count = [0]

    def counter(*_args):
        count[0] += 1
    event.listen(db.engine, "before_cursor_execute", counter)
    return count, lambda: event.remove(db.engine, "before_cursor_execute", counter)


def _changed(data: bytes, sheet: str, step: float) -> bytes:
    """The same workbook with COLUMN moved by `step` in every row (written with XlsxWriter)."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet) \
        .to_python(skip_empty_area=False)
    col = list(rows[1]).index(COLUMN)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False})
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r >= 2 and c == col:
                value = round(float(value or 0) + step, 2)
            if value == "" or value is None:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, str(value))
    book.close()
    return out.getvalue()


def _readers(data: bytes, sheet: str, rounds: int = 3) -> dict[str, float]:
    """Median seconds of reading every cell of the sheet, calamine vs openpyxl read-only."""
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    def calamine():
        return len(CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet)
                   .to_python(skip_empty_area=False))

    def openpyxl():
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        n = sum(1 for _row in book[sheet].iter_rows(values_only=True))
        book.close()
        return n
    times = {"calamine": [], "openpyxl read-only": []}
    funcs = {"calamine": calamine, "openpyxl read-only": openpyxl}
    for _round in range(rounds):
        order = list(funcs)
        random.shuffle(order)
        for name in order:
            start = time.perf_counter()
            funcs[name]()
            times[name].append(time.perf_counter() - start)
    return {name: sorted(t)[len(t) // 2] for name, t in times.items()}


def _post_file(client: bp.Client, path: str, fields: dict, name: str, data: bytes):
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                     f"{value}\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    body = b"".join(parts)
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
               "Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())}
    client.conn.request("POST", path, body=body, headers=headers)
    response = client.conn.getresponse()
    return response.status, response.read()


def run(args) -> None:
    import re

    from sqlalchemy import select, update

    from models import Submission, User, db, utcnow
    from models.exchange.imports import ImportFile, ImportMode, commit_import, plan_import
    from models.rules.scoping import scoped
    from models.tables.sections import section_by_no
    from models.exchange.workbooks import area_workbook, sheet_name
    from workflow import Status

    section_cls = section_by_no(SECTION_NO)
    sheet = sheet_name(section_cls)
    secret = secrets.token_hex(32)
    with bp.database(args.db, args.pg_url) as url:
        app, seconds = bp.build(url, args.scale, secret)
        print(f"import one section — {args.db}, scale {args.scale} (seeded in {seconds:.0f} s)")
        with app.app_context(), app.test_request_context():
            db.session.execute(update(Submission).where(Submission.fiscal_year == bp.OPEN_YEAR)
                               .values(status=Status.DRAFT))
            db.session.commit()
            admin = db.session.scalar(select(User).where(User.username == "admin"))
            base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            out = io.BytesIO()
            start = time.perf_counter()
            laos = area_workbook(out, bp.OPEN_YEAR, "bench",
                                 lambda q: scoped(q, Submission, admin), utcnow(),
                                 sections=[section_cls], children=False)
            export_s = time.perf_counter() - start
            data = out.getvalue()
            print(f"\nexport / template of ด้าน {SECTION_NO} for {laos:,} LAOs: {export_s:.2f} s, "
                  f"{len(data) / 1048576:.1f} MB")
            readers = _readers(data, sheet)
            fast = readers["calamine"]
            print("readers (median of 3, interleaved): " + ", ".join(
                f"{name} {s:.2f} s ({s / fast:.1f}×)" for name, s in readers.items()))

            changed = _changed(data, sheet, 1.0)
            for label, upload in (("dry run, unchanged file", data),
                                  ("dry run, every row changed", changed)):
                count, stop = _counting(db)
                start = time.perf_counter()
                plan = plan_import(section_cls, ImportFile("national.xlsx", upload), admin,
                                   default_year=bp.OPEN_YEAR)
                took = time.perf_counter() - start
                stop()
                print(f"{label}: {len(plan.rows):,} rows, {len(plan.changing):,} to change, "
                      f"{len(plan.refused):,} refused — {took:.2f} s, {count[0]:,} statements "
                      f"({count[0] / len(plan.rows):.3f} per row)")
                db.session.rollback()
            count, stop = _counting(db)
            start = time.perf_counter()
            result = commit_import(section_cls, ImportFile("national.xlsx", changed), admin,
                                   default_year=bp.OPEN_YEAR, mode=ImportMode.GOOD_ROWS)
            took = time.perf_counter() - start
            stop()
            rows = result.batch.rows_changed
            print(f"commit: {rows:,} rows, {result.batch.fields_changed:,} fields written — "
                  f"{took:.2f} s, {count[0]:,} statements ({count[0] / max(rows, 1):.2f} per "
                  f"row: one UPDATE each, the rest per {500} rows)")
            peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_rss) / 1024
            print(f"in-process peak memory added by export, dry runs and commit: {peak:.0f} MB")
            db.session.remove()
            db.engine.dispose()

        again = _changed(data, sheet, 2.0)
        with bp.server_process("info", url, secret) as port:
            anon = bp.Client(port)
            hello, _p95 = bp.time_page(anon, "/healthz", 30, 5)
            client = bp.Client(port)
            client.login("admin")
            token = bp.csrf(client.request("GET", "/admin/import/")[1])
            fields = {"csrf_token": token, "section": SECTION_NO, "year": bp.OPEN_YEAR,
                      "mode": "good"}
            start = time.perf_counter()
            status, body = _post_file(client, "/admin/import/", fields, "national.xlsx", again)
            check_ms = (time.perf_counter() - start) * 1000
            found = re.search(rb'name="token" value="([0-9a-f]{64})"', body)
            if status != 200 or not found:
                raise SystemExit(f"the dry run over HTTP failed: {status} {body[:300]!r}")
            start = time.perf_counter()
            status, body = client.request("POST", "/admin/import/commit/",
                                          {"csrf_token": token, "token": found.group(1).decode()})
            commit_ms = (time.perf_counter() - start) * 1000
            if status != 200 or "นำเข้าแล้ว".encode() not in body:
                raise SystemExit(f"the commit over HTTP failed: {status} {body[:300]!r}")
            print(f"\nover HTTP (waitress, {bp.THREADS} threads): /healthz {hello:.2f} ms; "
                  f"upload + dry run {check_ms / 1000:.1f} s ({check_ms / hello:,.0f}× /healthz), "
                  f"commit {commit_ms / 1000:.1f} s ({commit_ms / hello:,.0f}×), "
                  f"file {len(again) / 1048576:.1f} MB, one request each")


if __name__ == "__main__":
    bp.bench_main(run, __doc__)
