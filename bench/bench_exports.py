#!/usr/bin/env python
"""The national exports at national scale: time to the first and the last byte, and the serving
process's peak memory (issue 13: "every row in under 3 s, peak memory under 300 MB").

    .venv/bin/python bench/bench_exports.py [--db sqlite|postgres] [--scale national] [--repeat 3]
    .venv/bin/python bench/bench_exports.py --url sqlite:////tmp/x.sqlite3   # an already seeded DB

Serves INFO with waitress in a subprocess (bench_pages.server_process, 4 threads), signs in
through the login form and downloads, each REPEAT times after one untimed request:

  - the dla_admin's all-years CSV export of the review list (/admin/submission/export/csv/:
    every row, 23,550 at national scale, streamed),
  - the dla_admin's national XLSX workbook of the open year (/admin/submission/workbook/: 8
    section sheets and 5 child sheets, one row per LAO, 7,850) as users meet it (kept until
    its data changes, views/workbook_cache.py): written in the request when none is kept,
    kept, and right after a change (the last one sent, the next written in the background),
  - the province officer's open-year CSV and workbook (นครราชสีมา, 308 LAOs), for scale,

timed against /healthz in the same run.  The peak is the server process's VmHWM, reset before
each download (/proc/<pid>/clear_refs), so each figure is that download's own.  bench_run.py
(`make bench`) measures the same table with `time_exports`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import statistics
import sys
import time

import bench_pages as bp


def server_pid(port: int) -> int | None:
    """The pid listening on `port` (fuser), or None where fuser is missing."""
    if os.system("command -v fuser >/dev/null") != 0:
        return None
    found = os.popen(f"fuser {port}/tcp 2>/dev/null").read().split()
    return int(found[0]) if found else None


def peak_kb(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1])
    return 0


def rss_kb(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> None:
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")            # Linux: resets the peak resident set size to the current
    except OSError:
        pass


def download(client: bp.Client, path: str) -> tuple[int, int, int, float, float]:
    """(status, bytes, lines, seconds to the first byte of the body, seconds to the last)."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())}
    for attempt in (1, 2):
        start = time.perf_counter()
        try:
            client.conn.request("GET", path, headers=headers)
            response = client.conn.getresponse()
            break
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # a keep-alive connection idle past waitress' channel_timeout (the pages before
            # the exports can take longer than it): reconnect once, as bp.Client.request does
            client.conn.close()
            if attempt == 2:
                raise
    first = response.read(1)
    first_at = time.perf_counter() - start
    size, lines = len(first), first.count(b"\n")
    while chunk := response.read(256 * 1024):
        size += len(chunk)
        lines += chunk.count(b"\n")
    last_at = time.perf_counter() - start
    if response.getheader("Connection", "").lower() == "close":
        client.conn.close()
    return response.status, size, lines, first_at, last_at


def _kept_files(cache_dir: str) -> list[str]:
    return [os.path.join(cache_dir, n) for n in os.listdir(cache_dir) if n.endswith(".xlsx")]


def _wait_for_writing(cache_dir: str, timeout: float = 300.0) -> float | None:
    """Wait until no workbook is being written (views/workbook_cache.py's lock files); the
    seconds that writing took (the newest .json), or None when none was being written."""
    def locks() -> bool:
        return any(n.endswith(".lock") for n in os.listdir(cache_dir))
    if not locks():
        return None
    deadline = time.monotonic() + timeout
    while locks():
        if time.monotonic() > deadline:
            raise SystemExit("a background workbook writing did not finish")
        time.sleep(0.1)
    metas = [os.path.join(cache_dir, n) for n in os.listdir(cache_dir) if n.endswith(".json")]
    return json.load(open(max(metas, key=os.path.getmtime)))["seconds"]


