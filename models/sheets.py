"""Reading an uploaded table (XLSX or CSV) into rows of cells, or refusing the file in Thai.

XLSX is read with python-calamine (Rust's calamine): the fastest maintained reader measured
(bench/bench_import.py: the ด้าน 7 sheet of 7,850 LAOs in 0.10 s, openpyxl read-only 0.78 s).  Two
things calamine does not say are checked on the file itself: merged cells (calamine lists their
ranges) and formulas (a `<f>` element in the sheet's XML; calamine would hand back the cached
result, and a formula's value is not what the LAO typed).  CSV must be UTF-8 (with or without
Excel's BOM); a file in TIS-620 / Windows-874 is recognised and refused with how to save it.

Nothing here touches the database: `read_table` returns the cells of one sheet, or raises
`FileRefused` whose `str()` is the message for the user.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_col_to_name

from workflow import _

MAX_BYTES = 20 * 1024 * 1024          # an upload; all 7,850 LAOs of a section are ~2 MB
MAX_UNZIPPED = 200 * 1024 * 1024      # what an XLSX may expand to (no zip bombs)
MAX_ROWS = 20_000                     # more rows than LAOs in the country, twice over
MAX_COLUMNS = 300

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_THAI = re.compile("[\u0e00-\u0e7f]")


class FileRefused(ValueError):
    """The file cannot be imported as it is; `str()` is the Thai reason and what to do."""


def kind_of(data: bytes) -> str:
    """'xlsx', 'xls' (the old binary format) or 'csv' by the file's first bytes."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    return "csv"


def read_table(data: bytes, sheet: str, *, fallback_sheets: Sequence[str] = ()) -> list[list[Any]]:
    """The rows of sheet `sheet` of an XLSX, or of a CSV, as lists of cells (str, int, float,
    bool, date, datetime or None).  `fallback_sheets`: sheet names that may be ignored when the
    named one is missing and the workbook has exactly one other sheet."""
    if not data or not data.strip():
        raise FileRefused(_("ไฟล์ว่างเปล่า ไม่มีข้อมูลให้นำเข้า"))
    if len(data) > MAX_BYTES:
        raise FileRefused(_("ไฟล์มีขนาด %(mb)s MB ใหญ่เกินกว่าที่รับได้ (ไม่เกิน %(max)s MB) "
                            "กรุณาแบ่งไฟล์แล้วนำเข้าทีละส่วน",
                            mb=f"{len(data) / 1048576:,.1f}", max=MAX_BYTES // 1048576))
    kind = kind_of(data)
    if kind == "xls":
        raise FileRefused(_("ไฟล์นี้เป็น Excel รุ่นเก่า (.xls) กรุณาเปิดใน Excel แล้ว"
                            "บันทึกเป็น .xlsx หรือ CSV UTF-8 แล้วนำเข้าอีกครั้ง"))
    rows = _read_xlsx(data, sheet, fallback_sheets) if kind == "xlsx" else _read_csv(data)
    if len(rows) > MAX_ROWS:
        raise FileRefused(_("ไฟล์มี %(n)s แถว มากเกินกว่าที่รับได้ (ไม่เกิน %(max)s แถว)",
                            n=f"{len(rows):,}", max=f"{MAX_ROWS:,}"))
    if rows and max(len(r) for r in rows) > MAX_COLUMNS:
        raise FileRefused(_("ไฟล์มีคอลัมน์มากเกินไป (ไม่เกิน %(max)s คอลัมน์)", max=MAX_COLUMNS))
    return rows


# --- CSV ---------------------------------------------------------------------------------------

def _read_csv(data: bytes) -> list[list[Any]]:
    if b"\x00" in data:          # UTF-16, a binary file, or a NUL no database stores
        raise _not_a_table()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            legacy = data.decode("cp874")
        except UnicodeDecodeError:
            raise _not_a_table() from None
        if _THAI.search(legacy):
            raise FileRefused(_(
                "ไฟล์ CSV นี้บันทึกด้วยรหัสอักขระภาษาไทยแบบเก่า (TIS-620 / Windows-874) "
                "ไม่ใช่ UTF-8 ภาษาไทยจะอ่านผิด กรุณาเปิดใน Excel แล้วเลือก บันทึกเป็น "
                "“CSV UTF-8 (คั่นด้วยจุลภาค)” หรือนำเข้าเป็นไฟล์ .xlsx")) from None
        raise _not_a_table() from None
    if sum(1 for ch in text[:4096] if not ch.isprintable() and ch not in "\r\n\t") > 8:
        raise _not_a_table()
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""),
                                                 delimiter=delimiter, strict=True)]
    except csv.Error:
        raise FileRefused(_("อ่านไฟล์ CSV ไม่ได้ (เครื่องหมายคำพูดไม่ครบคู่หรือรูปแบบผิด) "
                            "กรุณาบันทึกจาก Excel เป็น “CSV UTF-8” อีกครั้ง")) from None
    return [[cell if cell.strip() else None for cell in row] for row in rows]


