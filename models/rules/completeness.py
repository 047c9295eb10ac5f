"""When is a section complete?  Every required field filled, every required child row present
and filled (SPEC §2).

The blocking value rules of SPEC §5 that span fields are CHECK constraints on the section tables
(a row that breaks one cannot be stored); the data-entry forms add their Thai messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workflow import _

from ..catalogue.columns import catalogue_columns, label
from ..tables.sections import CHILDREN, ROW_LIMITS, SECTIONS


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _getter(values: Any):
    return values.get if isinstance(values, Mapping) else (lambda k: getattr(values, k, None))


def missing_fields(section_cls: type, values: Mapping[str, Any] | Any,
                   children: Mapping[str, Sequence[Any]] | None = None) -> list[str]:
    """Thai descriptions of what is still missing in one section.

    `values` is an ORM row or a dict; `children` maps relationship names to their rows (ORM or
    dicts) and defaults to the ORM row's own relationships.
    """
    get = _getter(values)
    missing = [label(c.info) for c in catalogue_columns(section_cls)
               if c.info.get("required") and _empty(get(c.key))]
    for name, child_cls in CHILDREN.get(section_cls, ()):
        rows = (children or {}).get(name) if children is not None else (get(name) or [])
        rows = rows or []
        low, high = ROW_LIMITS.get((section_cls, name), (0, None))
        title = child_cls.title()
        if len(rows) < low:
            missing.append(_("%(title)s อย่างน้อย %(n)s รายการ", title=title, n=low))
        if high is not None and len(rows) > high:
            missing.append(_("%(title)s ไม่เกิน %(n)s รายการ", title=title, n=high))
        required = [c for c in catalogue_columns(child_cls) if c.info.get("required")]
        for position, row in enumerate(rows, start=1):
            row_get = _getter(row)
            for column in required:
                if _empty(row_get(column.key)):
                    missing.append(_("%(title)s รายการที่ %(n)s: %(label)s", title=title,
                                     n=position, label=label(column.info)))
    return missing


def sections_complete(rows: Mapping[type, Any],
                      children: Mapping[type, Mapping[str, Sequence[Any]]] | None = None) -> int:
    """How many of the 8 sections of one submission are complete."""
    done = 0
    for section_cls in SECTIONS:
        values = rows.get(section_cls)
        if values is None:
            continue
        kids = children.get(section_cls, {}) if children is not None else None
        if not missing_fields(section_cls, values, kids):
            done += 1
    return done
