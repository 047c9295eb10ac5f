#!/usr/bin/env python
"""`make bench`: INFO's pages at national scale against their baselines, INTERLEAVED in one run.

    .venv/bin/python bench/bench_run.py [--db sqlite postgres] [--rounds 25] [--scale national]

For each database it builds the national dataset (bench_pages.build: 7,850 LAOs × 3 years),
serves INFO and a bare app holding a default Flask-Admin ModelView over the same table (page
size 50: bench_pages.bare_app) with waitress, signs in through the real login form, and then
runs ROUNDS rounds; each round requests every page and every baseline once, in a new random
order.  So each page and its baselines see the same machine load, and the ratios hold even when
the machine is shared (bench_pages.py times its baselines in blocks: its ratios swung).

Baselines: /healthz (SELECT 1), the default Flask-Admin view of the same table at the same page
(first or last), and the raw SQL the list page sends (captured, re-run on its own connection).
Pages: the LAO's (year list, workspace, a section form, a save), the province officer's of the
largest province (นครราชสีมา: lists first/last, filtered, bulk preview), the dla_admin's
(national lists first/last, open year, dashboard) and the public portal and API.  Exports (the
national all-years CSV and the national XLSX workbook of the dla_admin, the largest province's
CSV and workbook) are downloaded 3 times after the rounds: time to the first and the last
byte, and the server's peak memory (VmHWM, reset before each) — bench_exports.time_exports.

Results go to bench/RESULTS.md (machine, load average before and after, every ratio) and
stdout.  Only the standard library and requirements.txt packages are used.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import secrets
import sqlite3
import statistics
import time
from datetime import date
from pathlib import Path

import bench_exports as be
import bench_pages as bp

OUT = Path(__file__).resolve().parent / "RESULTS.md"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 for line in open("/proc/meminfo")
                if line.startswith("MemTotal")), 0)
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem:,} MB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, SQLite "
            f"{sqlite3.sqlite_version}, waitress {bp.THREADS} threads per process")


def load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def lao_ids(app) -> tuple[str, int, str]:
    """(LAO clerk's username, the open-year submission id, a public DLA code)."""
    from sqlalchemy import select

    from models import Organization, Submission, User, db
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username.like("lao-%"))
                                  .order_by(User.username)).first()
        sub = db.session.scalar(select(Submission.id).where(
            Submission.organization_id == user.organization_id,
            Submission.fiscal_year == bp.OPEN_YEAR))
        code = db.session.scalar(select(Organization.dla_code).where(
            Organization.id == user.organization_id))
        name = user.username
        db.session.remove()
    return name, sub, code


class Probe:
    def __init__(self, name, client, path, group, baseline=None, method="GET", form=None):
        self.name, self.client, self.path, self.group = name, client, path, group
        self.baseline, self.method, self.form = baseline, method, form
        self.samples: list[float] = []
        self.error = ""

    def run(self) -> None:
        form = self.form() if callable(self.form) else self.form
        start = time.perf_counter()
        status, body = self.client.request(self.method, self.path, form)
        elapsed = time.perf_counter() - start
        ok = status == (302 if self.method == "POST" else 200)
        if not ok:
            self.error = f"HTTP {status}"
        else:
            self.samples.append(elapsed)

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) * 1000 if self.samples else None


class SqlProbe(Probe):
    def __init__(self, name, engine, statements, group):
        super().__init__(name, None, "", group)
        self.engine, self.statements = engine, statements

    def run(self) -> None:
        with self.engine.connect() as conn:
            start = time.perf_counter()
            for statement, params in self.statements:
                conn.exec_driver_sql(statement, params).fetchall()
            self.samples.append(time.perf_counter() - start)
            conn.rollback()


def section_form(client, path):
    """The form of `path` as the browser would post it unchanged (fresh loaded_version)."""
    import sys
    sys.path.insert(0, str(bp.ROOT))
    from tests.formdata import form_fields
    _status, body = client.request("GET", path)
    return form_fields(body.decode())


