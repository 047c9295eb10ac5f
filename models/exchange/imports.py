"""Importing one section's values from a workbook or CSV (SPEC §4.4, issue 11).

The file is the export's own sheet (models/exchange/workbooks.py): the Thai headers, the field codes, one
row per LAO keyed by `dla_code` (+ `fiscal_year`, or the year chosen).  `plan_import` reads every
row against what is stored and says, per row and per field, what would change (old → new) and
what is refused and why — with the same rule registry as the forms (models/rules/values.py: blocking
rules refuse, ⚠ warnings are kept) and the same edit rule (workflow.edit_refusal: never into a
certified, closed or past-deadline year) and the one scope rule (models/rules/scoping.py: a province
imports for its LAOs, an LAO for itself).  `commit_import` re-plans inside the writing
transaction, with the submissions locked, and writes all rows or none (or, when asked, every good
row), through the ORM so the lock guard and the audit log see every field; the run is one
`ImportBatch`, and each field change carries its id.

Values from another system (the letter: the LAO records its accounts in e-LAAS and INFO pulls
them) are imported with a `source`: the section row remembers which fields came from where and
when (`imported`), the clerk's form shows them read-only with that note, an import without that
source may not change them, and a later import from the source refreshes them while the year is
still a draft.

An empty cell leaves the stored value as it is: an import adds and corrects, the form clears.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, and_
from xlsxwriter.utility import xl_col_to_name

from workflow import EN_MONTHS, THAI_MONTHS, THAI_MONTHS_SHORT, LabeledEnum, _

from ..base import db
from ..catalogue import columns as meta
from ..catalogue.columns import catalogue_columns
from ..catalogue.reading import (THAI_DIGITS, NumberRefused, parse_code, parse_thai_date,
                                parse_year, read_number)
from ..catalogue.rule_kinds import NO_WORDS, YES_WORDS
from ..services import sections
from ..services.sections import SectionEdit, check, load
from ..tables.audit import current_batch
from ..tables.batches import ImportBatch, ImportMode, ImportSource, ImportStatus
from ..tables.organizations import Organization
from ..tables.sections import CHILDREN, SECTIONS, ChildRowMixin
from ..tables.submissions import Submission
from .sheets import FileRefused, read_table
from .workbooks import LAO_COLUMNS, LISTS_SHEET, cell_value, header, sheet_name

CHUNK = 500                 # rows read and written per round trip
SHOWN_ROWS = 300            # rows a dry-run page lists in full (the report file holds all)
KEY_COLUMNS = ("dla_code", "fiscal_year")


# --- cells -------------------------------------------------------------------------------------

class CellRefused(ValueError):
    """A cell that is not a value of its column; `str()` is the Thai reason."""


def _text_of(raw: Any) -> str:
    """A cell as text: 10000.0 from Excel is "10000"."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


_FLAGS = {**{word: True for word in YES_WORDS}, **{word: False for word in NO_WORDS}}
_MONTHS = {name: n for names in (THAI_MONTHS, THAI_MONTHS_SHORT, EN_MONTHS)
           for n, name in enumerate(names, start=1)}
# Excel's day numbers (1900 system) of 1 Jan 1950 and 31 Dec 2099 CE: a plain number in a date
# column is read as one of those; anything else is more likely a typo than a date.
_SERIAL_RANGE = (18264, 73050)


def _date(raw: Any, label: str) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if _SERIAL_RANGE[0] <= raw <= _SERIAL_RANGE[1] and float(raw).is_integer():
            return date(1899, 12, 30) + timedelta(days=int(raw))
        raise CellRefused(_("%(label)s ต้องเป็นวันที่ แบบ วัน/เดือน/ปี พ.ศ. เช่น 31/12/2568 "
                            "(กรอกไว้ %(value)s)", label=label, value=_text_of(raw)))
    try:
        found = parse_thai_date(str(raw).translate(THAI_DIGITS))
    except ValueError:
        found = None
    if found is None:
        raise CellRefused(_("%(label)s ต้องเป็นวันที่ แบบ วัน/เดือน/ปี พ.ศ. เช่น 31/12/2568 "
                            "(กรอกไว้ “%(value)s”)", label=label, value=str(raw)[:50]))
    return found


