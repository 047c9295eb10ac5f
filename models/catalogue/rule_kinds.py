"""The kinds of value rule a section declares (SPEC §5), and the registry that lists them.

Each section model declares its rules once, next to its columns, as a class attribute:

    class Section7Environment(SectionMixin, db.Model):
        RULES = (
            AtMost(small="waste_collected", big="waste_generated", check="collected_le_generated",
                   message="ขยะมูลฝอยที่เก็บขนได้ ({small} ตัน/วัน) ต้องไม่เกิน … ({big} ตัน/วัน)"),
        )

and everything else reads that declaration: `models.rules.values.check_section` (the forms, imports
and the API), the CHECK constraints of the table (generated here by `RuledTable`, so no path can
store a broken row), the demo generator (`repair`) and the tests (`violate`).  The min/max of
a column stays in its metadata (`models/catalogue/columns.py`): `rules_of(model)` turns it into a `Range`
rule with the same CHECK that `meta` puts on the table.

A rule knows the columns it reads, the column its Thai message goes next to (`field`), whether
it blocks the save or is a ⚠ warning, and its CHECK constraint if the database can express it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, ClassVar
from urllib.parse import urlsplit

from sqlalchemy import CheckConstraint
from sqlalchemy.orm import declared_attr

from . import columns as meta
from workflow import _, translated

from ..base import Base

__all__ = [
    "Finding", "RuleContext", "Inputs", "Rule", "ColumnRule", "Range", "Pattern", "AtMost", "SumOf",
    "SumAtMost", "Custom", "RuledTable", "rules_of", "registry", "model_of", "valid_url",
]


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
    # this section's values of every earlier year, newest first (the history ⚠, issue 24)
    history: Sequence[Mapping[str, Any]] = ()


# --- values ---------------------------------------------------------------------------------

class NotANumber(Exception):
    pass


def getter(values: Any) -> Callable[[str], Any]:
    """`get(key)` for a dict or an ORM row."""
    if isinstance(values, Mapping):
        return values.get
    return lambda key: getattr(values, key, None)


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def number(value: Any) -> Decimal:
    """A form value as an exact Decimal; `NotANumber` when it is not a finite number."""
    if isinstance(value, bool):
        raise NotANumber
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise NotANumber from None
    else:
        raise NotANumber
    if not result.is_finite():
        raise NotANumber
    return result


def num(value: Any) -> Decimal | None:
    """A value as a Decimal, or None when empty or not a number (pass 1 reports those)."""
    if blank(value):
        return None
    try:
        return number(value)
    except NotANumber:
        return None


def fmt(value: Any, kind: str | None = None) -> str:
    """A number the Thai way in a message: thousands separators, decimals kept as entered."""
    if isinstance(value, str):
        return value
    if kind in ("year_be", "lat", "lon"):
        return str(value)
    try:
        n = number(value)
    except NotANumber:
        return str(value)
    if n == n.to_integral_value() and n.as_tuple().exponent >= 0:
        return f"{int(n):,}"
    return f"{n:,f}"


# What a typed or imported yes / no says (the one list: the forms' rules, the importer).
YES_WORDS = frozenset({"1", "true", "on", "yes", "y", "มี", "ใช่"})
NO_WORDS = frozenset({"0", "false", "off", "no", "n", "ไม่มี", "ไม่ใช่"})


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in YES_WORDS
    return bool(value)


def with_unit(text: str, unit: str | None) -> str:
    return f"{text} {unit}" if unit else text


def valid_url(url: str) -> bool:
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


@dataclass(frozen=True)
class Inputs:
    """What a rule is evaluated on."""

    get: Callable[[str], Any]                     # this row's value of a column
    children: Mapping[str, Sequence[Any]]         # relationship name -> child rows
    context: RuleContext
    bad: frozenset[str] = frozenset()             # columns that already failed pass 1
    bad_rows: frozenset[tuple[str, int]] = frozenset()  # (relationship, row no.) that did


# --- the kinds ------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Rule:
    """What every rule knows.  Subclasses fill in `columns`, `field` and the three methods."""

    message: str                     # Thai; placeholders are the kind's own ({small}, {sum} …)
    blocking: bool = True            # False: a ⚠ warning, the save goes on
    check: str | None = None         # name of its CHECK constraint (ck_<table>_<check>)

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of its own row that the rule reads."""
        raise NotImplementedError

    @property
    def field(self) -> str:
        """Where its message goes."""
        raise NotImplementedError

    @property
    def name(self) -> str:
        """A stable identifier (test ids, logs): the CHECK name, else kind and field."""
        return self.check or f"{type(self).__name__.lower()}_{self.field}"

    def findings(self, inputs: Inputs) -> list[Finding]:
        """The rule's findings on `inputs`; nothing while an operand is empty or already wrong."""
        raise NotImplementedError

    def check_sql(self) -> str | None:
        """The SQL of its CHECK constraint (named `check`), or None without one."""
        return None

    def constraint(self) -> CheckConstraint | None:
        sql = self.check_sql()
        return CheckConstraint(sql, name=self.check) if sql else None

    def repair(self, values: dict[str, Any], children: Mapping[str, list[dict[str, Any]]],
               context: RuleContext) -> None:
        """Change generated `values` (the demo data) so that the rule holds; default: nothing."""

    def violate(self, values: dict[str, Any], children: dict[str, list[dict[str, Any]]],
                context: RuleContext) -> None:
        """Change valid `values` so that exactly this rule is broken (the tests use this)."""
        raise NotImplementedError

    def _finding(self, message: str) -> Finding:
        return Finding(self.field, message, self.blocking)


