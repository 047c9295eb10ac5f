#!/usr/bin/env python
"""CPU per request of the deadline-week workload, per endpoint, in-process (issue 13).

    .venv/bin/python bench/bench_cpu.py [--scale national] [--db sqlite|postgres] [--rounds 40]
    .venv/bin/python bench/bench_cpu.py --url sqlite:////tmp/x.sqlite3     # an already seeded DB
    .venv/bin/python bench/bench_cpu.py ... --profile "POST section save"   # cProfile one endpoint

Replays the requests bench/locustfile.py makes (a clerk's workspace, section forms and unchanged
saves of sections 2/5/6/7; the province officer's open-year list, one district, the waiting
LAOs; the public home, an LAO's profile, /stats and the API list) with Flask's test client in
this one process, and measures the **process CPU time** (time.process_time: this process only,
so on SQLite the database's work is included, on PostgreSQL the server's is not) of each
request.  Each round requests every endpoint once in a new random order, with /healthz
(SELECT 1) among them as the baseline, so every endpoint and the baseline see the same machine.

Printed per endpoint: median and mean CPU ms per request and the median × /healthz's; then the
mean CPU per request of the locustfile's mix (its user weights and task weights: a clerk's save
is a form GET plus the POST), which is the figure issue 13's target "CPU per request ≤ 10 ms"
is about (logins excluded: they are argon2, bench_argon2.py).  No wall-clock timer decides
anything here; the machine's load moves CPU time much less than it moves latency.
"""

from __future__ import annotations

import cProfile
import contextlib
import functools
import os
import pstats
import random
import re
import secrets
import statistics
import sys
import time

import bench_pages as bp

# The locustfile's mix, as expected requests per unit of time: user weight × task weight ÷ the
# user's task weights, × requests per task (a save is a GET of the form and the POST).
MIX = {
    "GET workspace": 7 * 1 / 4,
    "GET section form": 7 * 3 / 4,
    "POST section save": 7 * 3 / 4,
    "GET review list": 2 * 3 / 5,
    "GET review list, one district": 2 * 1 / 5,
    "GET review list, waiting": 2 * 1 / 5,
    "GET /": 1 * 2 / 6,
    "GET /orgs/<code>": 1 * 2 / 6,
    "GET /stats": 1 * 1 / 6,
    "GET /api/v1/organizations": 1 * 1 / 6,
}
SECTIONS = (2, 5, 6, 7)      # the locustfile's: sections with no child-row minimum


def people(app) -> dict:
    """A clerk with a draft of the open year, the largest province's officer, DLA codes."""
    from sqlalchemy import func, select

    from models import Organization, Submission, User, db
    from workflow import Role, Status
    with app.app_context():
        clerk, sub_id = db.session.execute(
            select(User.username, Submission.id)
            .join(Submission, Submission.organization_id == User.organization_id)
            .where(User.role == Role.LAO_EDITOR, Submission.fiscal_year == bp.OPEN_YEAR,
                   Submission.status == Status.DRAFT).order_by(User.username)).first()
        province, laos = db.session.execute(
            select(Submission.province_code, func.count()).where(
                Submission.fiscal_year == bp.OPEN_YEAR).group_by(Submission.province_code)
            .order_by(func.count().desc(), Submission.province_code)).first()
        districts = list(db.session.scalars(select(Submission.district_code.distinct()).where(
            Submission.province_code == province).order_by(Submission.district_code)))
        codes = list(db.session.scalars(select(Organization.dla_code)
                                        .order_by(Organization.dla_code).limit(200)))
        db.session.remove()
    return dict(clerk=clerk, sub_id=sub_id, officer=f"prov-{province}",
                last_page=(laos - 1) // bp.PAGE, districts=districts, codes=codes)


def signed_in(app, username: str):
    client = app.test_client()
    token = bp.csrf(client.get("/login").get_data())
    answer = client.post("/login", data={"username": username, "password": bp.PASSWORD,
                                         "csrf_token": token})
    if answer.status_code != 302:
        raise SystemExit(f"login of {username} failed: {answer.status_code}")
    return client


class Endpoint:
    """One kind of request, and the CPU each of its requests took by `clock`."""

    def __init__(self, name: str, request, expect: int = 200, clock=time.process_time) -> None:
        self.name, self.request, self.expect, self.clock = name, request, expect, clock
        self.cpu: list[float] = []

    def run(self, rng: random.Random, profiler: cProfile.Profile | None = None) -> None:
        prepare = getattr(self.request, "prepare", None)
        prepared = prepare(rng) if prepare else rng
        start = self.clock()
        if profiler is not None:
            profiler.enable()
        status = self.request(prepared)
        if profiler is not None:
            profiler.disable()
        self.cpu.append(self.clock() - start)
        if status != self.expect:
            raise SystemExit(f"{self.name}: HTTP {status}, expected {self.expect}")

    @property
    def median_ms(self) -> float:
        return statistics.median(self.cpu) * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.cpu) * 1000