def run_db(kind: str, args, lines: list[str]) -> None:
    from sqlalchemy import create_engine

    from app import normalize_database_url
    secret = secrets.token_hex(32)
    with bp.database(kind, args.pg_url) as url:
        app, seeded = bp.build(url, args.scale, secret)
        f = bp.facts(app)
        province, officer = f["province"], f"prov-{f['province']}"
        clerk, sub_id, dla_code = lao_ids(app)
        last = {k: (v - 1) // bp.PAGE for k, v in f.items() if isinstance(v, int)}
        year = f"flt0_0={bp.OPEN_YEAR}"
        lists = {   # name: (user, path, the bare view's page to compare with)
            "province list, first page": (officer, "/admin/submission/?page=0", 0),
            "province list, last page": (officer, f"/admin/submission/?page={last['in_province']}",
                                         last["in_province"]),
            "province open-year list, first": (officer, f"/admin/submission/?{year}&page=0", 0),
            "province open-year list, last": (officer, f"/admin/submission/?{year}&page="
                                              f"{last['laos']}", last["laos"]),
            "province list, one district": (officer, f"/admin/submission/?{year}&flt1_1="
                                            f"{province}01", 0),
            "national list, first page": ("admin", "/admin/submission/?page=0", 0),
            "national list, last page": ("admin", f"/admin/submission/?page={last['total']}",
                                         last["total"]),
            "national open-year list, first": ("admin", f"/admin/submission/?{year}&page=0", 0),
            "national open-year list, last": ("admin", f"/admin/submission/?{year}&page="
                                              f"{last['total_year']}", last["total_year"]),
        }
        captured = {name: bp.capture(app, user, path) for name, (user, path, _p) in lists.items()}
        with app.app_context():
            from models import db
            db.engine.dispose()
        engine = create_engine(normalize_database_url(url))
        started_load = load()
        with bp.server_process("info", url, secret) as info_port, \
                bp.server_process("bare", url, secret) as bare_port:
            anon, bare = bp.Client(info_port), bp.Client(bare_port)
            clients = {u: bp.Client(info_port) for u in ("admin", officer, clerk)}
            for user, client in clients.items():
                client.login(user)
            info_pid = be.server_pid(info_port)
            probes: list[Probe] = [Probe("/healthz (SELECT 1)", anon, "/healthz", "baseline")]
            bare_pages = sorted({p for _u, _path, p in lists.values()})
            bare_probe = {p: Probe(f"default Flask-Admin view, ?page={p}", bare,
                                   f"/admin/submission/?page={p}", "baseline") for p in bare_pages}
            probes += bare_probe.values()
            for name, (user, path, page) in lists.items():
                probes.append(Probe(name, clients[user], path, "lists", bare_probe[page]))
                if isinstance(captured[name], list):
                    probes.append(SqlProbe(f"raw SQL of: {name}", engine, captured[name],
                                           "raw SQL"))
            edit = f"/admin/edit_s6/edit/?id={sub_id}"
            probes += [
                Probe("LAO: year list", clients[clerk], "/admin/lao_years/", "LAO"),
                Probe("LAO: workspace, tab 6", clients[clerk],
                      f"/admin/lao_years/workspace/?id={sub_id}&tab=6", "LAO"),
                Probe("LAO: section 6 form", clients[clerk], edit, "LAO"),
                Probe("LAO: save section 6 (unchanged)", clients[clerk], edit, "LAO",
                      method="POST", form=lambda: section_form(clients[clerk], edit)),
                Probe("province: bulk preview", clients[officer],
                      f"/admin/submission/bulk/?year={bp.OPEN_YEAR}", "officer"),
                Probe("province: dashboard", clients[officer], "/admin/dashboard/", "officer"),
                Probe("dla_admin: national dashboard", clients["admin"], "/admin/dashboard/",
                      "admin"),
                Probe("public: /", anon, "/", "public"),
                Probe(f"public: /orgs/{dla_code}", anon, f"/orgs/{dla_code}", "public"),
                Probe("public: /stats", anon, "/stats", "public"),
                Probe("API: /api/v1/organizations", anon, "/api/v1/organizations", "public"),
                Probe(f"API: /api/v1/organizations/{dla_code}", anon,
                      f"/api/v1/organizations/{dla_code}", "public"),
            ]
            for probe in probes:            # warm-up, in order
                probe.run()
                probe.samples.clear()
            rng = random.Random(args.seed)
            t0 = time.perf_counter()
            for _round in range(args.rounds):
                order = probes[:]
                rng.shuffle(order)
                for probe in order:
                    probe.run()
            rounds_s = time.perf_counter() - t0
            during_load = load()
            clients[None] = anon
            exports = be.time_exports(be.exports_of(province, bp.OPEN_YEAR), clients, info_pid,
                                      args.export_repeat, cache_dir=bp.CACHE_DIR_OF[info_port],
                                      change=be.data_changer(app, bp.OPEN_YEAR, province))
        engine.dispose()
        hello = probes[0].median
        lines += [f"\n## {kind}: {f['total']:,} submissions ({f['total_year']:,} in "
                  f"{bp.OPEN_YEAR}), largest province {province} ({f['laos']} LAOs); seeded in "
                  f"{seeded:.0f} s",
                  f"\n{args.rounds} interleaved rounds of {len(probes)} requests in "
                  f"{rounds_s:.0f} s; load average {started_load} before, {during_load} after "
                  f"the rounds.\n",
                  "| page | median ms | × /healthz | × default view (same page) |",
                  "|---|---:|---:|---:|"]
        for probe in probes:
            med = probe.median
            if med is None:
                lines.append(f"| {probe.name} | {probe.error or 'no sample'} | | |")
                continue
            ratio = ""
            if probe.baseline is not None and probe.baseline.median:
                ratio = f"**{med / probe.baseline.median:.2f}**"
            lines.append(f"| {probe.name} | {med:.2f} | {med / hello:.1f} | {ratio} |")
        lines += ["", f"Exports, {args.export_repeat} downloads each after one warm-up (time to the "
                  "last byte; the server's peak RSS, reset before each: bench_exports.py):", ""]
        lines += be.table(exports)
        print("\n".join(lines[-(len(probes) + len(exports) + 12):]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"],
                        choices=("sqlite", "postgres"))
    parser.add_argument("--scale", choices=("demo", "national"), default="national")
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--seed", type=int, default=2570)
    parser.add_argument("--export-repeat", type=int, default=3)
    parser.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    start = time.perf_counter()
    lines = [f"# make bench — {date.today().isoformat()}, scale {args.scale}",
             "", f"Machine: {machine()}. Load average at the start: {load()}.",
             "", "Each round requests every page and every baseline once, in a new random order "
             "(same machine load for a page and its baselines). Ratios below 1 are faster than "
             "the baseline."]
    for kind in args.db:
        run_db(kind, args, lines)
    lines.append(f"\nTotal run {time.perf_counter() - start:.0f} s.")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
