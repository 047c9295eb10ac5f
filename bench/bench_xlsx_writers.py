#!/usr/bin/env python
"""Which streaming XLSX writer INFO uses: XlsxWriter (constant_memory) vs openpyxl (write_only).

    .venv/bin/python bench/bench_xlsx_writers.py [--rows 1000,8000,25000] [--repeat 3]

Each run is a fresh subprocess that writes one sheet of N LAO rows × section 1's columns (the
widest section: 5 LAO columns + 42 fields — integers, decimals, dates, Thai text) with the
header rows, frozen panes, number formats and autofilter the province / national workbooks
use, to a temporary file.  It reports wall time and peak memory (the child's ru_maxrss less
its ru_maxrss after the imports; with --traced also tracemalloc's peak of Python allocations,
in runs whose times are then slowed by the tracing) as ratios:
each writer against itself at the smallest size (does memory stay flat as rows grow?) and
XlsxWriter against openpyxl at the same size, medians of `--repeat` runs.  Absolute numbers
are printed too, but only the ratios mean anything on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = 42          # section 1's catalogue columns (models/sections.py Section1General)


def _row(i: int):
    """A realistic LAO row: codes and Thai names, then counts, decimals, a date, text."""
    from datetime import date
    from decimal import Decimal
    head = [f"{6000000 + i:07d}", f"องค์การบริหารส่วนตำบลทดสอบ {i}", "เมืองอุทัยธานี",
            "อุทัยธานี", "รับรองระดับจังหวัดแล้ว"]
    values = []
    for c in range(COLUMNS):
        kind = c % 6
        values.append(
            i * 7 + c if kind in (0, 1) else
            Decimal(f"{(i * 13 + c) % 100000}.{c % 100:02d}") if kind == 2 else
            date(2025, 1 + c % 12, 1 + i % 28) if kind == 3 else
            "ที่ราบลุ่มริมแม่น้ำสะแกกรัง มีน้ำท่วมขังบางปี" if kind == 4 else None)
    return head + values


def _write_xlsxwriter(path: str, rows: int) -> None:
    import xlsxwriter
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                      "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet("ด้านที่ 1")
    integer, dec = book.add_format({"num_format": "#,##0"}), book.add_format(
        {"num_format": "#,##0.00"})
    be_date = book.add_format({"num_format": "[$-th-TH,107]d/m/yyyy"})
    width = 5 + COLUMNS
    sheet.write_row(0, 0, [f"ข้อมูล {c}" for c in range(width)])
    sheet.write_row(1, 0, [f"field_{c}" for c in range(width)])
    sheet.freeze_panes(2, 2)
    sheet.autofilter(1, 0, rows + 1, width - 1)
    for r in range(rows):
        for c, value in enumerate(_row(r)):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r + 2, c, value)
            elif hasattr(value, "year"):
                sheet.write_datetime(r + 2, c, value, be_date)
            elif isinstance(value, int):
                sheet.write_number(r + 2, c, value, integer)
            else:
                sheet.write_number(r + 2, c, float(value), dec)
    book.close()


def _write_openpyxl(path: str, rows: int) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    book = Workbook(write_only=True)
    sheet = book.create_sheet("ด้านที่ 1")
    width = 5 + COLUMNS
    sheet.freeze_panes = "C3"
    sheet.auto_filter.ref = f"A2:{_col(width)}{rows + 2}"
    sheet.append([f"ข้อมูล {c}" for c in range(width)])
    sheet.append([f"field_{c}" for c in range(width)])
    for r in range(rows):
        cells = []
        for value in _row(r):
            cell = WriteOnlyCell(sheet, value=float(value) if type(value).__name__ == "Decimal"
                                 else value)
            if isinstance(value, int):
                cell.number_format = "#,##0"
            elif hasattr(value, "year"):
                cell.number_format = "[$-th-TH,107]d/m/yyyy"
            elif cell.data_type == "n" and value is not None:
                cell.number_format = "#,##0.00"
            elif isinstance(value, str):
                cell.data_type = "s"     # never a formula, even for "=1+1"
            cells.append(cell)
        sheet.append(cells)
    book.save(path)


def _col(n: int) -> str:
    name = ""
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


def child(writer: str, rows: int, traced: bool) -> None:
    """Run in the subprocess: import, then write, and print one JSON line of measurements."""
    import os
    import resource
    import tempfile
    import time
    import tracemalloc
    import openpyxl  # noqa: F401  (both imported, so the baseline RSS is the same)
    import xlsxwriter  # noqa: F401
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    if traced:   # tracemalloc slows the writers 3-5×: its runs are not timed against others
        tracemalloc.start()
    started = time.perf_counter()
    (_write_xlsxwriter if writer == "xlsxwriter" else _write_openpyxl)(path, rows)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    size = os.path.getsize(path)
    os.unlink(path)
    print(json.dumps(dict(seconds=seconds, rss_kb=resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss - base, traced_kb=peak // 1024, size_kb=size // 1024)))


def measure(writer: str, rows: int, repeat: int, traced: bool) -> dict:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--child", writer, str(rows),
                              "1" if traced else "0"],
                             check=True, capture_output=True, text=True, cwd=ROOT).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="1000,8000,25000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--traced", action="store_true",
                        help="also trace Python allocations (slower; time is then not clean)")
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2] == "1")
        return
    sizes = [int(n) for n in args.rows.split(",")]
    results = {(w, n): measure(w, n, args.repeat, args.traced) for n in sizes
               for w in ("xlsxwriter", "openpyxl")}
    print(f"{'rows':>7} {'writer':<11} {'s':>7} {'RSS MB':>7} {'traced MB':>9} {'file MB':>7}"
          f" {'time/1k':>8} {'RSS/1k':>7} {'traced/1k':>9}")
    for n in sizes:
        for w in ("xlsxwriter", "openpyxl"):
            r, first = results[(w, n)], results[(w, sizes[0])]
            print(f"{n:>7} {w:<11} {r['seconds']:>7.2f} {r['rss_kb'] / 1024:>7.1f}"
                  f" {r['traced_kb'] / 1024:>9.1f} {r['size_kb'] / 1024:>7.1f}"
                  f" {r['seconds'] / first['seconds']:>7.1f}×"
                  f" {max(r['rss_kb'], 1) / max(first['rss_kb'], 1):>6.1f}×"
                  f" {max(r['traced_kb'], 1) / max(first['traced_kb'], 1):>8.1f}×")
    print("\nXlsxWriter ÷ openpyxl at the same size (below 1 = XlsxWriter better):")
    for n in sizes:
        x, o = results[("xlsxwriter", n)], results[("openpyxl", n)]
        print(f"{n:>7} rows: time {x['seconds'] / o['seconds']:.2f}×, "
              f"RSS {max(x['rss_kb'], 1) / max(o['rss_kb'], 1):.2f}×, "
              f"traced {max(x['traced_kb'], 1) / max(o['traced_kb'], 1):.2f}×")


if __name__ == "__main__":
    main()
