"""Column metadata: Thai/English labels, units, help text and value rules live on the column.

Forms, reports, exports and the API read the same `Column.info` dictionary, so a label or a
unit is written once.  Every helper returns a nullable `mapped_column`: a draft section may be
half filled; "required" is a completeness rule (SPEC §2), not NOT NULL.  Numeric bounds become
CHECK constraints so no path (form, import, shell) can store a negative count.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Enum,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    event,
)
from sqlalchemy.orm import mapped_column

from workflow import LabeledEnum  # noqa: F401  (the one labelled-enum pattern; models use meta.LabeledEnum)
from workflow import N_, current_language, translated

from ..base import Base


def _column(kind: str, type_: Any, label_th: str, label_en: str, *, unit: str | None = None,
            required: bool = False, help: str | None = None, group: str | None = None,
            min: Decimal | int | float | None = None, max: Decimal | int | float | None = None,
            choices: type[enum.Enum] | None = None, derived: bool = False,
            readonly: bool = False, range_message: str | None = None,
            widget: str | None = None, max_length: int | None = None,
            personal: bool = False, aggregate: str | None = None, **kwargs: Any):
    info = {
        "kind": kind,
        "label_th": label_th,
        "label_en": label_en,
        "unit": unit,
        "required": required,
        "help": help,
        "group": group,
        "min": min,
        "max": max,
        "choices": choices,
        "derived": derived,
        "readonly": readonly,
        # Own wording for a value outside min/max: {label}, {lo}, {hi}, {value} (models/rulebook).
        "range_message": range_message,
        # How a form asks for and a page shows the value, when not by its kind ("month").
        "widget": widget,
        # The most characters a text may hold: the form's maxlength, the rule registry's
        # refusal and a CHECK on both databases (SQLite would store any length).
        "max_length": max_length,
        # Personal data under Thailand's PDPA (a person's name, position, phone): collected so
        # the DLA can call the recorder, never published (models/reads/public.published).
        "personal": personal,
        # How a published figure adds up over LAOs: "additive" (each LAO's own: revenue,
        # its own roads and vehicles) or "territorial" (the people or places of an area: an
        # อบจ. reports its whole province, so it is never added to the LAOs inside it).
        "aggregate": aggregate,
    }
    kwargs.setdefault("nullable", True)
    return mapped_column(type_, info=info, **kwargs)


def label(info: dict[str, Any]) -> str:
    """A column's label in the current language (label_th / label_en of its metadata)."""
    if current_language() == "en":
        return info.get("label_en") or info["label_th"]
    return info["label_th"]


def unit(info: dict[str, Any]) -> str | None:
    """A column's unit (a Thai msgid of INFO's catalogue) in the current language."""
    return translated(info["unit"]) if info.get("unit") else None


def count(label_th: str, label_en: str, unit: str | None = None, **kw: Any):
    """A non-negative whole number (persons, places, vehicles …)."""
    kw.setdefault("min", 0)
    return _column("count", Integer, label_th, label_en, unit=unit, **kw)


def month(label_th: str, label_en: str, **kw: Any):
    """A month of the year, 1–12, chosen and shown by its Thai name."""
    kw.setdefault("range_message",
                  N_("{label}ต้องเป็นเลข 1–12 (1 = มกราคม … 12 = ธันวาคม กรอกไว้ {value})"))
    return count(label_th, label_en, min=1, max=12, widget="month", **kw)


def money(label_th: str, label_en: str, unit: str = N_("บาท"), **kw: Any):
    """Baht with two decimal places, never negative."""
    kw.setdefault("min", 0)
    return _column("money", Numeric(16, 2), label_th, label_en, unit=unit, **kw)


def decimal(label_th: str, label_en: str, unit: str | None = None, scale: int = 2, **kw: Any):
    """A measured quantity (km, rai, t/day, °C …); non-negative unless `min` says otherwise."""
    kw.setdefault("min", 0)
    return _column("decimal", Numeric(14, scale), label_th, label_en, unit=unit, **kw)


