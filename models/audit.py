"""AuditLog: every create / update / delete of LAO data, one row per changed field."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .meta import enum_type


class AuditOp(str, enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class AuditLog(db.Model):
    """Append-only: who changed which field of which row, from what to what, in which request."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_table_row", "table_name", "row_id"),
        Index("ix_audit_log_org_time", "organization_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    op: Mapped[AuditOp] = mapped_column(enum_type(AuditOp))
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User")
