#!/usr/bin/env python
"""Progress dashboards at national scale: latencies as ratios to /healthz in the same run, and
the statements each page sends.

    .venv/bin/python bench/bench_dashboard.py [--scale demo|national] [--db sqlite|postgres]

Reuses bench_pages.py's throwaway database, seeding, waitress subprocess and keep-alive client.
Pages: the national dashboard (dla_admin, 77 provinces), the largest province's dashboard and
one of its districts (province officer), the national lagging-LAO CSV and the province's print
page.
"""

from __future__ import annotations

import secrets

import bench_pages as bp


def run(args) -> None:
    secret = secrets.token_hex(32)
    with bp.database(args.db, args.pg_url) as url:
        app, seconds = bp.build(url, args.scale, secret)
        f = bp.facts(app)
        province = f["province"]
        officer = f"prov-{province}"
        district = f"{province}01"
        print(f"dashboards — {args.db}, scale {args.scale}: {f['total_year']:,} LAO-years in "
              f"{bp.OPEN_YEAR} (seeded in {seconds:.0f} s); largest province {province} "
              f"({f['laos']} LAOs)")
        pages = [
            ("national dashboard", "admin", "/admin/dashboard/"),
            (f"province {province} dashboard", officer, "/admin/dashboard/"),
            (f"district {district} dashboard", officer, f"/admin/dashboard/?district={district}"),
            ("national lagging CSV", "admin", "/admin/dashboard/lagging.csv"),
            (f"province {province} print page", officer, "/admin/dashboard/lagging/print"),
        ]
        statements = {name: bp.capture(app, user, path) for name, user, path in pages}
        with app.app_context():
            from models import db
            db.engine.dispose()
        with bp.server_process("info", url, secret) as port:
            anon = bp.Client(port)
            hello, _p95 = bp.time_page(anon, "/healthz", args.requests, args.warmup)
            clients = {user: bp.Client(port) for _n, user, _p in pages}
            for user, client in clients.items():
                client.login(user)
            print(f"\n{'page':<34}{'statements':>11}{'median ms':>11}{'p95 ms':>9}{'× hello':>9}")
            print(f"{'(a) /healthz':<34}{1:>11}{hello:>11.2f}{_p95:>9.2f}{1:>9.1f}")
            for name, user, path in pages:
                sent = statements[name]
                count = len(sent) if isinstance(sent, list) else f"HTTP {sent}"
                median, p95 = bp.time_page(clients[user], path, args.requests, args.warmup)
                print(f"{name:<34}{count:>11}{median:>11.2f}{p95:>9.2f}{median / hello:>9.1f}")


def main() -> None:
    bp.bench_main(run, __doc__, requests=50, warmup=5)


if __name__ == "__main__":
    main()