def parse_cell(column: Any, raw: Any) -> Any:
    """The value a cell gives a catalogue column (None for an empty cell), in the column's
    Python type; `CellRefused` when it is not one.  Range, size and the rules between columns
    are the rule registry's (check_section), so each mistake has one message."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    info = column.info
    kind, label = info["kind"], meta.label(info)
    if kind in ("text", "longtext"):
        return _text_of(raw)
    if kind == "subdistrict":
        return _text_of(raw).translate(THAI_DIGITS)
    if kind == "flag":
        if isinstance(raw, bool):
            return raw
        found = _FLAGS.get(_text_of(raw).translate(THAI_DIGITS).lower())
        if found is None:
            raise CellRefused(_("%(label)s ต้องเป็น มี หรือ ไม่มี (กรอกไว้ “%(value)s”)",
                                label=label, value=_text_of(raw)[:50]))
        return found
    if kind == "choice":
        text = _text_of(raw)
        for member in info["choices"]:
            names = {str(member.value).lower()}
            if isinstance(member, LabeledEnum):
                names |= {member.label_th.lower(), member.label_en.lower()}
            if text.lower() in names:
                return member
        allowed = ", ".join(m.label_th if isinstance(m, LabeledEnum) else str(m.value)
                            for m in info["choices"])
        raise CellRefused(_("%(label)s ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้: %(allowed)s "
                            "(กรอกไว้ “%(value)s”)", label=label, allowed=allowed,
                            value=text[:50]))
    if kind == "date":
        return _date(raw, label)
    if info.get("widget") == "month" and isinstance(raw, str) and raw.strip() in _MONTHS:
        return _MONTHS[raw.strip()]
    if isinstance(raw, (date, datetime)):
        raise CellRefused(_("%(label)s ต้องเป็นตัวเลข", label=label))
    try:    # the form's reading (models/catalogue/reading.py): one verdict for one text
        return read_number(raw, places=None if isinstance(column.type, Integer)
                           else column.type.scale)
    except NumberRefused as refusal:
        raise CellRefused(f"{label}: {refusal}") from None


# --- the sheet's columns -------------------------------------------------------------------------

@dataclass
class SheetColumns:
    """Which column of the file holds what: the key columns and the section's fields."""

    index: dict[str, int]                    # field code → column index in the file
    ignored: list[str]                       # known columns that are not imported (labels)
    first_data_row: int                      # index of the first row of data


def importable(section_cls: type) -> list[Any]:
    """The columns an import may write: the catalogue's, except the derived totals and the
    read-only ones (the website has its own home; the e-LAAS flag is set by the import)."""
    return [c for c in catalogue_columns(section_cls)
            if not c.info.get("derived") and not c.info.get("readonly")]


def _is_child(table_cls: type) -> bool:
    return issubclass(table_cls, ChildRowMixin)


def _names(section_cls: type) -> dict[str, str]:
    """Every header text a column may have in a file → its field code: the code itself, the
    export's "label (unit)" and the bare Thai label (and a child table's "ลำดับ")."""
    names: dict[str, str] = {}
    for code, thai in LAO_COLUMNS + ((("position", "ลำดับ"),) if _is_child(section_cls) else ()):
        names[code.lower()] = code
        names[thai] = code
    for column in catalogue_columns(section_cls):
        names[column.key.lower()] = column.key
        names[header(column.info)] = column.key
        names[column.info["label_th"]] = column.key
    return names


