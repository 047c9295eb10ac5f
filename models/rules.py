"""The validation rulebook of the 8 sections (SPEC §5), as pure functions.

`check_section(Section1General, values, children=…, context=…)` returns a list of `Finding`s:
a Thai message next to a column (or the section as a whole), blocking (the save is refused) or
a ⚠ warning (shown; saving goes on).  No Flask, no database session: the forms, the CSV import
and the API call the same function, and the CHECK constraints on the section tables stay the
last line of defence rather than the first message a clerk sees.

Three passes, in this order:

1. every catalogue column on its own, from its metadata (`models/meta.py`): a number that is a
   number, whole numbers for counts, min/max (coordinates inside Thailand, % 0–100, month 1–12
   …), the size the column can hold, postal code of 5 digits, text length.  At most one finding
   per column, the first rule it breaks;
2. the rules between columns of the section (total = male + female, collected ≤ generated …)
   and across tables through `RuleContext` (electrified households ≤ households of ด้าน 1,
   vehicle year ≤ fiscal year).  A rule whose operands already failed pass 1 is skipped, so a
   clerk never gets two messages for one typo;
3. the ⚠ year-over-year comparison of required numeric columns with the previous fiscal year.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Integer, Numeric, String

from .meta import catalogue_columns
from .sections import (
    CHILDREN, Section1General, Section2Infrastructure, Section4Festival, Section4Social,
    Section6Disaster, Section7Environment, Section8Finance,
)

__all__ = ["Finding", "RuleContext", "check_section", "blocking", "warnings",
           "YOY_THRESHOLD", "NUMERIC_KINDS"]


@dataclass(frozen=True)
class Finding:
    """One message for the clerk."""

    field: str          # column key the message belongs next to ("" for the section as a whole)
    message: str        # Thai, e.g. "ประชากรรวมต้องเท่ากับชาย + หญิง (404,654 + 446,494 = 851,148)"
    blocking: bool      # True: refuses the save; False: ⚠ warning, saving goes on


@dataclass(frozen=True)
class RuleContext:
    """What the rules need from outside the section being checked."""

    fiscal_year: int | None = None               # ปีงบประมาณ (พ.ศ.)
    households_section1: int | None = None       # จำนวนครัวเรือน in ด้านที่ 1 of the same year
    previous: Mapping[str, Any] | None = None    # this section's values of the previous year


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that refuse the save."""
    return [f for f in findings if f.blocking]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    """The ⚠ findings: shown, saving goes on."""
    return [f for f in findings if not f.blocking]


# Kinds whose value is a number; the year-over-year rule looks at these.
NUMERIC_KINDS = frozenset({"count", "money", "decimal", "percent"})
# A required number moving by more than this share of last year's value is flagged (⚠).
YOY_THRESHOLD = Decimal("0.5")

_INT_LIMIT = 2_147_483_647  # a 32-bit INTEGER column (PostgreSQL)
_POSTAL_CODE = re.compile(r"[0-9]{5}")


# --- values ---------------------------------------------------------------------------------

class _NotANumber(Exception):
    pass


def _getter(values: Any) -> Callable[[str], Any]:
    """`get(key)` for a dict or an ORM row."""
    if isinstance(values, Mapping):
        return values.get
    return lambda key: getattr(values, key, None)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> Decimal:
    """A form value as an exact Decimal; `_NotANumber` when it is not a finite number."""
    if isinstance(value, bool):
        raise _NotANumber
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise _NotANumber from None
    else:
        raise _NotANumber
    if not number.is_finite():
        raise _NotANumber
    return number


def _num(value: Any) -> Decimal | None:
    """A value as a Decimal, or None when empty or not a number (pass 1 reports those)."""
    if _blank(value):
        return None
    try:
        return _number(value)
    except _NotANumber:
        return None


def _fmt(value: Any, kind: str | None = None) -> str:
    """A number the Thai way in a message: thousands separators, decimals kept as entered."""
    if isinstance(value, str):
        return value
    if kind in ("year_be", "lat", "lon"):
        return str(value)
    try:
        number = _number(value)
    except _NotANumber:
        return str(value)
    if number == number.to_integral_value() and number.as_tuple().exponent >= 0:
        return f"{int(number):,}"
    return f"{number:,f}"


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes", "y", "มี")
    return bool(value)