@dataclass(frozen=True, kw_only=True)
class ColumnRule(Rule):
    """A rule of one column's value on its own.  `models.rules.values.column_message` checks it in
    pass 1, after the value parsed and before its length (one finding per column)."""

    def refusal(self, value: Any) -> str | None:
        """The message for a parsed value (a Decimal for a number, else str) it refuses."""
        raise NotImplementedError

    def findings(self, inputs: Inputs) -> list[Finding]:
        return []  # pass 1, not pass 2


@dataclass(frozen=True, kw_only=True)
class Range(ColumnRule):
    """A column's min/max from its metadata (`models/catalogue/columns.py`); built by `rules_of`, not declared.
    Message placeholder: {value}."""

    column: Any = None               # the sqlalchemy Column

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column.key,)

    @property
    def field(self) -> str:
        return self.column.key

    def refuses(self, value: Decimal) -> bool:
        lo, hi = self.column.info.get("min"), self.column.info.get("max")
        return (lo is not None and value < number(lo)) or (hi is not None and value > number(hi))

    def refusal(self, value: Decimal) -> str | None:
        if not self.refuses(value):
            return None
        return range_text(self.column).format(value=fmt(value, self.column.info["kind"]))

    def check_sql(self) -> str | None:
        return meta.range_check_sql(self.column)

    def constraint(self) -> CheckConstraint | None:
        return None  # `meta` attaches it to the column's table

    def violate(self, values, children, context) -> None:
        lo, hi = self.column.info.get("min"), self.column.info.get("max")
        bad = number(lo) - 1 if lo is not None else number(hi) + 1
        values[self.field] = int(bad) if self.column.info["kind"] in ("count", "year_be") else bad


def range_rule(column: Any) -> Range | None:
    """The `Range` rule of a catalogue column with a min or max, with its Thai message."""
    info = column.info
    lo, hi = info.get("min"), info.get("max")
    if lo is None and hi is None:
        return None
    return Range(message=range_text(column), blocking=True, check=f"{column.name}_range",
                 column=column)


def range_text(column: Any) -> str:
    """The message of a column's min/max in the current language, with a {value} placeholder."""
    info = column.info
    lo, hi = info.get("min"), info.get("max")
    kind, label, unit = info["kind"], meta.label(info), meta.unit(info)
    entered = " " + _("(กรอกไว้ %(value)s)", value="{value}")
    if info.get("range_message"):
        return translated(info["range_message"]).format(label=label, lo=lo, hi=hi, value="{value}")
    if kind == "lat":
        return _("พิกัดต้องอยู่ในประเทศไทย: ละติจูดต้องอยู่ระหว่าง %(lo)s–%(hi)s องศาเหนือ",
                 lo=lo, hi=hi) + entered
    if kind == "lon":
        return _("พิกัดต้องอยู่ในประเทศไทย: ลองจิจูดต้องอยู่ระหว่าง %(lo)s–%(hi)s องศาตะวันออก",
                 lo=lo, hi=hi) + entered
    if kind == "year_be":
        return _("%(label)s ต้องเป็นปี พ.ศ. %(lo)s–%(hi)s", label=label, lo=lo, hi=hi) + entered
    if kind == "percent":
        return _("%(label)s (ร้อยละ) ต้องอยู่ระหว่าง %(lo)s–%(hi)s", label=label, lo=lo,
                 hi=hi) + entered
    if lo is not None and hi is not None:
        span = _("ตั้งแต่ %(lo)s ถึง %(hi)s", lo=lo, hi=hi) if number(lo) < 0 \
            else f"{fmt(lo)}–{fmt(hi)}"
        return _("%(label)s ต้องอยู่ระหว่าง %(span)s", label=label,
                 span=with_unit(span, unit)) + entered
    if lo is not None and number(lo) == 0:
        return _("%(label)s ต้องไม่ติดลบ", label=label) + entered
    if lo is not None:
        return _("%(label)s ต้องไม่น้อยกว่า %(lo)s", label=label,
                 lo=with_unit(fmt(lo), unit)) + entered
    return _("%(label)s ต้องไม่เกิน %(hi)s", label=label, hi=with_unit(fmt(hi), unit)) + entered


