#!/usr/bin/env python
"""INFO page benchmark: latencies as ratios to baselines measured in the same run.

    .venv/bin/python bench/bench_pages.py [--scale demo|national] [--db sqlite|postgres]

Builds its own database (a temporary SQLite file, or a throwaway PostgreSQL database that it
creates and drops), migrates and seeds it (national scale by default), serves the real app with
waitress in a subprocess on 127.0.0.1 (a free port), serves a bare Flask-Admin app over the same
table in a second subprocess, and measures sequential keep-alive requests (http.client) after a
warm-up:

  (a) /healthz (runs SELECT 1)                               — the hello-world baseline
  (b) the province officer's list /admin/submission/, first and last page
  (c) the dla_admin's national list, first and last page
  (d) a default Flask-Admin ModelView over the same Submission table (no formatters, no
      scoping, page_size 50), first and last page                — the Flask-Admin baseline
  (e) the raw SQL of the scoped lists (the SELECT … LIMIT 50 and the COUNT the page sends,
      captured from the app and re-run through SQLAlchemy Core), and all of a page's statements
  (f) bulk certification of the largest province (POST /admin/submission/bulk/, confirm=1), once

It prints median and p95 in ms, the ratios to (a) and to (d), and the query plans (SQLite:
EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE) of the scoped list and count queries, with the
indexes they use.  Only the standard library and requirements.txt packages are used.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import logging
import math
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-2570"
OPEN_YEAR = 2570
PAGE = 50
THREADS = 4          # PITFALLS: more than 4 waitress threads made CPU-bound pages slower
SUBMISSION_INDEXES = ("ix_submission_province_list", "ix_submission_district_list",
                      "ix_submission_national_list",
                      "ix_submission_year_province_status", "ix_submission_year_district_status",
                      "ix_submission_year_status", "ix_submission_organization_id",
                      "uq_submission_org_year", "sqlite_autoindex_submission_1",
                      "submission_pkey")


# --- the two apps (run in subprocesses) ------------------------------------------------------

def info_app(url: str, secret: str):
    from app import create_app
    return create_app({"INFO_MODE": "demo", "SECRET_KEY": secret,
                       "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})


def bare_app(url: str):
    """A default Flask-Admin ModelView over the same table: no login, scope or formatters."""
    from flask import Flask
    from flask_admin import Admin
    from flask_admin.contrib.sqla import ModelView
    from flask_babel import Babel

    from app import configure_sqlite, normalize_database_url
    from models import Submission, db

    app = Flask("bare")
    app.config.update(SECRET_KEY=secrets.token_hex(16),
                      SQLALCHEMY_DATABASE_URI=normalize_database_url(url),
                      SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})
    db.init_app(app)
    Babel(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)   # the same pragmas as INFO

    class DefaultView(ModelView):
        page_size = PAGE                  # the one change: INFO's page size

    admin = Admin(app, name="bare", url="/admin")
    admin.add_view(DefaultView(Submission, db, endpoint="submission"))

    @app.route("/healthz")
    def hello():                          # a true hello-world: no database, no session
        return "ok"
    return app


def serve(kind: str, url: str, secret: str) -> None:
    """Subprocess entry point: print the port, then serve until terminated."""
    from waitress.server import create_server
    logging.getLogger("waitress").setLevel(logging.ERROR)
    app = info_app(url, secret) if kind == "info" else bare_app(url)
    app.logger.disabled = True          # a failing page is reported in the table instead
    server = create_server(app, host="127.0.0.1", port=0, threads=THREADS)
    print(f"PORT {server.effective_port}", flush=True)
    server.run()


# The folder each server keeps its workbooks in (views/workbook_cache.py), by port: its own,
# removed when it stops, so no run sends a file an earlier one wrote.
CACHE_DIR_OF: dict[int, str] = {}
PID_OF: dict[int, int] = {}


@contextlib.contextmanager
def server_process(kind: str, url: str, secret: str):
    cache = tempfile.mkdtemp(prefix="info-bench-workbooks-")
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--url", url,
                             "--secret", secret], stdout=subprocess.PIPE, text=True,
                            cwd=str(ROOT), env={**os.environ, "WORKBOOK_CACHE_DIR": cache})
    try:
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise SystemExit(f"{kind} server did not start: {line!r}")
        port = int(line.split()[1])
        CACHE_DIR_OF[port] = cache
        PID_OF[port] = proc.pid
        wait_until_up(port)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(cache, ignore_errors=True)


def wait_until_up(port: int) -> None:
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"server on port {port} did not answer")


# --- a keep-alive HTTP client with a cookie jar ---------------------------------------------

class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, bytes]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            if value and "max-age=0" not in header.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, data

    def login(self, username: str) -> None:
        token = csrf(self.request("GET", "/login")[1])
        status, body = self.request("POST", "/login", {"username": username,
                                                       "password": PASSWORD,
                                                       "csrf_token": token})
        if status != 302:
            raise SystemExit(f"login of {username} failed: {status} {body[:200]!r}")


def csrf(html: bytes) -> str:
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        raise SystemExit("no csrf_token in the page")
    return match.group(1).decode()


def rows_on_page(html: bytes) -> int:
    return len(re.findall(rb'href="/admin/submission/workspace/\?id=\d+"', html))


# --- measuring -------------------------------------------------------------------------------

def summarize(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000


class PageError(Exception):
    """A measured page did not answer 200 (reported in the table, the run goes on)."""


def time_page(client: Client, path: str, n: int, warmup: int, check=None) -> tuple[float, float]:
    for _ in range(max(1, warmup)):
        status, body = client.request("GET", path)
        if status != 200:
            raise PageError(f"HTTP {status}")
    if check is not None:
        check(body)
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        status, _body = client.request("GET", path)
        samples.append(time.perf_counter() - start)
        if status != 200:
            raise PageError(f"HTTP {status}")
    return summarize(samples)


def time_sql(engine, statements: list[tuple[str, object]], n: int, warmup: int):
    """Median/p95 of running `statements` (captured from the app) one after the other."""
    samples = []
    with engine.connect() as conn:
        for i in range(warmup + n):
            start = time.perf_counter()
            for statement, params in statements:
                conn.exec_driver_sql(statement, params).fetchall()
            if i >= warmup:
                samples.append(time.perf_counter() - start)
            conn.rollback()
    return summarize(samples)


# --- database --------------------------------------------------------------------------------

@contextlib.contextmanager
def database(kind: str, admin_url: str):
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="info-bench-") as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    import psycopg
    name = f"info_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(admin_url)
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"\n(dropped the throwaway database {name})")


def build(url: str, scale: str, secret: str):
    """Migrate, seed, and return the app (used in-process to capture SQL and facts)."""
    from flask_migrate import upgrade
    from sqlalchemy import text, update

    import demo
    from models import FiscalYear, db

    app = info_app(url, secret)
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        demo.seed_demo(scale=scale, years=3, password=PASSWORD, echo=lambda _line: None)
        # Keep the open year open for certification whatever today's date is.
        db.session.execute(update(FiscalYear).where(FiscalYear.be_year == OPEN_YEAR)
                           .values(deadline=date(2099, 12, 30)))
        db.session.commit()
        seconds = time.perf_counter() - start
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:   # what autovacuum would do soon after the load
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return app, seconds


def facts(app) -> dict:
    """Row counts, and the largest province (most LAOs in the open year)."""
    from sqlalchemy import func, select

    from models import Submission, db
    from workflow import Status
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Submission))
        province, laos = db.session.execute(
            select(Submission.province_code, func.count()).where(
                Submission.fiscal_year == OPEN_YEAR)
            .group_by(Submission.province_code)
            .order_by(func.count().desc(), Submission.province_code)).first()
        in_province = db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.province_code == province))
        candidates = db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.province_code == province, Submission.fiscal_year == OPEN_YEAR,
            Submission.status == Status.LAO_CERTIFIED))
        total_year = db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.fiscal_year == OPEN_YEAR))
        db.session.remove()
    return dict(total=total, total_year=total_year, province=province, laos=laos,
                in_province=in_province, bulk_candidates=candidates)


def capture(app, username: str, path: str) -> list[tuple[str, object]] | int:
    """The statements one GET sends (through the test client, outside the benchmark), or the
    HTTP status when the page fails."""
    from sqlalchemy import event

    from models import db
    client = app.test_client()
    token = csrf(client.get("/login").get_data())
    assert client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    with app.app_context():
        engine = db.engine
    seen: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))
    event.listen(engine, "before_cursor_execute", listener)
    app.logger.disabled = True          # a failing page is reported in the table instead
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        app.logger.disabled = False
    if response.status_code != 200:
        return response.status_code
    return [(s, p) for s, p in seen if not s.strip().upper().startswith(("BEGIN", "PRAGMA"))]


def pick(statements, kind: str):
    for statement, params in statements:
        flat = " ".join(statement.split()).lower()
        if "from submission" not in flat:
            continue
        if kind == "count" and flat.startswith("select count("):
            return statement, params
        if kind == "list" and " limit " in flat and flat.startswith("select submission.id"):
            return statement, params
    raise SystemExit(f"no {kind} statement captured")


def explain(engine, statement: str, params) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, params).fetchall()
        conn.rollback()
    if engine.dialect.name == "sqlite":
        depth = {0: 0}
        lines = []
        for node_id, parent, _unused, detail in rows:
            depth[node_id] = depth.get(parent, 0) + 1
            lines.append("  " * depth[node_id] + detail)
        return lines
    return [r[0] for r in rows]


def pg_index_scans(lines: list[str]):
    """(index, has an Index Cond) for each index scan node of a PostgreSQL plan."""
    for i, line in enumerate(lines):
        match = re.search(r"(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)?"
                          r" (?:using|on) (\w+)", line)
        if not match:
            continue
        indent = len(line) - len(line.lstrip())
        cond = filtered = False
        for following in lines[i + 1:]:
            stripped = following.strip()
            if stripped.startswith("->") or len(following) - len(following.lstrip()) <= indent:
                break
            cond = cond or stripped.startswith(("Index Cond", "Recheck Cond"))
            filtered = filtered or stripped.startswith("Filter:")
        yield match.group(1), cond or "Bitmap Index Scan" in line, filtered


def verdict(lines: list[str], what: str) -> str:
    """Which submission index the plan uses, and how: a seek, or a walk from the start."""
    text = "\n".join(lines)
    sorts = sorted(set(re.findall(r"USE TEMP B-TREE FOR [A-Z ]+", text))) + sorted(set(
        re.findall(r"(?:Incremental Sort|Sort Method: [\w\-]+(?: \w+)?)", text)))
    notes = []
    for ix in (*SUBMISSION_INDEXES, *PROPOSED_INDEXES):
        if not re.search(rf"\b{ix}\b", text):
            continue
        if re.search(rf"SEARCH submission USING (?:COVERING )?INDEX {ix} \(", text) \
                or any(name == ix and cond for name, cond, _f in pg_index_scans(lines)):
            notes.append(f"seeks {ix}")
        elif what == "list" and not sorts:
            filtering = any(name == ix and f for name, _c, f in pg_index_scans(lines))
            notes.append(f"reads {ix} in ORDER BY order from the start (no seek, no sort"
                         + ("; filters the scope row by row" if filtering else "")
                         + "; stops after OFFSET+LIMIT rows)")
        else:
            notes.append(f"walks the WHOLE index {ix} (no seek)")
    if re.search(r"SCAN submission$", text, re.M) or "Seq Scan on submission" in text:
        notes.append("FULL TABLE SCAN of submission")
    if sorts:
        notes.append("then sorts: " + "; ".join(sorts))
    if not notes:
        notes.append("uses no submission index")
    return "; ".join(notes)


# --- the run ---------------------------------------------------------------------------------

# The indexes proposed in bench/README.md for the lists' default sort (fiscal_year DESC,
# district_code, id) under each scope; created only in the throwaway database, for the what-if.
PROPOSED_INDEXES = {
    "bench_ix_submission_province_sort":
        "submission (province_code, fiscal_year DESC, district_code, id)",
    "bench_ix_submission_district_sort": "submission (district_code, fiscal_year DESC, id)",
    "bench_ix_submission_sort": "submission (fiscal_year DESC, district_code, id)",
}


LIST_LABELS = {
    "province": "(b) province officer list, all years",
    "province-year": "(b) province officer list, open year = landing page",
    "national": "(c) dla_admin national list, all years",
    "national-year": "(c) dla_admin national list, open year = landing page",
}


def time_lists(clients, pages, args, tag=""):
    results = []
    for name, (user, path, total) in pages.items():
        scope, pos = name.split()
        page_no = int(path.rsplit("=", 1)[1])
        rows = PAGE if pos == "first" else total - page_no * PAGE

        def check(body, rows=rows, path=path):
            if rows_on_page(body) != rows:
                raise SystemExit(f"{path}: {rows_on_page(body)} rows, expected {rows}")
        label = f"{LIST_LABELS[scope]}, {pos} page ({total:,} rows){tag}"
        try:
            median, p95 = time_page(clients[user], path, args.requests, args.warmup, check)
            results.append((label, median, p95, "bare " + pos, ""))
        except PageError as error:
            results.append((label, None, None, "bare " + pos, f"{error} on {path}"))
    return results


def time_raw_sql(engine, captured, args, tag=""):
    results = []
    for name, statements in captured.items():
        scope, pos = name.split()
        if isinstance(statements, int):
            results.append((f"(e) raw SQL of {scope} {pos} page{tag}", None, None,
                            "bare " + pos, f"not captured: the page answers HTTP {statements}"))
            continue
        results.append((f"(e) raw SQL: {scope} {pos}-page SELECT … LIMIT 50{tag}",
                        *time_sql(engine, [pick(statements, "list")], args.requests,
                                  args.warmup), "bare " + pos, ""))
        if pos == "first":
            results.append((f"(e) raw SQL: {scope} COUNT{tag}", *time_sql(
                engine, [pick(statements, "count")], args.requests, args.warmup),
                "bare " + pos, ""))
        if not tag:
            results.append((f"(e) raw SQL: all {len(statements)} statements of the "
                            f"{scope} {pos} page", *time_sql(
                                engine, statements, args.requests, args.warmup),
                            "bare " + pos, ""))
    return results


def run(args) -> None:
    from sqlalchemy import create_engine, text

    from app import normalize_database_url
    secret = secrets.token_hex(32)
    t0 = time.perf_counter()
    with database(args.db, args.pg_url) as url:
        print(f"INFO benchmark — {args.db}, scale {args.scale}, {date.today().isoformat()}, "
              f"{os.cpu_count()} CPUs, {args.requests} requests per page after "
              f"{args.warmup} warm-up, waitress {THREADS} threads")
        app, seed_seconds = build(url, args.scale, secret)
        f = facts(app)
        province, officer = f["province"], f"prov-{f['province']}"
        last_national = (f["total"] - 1) // PAGE
        print(f"seeded {f['total']:,} submissions in {seed_seconds:.0f} s; largest province "
              f"{province}: {f['laos']} LAOs, {f['in_province']:,} submissions over 3 years, "
              f"{f['bulk_candidates']} awaiting province certification in {OPEN_YEAR}")

        year = f"flt0_0={OPEN_YEAR}&"
        last = {k: (v - 1) // PAGE for k, v in f.items() if isinstance(v, int)}
        pages = {
            "province first": (officer, "/admin/submission/?page=0", f["in_province"]),
            "province last": (officer, f"/admin/submission/?page={last['in_province']}",
                              f["in_province"]),
            "national first": ("admin", "/admin/submission/?page=0", f["total"]),
            "national last": ("admin", f"/admin/submission/?page={last['total']}", f["total"]),
            "province-year first": (officer, f"/admin/submission/?{year}page=0", f["laos"]),
            "province-year last": (officer, f"/admin/submission/?{year}page={last['laos']}",
                                   f["laos"]),
            "national-year first": ("admin", f"/admin/submission/?{year}page=0",
                                    f["total_year"]),
            "national-year last": ("admin", f"/admin/submission/?{year}page="
                                   f"{last['total_year']}", f["total_year"]),
        }
        captured = {name: capture(app, user, path) for name, (user, path, _n) in pages.items()}
        with app.app_context():
            from models import db
            db.engine.dispose()
        engine = create_engine(normalize_database_url(url))

        results = []   # (label, median ms, p95 ms, compare-to, note)
        what_if = []
        plans_after = None
        with server_process("info", url, secret) as info_port, \
                server_process("bare", url, secret) as bare_port:
            anon = Client(info_port)
            results.append(("(a) /healthz (SELECT 1)", *time_page(
                anon, "/healthz", args.requests, args.warmup), "", ""))
            bare = Client(bare_port)
            results.append(("(a') bare Flask hello-world (no database)", *time_page(
                bare, "/healthz", args.requests, args.warmup), "", ""))
            for pos, page in (("first", 0), ("last", last_national)):
                results.append((f"(d) default Flask-Admin view, {pos} page "
                                f"(?page={page}, {f['total']:,} rows)", *time_page(
                                    bare, f"/admin/submission/?page={page}", args.requests,
                                    args.warmup), "bare " + pos, ""))
            clients = {officer: Client(info_port), "admin": Client(info_port)}
            for user, client in clients.items():
                client.login(user)
            results += time_lists(clients, pages, args)
            results += time_raw_sql(engine, captured, args)
            plans = plans_of(engine, captured)

            if args.what_if:
                with engine.begin() as conn:
                    for name, target in PROPOSED_INDEXES.items():
                        conn.execute(text(f"CREATE INDEX {name} ON {target}"))
                    if engine.dialect.name == "postgresql":
                        conn.execute(text("ANALYZE submission"))
                plans_after = plans_of(engine, captured)
                tag = " +idx"
                what_if += time_lists(clients, pages, args, tag)
                what_if += time_raw_sql(engine, captured, args, tag)

            # (f) bulk certification of the largest province: once, last (it changes data).
            bulk = clients[officer]
            token = csrf(bulk.request("GET", f"/admin/submission/bulk/?year={OPEN_YEAR}")[1])
            start = time.perf_counter()
            status, body = bulk.request("POST", "/admin/submission/bulk/", {
                "year": str(OPEN_YEAR), "province": province, "district": "", "confirm": "1",
                "csrf_token": token})
            bulk_ms = (time.perf_counter() - start) * 1000
            done = len(re.findall(r"<td>\s*สำเร็จ\s*</td>", body.decode()))
            if status != 200 or done != f["bulk_candidates"]:
                bulk_ms = (f"HTTP {status}, {done} of {f['bulk_candidates']} certified "
                           f"({bulk_ms:.0f} ms)")

        report(results, bulk_ms, f)
        print_plans(engine, plans, "as built")
        if args.what_if:
            print("\n=== what-if: the proposed indexes, created in this throwaway database ===")
            for name, target in PROPOSED_INDEXES.items():
                print(f"   CREATE INDEX {name} ON {target}")
            report_rows(what_if, results)
            print_plans(engine, plans_after, "with the proposed indexes")
        engine.dispose()
        print(f"\ntotal benchmark time {time.perf_counter() - t0:.0f} s")


def report(results, bulk_ms, f) -> None:
    hello = results[0][1]
    bare = {r[3]: r[1] for r in results if r[0].startswith("(d)")}
    width = max(len(r[0]) for r in results) + 2
    print(f"\n{'page':<{width}}{'median ms':>10}{'p95 ms':>10}{'× hello':>10}"
          f"{'× Flask-Admin':>15}")
    print("-" * (width + 45))
    for label, median, p95, against, note in results:
        if median is None:
            print(f"{label:<{width}}{'— ' + note}")
            continue
        ratio_fa = f"{median / bare[against]:.2f}" if against else ""
        print(f"{label:<{width}}{median:>10.2f}{p95:>10.2f}{median / hello:>10.1f}"
              f"{ratio_fa:>15}")
    label = (f"(f) bulk certification, province {f['province']} "
             f"({f['bulk_candidates']} LAOs), once")
    if isinstance(bulk_ms, str):
        print(f"{label:<{width}}— {bulk_ms}")
    else:
        print(f"{label:<{width}}{bulk_ms:>10.0f}{'':>10}{bulk_ms / hello:>10.0f}")
    print("\n× hello = median / median of (a); × Flask-Admin = median / median of the default "
          "view's page at the same position (first with first, last with last).")


def report_rows(rows, baseline_results) -> None:
    """The what-if rows, with the same baselines and the change against the as-built run."""
    hello = baseline_results[0][1]
    bare = {r[3]: r[1] for r in baseline_results if r[0].startswith("(d)")}
    before = {r[0]: r[1] for r in baseline_results}
    width = max(len(r[0]) for r in rows) + 2
    print(f"\n{'page':<{width}}{'median ms':>10}{'p95 ms':>10}{'× hello':>10}"
          f"{'× Flask-Admin':>15}{'× as built':>12}")
    print("-" * (width + 57))
    for label, median, p95, against, note in rows:
        if median is None:
            print(f"{label:<{width}}{'— ' + note}")
            continue
        was = before.get(label.removesuffix(" +idx"))
        change = f"{median / was:.2f}" if was else ""
        print(f"{label:<{width}}{median:>10.2f}{p95:>10.2f}{median / hello:>10.1f}"
              f"{median / bare[against]:>15.2f}{change:>12}")


def plans_of(engine, captured) -> list[tuple[str, str, str, list[str]]]:
    out = []
    for name, statements in captured.items():
        if isinstance(statements, int):
            out.append((name, "list", "", [f"(not captured: the page answers HTTP "
                                            f"{statements})"]))
            continue
        for what in ("list", "count") if name.endswith("first") else ("list",):
            statement, params = pick(statements, what)
            out.append((name, what, statement, explain(engine, statement, params)))
    return out


def print_plans(engine, plans, title) -> None:
    kind = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE"
    print(f"\n=== {kind} of the scoped list and count queries ({title}) ===")
    for name, what, statement, lines in plans:
        if not statement:
            print(f"\n-- {name} page: {lines[0]}")
            continue
        flat = " ".join(statement.split())
        where = re.search(r"WHERE (.*?)(?: ORDER BY| LIMIT|$)", flat)
        order = re.search(r"ORDER BY (.*?)(?: LIMIT|$)", flat)
        print(f"\n-- {name} page, {what} query: WHERE {where.group(1) if where else '-'}"
              + (f" ORDER BY {order.group(1)}" if order and what == "list" else ""))
        for line in lines:
            print("   " + line)
        if statement:
            print(f"   => {verdict(lines, what)}")


def bench_main(run, doc: str, **defaults) -> None:
    """The command line the national-scale benches share (--scale, --db, --pg-url, and
    --requests/--warmup when `defaults` name them): parse, run(args), print the total time."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--scale", choices=("demo", "national"), default="national")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    for name, value in defaults.items():
        parser.add_argument(f"--{name}", type=int, default=value)
    args = parser.parse_args()
    start = time.perf_counter()
    run(args)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("demo", "national"), default="national")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL URL allowed to CREATE/DROP DATABASE (the throwaway DB is made there)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument("--no-what-if", dest="what_if", action="store_false",
                        help="skip re-measuring with the proposed indexes")
    parser.add_argument("--serve", choices=("info", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--secret", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.url, args.secret)
        return
    run(args)


if __name__ == "__main__":
    main()
