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

from sqlalchemy import Integer, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import selectinload
from xlsxwriter.utility import xl_col_to_name

from workflow import (EN_MONTHS, THAI_MONTHS, THAI_MONTHS_SHORT, Context, LabeledEnum, _,
                      edit_refusal, today_in_thailand)

from ..base import db, utcnow
from ..catalogue import columns as meta
from ..catalogue.columns import catalogue_columns
from ..catalogue.reading import (THAI_DIGITS, NumberRefused, parse_code, parse_thai_date,
                                parse_year, read_number)
from ..catalogue.rule_kinds import NO_WORDS, YES_WORDS
from ..rules.completeness import missing_fields
from ..rules.scoping import scoped
from ..rules.values import RuleContext, blocking, check_section, warnings
from ..tables.audit import current_batch
from ..tables.batches import ImportBatch, ImportMode, ImportSource, ImportStatus, source_label
from ..tables.organizations import Organization
from ..tables.sections import CHILDREN, SECTIONS, Section1General, Section8Finance
from ..tables.submissions import FiscalYear, SectionWarning, Submission, YearStatus
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


def _names(section_cls: type) -> dict[str, str]:
    """Every header text a column may have in a file → its field code: the code itself, the
    export's "label (unit)" and the bare Thai label."""
    names: dict[str, str] = {}
    for code, thai in LAO_COLUMNS:
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
               if code not in writable and code not in KEY_COLUMNS
               and code not in {c for c, _t in LAO_COLUMNS}]
    if not writable.intersection(index):
        raise FileRefused(_("ไฟล์ไม่มีคอลัมน์ข้อมูลของด้านที่ %(no)s ที่นำเข้าได้",
                            no=section_cls.SECTION_NO))
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
        if code is None:
            result.refusals.append(_("รหัส อปท. ต้องเป็นตัวเลข 7 หลัก (กรอกไว้ “%(value)s”)",
                                     value=_text_of(raw_code or "")[:20]))
            result.fatal = True
            continue
        if year is None:
            result.refusals.append(_("ปีงบประมาณต้องเป็นปี พ.ศ. 4 หลัก เช่น 2570"))
            result.fatal = True
            continue
        for column, raw in zip(columns, written):
            try:
                value = parse_cell(column, raw)
            except CellRefused as refusal:
                result.refusals.append(str(refusal))
                continue
            if value is not None:
                result.values[column.key] = value
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


@dataclass
class _Stored:
    """What the plan reads per submission: its state, its row, and the rules' context."""

    submission: Any
    name: str
    district_code: str
    row: Any
    context: Context
    households: int | None = None
    previous: dict[str, Any] | None = None


def _load(section_cls: type, keys: list[tuple[str, int]], user: Any, *, lock: bool
          ) -> dict[tuple[str, int], _Stored]:
    """Each (dla_code, year) of the file that is in the user's scope: its submission (locked
    when committing), its section row, ด้าน 1's households and last year's row — a few
    statements per CHUNK rows, never one per row."""
    today = today_in_thailand()
    out: dict[tuple[str, int], _Stored] = {}
    wanted = set(keys)
    for chunk in _chunks(sorted({code for code, _y in keys})):
        codes = set(chunk)
        years = sorted({y for c, y in keys if c in codes})
        query = (select(Submission, Organization.dla_code, Organization.name_th,
                        FiscalYear.status, FiscalYear.deadline)
                 .join(Organization, Submission.organization_id == Organization.id)
                 .join(FiscalYear, Submission.fiscal_year == FiscalYear.be_year)
                 .where(Organization.dla_code.in_(chunk), Submission.fiscal_year.in_(years)))
        query = scoped(query, Submission, user).order_by(Submission.id)
        if lock:
            query = query.with_for_update(of=Submission)
        found = db.session.execute(query).all()
        subs = {}
        for sub, code, name, year_status, deadline in found:
            if (code, sub.fiscal_year) not in wanted:
                continue
            subs[sub.id] = (code, name, sub, Context(
                status=sub.status, year_open=year_status is YearStatus.OPEN, today=today,
                deadline=deadline, extension_until=sub.extension_until))
        if not subs:
            continue
        ids = sorted(subs)
        rows = {r.submission_id: r for r in db.session.scalars(
            select(section_cls).where(section_cls.submission_id.in_(ids)))}
        households = {}
        if section_cls is not Section1General:
            households = dict(db.session.execute(
                select(Section1General.submission_id, Section1General.households)
                .where(Section1General.submission_id.in_(ids))).all())
        previous = _previous_rows(section_cls, [subs[i][2] for i in ids])
        for sub_id, (code, name, sub, context) in subs.items():
            out[(code, sub.fiscal_year)] = _Stored(
                submission=sub, name=name, district_code=sub.district_code,
                row=rows.get(sub_id), context=context, households=households.get(sub_id),
                previous=previous.get(sub_id))
    return out