def _not_a_table() -> FileRefused:
    return FileRefused(_("ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx) หรือ CSV ที่อ่านได้ "
                         "กรุณาดาวน์โหลดแบบฟอร์มนำเข้าแล้วกรอกข้อมูลในแบบฟอร์มนั้น"))


# --- XLSX --------------------------------------------------------------------------------------

def _read_xlsx(data: bytes, sheet: str, fallback_sheets: Sequence[str]) -> list[list[Any]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _not_a_table() from None
    if sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise _not_a_table()
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise _not_a_table()
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = list(book.sheet_names)
    except Exception:  # noqa: BLE001 - calamine raises its own errors for broken files
        raise _not_a_table() from None
    name = sheet
    if name not in sheets:
        others = [s for s in sheets if s not in fallback_sheets]
        if len(others) != 1:
            raise FileRefused(_("ไม่พบแผ่นงาน “%(sheet)s” ในไฟล์ (แผ่นงานในไฟล์: %(names)s) "
                                "กรุณาใช้แบบฟอร์มนำเข้าของด้านนี้ หรือเปลี่ยนชื่อแผ่นงาน",
                                sheet=sheet, names=", ".join(sheets) or "–"))
        name = others[0]
    try:
        found = book.get_sheet_by_name(name)
        merged = found.merged_cell_ranges or []
        rows = found.to_python(skip_empty_area=False)
    except Exception:  # noqa: BLE001
        raise _not_a_table() from None
    if merged:
        cells = ", ".join(f"{xl_col_to_name(a[1])}{a[0] + 1}:{xl_col_to_name(b[1])}{b[0] + 1}"
                          for a, b in merged[:5])
        raise FileRefused(_("แผ่นงาน “%(sheet)s” มีเซลล์ที่ผสานไว้ (%(cells)s) "
                            "กรุณายกเลิกการผสานเซลล์ ให้หนึ่งแถวเป็นหนึ่ง อปท. "
                            "แล้วนำเข้าอีกครั้ง", sheet=name, cells=cells))
    formulas = _formula_cells(archive, name)
    if formulas:
        raise FileRefused(_("แผ่นงาน “%(sheet)s” มีสูตรคำนวณที่เซลล์ %(cells)s "
                            "ระบบนำเข้าเฉพาะค่าที่กรอก กรุณาคัดลอกแล้ว “วางแบบค่า” "
                            "(Paste Values) ทับ แล้วนำเข้าอีกครั้ง",
                            sheet=name, cells=", ".join(formulas[:5])
                            + (" …" if len(formulas) > 5 else "")))
    return [[None if cell == "" else cell for cell in row] for row in rows]


def _sheet_path(archive: zipfile.ZipFile, name: str) -> str | None:
    """The part holding sheet `name` (xl/worksheets/sheetN.xml), from the workbook's rels."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship")}
    for node in book.iter(f"{_MAIN}sheet"):
        if node.get("name") == name:
            target = targets.get(node.get(f"{_REL}id")) or ""
            return target.lstrip("/") if target.startswith("/") \
                else posixpath.normpath(posixpath.join("xl", target))
    return None


def _formula_cells(archive: zipfile.ZipFile, name: str) -> list[str]:
    """The cells of sheet `name` that hold a formula (A1 names), read as a stream."""
    path = _sheet_path(archive, name)
    if path is None:
        return []
    found: list[str] = []
    cell = None
    try:
        with archive.open(path) as stream:
            for event, node in ElementTree.iterparse(stream, events=("start", "end")):
                if event == "start" and node.tag == f"{_MAIN}c":
                    cell = node.get("r")
                elif event == "end" and node.tag == f"{_MAIN}f":
                    found.append(cell or "?")
                    if len(found) > 5:
                        break
                elif event == "end" and node.tag == f"{_MAIN}row":
                    node.clear()
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError):
        raise _not_a_table() from None
    return found