def _with_unit(text: str, unit: str | None) -> str:
    return f"{text} {unit}" if unit else text


# --- pass 1: one column at a time ---------------------------------------------------------------

# Column-specific wording for a value outside its min/max; {label}, {value}, {lo}, {hi}.
_RANGE_MESSAGES: dict[tuple[type, str], str] = {
    (Section1General, "area_sq_km"):
        "พื้นที่ต้องมากกว่า 0 ตร.กม. (อย่างน้อย {lo} ตร.กม. กรอกไว้ {value})",
    (Section4Festival, "month"):
        "เดือนที่จัดต้องเป็นเลข 1–12 (1 = มกราคม … 12 = ธันวาคม กรอกไว้ {value})",
}


def _range_message(model: type, column: Any, value: Decimal) -> str | None:
    info = column.info
    kind, label, unit = info["kind"], info["label_th"], info.get("unit")
    lo, hi = info.get("min"), info.get("max")
    if not ((lo is not None and value < _number(lo)) or (hi is not None and value > _number(hi))):
        return None
    shown = _fmt(value, kind)
    special = _RANGE_MESSAGES.get((model, column.key))
    if special is not None:
        return special.format(label=label, value=shown, lo=lo, hi=hi)
    if kind == "lat":
        return (f"พิกัดต้องอยู่ในประเทศไทย: ละติจูดต้องอยู่ระหว่าง {lo}–{hi} องศาเหนือ"
                f" (กรอกไว้ {shown})")
    if kind == "lon":
        return (f"พิกัดต้องอยู่ในประเทศไทย: ลองจิจูดต้องอยู่ระหว่าง {lo}–{hi} องศาตะวันออก"
                f" (กรอกไว้ {shown})")
    if kind == "year_be":
        return f"{label} ต้องเป็นปี พ.ศ. {lo}–{hi} (กรอกไว้ {shown})"
    if kind == "percent":
        return f"{label} (ร้อยละ) ต้องอยู่ระหว่าง {lo}–{hi} (กรอกไว้ {shown})"
    if lo is not None and hi is not None:
        span = f"ตั้งแต่ {lo} ถึง {hi}" if _number(lo) < 0 else f"{_fmt(lo)}–{_fmt(hi)}"
        return f"{label} ต้องอยู่ระหว่าง {_with_unit(span, unit)} (กรอกไว้ {shown})"
    if lo is not None and _number(lo) == 0:
        return f"{label} ต้องไม่ติดลบ (กรอกไว้ {shown})"
    if lo is not None:
        return f"{label} ต้องไม่น้อยกว่า {_with_unit(_fmt(lo), unit)} (กรอกไว้ {shown})"
    return f"{label} ต้องไม่เกิน {_with_unit(_fmt(hi), unit)} (กรอกไว้ {shown})"


def _capacity_message(column: Any, value: Decimal) -> str | None:
    """A number too large for the column (Numeric precision, 32-bit INTEGER)."""
    type_ = column.type
    label = column.info["label_th"]
    if isinstance(type_, Numeric) and type_.precision is not None:
        limit = Decimal(10) ** (type_.precision - (type_.scale or 0))
        if abs(value) >= limit:
            return f"{label} มีค่ามากเกินไป (ต้องน้อยกว่า {_fmt(limit)})"
    elif isinstance(type_, Integer) and abs(value) > _INT_LIMIT:
        return f"{label} มีค่ามากเกินไป (ต้องไม่เกิน {_INT_LIMIT:,})"
    return None


def _column_message(model: type, column: Any, value: Any) -> str | None:
    """The first rule of its own that a filled column breaks, or None."""
    info = column.info
    kind, label = info["kind"], info["label_th"]
    if kind in NUMERIC_KINDS or kind in ("lat", "lon", "year_be"):
        try:
            number = _number(value)
        except _NotANumber:
            return f"{label} ต้องเป็นตัวเลข (กรอกไว้ {value!s})"
        if kind in ("count", "year_be") and number != number.to_integral_value():
            return f"{label} ต้องเป็นจำนวนเต็ม (กรอกไว้ {_fmt(number)})"
        return _range_message(model, column, number) or _capacity_message(column, number)
    if kind in ("text", "longtext", "subdistrict") and isinstance(column.type, String):
        text = value if isinstance(value, str) else str(value)
        if model is Section1General and column.key == "postal_code" \
                and not _POSTAL_CODE.fullmatch(text):
            return f"รหัสไปรษณีย์ต้องเป็นตัวเลข 5 หลัก เช่น 61110 (กรอกไว้ {text})"
        length = getattr(column.type, "length", None)
        if length is not None and len(text) > length:
            return f"{label} ยาวได้ไม่เกิน {length:,} ตัวอักษร (กรอกไว้ {len(text):,} ตัวอักษร)"
    return None


