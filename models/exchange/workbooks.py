"""Excel workbooks out (SPEC §4.4, issue 11): the LAO-year report and the province / national
workbooks, written row by row with XlsxWriter's constant-memory mode.

XlsxWriter was chosen by measuring (bench/bench_xlsx_writers.py): a third of openpyxl
write-only's time at the same flat memory.  In constant-memory mode a row is flushed to a
temporary file once the next row starts, so every sheet is written top to bottom, and memory
does not grow with the number of LAOs.

The writers are functions over rows and the section catalogue (`meta.catalogue_columns`): the
labels, units, field codes and number formats come from the columns' metadata, as the forms,
the report and the open data read them.  The loaders read the rows in batches (`yield_per`)
through a `narrow` function the caller gives: `scoped()` in the back office, `is_public()` on
the public side, so the workbook holds exactly the rows of that rule.

Every text cell is written with `write_string` (the options below also turn off XlsxWriter's
guessing), so a value such as "=1+1" stays text and is never a formula.  Dates are written as
BE text (31/12/2568), which every spreadsheet shows the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
import xlsxwriter.utility
from sqlalchemy import Select, func, select

from workflow import BANGKOK, THAI_MONTHS, LabeledEnum, Status

from ..base import db
from ..catalogue.columns import catalogue_columns
from ..catalogue.reading import be_date
from ..tables.accounts import User
from ..tables.geography import District, Province
from ..tables.organizations import Organization
from ..tables.sections import CHILDREN, SECTIONS
from ..tables.submissions import Submission

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH = 500            # rows fetched per round trip while a sheet is written
OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
           "strings_to_numbers": False, "default_date_format": None}
# The LAO columns in front of every section's fields: (field code, Thai header).
LAO_COLUMNS = (("dla_code", "รหัส อปท."), ("name_th", "ชื่อ อปท."), ("district", "อำเภอ"),
               ("province", "จังหวัด"), ("status", "สถานะการรับรองข้อมูล"),
               ("fiscal_year", "ปีงบประมาณ"))
# The hidden sheet holding the lists a choice cell may take (Excel's data validation).
LISTS_SHEET = "ค่าที่เลือกได้"
# Rows below the data that still get the data validation (an LAO added by hand).
VALIDATED_SPARE_ROWS = 1000
Narrow = Callable[[Select], Select]


# --- values ----------------------------------------------------------------------------------

def be_datetime(value: datetime) -> str:
    """31/12/2568 14:05, Bangkok time (SQLite hands back naive UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(BANGKOK)
    return f"{be_date(local.date())} {local:%H:%M}"


def cell_value(value: Any, info: dict[str, Any] | None = None) -> str | int | float | None:
    """A stored value as a workbook cell: numbers stay numbers, the rest is Thai text."""
    info = info or {}
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "มี" if value else "ไม่มี"
    if isinstance(value, LabeledEnum):
        return value.label_th
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, int):
        if info.get("widget") == "month" and 1 <= value <= 12:
            return THAI_MONTHS[value - 1]
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return be_datetime(value)
    if isinstance(value, date):
        return be_date(value)
    return str(value)


def header(info: dict[str, Any]) -> str:
    """ "ประชากรรวม (คน)": the catalogue's Thai label with its unit."""
    unit = info.get("unit")
    return f"{info['label_th']} ({unit})" if unit else info["label_th"]