def percent(label_th: str, label_en: str, **kw: Any):
    """A share between 0 and 100."""
    kw.setdefault("min", 0)
    kw.setdefault("max", 100)
    return _column("percent", Numeric(5, 2), label_th, label_en, unit="ร้อยละ", **kw)


def text(label_th: str, label_en: str, length: int = 255, **kw: Any):
    """A short line of text (at most `length` characters: forms, rules and a CHECK)."""
    return _column("text", String(length), label_th, label_en, max_length=length, **kw)


LONGTEXT_MAX = 2000


def longtext(label_th: str, label_en: str, length: int = LONGTEXT_MAX, **kw: Any):
    """Free text over several lines (terrain, climate, main crops …), at most `length`
    characters."""
    return _column("longtext", Text, label_th, label_en, max_length=length, **kw)


def choice(enum_cls: type[enum.Enum], label_th: str, label_en: str, **kw: Any):
    """One value of `enum_cls`; stored as its value, checked by the database."""
    return _column("choice", enum_type(enum_cls), label_th, label_en, choices=enum_cls, **kw)


def enum_type(enum_cls: type[enum.Enum]) -> Enum:
    """A portable enum column type storing the member *values* ('lao_editor'), not names."""
    return Enum(enum_cls, native_enum=False, length=32, validate_strings=True,
                values_callable=lambda members: [m.value for m in members])


def flag(label_th: str, label_en: str, **kw: Any):
    """Yes / no (มี/ไม่มี)."""
    return _column("flag", Boolean, label_th, label_en, **kw)


def date(label_th: str, label_en: str, **kw: Any):
    """A calendar date (stored CE, shown BE)."""
    return _column("date", Date, label_th, label_en, **kw)


def latitude(label_th: str = "ละติจูด", label_en: str = "Latitude", **kw: Any):
    """Latitude inside Thailand."""
    kw.setdefault("min", Decimal("5.6"))
    kw.setdefault("max", Decimal("20.5"))
    return _column("lat", Numeric(9, 6), label_th, label_en, unit="องศา", **kw)


def longitude(label_th: str = "ลองจิจูด", label_en: str = "Longitude", **kw: Any):
    """Longitude inside Thailand."""
    kw.setdefault("min", Decimal("97.3"))
    kw.setdefault("max", Decimal("105.7"))
    return _column("lon", Numeric(9, 6), label_th, label_en, unit="องศา", **kw)


def year_be(label_th: str, label_en: str, **kw: Any):
    """A Buddhist Era year such as 2565."""
    kw.setdefault("min", 2400)
    kw.setdefault("max", 2700)
    return _column("year_be", Integer, label_th, label_en, unit="พ.ศ.", **kw)


def range_check_sql(column: Column) -> str | None:
    """The CHECK of a column's `min`/`max`, e.g. "office_moo >= 1 AND office_moo <= 99"."""
    info = column.info
    if "kind" not in info:
        return None
    if info.get("max_length") is not None:
        return f"length({column.name}) <= {info['max_length']}"
    parts = []
    if info.get("min") is not None:
        parts.append(f"{column.name} >= {info['min']}")
    if info.get("max") is not None:
        parts.append(f"{column.name} <= {info['max']}")
    return " AND ".join(parts) or None


@event.listens_for(Column, "after_parent_attach")
def _add_range_checks(column: Column, table: Any) -> None:
    """Turn `min`/`max` in a column's info into a named CHECK constraint on its table."""
    if not isinstance(table, Table):
        return
    sql = range_check_sql(column)
    # Only the models' own tables: copies made by Alembic already carry the constraint.
    if sql and table.metadata is Base.metadata:
        suffix = "max_length" if column.info.get("max_length") is not None else "range"
        table.append_constraint(CheckConstraint(sql, name=f"{column.name}_{suffix}"))


@cache
def catalogue_columns(model: type) -> tuple[Column, ...]:
    """The catalogue columns of a model, in declaration order (the tables are fixed once the
    models are imported: computed once per model, not on every form, rule and row)."""
    return tuple(c for c in model.__table__.columns if "kind" in c.info)