@cache
def _columns(model: type) -> tuple[Any, ...]:
    return tuple(catalogue_columns(model))


@cache
def _column_keys(model: type) -> frozenset[str]:
    return frozenset(c.key for c in _columns(model))


def _check_columns(model: type, get: Callable[[str], Any]) -> dict[str, str]:
    """{column key: message} for the columns of one row that break a rule of their own."""
    found = {}
    for column in _columns(model):
        value = get(column.key)
        if _blank(value):
            continue
        message = _column_message(model, column, value)
        if message is not None:
            found[column.key] = message
    return found


# --- pass 2: rules between columns ----------------------------------------------------------

@dataclass(frozen=True)
class _AtMost:
    """`small` ≤ `big`: a column of the section, or an attribute of the `RuleContext`."""

    section: type
    small: str
    big: str
    message: str                 # {small} and {big}: the two values, formatted
    blocking: bool = True
    big_from_context: bool = False


_AT_MOST: tuple[_AtMost, ...] = (
    _AtMost(Section1General, "households", "population_total",
            "จำนวนครัวเรือน ({small} ครัวเรือน) ต้องไม่เกินประชากรรวม ({big} คน)"),
    _AtMost(Section2Infrastructure, "households_electricity", "households_section1",
            "ครัวเรือนที่ใช้ไฟฟ้า ({small} ครัวเรือน) มากกว่าจำนวนครัวเรือนในด้านที่ 1"
            " ({big} ครัวเรือน) โปรดตรวจสอบ", blocking=False, big_from_context=True),
    _AtMost(Section2Infrastructure, "households_piped_water", "households_section1",
            "ครัวเรือนที่ใช้น้ำประปา ({small} ครัวเรือน) มากกว่าจำนวนครัวเรือนในด้านที่ 1"
            " ({big} ครัวเรือน) โปรดตรวจสอบ", blocking=False, big_from_context=True),
    _AtMost(Section7Environment, "wastewater_treated", "wastewater",
            "น้ำเสียที่ได้รับการบำบัด ({small} ลบ.ม./วัน) ต้องไม่เกินปริมาณน้ำเสีย"
            " ({big} ลบ.ม./วัน)"),
    _AtMost(Section7Environment, "waste_collected", "waste_generated",
            "ขยะมูลฝอยที่เก็บขนได้ ({small} ตัน/วัน) ต้องไม่เกินปริมาณขยะมูลฝอยที่เกิดขึ้น"
            " ({big} ตัน/วัน)"),
    _AtMost(Section7Environment, "waste_disposed", "waste_collected",
            "ขยะมูลฝอยที่กำจัดอย่างถูกต้อง ({small} ตัน/วัน) ต้องไม่เกินปริมาณขยะมูลฝอยที่เก็บขนได้"
            " ({big} ตัน/วัน)"),
)


@dataclass(frozen=True)
class _SumOf:
    """`total` = the sum of `parts` when every one of them is given."""

    section: type
    total: str
    parts: tuple[str, ...]
    field: str                   # where the message goes
    message: str                 # {parts} "a + b + …", {sum}, {total}


_SUMS: tuple[_SumOf, ...] = (
    _SumOf(Section1General, "population_total", ("population_male", "population_female"),
           "population_total",
           "ประชากรรวมต้องเท่ากับชาย + หญิง ({parts} = {sum}) แต่กรอกไว้ {total}"),
    _SumOf(Section1General, "population_total",
           ("pop_age_0_17", "pop_age_18_25", "pop_age_26_60", "pop_age_over_60"),
           "pop_age_0_17",
           "ประชากรตามช่วงอายุรวมกันต้องเท่ากับประชากรรวม ({parts} = {sum}"
           " แต่ประชากรรวม {total} คน)"),
    _SumOf(Section8Finance, "revenue_total", Section8Finance.REVENUE_FIELDS, "revenue_total",
           "รวมรายรับจริงต้องเท่ากับผลรวมรายรับทุกหมวด ({sum} บาท) แต่กรอกไว้ {total} บาท"),
    _SumOf(Section8Finance, "expenditure_total", Section8Finance.EXPENDITURE_FIELDS,
           "expenditure_total",
           "รวมรายจ่ายจริงต้องเท่ากับผลรวมรายจ่ายทุกงบ ({sum} บาท) แต่กรอกไว้ {total} บาท"),
)