@dataclass(frozen=True, kw_only=True)
class Pattern(ColumnRule):
    """A text column matches `regex` (whole value), e.g. a postal code of 5 digits.

    Checked with the column's own checks in pass 1, before its length.  A regex is not portable
    SQL: `check_expr` is the CHECK the database can hold (e.g. the length), if any.
    Message placeholder: {value}."""

    column: str = ""
    regex: str = ""
    example_bad: str = ""            # a value the pattern refuses (the tests use it)
    check_expr: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    @property
    def field(self) -> str:
        return self.column

    def refusal(self, value: str) -> str | None:
        if re.fullmatch(self.regex, value) is not None:
            return None
        return _(self.message).format(value=value)

    def check_sql(self) -> str | None:
        return self.check_expr if self.check else None

    def violate(self, values, children, context) -> None:
        values[self.column] = self.example_bad


@dataclass(frozen=True, kw_only=True)
class AtMost(Rule):
    """`small` ≤ `big`; `big` is a column of the same row or, with `big_from_context`, an
    attribute of the `RuleContext` (no CHECK then).  Message placeholders: {small}, {big}."""

    small: str = ""
    big: str = ""
    big_from_context: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.small,) if self.big_from_context else (self.small, self.big)

    @property
    def field(self) -> str:
        return self.small

    def _big(self, get: Callable[[str], Any], context: RuleContext) -> Any:
        return getattr(context, self.big) if self.big_from_context else get(self.big)

    def findings(self, inputs: Inputs) -> list[Finding]:
        if inputs.bad.intersection(self.columns):
            return []
        small, big = num(inputs.get(self.small)), num(self._big(inputs.get, inputs.context))
        if small is None or big is None or small <= big:
            return []
        return [self._finding(_(self.message).format(small=fmt(small), big=fmt(big)))]

    def check_sql(self) -> str | None:
        if not self.check or self.big_from_context:
            return None
        return f"{self.small} <= {self.big}"

    def repair(self, values, children, context) -> None:
        small, big = values.get(self.small), self._big(values.get, context)
        if small is not None and big is not None and small > big:
            values[self.small] = big

    def violate(self, values, children, context) -> None:
        big = self._big(values.get, context)
        if big is None:
            big = values[self.big] = 10
        values[self.small] = big + 1


@dataclass(frozen=True, kw_only=True)
class SumOf(Rule):
    """`total` = the sum of `parts` when every one of them is given.

    The message goes next to `at` (default: the total).  The CHECK puts that column first:
    "total = a + b" or "a + b = total".  `repair_by` says what the demo generator adjusts:
    "total" (the total follows its parts) or "parts" (the parts are scaled to the total).
    Message placeholders: {parts} "a + b + …", {sum}, {total}."""

    total: str = ""
    parts: tuple[str, ...] = ()
    at: str = ""
    repair_by: str = "total"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.total, *self.parts)

    @property
    def field(self) -> str:
        return self.at or self.total

    def findings(self, inputs: Inputs) -> list[Finding]:
        if inputs.bad.intersection(self.columns):
            return []
        total = num(inputs.get(self.total))
        parts = [num(inputs.get(k)) for k in self.parts]
        if total is None or None in parts:
            return []
        added = sum(parts, Decimal(0))
        if added == total:
            return []
        shown = " + ".join(fmt(p) for p in parts)
        return [self._finding(_(self.message).format(parts=shown, sum=fmt(added),
                                                  total=fmt(total)))]

    def check_sql(self) -> str | None:
        if not self.check:
            return None
        parts = " + ".join(self.parts)
        return f"{parts} = {self.total}" if self.field in self.parts \
            else f"{self.total} = {parts}"

    def repair(self, values, children, context) -> None:
        parts = [values.get(k) for k in self.parts]
        if None in parts:
            return
        if self.repair_by == "total":
            values[self.total] = sum(parts)
            return
        total = values.get(self.total)
        if total is None or sum(parts) == total:
            return
        if isinstance(total, int):
            scaled = [round(x * total / max(1, sum(parts))) for x in parts[:-1]]
        else:
            scale = Decimal(total) / max(1, sum(parts))
            scaled = [(Decimal(x) * scale).quantize(Decimal("0.01")) for x in parts[:-1]]
        scaled.append(total - sum(scaled))
        if scaled[-1] < 0:  # rounding overshot: the part before the last gives way
            scaled[-2] += scaled[-1]
            scaled[-1] = 0
        values.update(zip(self.parts, scaled))

    def violate(self, values, children, context) -> None:
        if any(values.get(k) is None for k in self.columns):
            values.update({k: 1 for k in self.parts})
            values[self.total] = len(self.parts)
        values[self.parts[0]] += 1


