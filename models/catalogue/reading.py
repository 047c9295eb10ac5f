"""The one parser of ids and codes that arrive from URLs, forms and files.

A malformed value is None, never an exception: callers answer 404 or skip the row.  Integer ids
stay within 18 digits so no database (SQLite's 64-bit INTEGER, PostgreSQL's bigint) overflows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

_INT_ID = re.compile(r"[0-9]{1,18}")
_CODE = re.compile(r"[0-9A-Za-z_-]{1,64}")


def parse_int_id(raw: Any) -> int | None:
    """A positive integer id such as a submission id, or None when malformed."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 <= raw < 10**18 else None
    text = str(raw if raw is not None else "")
    return int(text) if _INT_ID.fullmatch(text) else None


def parse_int_ids(raws: Iterable[Any]) -> list[int]:
    """The well-formed ids of `raws`, sorted and without repeats."""
    return sorted({i for i in map(parse_int_id, raws) if i is not None})


def parse_code(raw: Any, *, digits: int | None = None) -> str | None:
    """A code key (province "61", district "6101", DLA code "6100101", a slug), or None.

    With `digits`, the code must be exactly that many decimal digits.
    """
    text = str(raw if raw is not None else "")
    if digits is not None:
        return text if len(text) == digits and text.isascii() and text.isdigit() else None
    return text if _CODE.fullmatch(text) else None


def parse_year(raw: Any) -> int | None:
    """A four-digit Buddhist Era year from a URL or form (2570), or None."""
    text = str(raw if raw is not None else "")
    return int(text) if len(text) == 4 and text.isascii() and text.isdigit() else None


_THAI_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def be_date(value: date) -> str:
    """31/12/2568: the BE date as the forms take it (what parse_thai_date reads back)."""
    return f"{value.day}/{value.month}/{value.year + 543}"


def parse_thai_date(raw: str | None) -> date | None:
    """31/12/2568 (BE; a CE year is accepted too) or 2025-12-31; None when blank.  The one
    date parser of the forms, the filters and the importer; ValueError when not a real date
    (callers add their Thai hint)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    match = _THAI_DATE.match(raw)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year - 543 if year > 2400 else year, month, day)
    return date.fromisoformat(raw)