_RELIGIONS = (("religion_buddhist_pct", "พุทธ"), ("religion_muslim_pct", "อิสลาม"),
              ("religion_christian_pct", "คริสต์"), ("religion_other_pct", "อื่น ๆ"))


def _at_most(rule: _AtMost, get, context: RuleContext, bad: set[str]) -> Finding | None:
    if rule.small in bad or (not rule.big_from_context and rule.big in bad):
        return None
    small = _num(get(rule.small))
    big = (_num(getattr(context, rule.big)) if rule.big_from_context
           else _num(get(rule.big)))
    if small is None or big is None or small <= big:
        return None
    return Finding(rule.small, rule.message.format(small=_fmt(small), big=_fmt(big)),
                   rule.blocking)


def _sum_of(rule: _SumOf, get, bad: set[str]) -> Finding | None:
    keys = (rule.total, *rule.parts)
    if bad.intersection(keys):
        return None
    total = _num(get(rule.total))
    parts = [_num(get(k)) for k in rule.parts]
    if total is None or None in parts:
        return None
    added = sum(parts, Decimal(0))
    if added == total:
        return None
    shown = " + ".join(_fmt(p) for p in parts)
    return Finding(rule.field, rule.message.format(parts=shown, sum=_fmt(added),
                                                   total=_fmt(total)), True)


def _religion_sum(get, bad: set[str]) -> Finding | None:
    if bad.intersection(k for k, _ in _RELIGIONS):
        return None
    given = [(name, _num(get(key))) for key, name in _RELIGIONS]
    given = [(name, v) for name, v in given if v is not None]
    total = sum((v for _, v in given), Decimal(0))
    if total.quantize(Decimal("0.01")) <= 100:
        return None
    shown = " + ".join(f"{name} {_fmt(v)}" for name, v in given)
    return Finding("religion_buddhist_pct",
                   f"ร้อยละของผู้นับถือศาสนารวมกันต้องไม่เกิน 100 ({shown} = {_fmt(total)})",
                   True)


def _website(get, bad: set[str]) -> Finding | None:
    if "website_url" in bad:
        return None
    has, url = get("has_website"), get("website_url")
    if _blank(url):
        if has is not None and _truthy(has):
            return Finding("website_url",
                           "กรุณากรอกที่อยู่เว็บไซต์ เมื่อระบุว่ามีเว็บไซต์"
                           " (ขึ้นต้นด้วย http:// หรือ https://)", True)
        return None
    if has is not None and not _truthy(has):
        return None  # ไม่มีเว็บไซต์: the form ignores whatever is left in the box
    if not _valid_url(str(url).strip()):
        return Finding("website_url",
                       f"ที่อยู่เว็บไซต์ไม่ถูกต้อง ต้องขึ้นต้นด้วย http:// หรือ https://"
                       f" เช่น https://www.example.go.th (กรอกไว้ {url})", True)
    return None


def _valid_url(url: str) -> bool:
    """An absolute http(s) URL with a dotted host name (Thai IDN names allowed)."""
    if any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError on a bad port
    except ValueError:
        return False
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or "." not in host:
        return False
    labels = host.split(".")
    return all(labels) and all(
        ch == "-" or unicodedata.category(ch)[0] in "LMN" for label in labels for ch in label)


def _vehicle_years(children: Mapping[str, Sequence[Any]], context: RuleContext,
                   bad_rows: set[tuple[str, int]]) -> list[Finding]:
    if context.fiscal_year is None:
        return []
    vehicle_cls = dict(CHILDREN[Section6Disaster])["vehicles"]
    found = []
    for n, row in enumerate(children.get("vehicles") or (), start=1):
        if ("vehicles", n) in bad_rows:
            continue
        year = _num(_getter(row)("year_acquired"))
        if year is not None and year > context.fiscal_year:
            found.append(Finding(
                "vehicles",
                f"{vehicle_cls.TITLE_TH} รายการที่ {n}: ปีที่ได้มา (พ.ศ. {year})"
                f" ต้องไม่เกินปีงบประมาณ พ.ศ. {context.fiscal_year}", True))
    return found


