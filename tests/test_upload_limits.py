"""Issue 21 items 1, 2 and 6: an uploaded table is bounded before it is read.  A 4.9 KB workbook
with one cell at XFD1048576 made calamine ask for 512 GB and aborted the server; a CSV of 9.4
million blank lines cost 1.5 GB before the row limit refused it.  Each file below is read in a
process of its own whose peak memory (ru_maxrss, what the kernel counted) is compared with the
same process's peak after a small good file: a refusal must cost next to nothing."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from models import AuditLog, ImportBatch, Submission, db
from models.exchange.sheets import MAX_AREA, MAX_COLUMNS, MAX_ELEMENTS, MAX_ROWS, read_table

from . import rawxlsx
from .conftest import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent
HEAD = rawxlsx.table([["dla_code", "livestock_farms"], ["6100101", 5]])
# What a refusal may cost above the reading of a two-row file (the file's own bytes included:
# the largest here is 9.4 MB).  Before the fix the far cell asked for 512 GB, XFD3000 took
# 2.5 GB and the blank lines 1.5 GB.
MARGIN_MB = 64

_READER = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))   # a regression fails, not the host
sys.path.insert(0, sys.argv[1])
# models/exchange/sheets.py alone (its imports: workflow, python-calamine, XlsxWriter), not the models
# package: the baseline is then this reader's, not the whole application's import.
import importlib.util
spec = importlib.util.spec_from_file_location("sheets", sys.argv[1] + "/models/exchange/sheets.py")
sheets = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sheets)
FileRefused, read_table = sheets.FileRefused, sheets.read_table
def peak():
    # VmHWM: this process's own high-water mark (ru_maxrss keeps the forking parent's past exec).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    cpu = time.process_time()
    try:
        rows = read_table(data, "S")
        answer = {"rows": len(rows), "width": max(map(len, rows), default=0)}
    except FileRefused as refusal:
        answer = {"refused": str(refusal)}
    answer.update(path=path, peak_mb=peak(), cpu_s=round(time.process_time() - cpu, 2))
    del data
    print(json.dumps(answer, ensure_ascii=False), flush=True)
"""


def _xlsx(sheet_data, **kw) -> bytes:
    return rawxlsx.workbook(sheet_data, sheet="S", **kw)


def _far(ref: str, row: int) -> bytes:
    return _xlsx(HEAD + rawxlsx.row(row, rawxlsx.cell(ref, "x")))


FILES = {
    # The attack as found, and the far corner of a sheet in each direction.
    "XFD1048576": (_far("XFD1048576", 1048576), "XFD1048576"),
    "XFD3000": (_far("XFD3000", 3000), "XFD3000"),
    "A1048576": (_far("A1048576", 1048576), "A1048576"),
    "the first row past the limit": (_far(f"A{MAX_ROWS + 1}", MAX_ROWS + 1), f"A{MAX_ROWS + 1}"),
    "the first column past the limit": (_xlsx(HEAD + rawxlsx.row(3, rawxlsx.cell("KO3", 1))),
                                        "KO3"),
    # No `r` at all: the position follows from the rows and cells before it.
    "a cell without r in the last row": (
        _xlsx(HEAD + rawxlsx.row(1048576, rawxlsx.cell(None, 1))), "A1048576"),
    "a rectangle within both limits but too large": (
        _xlsx(HEAD + rawxlsx.row(MAX_ROWS - 1, rawxlsx.cell(f"KN{MAX_ROWS - 1}", 1))),
        "ใหญ่เกินกว่าที่รับได้"),
    # Cheap to zip, not to walk: millions of empty rows, and of styled empty cells.
    "four million empty rows": (_xlsx(b"<row/>" * (MAX_ELEMENTS + 1_000_000)), "รวมที่ว่าง"),
    "a row of styled empty cells": (
        _xlsx(HEAD + rawxlsx.row(3, '<c s="0"/>' * (MAX_ELEMENTS + 1))), "รวมที่ว่าง"),
    "more shared strings than cells": (
        _xlsx(HEAD, shared_strings=b"<si><t>a</t></si>" * (MAX_AREA + 1)), "ข้อความมากเกิน"),
    "a header and 9.4 million blank lines": (b"dla_code,livestock_farms\n" + b"\n" * 9_400_000,
                                             f"มากกว่า {MAX_ROWS:,} แถว"),
    "one 9 MB cell": (b"dla_code,livestock_farms\n6100101," + b"9" * 9_000_000,
                      "ยาวเกิน 131,072 ตัวอักษร"),
    "an unclosed quote": (b'dla_code,livestock_farms\n6100101,"5\n' + b"6100102,7\n" * 20_000,
                          "เครื่องหมายคำพูด"),
}
# Accepted, and bounded too: a declared dimension of the whole sheet is not believed, and a
# far cell holding no value is not data (calamine does not place it).
GOOD = {
    "the whole sheet declared": _xlsx(HEAD, dimension="A1:XFD1048576"),
    "a styled empty cell at XFD1048576": _xlsx(HEAD + rawxlsx.row(1048576,
                                                                  rawxlsx.cell("XFD1048576", None))),
    "a table at the limits": _xlsx(rawxlsx.table([["dla_code", *(f"c{n}" for n in range(48))]]
                                                 + [[f"61{n:05d}", *range(48)]
                                                    for n in range(MAX_ROWS - 1)])),
}