def locate_columns(section_cls: type, rows: list[list[Any]]) -> SheetColumns:
    """Find the header rows (the Thai labels and/or the field codes) and map every column;
    `FileRefused` for a missing key column, an unknown or a repeated header."""
    names = _names(section_cls)
    header_rows = []
    for n, row in enumerate(rows[:5]):
        texts = [_text_of(c) if c is not None else "" for c in row]
        if any(names.get(t.lower(), names.get(t)) == "dla_code" for t in texts if t):
            header_rows.append(n)
        elif header_rows:
            break
    if not header_rows:
        raise FileRefused(_("ไม่พบหัวคอลัมน์ “รหัส อปท.” (dla_code) ในห้าแถวแรกของไฟล์ "
                            "กรุณาใช้แบบฟอร์มนำเข้าของด้านนี้ ซึ่งมีหัวคอลัมน์ภาษาไทยและรหัสข้อมูล"))
    row = rows[header_rows[-1]]
    index: dict[str, int] = {}
    unknown, repeated = [], []
    for col, cell in enumerate(row):
        text = _text_of(cell) if cell is not None else ""
        if not text:
            continue
        code = names.get(text.lower(), names.get(text))
        if code is None:
            unknown.append(f"{xl_col_to_name(col)} “{text[:40]}”")
        elif code in index:
            repeated.append(f"{xl_col_to_name(col)} “{text[:40]}”")
        else:
            index[code] = col
    if unknown:
        raise FileRefused(_("ไม่รู้จักหัวคอลัมน์ %(columns)s ของ%(section)s กรุณาใช้หัวคอลัมน์"
                            "ตามแบบฟอร์มนำเข้า (แถวรหัสข้อมูล) หรือลบคอลัมน์นั้นออก",
                            columns=", ".join(unknown[:6]) + (" …" if len(unknown) > 6 else ""),
                            section=_("ด้านที่ %(no)s", no=section_cls.SECTION_NO)))
    if repeated:
        raise FileRefused(_("หัวคอลัมน์ซ้ำกัน: %(columns)s กรุณาเหลือไว้คอลัมน์เดียว",
                            columns=", ".join(repeated[:6])))
    writable = {c.key for c in importable(section_cls)}
    ignored = [code for code in index
               if code not in writable and code not in KEY_COLUMNS and code != "position"
               and code not in {c for c, _t in LAO_COLUMNS}]
    if not writable.intersection(index):
        raise FileRefused(_("ไฟล์ไม่มีคอลัมน์ข้อมูลของ%(table)s ที่นำเข้าได้",
                            table=section_cls.title()))
    return SheetColumns(index=index, ignored=ignored, first_data_row=header_rows[-1] + 1)


# --- the plan ----------------------------------------------------------------------------------

@dataclass
class FieldChange:
    key: str
    label: str
    old: Any
    new: Any
    info: dict[str, Any]

    @property
    def old_text(self) -> str:
        return _shown(self.old, self.info)

    @property
    def new_text(self) -> str:
        return _shown(self.new, self.info)


def _shown(value: Any, info: dict[str, Any]) -> str:
    shown = cell_value(value, info)
    if shown is None:
        return "–"
    if isinstance(shown, float):
        return f"{Decimal(repr(shown)).normalize():,f}"
    if isinstance(shown, int) and info.get("kind") not in ("year_be",):
        return f"{shown:,}"
    return str(shown)


@dataclass
class RowResult:
    line: int                                # the row number as the spreadsheet shows it
    dla_code: str
    fiscal_year: int | None
    name: str = ""
    submission_id: int | None = None
    changes: list[FieldChange] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)   # what the file gives (parsed)
    editable: bool = False                   # the year may be written (edit_refusal)
    fatal: bool = False                      # no submission to check against (key, repeat)
    checked: Any = None                      # the write path's reading (services/sections)
    children: dict[str, list[dict[str, Any]]] | None = None   # a child table's rows of the LAO

    @property
    def refused(self) -> bool:
        return bool(self.refusals)

    @property
    def outcome(self) -> str:
        return "refused" if self.refusals else "change" if self.changes else "same"


