"""Reading an uploaded table (XLSX or CSV) into rows of cells, or refusing the file in Thai.

XLSX is read with python-calamine (Rust's calamine): the fastest maintained reader measured
(bench/bench_import.py: the ด้าน 7 sheet of 7,850 LAOs in 0.10 s, openpyxl read-only 0.78 s).
CSV must be UTF-8 (with or without Excel's BOM); a file in TIS-620 / Windows-874 is recognised
and refused with how to save it.

Every limit is checked before anything grows with the file (issue 21, an outside attack):
- calamine builds the whole rectangle from A1 to the farthest cell that holds a value (one cell
  at XFD1048576 asked for 512 GB and aborted the server), so one streaming pass over the sheet's
  XML (expat: no tree is built) first finds where its valued cells lie and how many there are,
  and refuses a cell beyond MAX_ROWS × MAX_COLUMNS, a rectangle over MAX_AREA cells and a sheet
  of more than MAX_ELEMENTS XML elements (a million empty rows are cheap to zip, not to walk);
  the same pass finds formulas (calamine would hand back their cached results, and a formula's
  value is not what the LAO typed).  The sheet's declared `<dimension>` is not believed either
  way: calamine allocates by the cells it finds, and so does this check.  The shared strings are
  counted the same way before calamine loads them.  Each part is read within its declared size
  (Python's zipfile and calamine's zip crate both stop there), and the declared sizes are bounded.
- a CSV is read row by row and the reading stops at the row limit (a header and 9.4 million blank
  lines had cost 1.5 GB before the limit was checked).

Nothing here touches the database: `read_table` returns the cells of one sheet, or raises
`FileRefused` whose `str()` is the message for the user.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from xml.parsers import expat

from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_col_to_name

from workflow import _

MAX_BYTES = 20 * 1024 * 1024          # an upload; all 7,850 LAOs of a section are ~2 MB
MAX_UNZIPPED = 200 * 1024 * 1024      # what an XLSX may expand to (no zip bombs)
MAX_SMALL_PART = 4 * 1024 * 1024      # workbook.xml, its relationships: a few KB in real files
MAX_ROWS = 20_000                     # more rows than LAOs in the country, twice over
MAX_COLUMNS = 300
# The rectangle calamine allocates (32 bytes a cell), and Python's lists after it: a national
# ด้าน 1 sheet is 7,851 rows × ~75 columns, 0.6 million.
MAX_AREA = 1_000_000
# XML elements walked in one sheet (rows, cells, values, empty or not): 3 per cell of the largest
# rectangle accepted (an inline string is <c><is><t>), and ~2 s of CPU at most.
MAX_ELEMENTS = 3 * MAX_AREA
# csv's own limit on one cell (131,072 characters): a cell is a name or a number.
MAX_CELL_CHARS = csv.field_size_limit()

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
    if not data or data.isspace():
        raise FileRefused(_("ไฟล์ว่างเปล่า ไม่มีข้อมูลให้นำเข้า"))
    if len(data) > MAX_BYTES:
        raise FileRefused(_("ไฟล์มีขนาด %(mb)s MB ใหญ่เกินกว่าที่รับได้ (ไม่เกิน %(max)s MB) "
                            "กรุณาแบ่งไฟล์แล้วนำเข้าทีละส่วน",
                            mb=f"{len(data) / 1048576:,.1f}", max=MAX_BYTES // 1048576))
    kind = kind_of(data)
    if kind == "xls":
        raise FileRefused(_("ไฟล์นี้เป็น Excel รุ่นเก่า (.xls) กรุณาเปิดใน Excel แล้ว"
                            "บันทึกเป็น .xlsx หรือ CSV UTF-8 แล้วนำเข้าอีกครั้ง"))
    return _read_xlsx(data, sheet, fallback_sheets) if kind == "xlsx" else _read_csv(data)


def _too_many_rows() -> FileRefused:
    return FileRefused(_("ไฟล์มีมากกว่า %(max)s แถว (นับรวมแถวว่าง) มากเกินกว่าที่รับได้ "
                         "กรุณาลบแถวว่างท้ายตาราง หรือแบ่งไฟล์แล้วนำเข้าทีละส่วน",
                         max=f"{MAX_ROWS:,}"))


def _too_many_columns() -> FileRefused:
    return FileRefused(_("ไฟล์มีคอลัมน์มากเกินไป (ไม่เกิน %(max)s คอลัมน์)", max=MAX_COLUMNS))


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
    first = text[:text.find("\n")] if "\n" in text else text
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=True)
    rows: list[list[Any]] = []
    try:
        for row in reader:          # the limits stop the reading, not follow it
            if len(rows) == MAX_ROWS:
                raise _too_many_rows()
            if len(row) > MAX_COLUMNS:
                raise _too_many_columns()
            rows.append([cell if cell.strip() else None for cell in row])
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise FileRefused(_(
                "เซลล์ในแถวที่ %(row)s ยาวเกิน %(max)s ตัวอักษร ซึ่งมากเกินกว่าที่รับได้ "
                "(อาจมีเครื่องหมายคำพูด \" เปิดไว้โดยไม่มีตัวปิด ทำให้ข้อความที่เหลือทั้งไฟล์"
                "รวมเป็นเซลล์เดียว) กรุณาตรวจสอบเซลล์นั้นแล้วบันทึกจาก Excel เป็น “CSV UTF-8” "
                "อีกครั้ง", row=f"{reader.line_num:,}", max=f"{MAX_CELL_CHARS:,}")) from None
        raise FileRefused(_("อ่านไฟล์ CSV ไม่ได้ (เครื่องหมายคำพูดไม่ครบคู่หรือรูปแบบผิด) "
                            "กรุณาบันทึกจาก Excel เป็น “CSV UTF-8” อีกครั้ง")) from None
    return rows


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their endings (\r\n, \n or an old Mac's \r), one at a time:
    io.StringIO would first copy the whole text at four bytes a character."""
    return (found.group() for found in _LINE.finditer(text))