def _previous_rows(section_cls: type, submissions: list[Any]) -> dict[int, dict[str, Any]]:
    """Submission id → last year's values of this section (the LAO's latest earlier year):
    the year-over-year ⚠ of the rule registry, for a whole chunk in one statement."""
    if not submissions:
        return {}
    orgs = {s.organization_id for s in submissions}
    latest = max(s.fiscal_year for s in submissions)
    table = section_cls.__table__
    columns = list(table.columns)
    found = db.session.execute(
        select(Submission.organization_id, Submission.fiscal_year, *columns)
        .join(Submission, Submission.id == table.c.submission_id)
        .where(Submission.organization_id.in_(orgs), Submission.fiscal_year < latest)
        .order_by(Submission.organization_id, Submission.fiscal_year.desc())).all()
    by_org: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for org_id, year, *values in found:
        by_org.setdefault(org_id, []).append(
            (year, {c.key: v for c, v in zip(columns, values)}))
    out = {}
    for sub in submissions:
        for year, values in by_org.get(sub.organization_id, ()):
            if year < sub.fiscal_year:
                out[sub.id] = values
                break
    return out


def _subdistricts(codes: set[str]) -> dict[str, str]:
    """Subdistrict code → its district code, for the codes a file names."""
    from ..tables.geography import Subdistrict
    out = {}
    for chunk in _chunks(sorted(codes)):
        out.update(db.session.execute(select(Subdistrict.code, Subdistrict.district_code)
                                      .where(Subdistrict.code.in_(chunk))).all())
    return out


def plan_import(section_cls: type, upload: ImportFile, user: Any, *,
                default_year: int | None = None, source: ImportSource | None = None,
                lock: bool = False, progress: Callable[[int], None] | None = None,
                on_rows: Callable[[int], None] | None = None) -> ImportPlan:
    """What importing `upload` into `section_cls` would do, row by row; writes nothing.
    `on_rows(n)` is told the number of rows once read, `progress(k)` as rows are checked."""
    results, layout = read_rows(section_cls, upload, default_year)
    if on_rows is not None:
        on_rows(len(results))
    columns = [c for c in importable(section_cls) if c.key in layout.index]
    keys = [(r.dla_code, r.fiscal_year) for r in results if not r.fatal]
    stored = _load(section_cls, keys, user, lock=lock)
    subdistricts = _subdistricts({str(r.values["office_subdistrict_code"]) for r in results
                                  if "office_subdistrict_code" in r.values})
    all_columns = catalogue_columns(section_cls)
    for n, result in enumerate(results, start=1):
        if progress is not None and n % CHUNK == 0:
            progress(CHUNK)
        if result.fatal:
            continue
        found = stored.get((result.dla_code, result.fiscal_year))
        if found is None or found.row is None:
            result.refusals = []    # a cell's message would say what an LAO out of scope holds
            result.refusals.append(_("ไม่พบ อปท. รหัส %(code)s ปีงบประมาณ %(year)s "
                                     "ในขอบเขตของท่าน (หรือปีงบประมาณนั้นยังไม่เปิด)",
                                     code=result.dla_code, year=result.fiscal_year))
            continue
        result.name, result.submission_id = found.name, found.submission.id
        row = found.row
        old = {c.key: getattr(row, c.key) for c in all_columns}
        merged = {**old, **result.values}
        if isinstance(row, Section8Finance):
            totals = Section8Finance(**{k: merged[k] for k in Section8Finance.REVENUE_FIELDS
                                        + Section8Finance.EXPENDITURE_FIELDS})
            totals.compute_totals()
            merged["revenue_total"] = totals.revenue_total
            merged["expenditure_total"] = totals.expenditure_total
        code = merged.get("office_subdistrict_code")
        if "office_subdistrict_code" in result.values and \
                subdistricts.get(str(code)) != found.district_code:
            result.refusals.append(_("ตำบลรหัส %(code)s ไม่อยู่ในอำเภอของ อปท. นี้",
                                     code=str(code)[:10]))
        imported = row.imported or {}
        for column in all_columns:
            key = column.key
            if merged.get(key) == old.get(key) or (merged.get(key) is None
                                                    and old.get(key) is None):
                continue
            if key in imported and key in result.values and \
                    imported[key].get("source") != (source.value if source else None):
                origin = source_label(imported[key].get("source"))
                result.refusals.append(_("%(label)s นำเข้าจาก %(source)s "
                                         "แก้ไขได้โดยการนำเข้าจากระบบนั้นเท่านั้น",
                                         label=meta.label(column.info), source=origin))
                continue
            result.changes.append(FieldChange(key, meta.label(column.info), old.get(key),
                                              merged.get(key), column.info))
        if source is ImportSource.ELAAS and isinstance(row, Section8Finance) \
                and result.values and old.get("from_accounting_import") is not True:
            column = Section8Finance.__table__.c.from_accounting_import
            result.changes.append(FieldChange(column.key, meta.label(column.info),
                                              old.get(column.key), True, column.info))
        refusal = edit_refusal(found.context)
        result.editable = refusal is None
        if not result.changes and not result.refusals:
            continue          # nothing to write: a certified year re-imported as it is is fine
        if refusal:
            result.refusals.insert(0, refusal)
            continue
        findings = check_section(section_cls, merged, context=RuleContext(
            fiscal_year=found.submission.fiscal_year, households_section1=found.households,
            previous=found.previous))
        result.refusals += [f.message for f in blocking(findings)]
        result.warnings = [(f.field, f.message) for f in warnings(findings)]
    if progress is not None and len(results) % CHUNK:
        progress(len(results) % CHUNK)
    return ImportPlan(section_cls=section_cls, rows=results, ignored=layout.ignored,
                      columns=[c.key for c in columns])


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
                  thai_warnings: Callable[[], Any] | None = None) -> CommitResult:
    """Plan again inside this transaction (the submissions locked, so nothing certifies in
    between), then write every row with changes — or none, in ALL_OR_NOTHING mode, when any row
    is refused.  One ImportBatch row either way; commits."""
    plan = plan_import(section_cls, upload, user, default_year=default_year, source=source,
                       lock=True)
    if thai_warnings is not None:      # stored ⚠ are in Thai, whatever the screen's language
        with thai_warnings():
            thai = plan_import(section_cls, upload, user, default_year=default_year,
                               source=source, lock=False)
        by_line = {r.line: r.warnings for r in thai.rows}
        for result in plan.rows:
            result.warnings = by_line.get(result.line, result.warnings)
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
        if write:
            _write(section_cls, write, batch, source, user, progress)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        current_batch.reset(token)
    return CommitResult(plan=plan, batch=batch, written=[r for r in write if r.changes])