# --- pass 3: year over year -----------------------------------------------------------------

def _year_over_year(model: type, get, previous: Mapping[str, Any] | Any,
                    bad: set[str]) -> list[Finding]:
    before = _getter(previous)
    found = []
    for column in _columns(model):
        info = column.info
        if not info.get("required") or info["kind"] not in NUMERIC_KINDS or column.key in bad:
            continue
        new, old = _num(get(column.key)), _num(before(column.key))
        if new is None or old is None or new <= 0 or old <= 0:
            continue
        change = (new - old) / old
        if abs(change) <= YOY_THRESHOLD:
            continue
        unit = info.get("unit")
        direction = "เพิ่มขึ้น" if change > 0 else "ลดลง"
        found.append(Finding(
            column.key,
            f"{info['label_th']} เปลี่ยนแปลงจากปีก่อนเกินร้อยละ 50: ปีก่อน"
            f" {_with_unit(_fmt(old), unit)} ปีนี้ {_with_unit(_fmt(new), unit)}"
            f" ({direction}ร้อยละ {abs(change) * 100:,.1f}) โปรดตรวจสอบความถูกต้อง", False))
    return found


# --- entry point ----------------------------------------------------------------------------

def check_section(section_cls: type, values: Mapping[str, Any] | Any, *,
                  children: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                  context: RuleContext | None = None) -> list[Finding]:
    """Every rule of SPEC §5 that applies to one section's values.

    `values`: the section's column values (a dict as parsed from the form, or an ORM row);
    `children`: relationship name → its rows (e.g. {"vehicles": [{…}, …]}); a child row's
    findings carry the relationship name as `field` and the row number in the message;
    `context`: what crosses tables (fiscal year, households of ด้าน 1, last year's values).
    A rule whose inputs are empty says nothing: completeness is `models.completeness`' job.
    """
    context = context or RuleContext()
    children = children or {}
    get = _getter(values)
    findings: list[Finding] = []

    own = _check_columns(section_cls, get)
    findings += [Finding(key, message, True) for key, message in own.items()]
    bad = set(own)

    bad_rows: set[tuple[str, int]] = set()
    for name, child_cls in CHILDREN.get(section_cls, ()):
        for n, row in enumerate(children.get(name) or (), start=1):
            for message in _check_columns(child_cls, _getter(row)).values():
                bad_rows.add((name, n))
                findings.append(Finding(name, f"{child_cls.TITLE_TH} รายการที่ {n}: {message}",
                                        True))

    for rule in _AT_MOST:
        if rule.section is section_cls and (finding := _at_most(rule, get, context, bad)):
            findings.append(finding)
    for rule in _SUMS:
        if rule.section is section_cls and (finding := _sum_of(rule, get, bad)):
            findings.append(finding)
    if section_cls is Section1General and (finding := _website(get, bad)):
        findings.append(finding)
    if section_cls is Section4Social and (finding := _religion_sum(get, bad)):
        findings.append(finding)
    if section_cls is Section6Disaster:
        findings += _vehicle_years(children, context, bad_rows)

    if context.previous is not None:
        findings += _year_over_year(section_cls, get, context.previous, bad)
    return findings


def _self_check() -> None:
    """Every column a rule names exists on its model (a renamed column fails at import)."""
    named: list[tuple[type, str]] = []
    for rule in _AT_MOST:
        named.append((rule.section, rule.small))
        if rule.big_from_context:
            if rule.big not in RuleContext.__dataclass_fields__:
                raise RuntimeError(f"RuleContext has no {rule.big}")
        else:
            named.append((rule.section, rule.big))
    for rule in _SUMS:
        named += [(rule.section, k) for k in (rule.total, rule.field, *rule.parts)]
    named += [(Section4Social, k) for k, _ in _RELIGIONS]
    named += [(Section1General, k) for k in ("has_website", "website_url", "postal_code")]
    named += list(_RANGE_MESSAGES)
    vehicle = dict(CHILDREN[Section6Disaster])["vehicles"]
    named.append((vehicle, "year_acquired"))
    for model, key in named:
        if key not in _column_keys(model):
            raise RuntimeError(f"{model.__name__}.{key} is not a catalogue column")


_self_check()