def _not_a_table() -> FileRefused:
    return FileRefused(_("ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx) หรือ CSV ที่อ่านได้ "
                         "กรุณาดาวน์โหลดแบบฟอร์มนำเข้าแล้วกรอกข้อมูลในแบบฟอร์มนั้น"))


# --- XLSX --------------------------------------------------------------------------------------

def _read_xlsx(data: bytes, sheet: str, fallback_sheets: Sequence[str]) -> list[list[Any]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = {i.filename: i for i in archive.infolist()}
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _not_a_table() from None
    if sum(i.file_size for i in infos.values()) > MAX_UNZIPPED \
            or "xl/workbook.xml" not in infos:
        raise _not_a_table()
    parts = _sheet_parts(archive, infos)
    names = list(parts)
    name = sheet
    if name not in parts:
        others = [s for s in names if s not in fallback_sheets]
        if len(others) != 1:
            raise FileRefused(_("ไม่พบแผ่นงาน “%(sheet)s” ในไฟล์ (แผ่นงานในไฟล์: %(names)s) "
                                "กรุณาใช้แบบฟอร์มนำเข้าของด้านนี้ หรือเปลี่ยนชื่อแผ่นงาน",
                                sheet=sheet, names=", ".join(names) or "–"))
        name = others[0]
    scan = _scan_sheet(archive, parts[name], name)
    for path in infos:
        if path.rpartition("/")[2].lower() == "sharedstrings.xml":
            _count_shared_strings(archive, path)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        found = book.get_sheet_by_name(name)
        merged = found.merged_cell_ranges or []
        rows = found.to_python(skip_empty_area=False) if scan.cells else []
    except Exception:  # noqa: BLE001 - calamine raises its own errors for broken files
        raise _not_a_table() from None
    if merged:
        cells = ", ".join(f"{xl_col_to_name(a[1])}{a[0] + 1}:{xl_col_to_name(b[1])}{b[0] + 1}"
                          for a, b in merged[:5])
        raise FileRefused(_("แผ่นงาน “%(sheet)s” มีเซลล์ที่ผสานไว้ (%(cells)s) "
                            "กรุณายกเลิกการผสานเซลล์ ให้หนึ่งแถวเป็นหนึ่ง อปท. "
                            "แล้วนำเข้าอีกครั้ง", sheet=name, cells=cells))
    if scan.formulas:
        raise FileRefused(_("แผ่นงาน “%(sheet)s” มีสูตรคำนวณที่เซลล์ %(cells)s "
                            "ระบบนำเข้าเฉพาะค่าที่กรอก กรุณาคัดลอกแล้ว “วางแบบค่า” "
                            "(Paste Values) ทับ แล้วนำเข้าอีกครั้ง",
                            sheet=name, cells=", ".join(scan.formulas[:5])
                            + (" …" if len(scan.formulas) > 5 else "")))
    return [[None if cell == "" else cell for cell in row] for row in rows]


def _walk(archive: zipfile.ZipFile, path: str, start: Callable[[str, dict], None]) -> None:
    """Stream part `path` through expat, calling `start(name, attributes)` for every element
    (no tree kept; a refusal raised by `start` stops the reading).  Names come with their
    prefix, if any (`x:c`): `start` reads `_local(name)` where no plain name matched."""
    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        with archive.open(path) as stream:
            for chunk in iter(lambda: stream.read(1 << 16), b""):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except FileRefused:
        raise
    except (KeyError, expat.ExpatError, zipfile.BadZipFile, OSError, ValueError, EOFError,
            RuntimeError):
        # RuntimeError: zlib's "invalid stored block" and the like from a damaged archive.
        raise _not_a_table() from None


def _local(tag: str) -> str:
    """`c` for `x:c` (and for `c`)."""
    return tag.rpartition(":")[2]


def _attribute(attrs: dict, name: str) -> str | None:
    """An attribute by its local name (`r:id` and a bare `id` alike)."""
    for key, value in attrs.items():
        if key.rpartition(":")[2] == name:
            return value
    return None


def _sheet_parts(archive: zipfile.ZipFile, infos: dict) -> dict[str, str]:
    """Sheet name → its part (xl/worksheets/sheetN.xml), from workbook.xml and its rels."""
    rels_path = "xl/_rels/workbook.xml.rels"
    for path in ("xl/workbook.xml", rels_path):
        if path in infos and infos[path].file_size > MAX_SMALL_PART:
            raise _not_a_table()
    sheets: list[tuple[str, str]] = []
    targets: dict[str, str] = {}

    def in_book(tag: str, attrs: dict) -> None:
        if _local(tag) == "sheet" and "name" in attrs:
            sheets.append((attrs["name"], _attribute(attrs, "id") or ""))

    def in_rels(tag: str, attrs: dict) -> None:
        if _local(tag) == "Relationship" and "Id" in attrs:
            targets[attrs["Id"]] = attrs.get("Target") or ""

    _walk(archive, "xl/workbook.xml", in_book)
    if rels_path in infos:
        _walk(archive, rels_path, in_rels)
    parts = {}
    for name, rel in sheets:
        target = targets.get(rel, "")
        parts[name] = target.lstrip("/") if target.startswith("/") \
            else posixpath.normpath(posixpath.join("xl", target))
    return parts


class _SheetScan:
    """What one pass over a worksheet's XML found: how many cells hold a value, the farthest
    row and column among them, and the cells holding a formula (A1 names).  The handler runs
    once per XML element (~1.1 million for a national sheet), so it does as little as it can."""

    def __init__(self, name: str):
        self.name = name
        self.elements = 0
        self.row = 0                 # the current <row> (1-based; a row without r follows on)
        self.column = 0              # the last <c> of the current row (1-based)
        # The <c> being read (row, column), until it shows a value; then the last one read.
        self.open: tuple[int, int] | None = None
        self.last: tuple[int, int] = (0, 0)
        self.cells = 0
        self.last_row = 0
        self.last_column = 0
        self.formulas: list[str] = []

    def start(self, tag: str, attrs: dict) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise FileRefused(_("แผ่นงาน “%(sheet)s” มีแถวหรือเซลล์ (รวมที่ว่าง) มากเกินกว่าที่"
                                "รับได้ กรุณาคัดลอกเฉพาะตารางข้อมูลไปยังแผ่นงานใหม่ "
                                "แล้วนำเข้าอีกครั้ง", sheet=self.name))
        if tag == "c":
            reference = attrs.get("r")
            if reference:
                letters = reference.rstrip("0123456789")
                digits = reference[len(letters):]
                column = _COLUMNS.get(letters)
                if column is None or not digits or len(digits) > 9:
                    raise _not_a_table()
                row = int(digits)
            else:
                column, row = self.column + 1, self.row
            self.column = column
            self.open = (row, column)
        elif tag == "v" or tag == "is":
            if self.open is not None:
                row, column = self.last = self.open
                self.open = None
                self.cells += 1
                if row > self.last_row:
                    self.last_row = row
                if column > self.last_column:
                    self.last_column = column
                if row > MAX_ROWS or column > MAX_COLUMNS:
                    self._outside(row, column)
        elif tag == "row":
            number = attrs.get("r")
            self.row = int(number) if number and number.isdigit() and number.isascii() \
                and len(number) < 10 else self.row + 1
            self.column = 0
        elif tag == "f":
            if len(self.formulas) <= 5:
                self.formulas.append(_a1(*(self.open or self.last)))
        elif ":" in tag:                  # writers differ in prefixes (x:c), not in names
            self.elements -= 1
            self.start(_local(tag), attrs)

    def _outside(self, row: int, column: int) -> None:
        raise FileRefused(_(
            "แผ่นงาน “%(sheet)s” มีข้อมูลที่เซลล์ %(cell)s ซึ่งอยู่นอกขอบเขตที่รับได้ "
            "(ไม่เกิน %(rows)s แถว และ %(columns)s คอลัมน์) กรุณาลบข้อมูลในเซลล์นั้น "
            "หรือคัดลอกเฉพาะตารางข้อมูลไปยังแผ่นงานใหม่ แล้วนำเข้าอีกครั้ง",
            sheet=self.name, cell=_a1(row, column), rows=f"{MAX_ROWS:,}", columns=MAX_COLUMNS))

    def check_area(self) -> None:
        """The rectangle calamine will build (each cell within the limits, found while reading)."""
        if self.cells > MAX_AREA or self.last_row * self.last_column > MAX_AREA:
            raise FileRefused(_(
                "แผ่นงาน “%(sheet)s” มีตารางกว้าง %(columns)s คอลัมน์ ยาว %(rows)s แถว "
                "ใหญ่เกินกว่าที่รับได้ (ไม่เกิน %(max)s เซลล์) กรุณาแบ่งไฟล์ "
                "หรือลบคอลัมน์ที่ไม่ใช้ แล้วนำเข้าอีกครั้ง",
                sheet=self.name, columns=f"{self.last_column:,}", rows=f"{self.last_row:,}",
                max=f"{MAX_AREA:,}"))


def _column_numbers() -> dict[str, int]:
    """'A' → 1 … 'XFD' → 16384, and every other name of one to three letters."""
    from itertools import product
    from string import ascii_uppercase
    names: dict[str, int] = {}
    for width in (1, 2, 3):
        for letters in product(ascii_uppercase, repeat=width):
            names["".join(letters)] = len(names) + 1
    return names


# 18,278 names, ~2 MB, built on the first XLSX read.
_COLUMNS: dict[str, int] = {}


def _a1(row: int, column: int) -> str:
    """'XFD1048576' for (1048576, 16384), both 1-based."""
    return f"{xl_col_to_name(column - 1)}{row}" if row and column else "?"


def _scan_sheet(archive: zipfile.ZipFile, path: str, name: str) -> _SheetScan:
    if not _COLUMNS:
        _COLUMNS.update(_column_numbers())
    scan = _SheetScan(name)
    _walk(archive, path, scan.start)
    scan.check_area()
    return scan


def _count_shared_strings(archive: zipfile.ZipFile, path: str) -> None:
    """Refuse a table of shared strings larger than any accepted sheet could use (calamine
    loads them all when it opens the workbook)."""
    count = [0, 0]

    def start(tag: str, _attrs: dict) -> None:
        count[0] += 1
        count[1] += _local(tag) == "si"
        if count[1] > MAX_AREA or count[0] > MAX_ELEMENTS:
            raise FileRefused(_("ไฟล์มีข้อความมากเกินกว่าที่รับได้ กรุณาแบ่งไฟล์ "
                                "แล้วนำเข้าทีละส่วน"))
    _walk(archive, path, start)


__all__ = ["FileRefused", "read_table", "kind_of", "MAX_BYTES", "MAX_ROWS", "MAX_COLUMNS",
           "MAX_AREA"]