@dataclass
class ImportPlan:
    section_cls: type
    rows: list[RowResult]
    ignored: list[str]
    columns: list[str]                       # the field codes the file writes

    @property
    def refused(self) -> list[RowResult]:
        return [r for r in self.rows if r.refused]

    @property
    def changing(self) -> list[RowResult]:
        return [r for r in self.rows if not r.refused and r.changes]

    @property
    def unchanged(self) -> list[RowResult]:
        return [r for r in self.rows if not r.refused and not r.changes]

    @property
    def field_changes(self) -> int:
        return sum(len(r.changes) for r in self.changing)


@dataclass(frozen=True)
class ImportFile:
    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _code(raw: Any) -> str | None:
    """A DLA code as a cell holds it (6100101, 6100101.0, ๖๑๐๐๑๐๑), through models.catalogue.reading."""
    return parse_code(_text_of(raw).translate(THAI_DIGITS), digits=7) if raw is not None else None


def _year(raw: Any) -> int | None:
    return parse_year(_text_of(raw).translate(THAI_DIGITS)) if raw is not None else None


def read_rows(section_cls: type, upload: ImportFile, default_year: int | None
              ) -> tuple[list[RowResult], SheetColumns]:
    """The file's data rows, each with its parsed values or the reasons its cells failed."""
    sheet = sheet_name(section_cls)
    rows = read_table(upload.data, sheet, fallback_sheets=("สรุป", LISTS_SHEET))
    layout = locate_columns(section_cls, rows)
    columns = [c for c in importable(section_cls) if c.key in layout.index]
    found: list[RowResult] = []
    seen: dict[tuple[str, int | None], RowResult] = {}
    for n in range(layout.first_data_row, len(rows)):
        row = rows[n]

        def cell(code: str) -> Any:
            col = layout.index.get(code)
            return row[col] if col is not None and col < len(row) else None

        written = [cell(c.key) for c in columns]
        raw_code = cell("dla_code")
        if raw_code is None and all(v is None or (isinstance(v, str) and not v.strip())
                                    for v in written):
            continue                                   # a blank line
        code = _code(raw_code)
        year = default_year
        if "fiscal_year" in layout.index and cell("fiscal_year") is not None:
            year = _year(cell("fiscal_year"))
        result = RowResult(line=n + 1, dla_code=code or _text_of(raw_code or "")[:20],
                           fiscal_year=year)
        found.append(result)
        if _bad_key(result, code, raw_code, year):
            continue
        values, cleared, refusals = _cells(columns, written)
        result.values = {**values, **dict.fromkeys(cleared)}  # "-" clears; empty leaves
        result.refusals += refusals
        twin = seen.get((code, year))
        if twin is not None:
            message = _("รหัส อปท. %(code)s ปีงบประมาณ %(year)s อยู่ในไฟล์มากกว่าหนึ่งแถว "
                        "(แถวที่ %(a)s และ %(b)s)", code=code, year=year, a=twin.line, b=result.line)
            for same in (twin, result):
                same.fatal = True
                if message not in same.refusals:
                    same.refusals.append(message)
        else:
            seen[(code, year)] = result
    return found, layout


