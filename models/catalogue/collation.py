"""Thai dictionary order for names (provinces, districts, LAOs).

Python sorts Thai by code point, which puts every name that starts with a leading vowel
(เ แ โ ใ ไ, written before the consonant they follow in speech) after all the others —
เชียงราย, เพชรบุรี and แม่ฮ่องสอน came last in every province list — and weighs tone marks as
letters.  The Royal Institute dictionary orders by the consonant first: the key swaps a leading
vowel with the consonant after it and leaves tone marks and the silent mark for a second pass.
In SQL, `thai_order(column)` sorts the same way: ICU's Thai collation on PostgreSQL, this key
as a collation on SQLite.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import String

_LEADING = "เแโใไ"
_CONSONANT = "[\u0e01-\u0e2e]"
_SWAP = re.compile(f"([{_LEADING}])({_CONSONANT})")
_IGNORED = re.compile(r"[\s.,()\-/'\"]+")
_MARKS = str.maketrans("", "", "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e")  # ็ ่ ้ ๊ ๋ ์ ํ ๎


def thai_sort_key(text: str) -> tuple[str, str]:
    """A key that sorts Thai names in dictionary order (ASCII and other text as they are);
    punctuation and spaces weigh only second, as in ICU's Thai collation (จ.ป.ร. after
    จตุจักร)."""
    swapped = _SWAP.sub(r"\2\1", text or "")
    return _IGNORED.sub("", swapped.translate(_MARKS)), swapped


# --- the same order in SQL ---------------------------------------------------------------------

SQLITE_COLLATION = "thai"
POSTGRESQL_COLLATION = "th-TH-x-icu"   # ICU's Thai (CLDR): leading vowels, tone marks second


@lru_cache(maxsize=20_000)
def _key(text: str) -> tuple[str, str]:
    return thai_sort_key(text)


def sqlite_thai_collation(a: str, b: str) -> int:
    """SQLite's `thai` collation (registered on every connection, app.configure_sqlite)."""
    ka, kb = _key(a or ""), _key(b or "")
    return (ka > kb) - (ka < kb)


class thai_order(ColumnElement):
    """`column` in Thai dictionary order, for ORDER BY: ICU's Thai collation on PostgreSQL,
    thai_sort_key on SQLite, the same order either way (tests/test_collation.py)."""
    inherit_cache = True
    type = String()

    def __init__(self, column) -> None:
        self.column = column


@compiles(thai_order)
def _compile_default(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(thai_order, "postgresql")
def _compile_postgresql(element, compiler, **kw):
    return f'{compiler.process(element.column, **kw)} COLLATE "{POSTGRESQL_COLLATION}"'


@compiles(thai_order, "sqlite")
def _compile_sqlite(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} COLLATE {SQLITE_COLLATION}"
