"""Workbooks kept until their data changes (issue 13: the national workbook in under 3 s).

A national workbook is 7,850 LAOs × 13 sheets, some three million cells: XlsxWriter writes it in
20–25 s of one core here (bench/README.md, "Exports"), and no writer INFO could use brings that
under 3 s.  So a workbook is written once per state of its data and kept in WORKBOOK_CACHE_DIR
(default instance/cache/) under a key `kind@version`: `kind` names what it shows (the public
certified data of a year and place, a back-office scope's year) and `version` what it was
written from (a fingerprint of the rows: models/public.publication_fingerprint,
models/workbooks.area_fingerprint).

When the data has changed since the last file of a kind:
- a workbook whose last writing took under WORKBOOK_FRESH_SECONDS (3 s: a province's) is
  written again in the request, so the download holds the data as it is now;
- a larger one (the nation's) is sent as it was last written, at once, named and dated by when
  it was written (the file name and its summary sheet's จัดทำเมื่อ) — where the caller says it
  may still show what that file holds (`may_send`: the DLA's national scope always; a public
  file only while no LAO-year in it has left the public statuses) — while ONE new writing
  starts in the background — one per kind across every thread and process, held by a lock
  file — and the next download gets it.  The review list says when the national file was
  written and whether a newer one is being written (`kept_state`).

So a DLA admin's download answers in milliseconds whatever the size, and five admins clicking
during the deadline rush cost one writing, not five cores' worth of 25 s each taken from the
clerks saving their forms.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, Any

from flask import Flask, Response, current_app, request
from werkzeug.wsgi import wrap_file

log = logging.getLogger(__name__)

FRESH_SECONDS = 3.0          # written again in the request when its last writing took less
LOCK_SECONDS = 15 * 60       # a lock (or a .part file) older than this is a dead writing's
Build = Callable[[IO[bytes]], Any]

_threads: list[threading.Thread] = []
_threads_lock = threading.Lock()


@dataclass(frozen=True)
class Kept:
    """A kept workbook, open (a newer file may replace it meanwhile: the handle keeps this
    one), when it was written, and whether it holds the data as it is now."""

    handle: IO[bytes]
    made: datetime
    current: bool


def _open(path: str | None, current: bool) -> Kept | None:
    if path is None:
        return None
    try:
        handle = open(path, "rb")
    except OSError:       # removed by a newer writing between the listing and the open
        return None
    made = datetime.fromtimestamp(os.fstat(handle.fileno()).st_mtime, timezone.utc)
    return Kept(handle, made, current)


def cache_folder(app: Flask | None = None) -> str:
    app = app or current_app
    folder = app.config.get("WORKBOOK_CACHE_DIR") or os.path.join(app.instance_path, "cache")
    os.makedirs(folder, exist_ok=True)
    return folder


def _latest(folder: str, kind: str) -> str | None:
    """The newest file of `kind` (older ones are removed once a newer one is in place)."""
    found = []
    for path in glob.glob(os.path.join(glob.escape(folder), glob.escape(kind) + "@*.xlsx")):
        try:
            found.append((os.path.getmtime(path), path))
        except OSError:       # removed by another process between the listing and the stat
            pass
    return max(found)[1] if found else None


def _meta_path(folder: str, kind: str) -> str:
    return os.path.join(folder, f"{kind}.json")


def _last_seconds(folder: str, kind: str) -> float:
    """How long the last writing of `kind` took (0 when unknown: written in the request)."""
    try:
        with open(_meta_path(folder, kind), encoding="utf-8") as handle:
            return float(json.load(handle)["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


def _write(folder: str, key: str, build: Build) -> str:
    """Write the workbook of `key` into a temporary file, rename it into place (a reader never
    sees half a file) dated when the writing began, note how long it took, and remove the
    older files of its kind."""
    kind = key.rpartition("@")[0]
    path = os.path.join(folder, f"{key}.xlsx")
    started, began = time.perf_counter(), time.time()
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as handle:
        try:
            build(handle)
        except BaseException:
            os.unlink(handle.name)
            raise
    # Dated when its rows began to be read: what it shows is the data of that moment (a
    # revocation while it was written is after it, models/public.left_public_since).
    os.utime(handle.name, (began, began))
    os.replace(handle.name, path)
    seconds = time.perf_counter() - started
    with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".part", delete=False,
                                     encoding="utf-8") as meta:
        json.dump({"seconds": round(seconds, 3)}, meta)
    os.replace(meta.name, _meta_path(folder, kind))
    for old in glob.glob(os.path.join(glob.escape(folder), glob.escape(kind) + "@*.xlsx")):
        if old != path:
            try:
                os.unlink(old)
            except OSError:   # another process removed it first
                pass
    return path


def _lock_path(folder: str, kind: str) -> str:
    return os.path.join(folder, f"{kind}.lock")


def _take_lock(folder: str, kind: str) -> bool:
    """Whether this thread may write `kind` now: one writing per kind in every process."""
    path = _lock_path(folder, kind)
    for _attempt in range(2):
        try:
            handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            os.write(handle, str(os.getpid()).encode())
            os.close(handle)
            return True
        except FileExistsError:
            try:
                if time.time() - os.path.getmtime(path) < LOCK_SECONDS \
                        and _writer_alive(path):
                    return False
                os.unlink(path)           # a writing that died (its process was stopped)
                _remove_dead_parts(folder)
            except OSError:
                pass
    return False


def _writer_alive(lock: str) -> bool:
    """Whether the process that took `lock` still runs (the processes of one deployment share
    the folder on one machine): a restart during a writing must not hold the next one off
    for LOCK_SECONDS."""
    try:
        pid = int(open(lock, encoding="ascii").read() or 0)
    except (OSError, ValueError):
        return True       # being written this instant, or unreadable: trust its age
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_dead_parts(folder: str) -> None:
    for part in glob.glob(os.path.join(glob.escape(folder), "*.part")):
        try:
            if time.time() - os.path.getmtime(part) > LOCK_SECONDS:
                os.unlink(part)
        except OSError:
            pass


def _write_in_background(app: Flask, folder: str, key: str, build: Build) -> None:
    kind = key.rpartition("@")[0]

    def run() -> None:
        try:
            with app.app_context():
                _write(folder, key, build)
        except Exception:  # noqa: BLE001 - the previous file stays; the next download retries
            log.exception("writing the workbook %s failed", key)
        finally:
            try:
                os.unlink(_lock_path(folder, kind))
            except OSError:
                pass
    thread = threading.Thread(target=run, name=f"workbook {kind}", daemon=True)
    with _threads_lock:
        _threads[:] = [t for t in _threads if t.is_alive()]
        _threads.append(thread)
    thread.start()


def wait_for_writings(timeout: float = 120.0) -> None:
    """Wait until this process's background writings are done (tests, benchmarks)."""
    with _threads_lock:
        pending = list(_threads)
    for thread in pending:
        thread.join(timeout)