def plan_import(section_cls: type, upload: ImportFile, user: Any, *,
                default_year: int | None = None, source: ImportSource | None = None,
                lock: bool = False, progress: Callable[[int], None] | None = None,
                on_rows: Callable[[int], None] | None = None,
                thai: Callable[[], Any] | None = None, child: type | None = None) -> ImportPlan:
    """What importing `upload` into `section_cls` would do, row by row; writes nothing.
    Every row is checked by the one write path (models/services/sections.check), a chunk of
    LAO codes at a time.  `on_rows(n)` is told the number of rows once read, `progress(k)` as
    rows are checked; `thai`, a context in which messages are Thai (the ⚠ kept are Thai)."""
    if child is None:
        results, layout = read_rows(section_cls, upload, default_year)
    else:
        results, layout = read_child_rows(section_cls, child, upload, default_year)
    if on_rows is not None:
        on_rows(len(results))
    columns = [c for c in importable(child or section_cls) if c.key in layout.index]
    keyed = [r for r in results if not r.fatal]
    for chunk in _chunks(sorted({r.dla_code for r in keyed})):
        codes = set(chunk)
        rows = [r for r in keyed if r.dla_code in codes]
        years = sorted({r.fiscal_year for r in rows})
        stored = {(s.dla_code, s.submission.fiscal_year): s for s in load(
            section_cls, and_(Organization.dla_code.in_(chunk), Submission.fiscal_year.in_(years)),
            user, lock=lock)}
        pairs = []
        for result in rows:
            found = stored.get((result.dla_code, result.fiscal_year))
            if found is None:
                # (not the cells' messages: they would say what an LAO out of scope holds)
                result.refusals = [_("ไม่พบ อปท. รหัส %(code)s ปีงบประมาณ %(year)s "
                                     "ในขอบเขตของท่าน (หรือปีงบประมาณนั้นยังไม่เปิด)",
                                     code=result.dla_code, year=result.fiscal_year)]
                continue
            result.name, result.submission_id = found.name, found.submission.id
            pairs.append((result, found, SectionEdit(found.submission.id, result.values,
                                                     children=result.children)))
        checked = check(section_cls, [(s, e) for _r, s, e in pairs], source=source, thai=thai)
        for (result, _s, _e), outcome in zip(pairs, checked):
            result.checked = outcome
            result.editable = outcome.editable
            edit_rule = outcome.refusals[:1] if not outcome.editable and outcome.refusals else []
            result.refusals = [*edit_rule, *result.refusals, *outcome.locked,
                               *outcome.refusals[len(edit_rule):]]
            result.changes = [FieldChange(c.key, meta.label(_info(section_cls, c.key)), c.old,
                                          c.new, _info(section_cls, c.key))
                              for c in outcome.changes]
            result.changes += [_child_change(section_cls, c) for c in outcome.child_changes]
            result.warnings = [(f.field, f.message) for f in outcome.warnings]
        if progress is not None:
            progress(len(rows))
    return ImportPlan(section_cls=section_cls, rows=results, ignored=layout.ignored,
                      columns=[c.key for c in columns])


def _info(section_cls: type, key: str) -> dict[str, Any]:
    return section_cls.__table__.c[key].info


def _child_change(section_cls: type, change: Any) -> FieldChange:
    """ "ผู้บันทึกข้อมูล รายการที่ 2: เบอร์โทรศัพท์" for the change "recorders.2.phone"."""
    name, n, *key = change.key.split(".")
    child_cls = dict(CHILDREN[section_cls])[name]
    info = child_cls.__table__.c[key[0]].info if key else {}
    label = _("%(title)s รายการที่ %(n)s", title=child_cls.title(), n=n)
    return FieldChange(change.key, f"{label}: {meta.label(info)}" if key else label,
                       change.old, change.new, info)


CLEAR_MARKER = "-"


def _clears(raw: Any) -> bool:
    """A cell holding only "-": the import clears the stored value (an empty cell leaves it)."""
    return isinstance(raw, str) and raw.strip() == CLEAR_MARKER


