#!/usr/bin/env python
"""Which streaming XLSX writer INFO uses: XlsxWriter (constant_memory) vs openpyxl (write_only),
a hand-written one (raw: the sheet's XML as strings into a deflated zip, a prototype), and,
when it is installed, rustpy-xlsxwriter (Rust; not in requirements.txt, a candidate).

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
COLUMNS = 42          # section 1's catalogue columns (models/tables/sections.py Section1General)


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


# --- a hand-written writer: what a sheet's XML costs without a library in between --------------
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_PARTS = {
    "[Content_Types].xml": _XML + (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
    "_rels/.rels": _XML + (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>'),
    "xl/workbook.xml": _XML + (
        f'<workbook {_NS} xmlns:r="{_REL}"><sheets><sheet name="ด้านที่ 1" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": _XML + (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'),
    # cell styles: 0 general, 1 #,##0, 2 #,##0.00 (dates are BE text, as INFO writes them)
    "xl/styles.xml": _XML + (
        f'<styleSheet {_NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00"/>'
        '</numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
        'patternType="gray125"/></fill></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf/>'
        '<xf numFmtId="3" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/>'
        '</cellXfs></styleSheet>'),
}


def _write_raw(path: str, rows: int) -> None:
    """The same sheet as the two libraries write (header rows, frozen panes, autofilter,
    number formats; text as inline strings, never formulas), as XML strings joined per row
    and deflated at level 1 — a prototype, not used by INFO."""
    import io
    import zipfile
    from decimal import Decimal
    width = 5 + COLUMNS
    names = [_col(c + 1) for c in range(width)]

    def text(ref, value):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value.translate(_ESCAPE)}</t></is></c>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for name, body in _PARTS.items():
            book.writestr(name, body)
        with book.open("xl/worksheets/sheet1.xml", "w") as raw:
            out = io.TextIOWrapper(raw, encoding="utf-8")
            out.write(_XML + f'<worksheet {_NS}><sheetViews><sheetView workbookViewId="0">'
                      '<pane xSplit="2" ySplit="2" topLeftCell="C3" state="frozen"/>'
                      '</sheetView></sheetViews><sheetData>')
            for n, cells in ((1, [f"ข้อมูล {c}" for c in range(width)]),
                             (2, [f"field_{c}" for c in range(width)])):
                out.write(f'<row r="{n}">' + "".join(text(f"{names[c]}{n}", v)
                                                     for c, v in enumerate(cells)) + "</row>")
            for r in range(rows):
                n = r + 3
                parts = [f'<row r="{n}">']
                for c, value in enumerate(_row(r)):
                    if value is None:
                        continue
                    if isinstance(value, str):
                        parts.append(text(f"{names[c]}{n}", value))
                    elif isinstance(value, int):
                        parts.append(f'<c r="{names[c]}{n}" s="1"><v>{value}</v></c>')
                    elif isinstance(value, Decimal):
                        parts.append(f'<c r="{names[c]}{n}" s="2"><v>{float(value)}</v></c>')
                    else:           # a date: BE text, as models/workbooks.be_date writes it
                        parts.append(text(f"{names[c]}{n}",
                                          f"{value.day}/{value.month}/{value.year + 543}"))
                parts.append("</row>")
                out.write("".join(parts))
            out.write(f'</sheetData><autoFilter ref="A2:{names[-1]}{rows + 2}"/></worksheet>')
            out.flush()
            out.detach()


def _col(n: int) -> str:
    name = ""
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


def _write_rustpy(path: str, rows: int) -> None:
    """rustpy-xlsxwriter (Python bindings of rust_xlsxwriter, by XlsxWriter's author): rows as
    dicts, constant memory.  Its records API writes ONE header row (the dict keys): the Thai
    label row above the field codes, which INFO's workbooks and import templates carry, has no
    place in it, so this sheet has only the code row."""
    from decimal import Decimal

    import rustpy_xlsxwriter
    keys = [f"field_{c}" for c in range(5 + COLUMNS)]

    def records():
        for r in range(rows):
            yield {k: float(v) if isinstance(v, Decimal) else v for k, v in zip(keys, _row(r))}
    rustpy_xlsxwriter.write_worksheet(
        records(), path, sheet_name="ด้านที่ 1", freeze_row=1, freeze_col=2,
        float_format="#,##0.00", datetime_format="[$-th-TH,107]d/m/yyyy", autofilter=True)


WRITERS = {"xlsxwriter": _write_xlsxwriter, "openpyxl": _write_openpyxl, "raw": _write_raw}
try:    # a candidate measured, not one of INFO's requirements: pip install rustpy-xlsxwriter
    import rustpy_xlsxwriter  # noqa: F401
    WRITERS["rustpy"] = _write_rustpy
except ImportError:
    pass


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
    WRITERS[writer](path, rows)
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
               for w in WRITERS}
    print(f"{'rows':>7} {'writer':<11} {'s':>7} {'RSS MB':>7} {'traced MB':>9} {'file MB':>7}"
          f" {'time/1k':>8} {'RSS/1k':>7} {'traced/1k':>9}")
    for n in sizes:
        for w in WRITERS:
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
    print("\nHand-written XML (raw, a prototype) ÷ XlsxWriter at the same size:")
    for n in sizes:
        r, x = results[("raw", n)], results[("xlsxwriter", n)]
        print(f"{n:>7} rows: time {r['seconds'] / x['seconds']:.2f}×, "
              f"RSS {max(r['rss_kb'], 1) / max(x['rss_kb'], 1):.2f}×")
    if "rustpy" in WRITERS:
        print("\nrustpy-xlsxwriter (one header row only) ÷ XlsxWriter at the same size:")
        for n in sizes:
            r, x = results[("rustpy", n)], results[("xlsxwriter", n)]
            print(f"{n:>7} rows: time {r['seconds'] / x['seconds']:.2f}×, "
                  f"RSS {max(r['rss_kb'], 1) / max(x['rss_kb'], 1):.2f}×")


if __name__ == "__main__":
    main()