def keep_workbook(key: str, build: Build,
                  may_send: Callable[[datetime], bool] | None = None) -> Kept:
    """The file of `key` (`kind@version`), or the last file of its kind while a new one is
    written in the background (see the module's docstring) — only where `may_send(when it was
    written)` says the caller may still show what that file holds (None: never; the public
    workbooks, say, may not once an LAO-year it holds has left the public statuses)."""
    folder = cache_folder()
    kind = key.rpartition("@")[0]
    kept = _open(os.path.join(folder, f"{key}.xlsx"), True)
    if kept is not None:
        return kept
    fresh = float(current_app.config.get("WORKBOOK_FRESH_SECONDS", FRESH_SECONDS))
    if may_send is not None and _last_seconds(folder, kind) >= fresh:
        previous = _open(_latest(folder, kind), False)
        if previous is not None and may_send(previous.made):
            if _take_lock(folder, kind):
                _write_in_background(current_app._get_current_object(), folder, key, build)
            return previous
        if previous is not None:
            previous.handle.close()
    path = _write(folder, key, build)
    # Only a newer writing of the same kind removes it this instant: then send that one.
    kept = _open(path, True) or _open(_latest(folder, kind), True)
    if kept is None:
        raise OSError(f"the workbook {key} was removed as soon as it was written")
    return kept


def kept_state(kind: str) -> tuple[datetime | None, bool]:
    """When the last file of `kind` was written (None: never), and whether a newer one is
    being written now — what the review list tells the DLA about the national file."""
    folder = cache_folder()
    made = None
    latest = _latest(folder, kind)
    if latest is not None:
        try:
            made = datetime.fromtimestamp(os.path.getmtime(latest), timezone.utc)
        except OSError:
            pass
    return made, os.path.exists(_lock_path(folder, kind))


def send_xlsx(handle: IO[bytes], filename: str) -> Response:
    """Send an open workbook file in 64 KB chunks (closed when the response closes)."""
    from models.exchange.workbooks import MIME
    size = os.fstat(handle.fileno()).st_size
    response = Response(wrap_file(request.environ, handle, buffer_size=64 * 1024),
                        mimetype=MIME, direct_passthrough=True)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    response.headers["Content-Length"] = str(size)
    return response


def send_kept(kept: Kept, filename: str) -> Response:
    return send_xlsx(kept.handle, filename)