def time_exports(exports, clients: dict, pid: int | None, repeat: int, *,
                 cache_dir: str | None = None, change=None) -> list[dict]:
    """Each export (name, user, path, is_csv, mode) `repeat` times after one warm-up download.

    A workbook is measured as the users meet it (views/workbook_cache.py): mode "written" with
    nothing kept (the first download of a year: written in the request), "kept" with the data
    unchanged, "changed" right after `change()` changed the data (the last file is sent, one
    new writing starts in the background; the run waits for it before going on and reports
    how long it took)."""
    results = []
    hello = clients[None]
    for name, user, path, is_csv, mode in exports:
        client = clients[user]
        download(client, path)
        firsts, lasts, peaks, above, hellos, behind = [], [], [], [], [], []
        for _ in range(repeat):
            if mode == "written":
                for kept in _kept_files(cache_dir):
                    os.unlink(kept)
            elif mode == "changed":
                change()
            start = time.perf_counter()
            hello.request("GET", "/healthz")
            hellos.append(time.perf_counter() - start)
            if pid:
                reset_peak(pid)
                before = rss_kb(pid)
            status, size, lines, first, last = download(client, path)
            firsts.append(first)
            lasts.append(last)
            if pid:
                peaks.append(peak_kb(pid) // 1024)
                above.append((peak_kb(pid) - before) // 1024)
            if mode == "changed":
                behind.append(_wait_for_writing(cache_dir))
        if behind and all(b is not None for b in behind):   # sent as last written
            name += f"; the next file written in the background in " \
                    f"{statistics.median(behind):.1f} s"
        results.append(dict(name=name, status=status, size=size,
                            rows=lines - 1 if is_csv else None,   # the header line
                            first_ms=statistics.median(firsts) * 1000,
                            last_ms=statistics.median(lasts) * 1000,
                            hello_ms=statistics.median(hellos) * 1000,
                            peak_mb=max(peaks) if peaks else None,
                            above_mb=max(above) if above else None))
    return results


def exports_of(province: str, year: int) -> list[tuple[str, str | None, str, bool, str | None]]:
    officer = f"prov-{province}"
    national = f"/admin/submission/workbook/?year={year}"
    return [
        ("national CSV export, all years (dla_admin)", "admin", "/admin/submission/export/csv/",
         True, None),
        (f"national XLSX workbook, {year} (dla_admin), written in the request (none kept)",
         "admin", national, False, "written"),
        (f"national XLSX workbook, {year}, kept (data unchanged)", "admin", national, False,
         "kept"),
        (f"national XLSX workbook, {year}, right after a change (the last one sent)", "admin",
         national, False, "changed"),
        (f"province {province} CSV export, open year", officer,
         f"/admin/submission/export/csv/?flt0_0={year}", True, None),
        (f"province {province} XLSX workbook, {year}, right after a change (written in the "
         "request)", officer, f"/admin/submission/workbook/?year={year}", False, "changed"),
    ]


def data_changer(app, year: int, province: str):
    """A change to the open year's data, as a save or a transition makes one: the version of
    one LAO-year of `province` raised (its updated_at moves with it), so both the nation's and
    the province's workbooks are out of date."""
    def change() -> None:
        from sqlalchemy import func, select, update

        from models import Submission, db
        with app.app_context():
            first = db.session.scalar(select(func.min(Submission.id)).where(
                Submission.fiscal_year == year, Submission.province_code == province))
            db.session.execute(update(Submission).where(Submission.id == first)
                               .values(version=Submission.version + 1))
            db.session.commit()
            db.session.remove()
    return change


def table(results: list[dict]) -> list[str]:
    lines = ["| export | HTTP | rows | bytes | first byte ms | last byte ms (median) | "
             "× /healthz | server peak RSS MB | above its RSS before, MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        rows = f"{r['rows']:,}" if r["rows"] is not None else "—"
        peak = r["peak_mb"] if r["peak_mb"] is not None else "n/a"
        above = r["above_mb"] if r["above_mb"] is not None else "n/a"
        lines.append(f"| {r['name']} | {r['status']} | {rows} | {r['size']:,} | "
                     f"{r['first_ms']:.0f} | **{r['last_ms']:.0f}** | "
                     f"{r['last_ms'] / r['hello_ms']:,.0f} | {peak} | {above} |")
    return lines


def run(args) -> None:
    secret = secrets.token_hex(32)
    context = contextlib.nullcontext(args.url) if args.url else bp.database(args.db, args.pg_url)
    with context as url:
        if args.url:
            app = bp.info_app(url, secret)
        else:
            app, seeded = bp.build(url, args.scale, secret)
            print(f"seeded {args.scale} in {seeded:.0f} s")
        f = bp.facts(app)
        with app.app_context():
            from models import db
            db.engine.dispose()
        with bp.server_process("info", url, secret) as port:
            clients = {u: bp.Client(port) for u in ("admin", f"prov-{f['province']}")}
            for user, client in clients.items():
                client.login(user)
            clients[None] = bp.Client(port)
            results = time_exports(exports_of(f["province"], bp.OPEN_YEAR), clients,
                                   server_pid(port), args.repeat,
                                   cache_dir=bp.CACHE_DIR_OF[port],
                                   change=data_changer(app, bp.OPEN_YEAR, f["province"]))
        print(f"\n{re.sub(r'//[^@/]*@', '//', url)}: {f['total']:,} submissions, "
              f"{f['total_year']:,} in {bp.OPEN_YEAR}; load average "
              f"{' '.join(open('/proc/loadavg').read().split()[:3])}\n")
        print("\n".join(table(results)))


def main() -> None:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("demo", "national"), default="national")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--url", help="an already seeded database (nothing is created or dropped)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    run(args)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    sys.path.insert(0, str(bp.ROOT))
    main()
