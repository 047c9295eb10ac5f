"""A small per-process cache of lists built from master data (fiscal years, provinces,
districts), such as the review list's filter options: the admin's district filter alone is 928
rows, and Flask-Admin rebuilt every option list on every request (issue 13).

An entry is dropped when this process writes to one of MASTER_TABLES (any statement on the
engine: ORM, Core or bulk: `watch(engine)`), and in any case after TTL seconds, which bounds how
long another process may show, say, a new fiscal year late in a filter menu.  Entries are keyed
by the caller (the user's scope is part of the key).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import event

MASTER_TABLES = ("fiscal_year", "province", "district")
TTL = 60.0
MAX_ENTRIES = 256      # past it, the entries older than TTL are dropped as a new one comes
_TABLES = "|".join(MASTER_TABLES)
_WRITE = re.compile(rf'^\s*(?:(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?:{_TABLES})"?(?:\s|\(|$)'
                    rf'|TRUNCATE\b.*"?\b(?:{_TABLES})\b|DROP\b)', re.I | re.S)

_lock = threading.Lock()
_entries: dict[Hashable, tuple[float, Any]] = {}


def cached(key: Hashable, build: Callable[[], Any]) -> Any:
    """The value of `key`, built by `build()` when absent or older than TTL."""
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    value = build()
    with _lock:
        if len(_entries) >= MAX_ENTRIES:   # keys that name a fingerprint go out of date
            for stale in [k for k, (at, _v) in _entries.items() if now - at >= TTL]:
                del _entries[stale]
        _entries[key] = (now, value)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()


def _on_statement(conn, cursor, statement, parameters, context, executemany) -> None:
    if statement[:1] not in "Ss(" and _WRITE.match(statement[:2000]):
        clear()


def watch(engine: Any) -> None:
    """Drop every entry when `engine` writes to a master table (idempotent)."""
    if not event.contains(engine, "before_cursor_execute", _on_statement):
        event.listen(engine, "before_cursor_execute", _on_statement)
