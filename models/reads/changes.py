"""What moved since a certification: field changes of the audit log after each LAO-year's last
certification, counted for a whole list page in one GROUP BY and listed for one LAO-year.

A certified year cannot change (models/rules/locks.py), so every change counted here was made after
a revocation or a return: what a province that re-certifies should look at.  The audit log's
field codes are shown with the catalogue's labels (`field_label`, `value_text`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Date, bindparam, func, select

from workflow import N_, Action, _, month_name, thai_date, translated

from ..base import db
from ..catalogue.columns import label
from ..tables.accounts import User
from ..tables.audit import AuditLog, _audited_models
from ..tables.submissions import CertificationEvent

# The actions after which a year counts as certified (by the LAO, then by the province).
CERTIFYING = (Action.CERTIFY_LAO, Action.CERTIFY_PROVINCE)


@cache
def _changes_statement():
    """Field changes since the last certification of each of :ids (built once: every list
    page runs it).  The ids narrow the certification events before they are grouped."""
    ids = bindparam("ids", expanding=True)
    last = (select(CertificationEvent.submission_id.label("submission_id"),
                   func.max(CertificationEvent.created_at).label("at"))
            .where(CertificationEvent.action.in_(CERTIFYING),
                   CertificationEvent.submission_id.in_(ids))
            .group_by(CertificationEvent.submission_id).subquery("last_certified"))
    return (select(last.c.submission_id, func.count(AuditLog.id))
            .select_from(last)
            .outerjoin(AuditLog, (AuditLog.submission_id == last.c.submission_id)
                       & (AuditLog.created_at > last.c.at))
            .group_by(last.c.submission_id))


def changes_since_certification(submission_ids: Iterable[int]) -> dict[int, int]:
    """Submission id → field changes since its last certification (one statement for all;
    a year never certified is absent: there is nothing to compare with)."""
    ids = list(submission_ids)
    if not ids:
        return {}
    rows = db.session.execute(_changes_statement(), {"ids": ids})
    return {sub_id: n for sub_id, n in rows}


def changes_since(submission_id: int, limit: int = 200) -> tuple[Any, list[dict[str, Any]]]:
    """(the time of the last certification or None, its changes since, newest first:
    section, field label, old → new as shown, who, when)."""
    at = db.session.scalar(select(func.max(CertificationEvent.created_at)).where(
        CertificationEvent.submission_id == submission_id,
        CertificationEvent.action.in_(CERTIFYING)))
    if at is None:
        return None, []
    found = db.session.execute(
        select(AuditLog, User.full_name).outerjoin(User, AuditLog.user_id == User.id)
        .where(AuditLog.submission_id == submission_id, AuditLog.created_at > at)
        .order_by(AuditLog.id.desc()).limit(limit)).all()
    return at, [describe(log, who) for log, who in found]


def describe(log: AuditLog, who: str | None = None) -> dict[str, Any]:
    """One audit row as a screen shows it: catalogue labels and BE dates, not codes."""
    return dict(when=log.created_at, who=who or "", op=log.op,
                table=table_title(log.table_name),
                label=field_label(log.table_name, log.field),
                old=value_text(log.table_name, log.field, log.old_value),
                new=value_text(log.table_name, log.field, log.new_value))


@cache
def _models_by_table() -> dict[str, type]:
    return {model.__tablename__: model for model in _audited_models()}


def _column(table_name: str, field: str | None):
    model = _models_by_table().get(table_name)
    if model is None or not field:
        return None
    return model.__table__.columns.get(field)


def table_title(table_name: str) -> str:
    """"6. ข้อมูลด้านการป้องกันและบรรเทาสาธารณภัย", "ยานพาหนะ", "เว็บไซต์ อปท." … (the table's
    own name when INFO does not know it)."""
    model = _models_by_table().get(table_name)
    if model is None:
        return table_name
    if hasattr(model, "title"):
        number = getattr(model, "SECTION_NO", None)
        return f"{number}. {model.title()}" if number else model.title()
    return translated(RECORD_TITLES.get(table_name, table_name))


# The per-LAO records' names (the sections and their child rows carry their own titles).
RECORD_TITLES = {"lao_website": N_("เว็บไซต์ อปท."), "info_administrator": N_("ผู้ดูแลระบบ INFO"),
                 "tourist_place": N_("สถานที่ท่องเที่ยว")}


def field_label(table_name: str, field: str | None) -> str:
    """A field code's label from the catalogue (the code itself when it has none)."""
    column = _column(table_name, field)
    if column is not None and "label_th" in column.info:
        return label(column.info)
    return field or ""


def value_text(table_name: str, field: str | None, text: str | None) -> str:
    """An audit value as the screens show it: a choice by its label, a month by its name, a date
    in BE, yes/no."""
    if text is None or text == "":
        return "–"
    column = _column(table_name, field)
    if column is None:
        return text
    enum_cls = getattr(column.type, "enum_class", None)
    if enum_cls is not None:
        try:
            member = enum_cls(text)
        except ValueError:
            return text
        return member.shown if hasattr(member, "shown") else str(member.value)
    if column.info.get("widget") == "month" and text.isdigit() and 1 <= int(text) <= 12:
        return month_name(int(text))
    if isinstance(column.type, Boolean):
        return _("ใช่") if text in ("True", "1") else _("ไม่ใช่")
    if isinstance(column.type, Date):
        try:
            return thai_date(date.fromisoformat(text))
        except ValueError:
            return text
    return text