# --- over HTTP (--http): the same requests to a waitress process, its CPU per request --------

class HttpResponse:
    """What endpoints() reads of a response: the test client's status_code and get_data."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status_code, self.body = status, body

    def get_data(self, as_text: bool = False):
        return self.body.decode() if as_text else self.body


class HttpClient:
    """bench_pages.Client (keep-alive, cookies) with the test client's get and post."""

    def __init__(self, port: int, username: str | None = None) -> None:
        self.client = bp.Client(port)
        if username:
            self.client.login(username)

    def get(self, url: str) -> HttpResponse:
        return HttpResponse(*self.client.request("GET", url))

    def post(self, url: str, data: dict) -> HttpResponse:
        return HttpResponse(*self.client.request("POST", url, data))


def server_cpu(pid: int):
    """A clock of the CPU seconds a process has run, all its threads, to the nanosecond
    (/proc/<pid>/task/*/schedstat; /proc/<pid>/stat counts in 10 ms ticks)."""
    def clock() -> float:
        total = 0
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        return total / 1e9
    return clock


def endpoints(app, who: dict, client_for=None, clock=time.process_time) -> list[Endpoint]:
    """The locustfile's requests, through Flask's test client (in-process) or, with
    `client_for(username or None)`, any client with get/post (HttpClient)."""
    from tests.formdata import form_fields

    if client_for is None:
        def client_for(username):
            return signed_in(app, username) if username else app.test_client()
    clerk, officer = client_for(who["clerk"]), client_for(who["officer"])
    anon = client_for(None)
    sub = who["sub_id"]
    year = bp.OPEN_YEAR

    def get(client, url_of):
        return lambda rng: client.get(url_of(rng)).status_code

    def save(rng_or_form):
        url, form = rng_or_form
        return clerk.post(url, data=form).status_code

    def prepare_save(rng):              # the form's GET is its own endpoint: not timed here
        url = f"/admin/edit_s{rng.choice(SECTIONS)}/edit/?id={sub}"
        return url, form_fields(clerk.get(url).get_data(as_text=True))
    save.prepare = prepare_save

    endpoint = functools.partial(Endpoint, clock=clock)
    return [
        endpoint("/healthz (SELECT 1)", get(anon, lambda r: "/healthz")),
        endpoint("GET workspace", get(clerk, lambda r: f"/admin/lao_years/workspace/?id={sub}"
                                                       f"&tab={r.randint(1, 8)}")),
        endpoint("GET section form", get(clerk, lambda r: f"/admin/edit_s"
                                                          f"{r.choice(SECTIONS)}/edit/?id={sub}")),
        endpoint("POST section save", save, expect=302),
        endpoint("GET review list", get(officer, lambda r: f"/admin/submission/?flt0_0={year}"
                                                           f"&page={r.randint(0, who['last_page'])}")),
        endpoint("GET review list, one district", get(
            officer, lambda r: f"/admin/submission/?flt0_0={year}&flt1_1="
                               f"{r.choice(who['districts'])}")),
        endpoint("GET review list, waiting", get(
            officer, lambda r: f"/admin/submission/?flt0_0={year}&flt1_3=lao_certified")),
        endpoint("GET /", get(anon, lambda r: "/")),
        endpoint("GET /orgs/<code>", get(anon, lambda r: f"/orgs/{r.choice(who['codes'])}")),
        endpoint("GET /stats", get(anon, lambda r: "/stats")),
        endpoint("GET /api/v1/organizations", get(anon, lambda r: "/api/v1/organizations")),
    ]


def measure(app, rounds: int, seed: int, profile: str | None,
            probes: list[Endpoint] | None = None) -> list[Endpoint]:
    probes = probes or endpoints(app, people(app))
    rng = random.Random(seed)
    for probe in probes:                # warm-up: caches, compiled statements, templates
        for _ in range(3):
            probe.run(rng)
        probe.cpu.clear()
    profiler = cProfile.Profile() if profile else None
    for _round in range(rounds):
        order = probes[:]
        rng.shuffle(order)
        for probe in order:
            probe.run(rng, profiler if profile in (probe.name, "all") else None)
    if profiler is not None:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(f"{bp.ROOT}/(models|views|workflow|app)", 40)
        by_package(stats)
    return probes