@pytest.fixture(scope="module")
def readings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads")
    paths = {}
    for name, data in [("baseline", _xlsx(HEAD)), *((n, d) for n, (d, _m) in FILES.items()),
                       *GOOD.items()]:
        paths[name] = folder / f"{len(paths)}.bin"
        paths[name].write_bytes(data)
    names = {str(p): n for n, p in paths.items()}
    done = subprocess.run([sys.executable, "-c", _READER, str(ROOT), *map(str, paths.values())],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return {names[a["path"]]: a for a in map(json.loads, done.stdout.splitlines())}


@pytest.mark.parametrize("name", list(FILES))
def test_a_file_past_a_limit_is_refused_in_thai_before_it_costs_memory(readings, name):
    answer, baseline = readings[name], readings["baseline"]
    assert FILES[name][1] in answer.get("refused", ""), answer
    assert answer["peak_mb"] - baseline["peak_mb"] < MARGIN_MB, answer


@pytest.mark.parametrize("name", list(GOOD))
def test_a_file_within_the_limits_is_read_and_bounded(readings, name):
    answer, baseline = readings[name], readings["baseline"]
    assert "refused" not in answer, answer
    assert answer["rows"] in (2, MAX_ROWS) and answer["width"] in (2, 49), answer
    if name != "a table at the limits":      # that one holds a million cells on purpose
        assert answer["peak_mb"] - baseline["peak_mb"] < MARGIN_MB, answer


def test_a_workbook_with_prefixed_names_is_read_and_bounded_alike():
    """The OpenXML SDK writes <x:row><x:c>: the same cells, the same limits."""
    good = rawxlsx.workbook(rawxlsx.prefixed(HEAD), sheet="S", prefix="x")
    assert read_table(good, "S") == [["dla_code", "livestock_farms"], ["6100101", 5]]
    far = rawxlsx.prefixed(HEAD + rawxlsx.row(1048576, rawxlsx.cell("XFD1048576", "x")))
    with pytest.raises(ValueError, match="XFD1048576"):
        read_table(rawxlsx.workbook(far, sheet="S", prefix="x"), "S")


def test_the_refusal_names_the_far_cell_and_the_limits():
    with pytest.raises(ValueError) as refused:
        read_table(_far("XFD1048576", 1048576), "S")
    message = str(refused.value)
    assert "XFD1048576" in message and f"{MAX_ROWS:,} แถว" in message \
        and f"{MAX_COLUMNS} คอลัมน์" in message


def test_the_attack_workbook_gets_a_thai_message_and_the_server_answers_the_next_request(
        app, demo):
    """The workbook of the report, made as the attacker made it (openpyxl, one more cell at
    XFD1048576, 4.9 KB), uploaded by a clerk for section 3."""
    with app.app_context():
        code = db.session.scalar(select(Submission).where(
            Submission.fiscal_year == 2570).order_by(Submission.id)).organization.dla_code
    book = Workbook()
    sheet = book.active
    sheet.title = "ด้านที่ 3"
    sheet.append(["dla_code", "livestock_farms"])
    sheet.append([code, 5])
    sheet["XFD1048576"] = "x"
    out = io.BytesIO()
    book.save(out)
    assert len(out.getvalue()) < 6000
    client = app.test_client()
    assert login(client, f"lao-{code}").status_code == 302
    with app.app_context():
        before = (db.session.scalar(select(func.count()).select_from(AuditLog)),
                  db.session.scalar(select(func.count()).select_from(ImportBatch)))
    response = client.post("/admin/import/", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/admin/import/"), "section": "3", "year": "2570",
        "mode": "all", "file": (io.BytesIO(out.getvalue()), "livestock.xlsx")})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "XFD1048576" in page and "นอกขอบเขตที่รับได้" in page
    with app.app_context():
        assert (db.session.scalar(select(func.count()).select_from(AuditLog)),
                db.session.scalar(select(func.count()).select_from(ImportBatch))) == before
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
    assert client.get("/admin/import/").status_code == 200
