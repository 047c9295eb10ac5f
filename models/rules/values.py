"""The validation rulebook of the 8 sections (SPEC §5), as pure functions.

`check_section(Section1General, values, children=…, context=…)` returns a list of `Finding`s:
a Thai message next to a column (or the section as a whole), blocking (the save is refused) or
a ⚠ warning (shown; saving goes on).  No Flask, no database session: the forms, the CSV import
and the API call the same function, and the CHECK constraints on the section tables stay the
last line of defence rather than the first message a clerk sees.

Three passes, in this order:

1. every catalogue column on its own: a number that is a number, whole numbers for counts, its
   `Range` rule (min/max of its metadata: coordinates inside Thailand, % 0–100, month 1–12 …),
   the size the column can hold, its `Pattern` rules (postal code of 5 digits), text length.
   At most one finding per column, the first rule it breaks;
2. the section's declared `RULES` (models/tables/sections.py, kinds in models/catalogue/rule_kinds.py): between
   columns (total = male + female, collected ≤ generated …) and across tables through
   `RuleContext` (electrified households ≤ households of ด้าน 1, vehicle year ≤ fiscal year).
   A rule whose operands already failed pass 1 is skipped, so a clerk never gets two messages
   for one typo;
3. the ⚠ year-over-year comparison of required numeric columns with the previous fiscal year.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Integer, Numeric

from workflow import _

from ..catalogue import columns as meta
from ..catalogue.columns import catalogue_columns
from ..catalogue.rule_kinds import (ColumnRule, Finding, Inputs, NotANumber, Pattern, RuleContext, blank,
                       fmt, getter, num, number, rules_of, with_unit)
from ..tables.sections import CHILDREN, SECTIONS
from .thresholds import THRESHOLDS

__all__ = ["Finding", "RuleContext", "check_section", "column_message", "blocking",
           "warnings", "YOY_THRESHOLD", "NUMERIC_KINDS"]


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that refuse the save."""
    return [f for f in findings if f.blocking]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    """The ⚠ findings: shown, saving goes on."""
    return [f for f in findings if not f.blocking]


# Kinds whose value is a number; the year-over-year rule looks at these.
NUMERIC_KINDS = frozenset({"count", "money", "decimal", "percent"})
# A required number moving by more than this share of last year's value is flagged (⚠).
YOY_THRESHOLD = Decimal(str(THRESHOLDS["history"]["year_over_year"]))  # data/findings.toml

_INT_LIMIT = 2_147_483_647  # a 32-bit INTEGER column (PostgreSQL)


# --- pass 1: one column at a time ---------------------------------------------------------------

@cache
def _columns(model: type) -> tuple[Any, ...]:
    return tuple(catalogue_columns(model))


@cache
def _column_rules(model: type) -> dict[str, tuple[ColumnRule, ...]]:
    """column key -> its Range and Pattern rules (checked in pass 1)."""
    found: dict[str, list[ColumnRule]] = {}
    for rule in rules_of(model):
        if isinstance(rule, ColumnRule):
            found.setdefault(rule.field, []).append(rule)
    return {key: tuple(rules) for key, rules in found.items()}


def _capacity_message(column: Any, value: Decimal) -> str | None:
    """A number too large for the column (Numeric precision, 32-bit INTEGER)."""
    type_ = column.type
    label = meta.label(column.info)
    if isinstance(type_, Numeric) and type_.precision is not None:
        limit = Decimal(10) ** (type_.precision - (type_.scale or 0))
        if abs(value) >= limit:
            return _("%(label)s มีค่ามากเกินไป (ต้องน้อยกว่า %(limit)s)", label=label,
                     limit=fmt(limit))
    elif isinstance(type_, Integer) and abs(value) > _INT_LIMIT:
        return _("%(label)s มีค่ามากเกินไป (ต้องไม่เกิน %(limit)s)", label=label,
                 limit=f"{_INT_LIMIT:,}")
    return None


def column_message(model: type, column: Any, value: Any) -> str | None:
    """The first rule of its own that a filled column breaks, or None."""
    info = column.info
    kind, label = info["kind"], meta.label(info)
    own = _column_rules(model).get(column.key, ())
    if kind in NUMERIC_KINDS or kind in ("lat", "lon", "year_be"):
        try:
            n = number(value)
        except NotANumber:
            return _("%(label)s ต้องเป็นตัวเลข (กรอกไว้ %(value)s)", label=label, value=str(value))
        if kind in ("count", "year_be") and n != n.to_integral_value():
            return _("%(label)s ต้องเป็นจำนวนเต็ม (กรอกไว้ %(value)s)", label=label, value=fmt(n))
        for rule in own:
            if (message := rule.refusal(n)) is not None:
                return message
        return _capacity_message(column, n)
    if kind in ("text", "longtext", "subdistrict"):
        text = value if isinstance(value, str) else str(value)
        if "\x00" in text:
            # PostgreSQL cannot store it (the forms refuse it up front; a file may carry one).
            return _("%(label)s มีอักขระควบคุมที่บันทึกไม่ได้ (NUL) กรุณาพิมพ์ข้อความใหม่",
                     label=label)
        for rule in own:
            if (message := rule.refusal(text)) is not None:
                return message
        length = column.info.get("max_length") or getattr(column.type, "length", None)
        if length is not None and len(text) > length:
            return _("%(label)s ยาวได้ไม่เกิน %(max)s ตัวอักษร (กรอกไว้ %(n)s ตัวอักษร)",
                     label=label, max=f"{length:,}", n=f"{len(text):,}")
    return None


def _check_columns(model: type, get: Callable[[str], Any]) -> dict[str, str]:
    """{column key: message} for the columns of one row that break a rule of their own."""
    found = {}
    for column in _columns(model):
        value = get(column.key)
        if blank(value):
            continue
        message = column_message(model, column, value)
        if message is not None:
            found[column.key] = message
    return found


