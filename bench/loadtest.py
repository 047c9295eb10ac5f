#!/usr/bin/env python
"""`make loadtest`: the deadline-week mixed workload (bench/locustfile.py: 70 % clerks saving,
20 % officers listing, 10 % public) with locust, headless, bounded in time, loopback only.

    .venv/bin/python bench/loadtest.py [--target one production] [--users 60 200] [--seconds 30]

Targets:
  one         one waitress process (the production arguments: 4 threads, connection_limit 500)
              over a SQLite file with the national dataset, on 127.0.0.1;
  production  the README's production recipe as `make deploy-check` starts it
              (deploy/production_check.production_stack: a private PostgreSQL cluster, two waitress
              processes, Redis, nginx with TLS), seeded with the national dataset.
Both serve bench/loadapp.py (INFO with the per-address login limits raised: every simulated
user is 127.0.0.1).  Reported per run: requests/s, p95 per endpoint, errors, and the CPU time
of the app processes (utime + stime from /proc) per request — PostgreSQL's, Redis' and nginx'
CPU is not in that figure.

locust lives in its own virtualenv, bench/.venv-locust, from bench/requirements-locust.txt
(`make loadtest` creates it): it brings gevent, pyzmq, pytest and a Flask of its own, which must
not enter INFO's environment.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import bench_pages as bp

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LOCUST = HERE / ".venv-locust" / "bin" / "locust"
sys.path.insert(0, str(ROOT / "deploy"))


def people(url: str) -> dict:
    """Who the simulated users are: clerks of the open year's drafts, province officers."""
    from sqlalchemy import create_engine, func, select, update

    from app import normalize_database_url
    from models import FiscalYear, Organization, Submission, User
    from workflow import Role, Status
    engine = create_engine(normalize_database_url(url))
    with engine.begin() as conn:
        conn.execute(update(FiscalYear).where(FiscalYear.be_year == bp.OPEN_YEAR)
                     .values(deadline=date(2099, 12, 30)))
        clerks = [dict(username=u, submission_id=s) for u, s in conn.execute(
            select(User.username, Submission.id)
            .join(Submission, Submission.organization_id == User.organization_id)
            .where(User.role == Role.LAO_EDITOR, Submission.fiscal_year == bp.OPEN_YEAR,
                   Submission.status == Status.DRAFT).order_by(User.username).limit(400))]
        officers = []
        for username, province in conn.execute(
                select(User.username, User.province_code).where(
                    User.role == Role.PROVINCE_OFFICER).order_by(User.username).limit(40)):
            total = conn.scalar(select(func.count()).select_from(Submission).where(
                Submission.province_code == province, Submission.fiscal_year == bp.OPEN_YEAR))
            districts = list(conn.scalars(select(Submission.district_code.distinct()).where(
                Submission.province_code == province)))
            officers.append(dict(username=username, last_page=max(0, (total - 1) // bp.PAGE),
                                 districts=districts or [province + "01"]))
        codes = list(conn.scalars(select(Organization.dla_code).order_by(Organization.dla_code)
                                  .limit(500)))
    engine.dispose()
    return dict(password=bp.PASSWORD, year=bp.OPEN_YEAR, clerks=clerks, officers=officers,
                dla_codes=codes)


def _stat_seconds(stat: str) -> float:
    """The CPU seconds (utime + stime) of a process, from the text of its /proc/<pid>/stat."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    return sum(_stat_seconds(open(f"/proc/{pid}/stat").read()) for pid in pids)


# The other processes of the machine whose CPU a run reports, by their command name.
SERVICES = {"postgres": "PostgreSQL", "nginx": "nginx", "redis-server": "Redis"}


def services_cpu() -> dict[str, float]:
    """CPU seconds so far of PostgreSQL's, nginx's and Redis' processes (all of them on the
    machine: the production recipe's private cluster and the machine's own)."""
    totals = dict.fromkeys(SERVICES.values(), 0.0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = open(f"/proc/{entry}/stat").read()
        except OSError:                 # ended between the listing and the read
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        if name in SERVICES:
            totals[SERVICES[name]] += _stat_seconds(raw)
    return totals


def machine_busy() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine so far, from /proc/stat."""
    ticks = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    idle = ticks[3] + ticks[4]          # idle, iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / tick, sum(ticks) / tick