class _Formats:
    """The few cell formats of a workbook, made once per workbook."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.bold = book.add_format({"bold": True})
        self.head = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1,
                                     "text_wrap": True, "valign": "top"})
        self.code = book.add_format({"font_color": "#595959", "bg_color": "#F2F2F2",
                                     "border": 1, "font_size": 9})
        self.integer = book.add_format({"num_format": "#,##0"})
        self.year = book.add_format({"num_format": "0"})
        self._decimals: dict[int, Any] = {}
        self._book = book

    def decimal(self, places: int) -> Any:
        if places not in self._decimals:
            self._decimals[places] = self._book.add_format(
                {"num_format": "#,##0." + "0" * places if places else "#,##0"})
        return self._decimals[places]

    def for_column(self, column: Any) -> Any:
        """The number format of a catalogue column (None for text)."""
        info = column.info
        if info.get("kind") == "year_be":
            return self.year
        scale = getattr(column.type, "scale", None)
        if scale is not None:
            return self.decimal(scale)
        if info.get("kind") == "count":
            return self.integer
        return None


def write(sheet: Any, row: int, col: int, value: Any, number_format: Any = None) -> None:
    """One cell: text always as a string (never a formula), numbers with their format."""
    if value is None:
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        sheet.write_number(row, col, value, number_format)
    else:
        sheet.write_string(row, col, str(value))


def open_workbook(out: IO[bytes] | str) -> tuple[xlsxwriter.Workbook, _Formats]:
    book = xlsxwriter.Workbook(out, OPTIONS)
    return book, _Formats(book)


def table_workbook(out: IO[bytes] | str, sheet: str, title: str, heads: list[str],
                   rows: Iterable[list]) -> int:
    """One sheet: a title, a header row, the rows (numbers as numbers, text as text), frozen
    under the header, an autofilter; returns the number of rows (the lagging LAOs' list)."""
    book, fmt = open_workbook(out)
    table = book.add_worksheet(sheet[:31])
    table.set_column(0, len(heads) - 1, 16)
    table.write_string(0, 0, title, fmt.title)
    for col, head in enumerate(heads):
        table.write_string(1, col, head, fmt.head)
    table.freeze_panes(2, 0)
    n = 0
    for n, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            write(table, n + 1, col, value, fmt.integer if isinstance(value, int) else None)
    table.autofilter(1, 0, n + 1, len(heads) - 1)
    book.close()
    return n


def sheet_name(section_cls: type, child: type | None = None, n: int = 0) -> str:
    """ด้านที่ 6, ด้านที่ 6.1 (Excel allows 31 characters; the title is in the sheet)."""
    return f"ด้านที่ {section_cls.SECTION_NO}" + (f".{n}" if child is not None else "")


# --- the LAO-year report ---------------------------------------------------------------------

def lao_year_workbook(out: IO[bytes] | str, overview: Any, printed: datetime, *,
                      people: bool = True) -> None:
    """รายงาน as a workbook: a summary sheet with the certification history and reference
    numbers, then one sheet per section (Thai labels with units, child rows as tables).
    `people=False` (the public copy) leaves out who acted and their reasons."""
    sub = overview.submission
    org = sub.organization
    book, fmt = open_workbook(out)
    summary = book.add_worksheet("สรุป")
    summary.set_column(0, 0, 28)
    summary.set_column(1, 5, 22)
    summary.write_string(0, 0, f"รายงานข้อมูลพื้นฐาน อปท. {len(SECTIONS)} ด้าน "
                               f"ปีงบประมาณ {sub.fiscal_year}", fmt.title)
    facts = [("ชื่อ อปท.", org.name_th), ("รหัส อปท.", org.dla_code),
             ("อำเภอ", sub.district.name_th), ("จังหวัด", org.province.name_th),
             ("ปีงบประมาณ", sub.fiscal_year), ("สถานะการรับรองข้อมูล", sub.status.label_th),
             ("วันที่รับข้อมูลได้", be_datetime(sub.received_at) if sub.received_at
              and sub.status is not Status.DRAFT else None),
             ("หมายเลข", " · ".join(overview.current_references) or None),
             ("พิมพ์เมื่อ", be_datetime(printed))]
    row = 2
    for label, value in facts:
        summary.write_string(row, 0, label, fmt.bold)
        write(summary, row, 1, value, fmt.year if isinstance(value, int) else None)
        row += 1
    row += 1
    summary.write_string(row, 0, "ประวัติการรับรองข้อมูล", fmt.bold)
    row += 1
    titles = ("วันที่/เวลา", "การดำเนินการ", "สถานะการรับรองข้อมูล", "หมายเลข")
    for col, title in enumerate(titles + (("ผู้ดำเนินการ", "เหตุผล") if people else ())):
        summary.write_string(row, col, title, fmt.head)
    events = sub.events
    # Who acted: one query for the whole history (not one per event).
    actors = dict(db.session.execute(select(User.id, User.full_name).where(
        User.id.in_({e.actor_id for e in events if e.actor_id}))).all()) \
        if people and events else {}
    for event in events:
        row += 1
        values = (be_datetime(event.created_at), cell_value(event.action),
                  cell_value(event.to_status), overview.references.get(event.id))
        if people:
            values += (actors.get(event.actor_id), event.reason)
        for col, value in enumerate(values):
            write(summary, row, col, value)

    for section_cls in SECTIONS:
        no = section_cls.SECTION_NO
        sheet = book.add_worksheet(sheet_name(section_cls))
        sheet.set_column(0, 0, 48)
        sheet.set_column(1, 1, 22)
        sheet.set_column(2, 8, 18)
        sheet.write_string(0, 0, f"ด้านที่ {no} {section_cls.TITLE_TH}", fmt.title)
        sheet.write_string(1, 0, f"{org.name_th} ปีงบประมาณ {sub.fiscal_year}")
        row = 3
        for col, title in enumerate(("ข้อมูล", "ค่า", "หน่วย", "รหัสข้อมูล")):
            sheet.write_string(row, col, title, fmt.head)
        columns = {c.key: c for c in catalogue_columns(section_cls)}
        for group, items in overview.fields(no):
            if group:
                row += 1
                sheet.write_string(row, 0, group, fmt.bold)
            for item in items:
                row += 1
                sheet.write_string(row, 0, item.label)
                write(sheet, row, 1, cell_value(item.value, item.info),
                      fmt.for_column(columns[item.key]))
                write(sheet, row, 2, item.unit)
                sheet.write_string(row, 3, item.key, fmt.code)
        for table in overview.children(no):
            row += 2
            sheet.write_string(row, 0, table.title, fmt.bold)
            row += 1
            for col, title in enumerate(["ลำดับ", *table.headers]):
                sheet.write_string(row, col, title, fmt.head)
            for n, values in enumerate(table.rows, start=1):
                row += 1
                sheet.write_number(row, 0, n)
                for col, (value, info) in enumerate(zip(values, table.infos), start=1):
                    write(sheet, row, col, cell_value(value, info),
                          fmt.integer if isinstance(value, int) and info.get("kind") == "count"
                          else fmt.decimal(2) if isinstance(value, Decimal) else None)
            if not table.rows:
                row += 1
                sheet.write_string(row, 0, "–")
    book.close()


# --- province and national workbooks ---------------------------------------------------------

def _lao_select(*columns: Any) -> Select:
    """The LAO columns of every workbook row, joined once (no query per row)."""
    return (select(Organization.dla_code, Organization.name_th, District.name_th,
                   Province.name_th, Submission.status, Submission.fiscal_year, *columns)
            .select_from(Submission)
            .join(Organization, Submission.organization_id == Organization.id)
            .join(District, Submission.district_code == District.code)
            .join(Province, Submission.province_code == Province.code))


def _order(query: Select) -> Select:
    return query.order_by(Submission.province_code, Submission.district_code,
                          Organization.dla_code)


def section_rows(section_cls: type, be_year: int, narrow: Narrow,
                 fields: Iterable[Any] | None = None) -> Iterator[tuple]:
    """(dla_code, name, district, province, status, *fields) of every LAO-year of `be_year`
    that `narrow` keeps, one row per LAO (fields empty where the section was never saved);
    `fields`, the catalogue columns wanted (all of them by default)."""
    table = section_cls.__table__
    columns = [table.c[c.key] for c in (fields or catalogue_columns(section_cls))]
    query = _lao_select(*columns).outerjoin(table, table.c.submission_id == Submission.id) \
        .where(Submission.fiscal_year == be_year)
    yield from db.session.execute(_order(narrow(query)).execution_options(yield_per=BATCH))


def child_rows(child_cls: type, be_year: int, narrow: Narrow,
               fields: Iterable[Any] | None = None) -> Iterator[tuple]:
    """(LAO columns, position, *fields) of every child row of `be_year` that `narrow` keeps."""
    table = child_cls.__table__
    columns = [table.c[c.key] for c in (fields or catalogue_columns(child_cls))]
    query = _lao_select(table.c.position, *columns) \
        .join(table, table.c.submission_id == Submission.id) \
        .where(Submission.fiscal_year == be_year)
    query = _order(narrow(query)).order_by(table.c.position, table.c.id)
    yield from db.session.execute(query.execution_options(yield_per=BATCH))


def area_fingerprint(be_year: int, narrow: Narrow) -> str:
    """What an area workbook of `be_year` depends on, in one aggregate over its submissions:
    every write of a section updates its submission's counters in the same transaction
    (models/services/sections.refresh_counters), which moves the submission's updated_at;
    every transition raises its version; an LAO renamed or moved moves its own updated_at;
    a deleted LAO-year changes the count.  With the catalogue's fingerprint (a release that
    changes a column writes the workbooks again)."""
    from ..reads.public import year_etag_catalogue
    query = select(func.count(), func.coalesce(func.sum(Submission.version), 0),
                   func.max(Submission.updated_at), func.max(Organization.updated_at)) \
        .select_from(Submission) \
        .join(Organization, Submission.organization_id == Organization.id) \
        .where(Submission.fiscal_year == be_year)
    count, versions, changed, renamed = db.session.execute(narrow(query)).one()
    stamp = "-".join(f"{v:%Y%m%d%H%M%S%f}" if v else "0" for v in (changed, renamed))
    return f"{count}-{versions}-{stamp}-{year_etag_catalogue()}"


def area_workbook(out: IO[bytes] | str, be_year: int, title: str, narrow: Narrow,
                  made: datetime, *, sections: Iterable[type] | None = None,
                  children: bool = True, only_child: type | None = None,
                  public: bool = False) -> int:
    """One sheet per section (one row per LAO) and per child table (one row per child row),
    each with the Thai labels and the field codes as two header rows, frozen panes, number
    formats, an autofilter and Excel's data validation (the lists of a choice, whole numbers,
    ranges, text lengths), so the sheet re-imports as it is (models/exchange/imports.py).  `sections`
    and `children=False` make the import template of one section, `only_child` that of one
    child table (its sheet alone); `public`, the certified copy anybody may download: no
    personal data (models/reads/public.published).  Returns the number of LAO rows of a
    section sheet (of child rows, with `only_child`)."""
    from ..reads.public import published
    columns_of = published if public else catalogue_columns
    book, fmt = open_workbook(out)
    summary = book.add_worksheet("สรุป")
    summary.set_column(0, 0, 30)
    summary.set_column(1, 1, 40)
    summary.write_string(0, 0, title, fmt.title)
    lists = _Lists()
    laos = 0
    sheets = []
    for section_cls in sections or SECTIONS:
        if only_child is None:
            laos = _write_area_sheet(book, fmt, sheet_name(section_cls),
                                     columns_of(section_cls),
                                     section_rows(section_cls, be_year, narrow,
                                                  columns_of(section_cls)), lists=lists)
            sheets.append((sheet_name(section_cls), section_cls.TITLE_TH, laos))
        for n, (_name, child_cls) in enumerate(CHILDREN.get(section_cls, ()) if children
                                               else (), start=1):
            if only_child is not None and child_cls is not only_child \
                    or not columns_of(child_cls):
                continue        # (a public copy has no table of personal data only)
            name = sheet_name(section_cls, child_cls, n)
            count = _write_area_sheet(book, fmt, name, columns_of(child_cls),
                                      child_rows(child_cls, be_year, narrow,
                                                 columns_of(child_cls)), position=True,
                                      lists=lists)
            sheets.append((name, child_cls.TITLE_TH, count))
            if only_child is not None:
                laos = count
    row = 2
    for label, value in (("ปีงบประมาณ", be_year), ("จำนวน อปท.", laos),
                         ("จัดทำเมื่อ", be_datetime(made))):
        summary.write_string(row, 0, label, fmt.bold)
        write(summary, row, 1, value, fmt.year if label == "ปีงบประมาณ" else None)
        row += 1
    row += 1
    for col, text in enumerate(("แผ่นงาน", "ข้อมูล", "จำนวนแถว")):
        summary.write_string(row, col, text, fmt.head)
    for name, section_title, count in sheets:
        row += 1
        summary.write_string(row, 0, name)
        summary.write_string(row, 1, section_title)
        summary.write_number(row, 2, count, fmt.integer)
    row += 2
    for line in IMPORT_NOTES:
        summary.write_string(row, 0, line)
        row += 1
    lists.write(book)
    book.close()
    return laos


# What the summary sheet says about filling in and importing a sheet (the template's guide).
IMPORT_NOTES = (
    "การนำเข้า: แก้ไขค่าในแผ่นงานของแต่ละด้าน แล้วนำเข้าที่เมนู นำเข้าข้อมูลจากไฟล์ "
    "(หนึ่งแถวต่อหนึ่ง อปท. ตามรหัส อปท. และปีงบประมาณ)",
    "แถวที่ 1 คือชื่อข้อมูลและหน่วย แถวที่ 2 คือรหัสข้อมูล ห้ามแก้ไขหรือลบสองแถวนี้",
    "ช่องว่าง = ไม่เปลี่ยนค่าเดิม ตัวเลขไม่ต้องใส่หน่วย วันที่กรอกแบบ วัน/เดือน/ปี พ.ศ. "
    "เช่น 31/12/2568 ช่องที่มีรายการให้เลือกจากรายการ",
    "ห้ามผสานเซลล์และห้ามใช้สูตรคำนวณ (คัดลอกแล้ววางแบบค่า) คอลัมน์รวมคำนวณให้อัตโนมัติ",
)


class _Lists:
    """The allowed values of the choice columns, written once to a hidden sheet and referred
    to by the data validation of every sheet (Excel limits an inline list to 255 characters)."""

    def __init__(self) -> None:
        self.columns: dict[tuple, int] = {}

    def ref(self, values: tuple[str, ...]) -> str:
        col = self.columns.setdefault(values, len(self.columns))
        letter = xlsxwriter.utility.xl_col_to_name(col)
        return f"='{LISTS_SHEET}'!${letter}$1:${letter}${len(values)}"

    def write(self, book: Any) -> None:
        if not self.columns:
            return
        sheet = book.add_worksheet(LISTS_SHEET)
        depth = max(len(v) for v in self.columns)
        for row in range(depth):        # constant-memory mode: row by row
            for values, col in self.columns.items():
                if row < len(values):
                    sheet.write_string(row, col, values[row])
        sheet.hide()


def _validation(column: Any, lists: _Lists) -> dict[str, Any] | None:
    """Excel's data validation of a catalogue column: what the import will accept."""
    info = column.info
    kind = info.get("kind")
    if info.get("derived") or info.get("readonly"):
        return None
    label = info["label_th"][:32]
    message = {"error_title": label, "error_type": "warning"}
    if kind == "choice":
        values = tuple(m.label_th if isinstance(m, LabeledEnum) else str(m.value)
                       for m in info["choices"])
        return {"validate": "list", "source": lists.ref(values),
                "error_message": "เลือกจากรายการ", **message}
    if kind == "flag":
        return {"validate": "list", "source": ["มี", "ไม่มี"],
                "error_message": "เลือก มี หรือ ไม่มี", **message}
    if info.get("widget") == "month":
        return {"validate": "list", "source": lists.ref(THAI_MONTHS),
                "error_message": "เลือกชื่อเดือน", **message}
    if kind in ("count", "year_be", "money", "decimal", "percent", "lat", "lon"):
        whole = kind in ("count", "year_be")
        low, high = info.get("min"), info.get("max")
        rule: dict[str, Any] = {"validate": "integer" if whole else "decimal"}
        if low is not None and high is not None:
            rule.update(criteria="between", minimum=float(low), maximum=float(high))
            text = f"ตัวเลข {low}–{high}"
        elif low is not None:
            rule.update(criteria=">=", value=float(low))
            text = f"ตัวเลขตั้งแต่ {low} ขึ้นไป"
        else:
            rule.update(criteria="between", minimum=-1e15, maximum=1e15)
            text = "ตัวเลข"
        if whole:
            text += " (จำนวนเต็ม)"
        return {**rule, "error_message": text, **message}
    length = info.get("max_length")
    if kind in ("text", "longtext") and length:
        return {"validate": "length", "criteria": "<=", "value": int(length),
                "error_message": f"ไม่เกิน {length:,} ตัวอักษร", **message}
    return None


def _write_area_sheet(book: Any, fmt: _Formats, name: str, columns: list,
                      rows: Iterable[tuple], *, position: bool = False,
                      lists: _Lists | None = None) -> int:
    sheet = book.add_worksheet(name)
    heads = [h for _code, h in LAO_COLUMNS] + (["ลำดับ"] if position else []) \
        + [header(c.info) for c in columns]
    codes = [code for code, _h in LAO_COLUMNS] + (["position"] if position else []) \
        + [c.key for c in columns]
    formats = [None] * len(LAO_COLUMNS) + ([fmt.integer] if position else []) \
        + [fmt.for_column(c) for c in columns]
    infos = [{}] * (len(LAO_COLUMNS) + position) + [c.info for c in columns]
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, len(heads) - 1, 16)
    sheet.set_row(0, 45)
    # Constant-memory mode flushes a row when the next one starts: write each row whole.
    for col, head in enumerate(heads):
        sheet.write_string(0, col, head, fmt.head)
    for col, code in enumerate(codes):
        sheet.write_string(1, col, code, fmt.code)
    sheet.freeze_panes(2, 2)
    # Printed: A4 landscape, the two header rows and the LAO's code and name on every page.
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.repeat_rows(0, 1)
    sheet.repeat_columns(0, 1)
    n = 0
    for n, values in enumerate(rows, start=1):
        for col, (value, info, number_format) in enumerate(zip(values, infos, formats)):
            write(sheet, n + 1, col, cell_value(value, info), number_format)
    sheet.autofilter(1, 0, n + 1, len(heads) - 1)
    if lists is not None:
        first = len(LAO_COLUMNS) + position
        for col, column in enumerate(columns, start=first):
            rule = _validation(column, lists)
            if rule is not None:
                sheet.data_validation(2, col, n + 1 + VALIDATED_SPARE_ROWS, col, rule)
    return n
