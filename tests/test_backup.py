"""`flask --app app backup` while INFO writes, and `restore`: the copy holds whole transactions
only, on SQLite (online backup API) and PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import threading
import time
import uuid

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from models import AuditLog, AuditOp, db
from models.exchange.backup import restore

BATCH = 20


def _writer(app, stop: threading.Event, done: list[int]) -> None:
    """Commit batches of BATCH audit rows, one transaction each, until told to stop."""
    with app.app_context():
        batch = 0
        while not stop.is_set():
            batch += 1
            db.session.execute(insert(AuditLog), [
                dict(op=AuditOp.CREATE, table_name="backup_test", row_id=str(batch),
                     field=str(n)) for n in range(BATCH)])
            db.session.commit()
            done.append(batch)
        db.session.remove()


def _batches(url: str) -> dict[int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(AuditLog.row_id, func.count()).where(
                AuditLog.table_name == "backup_test").group_by(AuditLog.row_id)).all()
    finally:
        engine.dispose()
    return {int(batch): count for batch, count in rows}


def _restore_target(url: str, tmp_path) -> tuple[str, callable]:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    name = f"info_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False), drop


def test_a_backup_taken_during_writes_restores_whole_transactions(app, runner, tmp_path):
    stop, done = threading.Event(), []
    writer = threading.Thread(target=_writer, args=(app, stop, done))
    writer.start()
    try:
        while len(done) < 5:
            time.sleep(0.05)
        result = runner.invoke(args=["backup", "--dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
    finally:
        time.sleep(0.2)
        stop.set()
        writer.join()
    assert "backup written:" in result.output
    (path,) = list(tmp_path.glob("info-25*"))
    url, drop = _restore_target(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    try:
        restore(url, path)
        restored = _batches(url)
    finally:
        drop()
    # Every batch in the copy is whole, the batches are 1..k, and k is what had committed.
    assert restored and set(restored.values()) == {BATCH}
    assert sorted(restored) == list(range(1, len(restored) + 1))
    assert 5 <= len(restored) <= len(done)