def run_locust(host: str, users: int, seconds: int, pids: list[int], env: dict,
               folder: str) -> dict:
    """One locust run; the app's, the services', locust's and the machine's CPU during it."""
    import resource
    prefix = os.path.join(folder, f"u{users}")
    before = cpu_seconds(pids)
    services_before, machine_before = services_cpu(), machine_busy()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([str(LOCUST), "-f", str(HERE / "locustfile.py"), "--headless",
                    "-u", str(users), "-r", str(max(10, users // 5)), "-t", f"{seconds}s",
                    "--host", host, "--csv", prefix, "--only-summary", "--stop-timeout", "5"],
                   env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    used = cpu_seconds(pids) - before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    services = {k: v - services_before[k] for k, v in services_cpu().items()}
    busy, whole = (a - b for a, b in zip(machine_busy(), machine_before))
    rows = list(csv.DictReader(open(prefix + "_stats.csv")))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    requests = int(total["Request Count"])
    return dict(users=users, seconds=seconds, requests=requests,
                rps=float(total["Requests/s"]), failures=int(total["Failure Count"]),
                p95=total["95%"], median=total["50%"],
                cpu_ms=used * 1000 / requests if requests else float("nan"),
                others_ms={name: cpu * 1000 / requests if requests else float("nan")
                           for name, cpu in {**services, "locust": locust_cpu}.items()},
                machine_busy=busy / whole if whole else float("nan"),
                endpoints=[(r["Name"], int(r["Request Count"]), r["50%"], r["95%"],
                            int(r["Failure Count"])) for r in rows if r["Name"] != "Aggregated"])


def one_process(args, results) -> None:
    from app import normalize_database_url  # noqa: F401  (INFO's environment)
    secret = secrets.token_hex(32)
    with bp.database("sqlite", args.pg_url) as url, tempfile.TemporaryDirectory() as folder:
        bp.build(url, "national", secret)
        crowd = people(url)
        path = os.path.join(folder, "people.json")
        json.dump(crowd, open(path, "w"))
        from production_check import WAITRESS_ARGS, free_port, port_open, wait_for
        port = free_port()
        env = {**os.environ, "INFO_MODE": "demo", "SECRET_KEY": secret, "DATABASE_URL": url,
               "PYTHONPATH": f"{ROOT}:{HERE}"}
        log = open(os.path.join(folder, "waitress.log"), "w")
        server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "waitress-serve"),
                                   f"--listen=127.0.0.1:{port}", *WAITRESS_ARGS,
                                   "--call", "loadapp:create"], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: port_open(port), "waitress")
            for users in args.users:
                result = run_locust(f"http://127.0.0.1:{port}", users, args.seconds,
                                    [server.pid], {**os.environ, "INFO_LOAD_PEOPLE": path},
                                    folder)
                results.append(("one process, SQLite", result))
                report_one("one process, SQLite", result)
        finally:
            server.terminate()
            server.wait(10)


def production(args, results) -> None:
    from production_check import production_stack
    with production_stack(seed=[["seed-demo", "--scale", "national", "--password",
                                 bp.PASSWORD]], app_spec="loadapp:create",
                          extra_env={"PYTHONPATH": f"{ROOT}:{HERE}"}) as running, \
            tempfile.TemporaryDirectory() as folder:
        crowd = people(running.pg.url)
        path = os.path.join(folder, "people.json")
        json.dump(crowd, open(path, "w"))
        pids = [p.pid for p in running.waitress.values()]
        env = {**os.environ, "INFO_LOAD_PEOPLE": path, "INFO_LOAD_CA": running.cert}
        for users in args.users:
            result = run_locust(running.base, users, args.seconds, pids, env, folder)
            results.append(("production recipe (2 × waitress, nginx, PostgreSQL, Redis)", result))
            report_one("production recipe", result)


def report_one(target: str, r: dict) -> None:
    print(f"{target}, {r['users']} users, {r['seconds']} s: {r['requests']} requests, "
          f"{r['rps']:.1f}/s, p95 {r['p95']} ms, {r['failures']} errors, "
          f"{r['cpu_ms']:.1f} ms CPU per request (app); others "
          + ", ".join(f"{k} {v:.1f}" for k, v in r["others_ms"].items())
          + f"; machine busy {r['machine_busy']:.0%}", flush=True)


def markdown(results, args) -> str:
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    lines = [f"\n## Load test (make loadtest) — {date.today().isoformat()}",
             f"\nbench/locustfile.py, {args.seconds} s per run (shorter than a real morning: "
             f"the ramp is {args.seconds // 6 or 1}–{args.seconds // 3} s of it), national data, "
             f"load average after the runs {load}. CPU ms/request: the app processes' "
             "(the other processes' are in the table after it).\n",
             "| target | users | requests | req/s | median ms | p95 ms | errors | CPU ms/request |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for target, r in results:
        lines.append(f"| {target} | {r['users']} | {r['requests']:,} | {r['rps']:.1f} | "
                     f"{r['median']} | {r['p95']} | {r['failures']} | {r['cpu_ms']:.1f} |")
    lines += ["\nWhere the machine's CPU went during each run (CPU ms per request served; "
              "the machine's busy share of its cores, from /proc/stat):\n",
              "| target | users | app | PostgreSQL | nginx | Redis | locust | machine busy |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for target, r in results:
        o = r["others_ms"]
        lines.append(f"| {target} | {r['users']} | {r['cpu_ms']:.1f} | {o['PostgreSQL']:.1f} | "
                     f"{o['nginx']:.1f} | {o['Redis']:.1f} | {o['locust']:.1f} | "
                     f"{r['machine_busy']:.0%} |")
    for target, r in results:
        lines += [f"\n{target}, {r['users']} users — per endpoint:\n",
                  "| endpoint | requests | median ms | p95 ms | errors |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {n} | {c:,} | {m} | {p} | {e} |" for n, c, m, p, e in r["endpoints"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", nargs="+", default=["one", "production"],
                        choices=("one", "production"))
    parser.add_argument("--users", nargs="+", type=int, default=[60, 200])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"),
                        help="appended to (make bench writes it first)")
    args = parser.parse_args()
    if not LOCUST.exists():
        raise SystemExit(f"{LOCUST} is missing: make loadtest creates it")
    results: list = []
    if "one" in args.target:
        one_process(args, results)
    if "production" in args.target:
        production(args, results)
    with open(args.out, "a") as f:
        f.write(markdown(results, args))
    print(f"appended to {args.out}")


if __name__ == "__main__":
    main()