def by_package(stats: pstats.Stats) -> None:
    """Own time (tottime) summed per package, and the calls from outside SQLAlchemy into it by
    caller (cumulative): where the CPU goes, by whose code, and which of INFO's reads cost it."""
    totals: dict[str, float] = {}
    entries: dict[tuple[str, str, str], float] = {}
    for func, (_cc, _nc, tottime, _ct, callers) in stats.stats.items():
        filename = func[0]
        if "site-packages/" in filename:
            key = filename.split("site-packages/")[1].split("/")[0]
        elif filename.startswith(str(bp.ROOT)):
            key = "INFO " + filename[len(str(bp.ROOT)) + 1:].split("/")[0]
        elif filename.startswith("<") or filename == "~":
            key = "builtins"
        else:
            key = "stdlib " + filename.rsplit("/", 1)[-1]
        totals[key] = totals.get(key, 0.0) + tottime
        if "site-packages/sqlalchemy" in filename:
            for caller, (_c, _n, _t, cumtime) in callers.items():
                if "site-packages/sqlalchemy" not in caller[0]:
                    where = (caller[0].rsplit("/", 1)[-1], caller[2], func[2])
                    entries[where] = entries.get(where, 0.0) + cumtime
    whole = sum(totals.values())
    print("own time by package:")
    for key, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:18]:
        print(f"  {key:40s} {seconds * 1000:8.0f} ms  {seconds / whole:6.1%}")
    print("calls into SQLAlchemy, by caller (file, function, SQLAlchemy's function):")
    for where, seconds in sorted(entries.items(), key=lambda kv: -kv[1])[:20]:
        print(f"  {' · '.join(where):70s} {seconds * 1000:8.0f} ms")


def report(probes: list[Endpoint], label: str) -> float:
    hello = probes[0].median_ms
    print(f"\n{label}: CPU per request (process time), {len(probes[0].cpu)} interleaved rounds\n")
    print("| endpoint | median CPU ms | mean CPU ms | × /healthz |")
    print("|---|---:|---:|---:|")
    for probe in probes:
        print(f"| {probe.name} | {probe.median_ms:.2f} | {probe.mean_ms:.2f} | "
              f"{probe.median_ms / hello:.1f} |")
    by_name = {p.name: p for p in probes}
    mixed = sum(w * by_name[n].mean_ms for n, w in MIX.items()) / sum(MIX.values())
    print(f"\nmixed deadline-week workload (locustfile weights, logins excluded): "
          f"**{mixed:.2f} ms CPU per request** (target ≤ 10)")
    return mixed


def run(args) -> None:
    import logging
    logging.getLogger("sqlalchemy").setLevel(logging.ERROR)
    secret = secrets.token_hex(32)
    if args.url:
        context = contextlib.nullcontext(args.url)
    else:
        context = bp.database(args.db, args.pg_url)
    with context as url:
        if args.url:
            app = bp.info_app(url, secret)
        else:
            app, seeded = bp.build(url, args.scale, secret)
            print(f"seeded {args.scale} in {seeded:.0f} s")
        if args.unfreeze:               # as before app.freeze_startup_objects: to compare
            import gc
            gc.unfreeze()
        label = args.db if not args.url else re.sub(r"//.*@", "//", url)
        if args.http:
            with bp.server_process("info", url, secret) as port:
                probes = endpoints(app, people(app),
                                   client_for=lambda user: HttpClient(port, user),
                                   clock=server_cpu(bp.PID_OF[port]))
                probes = measure(app, args.rounds, args.seed, None, probes)
            label += (f", over HTTP: a waitress process ({bp.THREADS} threads), one client, "
                      "the server's CPU")
        else:
            probes = measure(app, args.rounds, args.seed, args.profile)
        report(probes, label)
        with app.app_context():
            from models import db
            db.engine.dispose()


def main() -> None:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("demo", "province", "national"), default="national")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=bp.os.environ.get(
        "BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--url", help="an already seeded database (nothing is created or dropped)")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2570)
    parser.add_argument("--unfreeze", action="store_true",
                        help="undo app.freeze_startup_objects (gc.freeze) to measure without it")
    parser.add_argument("--profile", metavar="ENDPOINT",
                        help="cProfile this endpoint's requests (all: every endpoint's)")
    parser.add_argument("--http", action="store_true",
                        help="the same requests over HTTP to a waitress process, one at a time; "
                             "the CPU is the server process's (all its threads)")
    args = parser.parse_args()
    start = time.perf_counter()
    run(args)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    sys.path.insert(0, str(bp.ROOT))
    main()