@dataclass(frozen=True, kw_only=True)
class SumAtMost(Rule):
    """The given `parts` (name, Thai label) add up to at most `limit`, compared at 2 decimal
    places (SQLite keeps NUMERIC as floating point, where 99.41 + 0.59 > 100).  An empty part
    counts as 0.  The message goes next to the first part.
    Message placeholders: {parts} "พุทธ 95.00 + อิสลาม 3.00 …", {sum}, {limit}."""

    parts: tuple[tuple[str, str], ...] = ()
    limit: int = 100

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.parts)

    @property
    def field(self) -> str:
        return self.parts[0][0]

    def findings(self, inputs: Inputs) -> list[Finding]:
        if inputs.bad.intersection(self.columns):
            return []
        given = [(label, num(inputs.get(key))) for key, label in self.parts]
        given = [(label, v) for label, v in given if v is not None]
        total = sum((v for _, v in given), Decimal(0))
        if total.quantize(Decimal("0.01")) <= self.limit:
            return []
        shown = " + ".join(f"{_(label)} {fmt(v)}" for label, v in given)
        return [self._finding(_(self.message).format(parts=shown, sum=fmt(total),
                                                  limit=self.limit))]

    def check_sql(self) -> str | None:
        if not self.check:
            return None
        added = " + ".join(f"coalesce({key}, 0)" for key in self.columns)
        return f"round({added}, 2) <= {self.limit}"

    def repair(self, values, children, context) -> None:
        given = [k for k in self.columns if values.get(k) is not None]
        excess = sum((values[k] for k in given), Decimal(0)) - self.limit
        if excess > 0:  # the largest part gives way; small shares keep their value
            largest = max(given, key=values.__getitem__)
            values[largest] -= excess

    def violate(self, values, children, context) -> None:
        first, second = self.columns[:2]
        values[first] = Decimal(self.limit)
        values[second] = Decimal(1)


@dataclass(frozen=True, kw_only=True)
class Custom(Rule):
    """A rule that is a function: `fn(rule, inputs)` returns the messages it finds.

    `reads` are the row's columns it looks at (skipped when one already failed pass 1);
    `children` the relationships it reads; `at` where its messages go.  `repair` and `violate`
    are optional functions (values, children, context) -> None."""

    fn: Callable[[Custom, Inputs], Iterable[str]] | None = None
    reads: tuple[str, ...] = ()
    at: str = ""
    reads_children: tuple[str, ...] = ()
    fix: Callable[..., None] | None = None
    breaks: Callable[..., None] | None = None
    sql: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return self.reads

    @property
    def field(self) -> str:
        return self.at

    def findings(self, inputs: Inputs) -> list[Finding]:
        if inputs.bad.intersection(self.reads):
            return []
        return [self._finding(message) for message in self.fn(self, inputs)]

    def check_sql(self) -> str | None:
        return self.sql if self.check else None

    def repair(self, values, children, context) -> None:
        if self.fix is not None:
            self.fix(values, children, context)

    def violate(self, values, children, context) -> None:
        self.breaks(values, children, context)


# --- the registry -------------------------------------------------------------------------

class RuledTable:
    """Mixin of the section and child-row models: `RULES` and the CHECKs generated from them."""

    RULES: ClassVar[tuple[Rule, ...]] = ()

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return tuple(c for c in (rule.constraint() for rule in cls.RULES) if c is not None)


@cache
def rules_of(model: type) -> tuple[Rule, ...]:
    """Every rule of one model's own rows: the min/max of its columns, then its `RULES`."""
    ranges = (range_rule(c) for c in meta.catalogue_columns(model))
    return (*(r for r in ranges if r is not None), *getattr(model, "RULES", ()))


def model_of(column: Any) -> type:
    """The model class whose table holds `column`."""
    return next(m.class_ for m in Base.registry.mappers if column.table in m.tables)


def registry(models: Iterable[type]) -> list[tuple[type, Rule]]:
    """(model, rule) for every rule of `models`, in declaration order."""
    return [(model, rule) for model in models for rule in rules_of(model)]
