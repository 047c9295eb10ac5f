"""Backups of the database, consistent while INFO is writing (issue 12 part 5).

SQLite: the online backup API (`sqlite3.Connection.backup`) — a `cp` of a WAL database can miss
committed pages still in the -wal file.  PostgreSQL: `pg_dump --format=custom`, restored with
`pg_restore`.  File names carry the Bangkok time in the Buddhist Era.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from workflow import BANGKOK


class BackupError(RuntimeError):
    """The backup could not be written; `str()` says why, for the operator."""


def backup_name(url: str, now: datetime | None = None) -> str:
    now = (now or datetime.now(BANGKOK)).astimezone(BANGKOK)
    stamp = f"{now.year + 543}{now:%m%d-%H%M%S}"
    kind = "sqlite3" if make_url(url).get_backend_name() == "sqlite" else "pgdump"
    return f"info-{stamp}.{kind}"


def backup(url: str, directory: Path, now: datetime | None = None) -> Path:
    """Write a consistent copy of the database at `url` into `directory`; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / backup_name(url, now)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(parsed.database)
        try:
            copy = sqlite3.connect(target)
            with copy:
                source.backup(copy)
            copy.close()
        finally:
            source.close()
        return target
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian package postgresql-client)")
    result = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--file", str(target),
         _libpq_url(parsed)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    return target


def restore(url: str, source: Path) -> None:
    """Replace the database at `url` by the backup `source` (stop INFO first)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        backup_db = sqlite3.connect(source)
        try:
            live = sqlite3.connect(parsed.database)
            with live:
                backup_db.backup(live)
            live.close()
        finally:
            backup_db.close()
        return
    result = subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "--dbname", _libpq_url(parsed), str(source)], capture_output=True, text=True,
        check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")


def _libpq_url(parsed) -> str:
    """The SQLAlchemy URL as libpq reads it (no +psycopg driver part)."""
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)