def read_child_rows(section_cls: type, child_cls: type, upload: ImportFile,
                    default_year: int | None) -> tuple[list[RowResult], SheetColumns]:
    """A child table's sheet (ด้านที่ 6.1 …): rows keyed by dla_code, year and ลำดับ, one
    RowResult per LAO-year holding all its rows, which replace the stored ones as a whole.  A
    row with only the LAO's code and "-" as its ลำดับ removes every row of that LAO."""
    name, number = next((name, n) for n, (name, cls) in enumerate(CHILDREN[section_cls], start=1)
                        if cls is child_cls)
    rows = read_table(upload.data, sheet_name(section_cls, child_cls, number),
                      fallback_sheets=("สรุป", LISTS_SHEET))
    layout = locate_columns(child_cls, rows)
    columns = [c for c in importable(child_cls) if c.key in layout.index]
    by_key: dict[tuple[str, int | None], RowResult] = {}
    given: dict[tuple[str, int | None], list[tuple[Any, int, dict[str, Any]]]] = {}
    found: list[RowResult] = []
    for n in range(layout.first_data_row, len(rows)):
        row = rows[n]

        def cell(code: str) -> Any:
            col = layout.index.get(code)
            return row[col] if col is not None and col < len(row) else None

        written = [cell(c.key) for c in columns]
        raw_code, raw_position = cell("dla_code"), cell("position")
        if raw_code is None and all(v is None or (isinstance(v, str) and not v.strip())
                                    for v in written):
            continue                                   # a blank line
        code = _code(raw_code)
        year = default_year
        if "fiscal_year" in layout.index and cell("fiscal_year") is not None:
            year = _year(cell("fiscal_year"))
        key = (code or _text_of(raw_code or "")[:20], year)
        result = by_key.get(key)
        if result is None:
            result = by_key[key] = RowResult(line=n + 1, dla_code=key[0], fiscal_year=year,
                                             children={name: []})
            given[key] = []
            found.append(result)
        if _bad_key(result, code, raw_code, year):
            continue
        if _clears(raw_position):
            continue                                   # the LAO's rows, all removed
        found_values, _cleared, refusals = _cells(columns, written)
        values = {c.key: found_values.get(c.key) for c in columns}   # a row as a whole
        result.refusals += [_("แถวที่ %(line)s: %(message)s", line=n + 1, message=m)
                            for m in refusals]
        position = _position(raw_position)
        if raw_position is not None and position is None:
            result.refusals.append(_("แถวที่ %(line)s: ลำดับต้องเป็นเลขจำนวนเต็ม (กรอกไว้ “%(value)s”)",
                                     line=n + 1, value=_text_of(raw_position)[:20]))
            continue
        if position is not None and any(p == position for p, _l, _v in given[key]):
            result.refusals.append(_("แถวที่ %(line)s: ลำดับที่ %(n)s ของ อปท. %(code)s ซ้ำกับแถวอื่น",
                                     line=n + 1, n=position, code=code))
            continue
        given[key].append((position, n, values))
    for key, result in by_key.items():
        if not result.fatal:
            ordered = sorted(given[key], key=lambda item: (item[0] is None, item[0] or 0, item[1]))
            result.children = {name: [values for _p, _l, values in ordered]}
    return found, layout


def _bad_key(result: RowResult, code: str | None, raw_code: Any, year: int | None) -> bool:
    """Refuse a row whose LAO code or year cannot be read (nothing to check it against)."""
    if code is None:
        result.refusals.append(_("รหัส อปท. ต้องเป็นตัวเลข 7 หลัก (กรอกไว้ “%(value)s”)",
                                 value=_text_of(raw_code or "")[:20]))
    elif year is None:
        result.refusals.append(_("ปีงบประมาณต้องเป็นปี พ.ศ. 4 หลัก เช่น 2570"))
    else:
        return False
    result.fatal = True
    return True


def _cells(columns: list[Any], written: list[Any]
           ) -> tuple[dict[str, Any], list[str], list[str]]:
    """A row's cells read: the values of those that hold one, the keys of those holding the
    clear marker "-", and the refusals of those that are no value of their column."""
    values: dict[str, Any] = {}
    cleared, refusals = [], []
    for column, raw in zip(columns, written):
        if _clears(raw):
            cleared.append(column.key)
            continue
        try:
            value = parse_cell(column, raw)
        except CellRefused as refusal:
            refusals.append(str(refusal))
            continue
        if value is not None:
            values[column.key] = value
    return values, cleared, refusals


def _position(raw: Any) -> int | None:
    try:
        return read_number(raw, places=None) if raw is not None else None
    except NumberRefused:
        return None


# --- which tables an import may write --------------------------------------------------------

