#!/usr/bin/env python
"""Peak memory and time of the province / national workbook as the number of LAOs grows.

    .venv/bin/python bench/bench_workbooks.py [--scale national|province] [--db URL] [--keep]

Builds a temporary SQLite database (or uses `--db`, which must already hold seeded data),
seeds the demo at `--scale` (national: 7,850 LAOs × 1 year, about a minute), then writes the
FY 2570 workbook of models/exchange/workbooks.py (`area_workbook`, every section and child sheet) for
อุทัยธานี (61, ~70 LAOs), นครราชสีมา (30, ~320) and the whole country, each in a fresh
subprocess.  It prints each run's LAOs, seconds, file size, the process's peak RSS and how
much of it the workbook added above the peak after the app was built (ru_maxrss; 0 when
writing never went past start-up), and the ratios to the smallest run: memory should stay
flat while time grows with the rows.  Times are for comparison within the run only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
YEAR = 2570
AREAS = (("61", "อุทัยธานี"), ("30", "นครราชสีมา"), (None, "ทั้งประเทศ"))


def child(url: str, province: str | None) -> None:
    import resource
    import time
    from datetime import datetime, timezone

    os.environ.update(DATABASE_URL=url, INFO_MODE="demo")
    from app import create_app
    from models import Submission, db
    from models.exchange.workbooks import area_workbook
    app = create_app()
    with app.app_context():
        db.session.execute(db.select(Submission.id).limit(1)).all()   # connect, load mappers
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        fd, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)

        def narrow(query):
            return query.where(Submission.province_code == province) if province else query
        started = time.perf_counter()
        laos = area_workbook(path, YEAR, "bench", narrow, datetime.now(timezone.utc))
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
        size = os.path.getsize(path)
        os.unlink(path)
    print(json.dumps(dict(laos=laos, seconds=seconds, rss_kb=peak, size_kb=size // 1024,
                          peak_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="national", choices=("national", "province"))
    parser.add_argument("--db", help="an already seeded database URL (skips seeding)")
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], None if args.child[1] == "-" else args.child[1])
        return
    tmp = None
    url = args.db
    if url is None:
        tmp = tempfile.mkdtemp(prefix="info-bench-xlsx-")
        url = f"sqlite:///{tmp}/bench.sqlite3"
        env = {**os.environ, "DATABASE_URL": url, "INFO_MODE": "demo"}
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        subprocess.run([*flask, "db", "upgrade"], check=True, cwd=ROOT, env=env,
                       capture_output=True)
        print(f"seeding {args.scale} into {url} …", flush=True)
        subprocess.run([*flask, "seed-demo", "--scale", args.scale, "--years", "1",
                        "--password", "bench-password-2570"], check=True, cwd=ROOT, env=env,
                       capture_output=True)
    results = []
    for code, name in AREAS:
        out = subprocess.run([sys.executable, __file__, "--child", url, code or "-"],
                             check=True, capture_output=True, text=True, cwd=ROOT).stdout
        results.append((name, json.loads(out.strip().splitlines()[-1])))
    first = results[0][1]
    print(f"{'area':<12} {'LAOs':>6} {'s':>7} {'MB file':>8} {'MB peak':>8} {'MB added':>9}"
          f" {'LAOs ×':>7} {'time ×':>7} {'peak ×':>7}")
    for name, r in results:
        print(f"{name:<12} {r['laos']:>6} {r['seconds']:>7.2f} {r['size_kb'] / 1024:>8.1f}"
              f" {r['peak_kb'] / 1024:>8.1f} {r['rss_kb'] / 1024:>9.1f}"
              f" {r['laos'] / max(first['laos'], 1):>6.0f}×"
              f" {r['seconds'] / first['seconds']:>6.1f}× "
              f"{r['peak_kb'] / first['peak_kb']:>6.2f}×")
    if tmp:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
