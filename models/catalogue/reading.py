"""The one parser of ids and codes that arrive from URLs, forms and files.

A malformed value is None, never an exception: callers answer 404 or skip the row.  Integer ids
stay within 18 digits so no database (SQLite's 64-bit INTEGER, PostgreSQL's bigint) overflows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from workflow import N_, _

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


# --- numbers -----------------------------------------------------------------------------------

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# A typed number the one way INFO reads it (issue 22): an optional minus, digits with a comma
# only between groups of three, a point before the decimals.  No spaces inside, no exponent, no
# NaN or Infinity.  At most 30 digits: more is no count or sum of baht.
# A grouped number starts with 1-9: "0,123" and "01,234" read as decimals in half the world.
_NUMBER = re.compile(r"(-)?((?:[1-9][0-9]{0,2}(?:,[0-9]{3})+)|[0-9]{1,30})?(?:\.([0-9]{1,30})?)?")
_FORMAT = N_("พิมพ์ “%(value)s” — ใช้จุดเป็นทศนิยมและจุลภาคคั่นหลักพัน เช่น %(example)s")
_PLACES = N_("ทศนิยมได้ไม่เกิน %(places)s ตำแหน่ง (พิมพ์ “%(value)s”)")
_WHOLE = N_("ต้องเป็นจำนวนเต็ม ไม่มีทศนิยม (พิมพ์ “%(value)s”)")


def arabic_digits(text: Any) -> Any:
    """๐๘๑-๒๓๔-๕๖๗๘ → 081-234-5678 (a WTForms filter for phone numbers and codes; not text)."""
    return text.translate(THAI_DIGITS) if isinstance(text, str) else text


class NumberRefused(ValueError):
    """A typed number INFO will not guess at; `str()` is the Thai message (what was typed and
    what is expected), without the field's label."""


def read_number(raw: Any, *, places: int | None) -> int | Decimal | None:
    """The number a clerk typed (a form's text or a file's cell), as an int (`places` None: a
    whole-number column) or a Decimal with at most `places` decimals; None for a blank.

    Thai or Arabic digits; a comma only as a thousands separator in groups of three; a point as
    the decimal mark; trailing zeros past `places` are the same number.  Anything else raises
    NumberRefused: "1.234,5", "1,23", "12,34", "1,2,06.38", "12.345" in a two-place column,
    "12.5" in a count, "1e3", "NaN".  Nothing is ever rounded — except a spreadsheet's binary
    float that lies within a few units in the last place of a number with `places` decimals
    (0.30000000000000004 for 0.3): Excel shows the clerk that number, and it is the one kept."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise NumberRefused(_(_FORMAT, value=str(raw), example=_example(places)))
    if isinstance(raw, int):
        return raw if places is None else Decimal(raw)
    if isinstance(raw, float):
        return _read_float(raw, places)
    text = str(raw).translate(THAI_DIGITS).strip()
    if not text:
        return None
    shown = str(raw).strip()[:40]
    found = _NUMBER.fullmatch(text)
    if found is None or not (found.group(2) or found.group(3)):
        raise NumberRefused(_(_FORMAT, value=shown, example=_example(places)))
    sign, whole, decimals = found.groups()
    decimals = (decimals or "").rstrip("0")
    if places is None:
        if decimals:
            raise NumberRefused(_(_WHOLE, value=shown))
        value = int((whole or "0").replace(",", ""))
        return -value if sign else value
    if len(decimals) > places:
        raise NumberRefused(_(_PLACES, places=places, value=shown))
    digits = (whole or "0").replace(",", "") + (f".{decimals}" if decimals else "")
    return Decimal(f"{sign or ''}{digits}")


def _read_float(raw: float, places: int | None) -> int | Decimal:
    if not math.isfinite(raw):
        raise NumberRefused(_(_FORMAT, value=repr(raw), example=_example(places)))
    shown = format(Decimal(repr(raw)), "f")  # 0.00001, not 1e-05
    if places is None:
        if not raw.is_integer():
            raise NumberRefused(_(_WHOLE, value=shown))
        return int(raw)
    if raw.is_integer():
        return Decimal(int(raw))
    value = Decimal(repr(raw))               # the shortest text that is this float: 1234.5
    if -value.as_tuple().exponent <= places:
        return value
    kept = value.quantize(Decimal(1).scaleb(-places))
    if abs(float(kept) - raw) <= 4 * math.ulp(raw):
        return kept
    raise NumberRefused(_(_PLACES, places=places, value=shown))


def _example(places: int | None) -> str:
    return "1,250" if places is None else "1,234.50"


def show_number(value: int | Decimal) -> str:
    """A stored number as the forms show it and read it back: 1,234.50 (read_number's form)."""
    return f"{value:,}"