def import_tables() -> list[tuple[str, type, type | None]]:
    """(code, section, child table or None) of every table an import may write, in the order
    of the screens: "1", "1.1" (ผู้บันทึกข้อมูล), "2", … — the code is the sheet's number."""
    out = []
    for section_cls in SECTIONS:
        out.append((str(section_cls.SECTION_NO), section_cls, None))
        for n, (_name, child_cls) in enumerate(CHILDREN.get(section_cls, ()), start=1):
            out.append((f"{section_cls.SECTION_NO}.{n}", section_cls, child_cls))
    return out


def table_by_code(code: Any) -> tuple[type, type | None]:
    """The section and child table (or None) of a code of import_tables(); ValueError when
    there is none."""
    for found, section_cls, child_cls in import_tables():
        if found == str(code).strip():
            return section_cls, child_cls
    raise ValueError(code)


# --- committing --------------------------------------------------------------------------------

@dataclass
class CommitResult:
    plan: ImportPlan
    batch: ImportBatch
    written: list[RowResult]

    @property
    def committed(self) -> bool:
        return self.batch.status is ImportStatus.COMMITTED


def commit_import(section_cls: type, upload: ImportFile, user: Any, *,
                  default_year: int | None = None, mode: ImportMode = ImportMode.ALL_OR_NOTHING,
                  source: ImportSource | None = None, via: str = "web",
                  progress: Callable[[int], None] | None = None,
                  on_rows: Callable[[int], None] | None = None,
                  thai_warnings: Callable[[], Any] | None = None,
                  child: type | None = None) -> CommitResult:
    """Plan again inside this transaction (the submissions locked, so nothing certifies in
    between), then write every row with changes — or none, in ALL_OR_NOTHING mode, when any row
    is refused.  One ImportBatch row either way; commits."""
    plan = plan_import(section_cls, upload, user, default_year=default_year, source=source,
                       lock=True, thai=thai_warnings, child=child)
    refused = plan.refused
    write = [] if (refused and mode is ImportMode.ALL_OR_NOTHING) else \
        [r for r in plan.rows if not r.refused and r.editable
         and (r.changes or source is not None)]
    if on_rows is not None:
        on_rows(len(write))
    batch = ImportBatch(
        user_id=getattr(user, "id", None), organization_id=getattr(user, "organization_id", None),
        district_code=getattr(user, "district_code", None),
        province_code=getattr(user, "area_province_code", None),
        section_no=section_cls.SECTION_NO, fiscal_year=default_year, file_name=upload.name[:255],
        file_sha256=upload.sha256, file_bytes=len(upload.data), via=via, mode=mode,
        source=source,
        status=ImportStatus.REFUSED if refused and mode is ImportMode.ALL_OR_NOTHING
        else ImportStatus.COMMITTED,
        rows_total=len(plan.rows), rows_refused=len(refused),
        rows_changed=sum(1 for r in write if r.changes),
        fields_changed=sum(len(r.changes) for r in write))
    db.session.add(batch)
    db.session.flush()
    token = current_batch.set(batch.id)
    try:
        for chunk in _chunks(write):
            sections.write(section_cls, [r.checked for r in chunk], user, source=source,
                           batch_id=batch.id)
            if progress is not None:
                progress(len(chunk))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        current_batch.reset(token)
    return CommitResult(plan=plan, batch=batch, written=[r for r in write if r.changes])


# --- choices of the screens and the CLI -------------------------------------------------------

def section_choices() -> list[tuple[str, str]]:
    """(code, "ด้านที่ 6 ข้อมูลด้าน… / ด้านที่ 6.1 รถและอุปกรณ์…") of every table an import may
    write."""
    return [(code, _("ด้านที่ %(no)s %(title)s", no=code, title=(child or section_cls).title()))
            for code, section_cls, child in import_tables()]


__all__ = ["ImportBatch", "ImportFile", "ImportMode", "ImportPlan", "ImportSource",
           "ImportStatus", "FileRefused", "CellRefused", "plan_import", "commit_import",
           "parse_cell", "importable", "LISTS_SHEET", "import_tables", "table_by_code",
           "CLEAR_MARKER"]