# --- pass 3: year over year -----------------------------------------------------------------

def _year_over_year(model: type, get, previous: Mapping[str, Any] | Any,
                    bad: set[str]) -> list[Finding]:
    before = getter(previous)
    found = []
    for column in _columns(model):
        info = column.info
        if not info.get("required") or info["kind"] not in NUMERIC_KINDS or column.key in bad:
            continue
        new, old = num(get(column.key)), num(before(column.key))
        if new is None or old is None or new <= 0 or old <= 0:
            continue
        change = (new - old) / old
        if abs(change) <= YOY_THRESHOLD:
            continue
        unit = meta.unit(info)
        text = _("%(label)s เปลี่ยนแปลงจากปีก่อนเกินร้อยละ 50: ปีก่อน %(old)s ปีนี้ %(new)s "
                 "(เพิ่มขึ้นร้อยละ %(share)s) โปรดตรวจสอบความถูกต้อง") if change > 0 else \
            _("%(label)s เปลี่ยนแปลงจากปีก่อนเกินร้อยละ 50: ปีก่อน %(old)s ปีนี้ %(new)s "
              "(ลดลงร้อยละ %(share)s) โปรดตรวจสอบความถูกต้อง")
        found.append(Finding(column.key, text % dict(
            label=meta.label(info), old=with_unit(fmt(old), unit), new=with_unit(fmt(new), unit),
            share=f"{abs(change) * 100:,.1f}"), False))
    return found


# --- pass 4: the LAO's own history ---------------------------------------------------------

def _history(model: type, get, history: Sequence[Mapping[str, Any]] | Any,
             bad: set[str]) -> list[Finding]:
    """A required number far from the mean of the LAO's earlier years, once it has at least
    `min_years` of them (data/findings.toml): more than `deviations` standard deviations away.
    A wrong value carried forward year after year, or a first typo after a steady series, is
    what the ±50 % of last year alone misses."""
    import statistics
    rule = THRESHOLDS["history"]
    found = []
    for column in _columns(model):
        info = column.info
        if not info.get("required") or info["kind"] not in NUMERIC_KINDS or column.key in bad:
            continue
        new = num(get(column.key))
        earlier = [v for v in (num(getter(year)(column.key)) for year in history) if v is not None]
        if new is None or len(earlier) < rule["min_years"]:
            continue
        mean = statistics.fmean(float(v) for v in earlier)
        spread = statistics.stdev(float(v) for v in earlier)
        if spread <= 0 or abs(float(new) - mean) <= rule["deviations"] * spread:
            continue
        unit = meta.unit(info)
        found.append(Finding(column.key, _(
            "%(label)s ต่างจากค่าเฉลี่ย %(n)s ปีก่อน (%(mean)s) เกิน %(k)s เท่าของส่วนเบี่ยงเบนมาตรฐาน "
            "(%(sd)s): ปีนี้ %(new)s โปรดตรวจสอบความถูกต้อง",
            label=meta.label(info), n=len(earlier), k=f"{rule['deviations']:g}",
            mean=with_unit(fmt(Decimal(str(round(mean, 2))).normalize()), unit),
            sd=with_unit(fmt(Decimal(str(round(spread, 2))).normalize()), unit),
            new=with_unit(fmt(new), unit)), False))
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
    A rule whose inputs are empty says nothing: completeness is `models.rules.completeness`' job.
    """
    context = context or RuleContext()
    children = children or {}
    get = getter(values)
    findings: list[Finding] = []

    own = _check_columns(section_cls, get)
    findings += [Finding(key, message, True) for key, message in own.items()]

    bad_rows: set[tuple[str, int]] = set()
    for name, child_cls in CHILDREN.get(section_cls, ()):
        for n, row in enumerate(children.get(name) or (), start=1):
            for message in _check_columns(child_cls, getter(row)).values():
                bad_rows.add((name, n))
                findings.append(Finding(name, _("%(title)s รายการที่ %(n)s: %(message)s",
                                                title=child_cls.title(), n=n, message=message),
                                        True))

    inputs = Inputs(get, children, context, frozenset(own), frozenset(bad_rows))
    for rule in rules_of(section_cls):
        if not isinstance(rule, ColumnRule):  # those were pass 1
            findings += rule.findings(inputs)

    if context.previous is not None:
        findings += _year_over_year(section_cls, get, context.previous, set(own))
    if context.history:
        findings += _history(section_cls, get, context.history, set(own))
    return findings


def _self_check() -> None:
    """Every column a rule names exists on its model (a renamed column fails at import)."""
    for model in (*SECTIONS, *(child for pairs in CHILDREN.values() for _n, child in pairs)):
        keys = {c.key for c in _columns(model)}
        names = {name for name, _child in CHILDREN.get(model, ())}
        for rule in rules_of(model):
            missing = set(rule.columns) - keys
            if missing or rule.field not in keys | names:
                raise RuntimeError(f"{model.__name__}: rule {rule.name} names"
                                   f" {sorted(missing) or rule.field}, not a catalogue column")
            if getattr(rule, "big_from_context", False) \
                    and rule.big not in RuleContext.__dataclass_fields__:
                raise RuntimeError(f"RuleContext has no {rule.big}")
            if isinstance(rule, Pattern) and model.__table__.c[rule.column].info["kind"] \
                    not in ("text", "longtext"):
                raise RuntimeError(f"{model.__name__}.{rule.column}: a Pattern needs text")
            for name in getattr(rule, "reads_children", ()):
                if name not in names:
                    raise RuntimeError(f"{model.__name__} has no child rows {name!r}")


_self_check()
