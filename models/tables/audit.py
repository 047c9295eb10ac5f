"""AuditLog: every create / update / delete of LAO data, one row per changed field."""

from __future__ import annotations

import enum
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from workflow import LabeledEnum

from ..base import db, utcnow
from ..catalogue.columns import enum_type


class AuditOp(LabeledEnum):
    CREATE = ("create", "เพิ่ม", "Created", "success")
    UPDATE = ("update", "แก้ไข", "Changed", "info")
    DELETE = ("delete", "ลบ", "Deleted", "danger")


class AuditLog(db.Model):
    """Append-only: who changed which field of which row, from what to what, in which request."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_table_row", "table_name", "row_id"),
        Index("ix_audit_log_org_time", "organization_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 info={"label_th": "วันที่/เวลา", "label_en": "When"})
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    op: Mapped[AuditOp] = mapped_column(enum_type(AuditOp), info={"label_th": "การเปลี่ยนแปลง", "label_en": "Change"})
    table_name: Mapped[str] = mapped_column(String(64), info={"label_th": "ตาราง", "label_en": "Table"})
    row_id: Mapped[str] = mapped_column(String(64), info={"label_th": "แถว", "label_en": "Row"})
    field: Mapped[str | None] = mapped_column(String(64), info={"label_th": "รายการ", "label_en": "Field"})
    old_value: Mapped[str | None] = mapped_column(Text, info={"label_th": "ค่าเดิม", "label_en": "Old value"})
    new_value: Mapped[str | None] = mapped_column(Text, info={"label_th": "ค่าใหม่", "label_en": "New value"})
    request_id: Mapped[str | None] = mapped_column(String(64), info={"label_th": "รหัสคำขอ", "label_en": "Request"})
    # The import run that made the change (models/exchange/imports.py), None for a form or the shell.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True,
                                                 info={"label_th": "ชุดนำเข้า", "label_en": "Import batch"})

    user = relationship("User")


# --- recording -------------------------------------------------------------------------------
# Who is acting: the request (or CLI command) sets it; models never read Flask's request state.
current_actor: ContextVar[tuple[int | None, str | None]] = ContextVar(
    "current_actor", default=(None, None))
# The import batch being committed (models/exchange/imports.py): its field changes carry the batch id.
current_batch: ContextVar[int | None] = ContextVar("current_batch", default=None)


def _audited_models() -> tuple[type, ...]:
    from .organizations import InfoAdministrator, LaoWebsite, TouristPlace
    from .sections import CHILDREN, SECTIONS
    children = tuple(child for pairs in CHILDREN.values() for _n, child in pairs)
    return (*SECTIONS, *children, LaoWebsite, InfoAdministrator, TouristPlace)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


_SKIP = {"version", "updated_at", "updated_by_id", "carried_forward", "imported"}


@event.listens_for(Session, "after_flush")
def record_changes(session: Session, _flush_context) -> None:
    """One AuditLog row per changed field of LAO data (old → new, who, when, request)."""
    audited = _audited_models()
    user_id, request_id = current_actor.get()
    batch_id = current_batch.get()
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for op, objects in ((AuditOp.CREATE, session.new), (AuditOp.UPDATE, session.dirty),
                        (AuditOp.DELETE, session.deleted)):
        for obj in objects:
            if not isinstance(obj, audited):
                continue
            mapper = inspect(obj).mapper
            pk = "/".join(str(v) for v in mapper.primary_key_from_instance(obj))
            submission_id = getattr(obj, "submission_id", None)
            org_id = getattr(obj, "organization_id", None)
            base = dict(created_at=now, user_id=user_id, organization_id=org_id,
                        submission_id=submission_id, op=op, table_name=mapper.local_table.name,
                        row_id=pk, request_id=request_id, batch_id=batch_id)
            for attr in mapper.column_attrs:
                if attr.key in _SKIP or attr.columns[0].primary_key:
                    continue
                history = inspect(obj).attrs[attr.key].history
                if op is AuditOp.UPDATE:
                    if not history.has_changes():
                        continue
                    old = history.deleted[0] if history.deleted else None
                    new = history.added[0] if history.added else None
                    if _text(old) == _text(new):
                        continue
                elif op is AuditOp.CREATE:
                    old, new = None, getattr(obj, attr.key)
                    if new is None:
                        continue
                else:
                    old, new = (history.unchanged or history.deleted or [None])[0], None
                    if old is None:
                        continue
                rows.append({**base, "field": attr.key, "old_value": _text(old),
                             "new_value": _text(new)})
    if rows:
        session.connection().execute(insert(AuditLog.__table__), rows)