def _write(section_cls: type, rows: list[RowResult], batch: ImportBatch,
           source: ImportSource | None, user: Any, progress: Callable[[int], None] | None) -> None:
    now = utcnow()
    user_id = getattr(user, "id", None)
    children = [getattr(section_cls, name) for name, _c in CHILDREN.get(section_cls, ())]
    for chunk in _chunks(rows):
        ids = [r.submission_id for r in chunk]
        query = select(section_cls).where(section_cls.submission_id.in_(ids))
        if children:
            query = query.options(*[selectinload(c) for c in children])
        objects = {o.submission_id: o for o in db.session.scalars(query)}
        changed: dict[int, tuple[list[tuple[str, str]], int]] = {}
        for result in chunk:
            obj = objects[result.submission_id]
            if source is not None:
                imported = dict(obj.imported or {})
                stamp = {"source": source.value, "at": now.isoformat(timespec="seconds"),
                         "batch": batch.id}
                for key in result.values:
                    imported[key] = stamp
                if imported != (obj.imported or {}):
                    obj.imported = imported
            if not result.changes:
                continue
            was_complete = not missing_fields(section_cls, obj)
            for change in result.changes:
                setattr(obj, change.key, change.new)
            if hasattr(obj, "compute_totals"):
                obj.compute_totals()
            obj.carried_forward = False
            obj.updated_by_id = user_id
            obj.updated_at = now
            delta = int(not missing_fields(section_cls, obj)) - int(was_complete)
            changed[result.submission_id] = (result.warnings, delta)
        db.session.flush()
        refresh_sections_state(section_cls, changed)
        if progress is not None:
            progress(len(chunk))


def refresh_sections_state(section_cls: type,
                           changed: dict[int, tuple[list[tuple[str, str]], int]]) -> None:
    """models.rules.completeness.refresh_section_state for many submissions of one section at once:
    submission id → (its ⚠ findings of this section, how its sections-complete count moves:
    -1, 0 or +1 as this section became incomplete, stayed, or became complete).  The other
    seven sections did not change, so only this one is looked at; a fixed number of
    statements per chunk."""
    if not changed:
        return
    ids = sorted(changed)
    no = section_cls.SECTION_NO
    db.session.execute(delete(SectionWarning).where(SectionWarning.submission_id.in_(ids),
                                                    SectionWarning.section_no == no))
    found = [dict(submission_id=i, section_no=no, field=f or "", message=m)
             for i in ids for f, m in changed[i][0]]
    if found:
        db.session.execute(insert(SectionWarning), found)
    moved = [dict(sub_id=i, delta=changed[i][1]) for i in ids if changed[i][1]]
    table = Submission.__table__
    if moved:
        db.session.execute(
            update(table).where(table.c.id == bindparam("sub_id"))
            .values(sections_complete=table.c.sections_complete + bindparam("delta")), moved)
    counts = select(func.count()).select_from(SectionWarning).where(
        SectionWarning.submission_id == Submission.id).scalar_subquery()
    db.session.execute(update(Submission).where(Submission.id.in_(ids))
                       .values(warnings_count=counts)
                       .execution_options(synchronize_session=False))


# --- choices of the screens and the CLI -------------------------------------------------------

def section_choices() -> list[tuple[int, str]]:
    return [(cls.SECTION_NO, _("ด้านที่ %(no)s %(title)s", no=cls.SECTION_NO, title=cls.title()))
            for cls in SECTIONS]


__all__ = ["ImportBatch", "ImportFile", "ImportMode", "ImportPlan", "ImportSource",
           "ImportStatus", "FileRefused", "CellRefused", "plan_import", "commit_import",
           "parse_cell", "importable", "refresh_sections_state", "LISTS_SHEET"]
