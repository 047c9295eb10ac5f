"""The audit views in Thai (issue 9 item 6): certification events and field changes, filtered by
fiscal year, LAO (a code or a part of the name, never a 7,850-row dropdown), user, action and a
range of BE dates; rows through the one scope rule (an LAO clerk its LAO's, a district officer
its district's, a province officer its province's, the DLA all).

Values are shown as the screens show them: a field code by its catalogue label, a choice by its
label, dates in BE (models/reads/changes.py).  The LAO of each row is read once per page.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Any

from flask import has_request_context
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import or_, select

from models import (AuditLog, AuditOp, CertificationEvent, FiscalYear, Organization, Submission,
                    User, db)
from models.reads.changes import field_label, table_title, value_text
from models.tables.audit import _audited_models
from workflow import BANGKOK, Action, Permission, Role, Status, roles_for

from models.catalogue.reading import parse_int_id
from models.tables.batches import ImportBatch, ImportMode, ImportSource, ImportStatus

from .base import ScopedModelView
from .forms import parse_thai_date
from .i18n import bilingual
from .presentation import enum_options


# --- filters -----------------------------------------------------------------------------------

def _organizations_matching(text: str):
    """Ids of the LAOs whose DLA code is `text` or whose Thai name contains it."""
    text = text.strip()
    return select(Organization.id).where(or_(
        Organization.dla_code == text, Organization.name_th.contains(text, autoescape=True)))


def _submissions_of(organizations):
    return select(Submission.id).where(Submission.organization_id.in_(organizations))


def _users_matching(text: str):
    text = text.strip()
    return select(User.id).where(or_(User.username == text,
                                     User.full_name.contains(text, autoescape=True)))


def _of_audit_log(flt: BaseSQLAFilter) -> bool:
    """Whether a filter of this module filters field changes (else certification events)."""
    return flt.column.class_ is AuditLog


class _TextFilter(BaseSQLAFilter):
    """A typed text (at most 100 characters), applied by `where(text)`."""

    OPERATION = _l("คือ")

    def validate(self, value: Any) -> bool:
        return 0 < len(str(value).strip()) <= 100

    def operation(self):
        return self.OPERATION


class LaoFilter(_TextFilter):
    """อปท.: a DLA code (6101001) or a part of the Thai name (น้ำซึม)."""

    OPERATION = _l("รหัสหรือชื่อมีคำว่า")

    def apply(self, query, value, alias=None):
        orgs = _organizations_matching(value)
        if _of_audit_log(self):
            return query.filter(or_(AuditLog.organization_id.in_(orgs),
                                    AuditLog.submission_id.in_(_submissions_of(orgs))))
        return query.filter(CertificationEvent.submission_id.in_(_submissions_of(orgs)))


class UserFilter(_TextFilter):
    """ผู้ใช้: a user name (lao-6101001) or a part of the person's name."""

    OPERATION = _l("ชื่อผู้ใช้หรือชื่อมีคำว่า")

    def apply(self, query, value, alias=None):
        column = AuditLog.user_id if _of_audit_log(self) \
            else CertificationEvent.actor_id
        return query.filter(column.in_(_users_matching(value)))


class YearFilter(BaseSQLAFilter):
    """ปีงบประมาณ: the rows of that fiscal year's submissions."""

    def validate(self, value: Any) -> bool:
        text = str(value).strip()
        return text.isdigit() and 2400 < int(text) < 2800

    def apply(self, query, value, alias=None):
        column = AuditLog.submission_id if _of_audit_log(self) \
            else CertificationEvent.submission_id
        return query.filter(column.in_(select(Submission.id).where(
            Submission.fiscal_year == int(str(value).strip()))))

    def operation(self):
        return _l("คือ")


class BatchFilter(BaseSQLAFilter):
    """ชุดนำเข้า: the field changes of one import run (its number in the import list)."""

    def validate(self, value: Any) -> bool:
        return parse_int_id(str(value).strip()) is not None

    def apply(self, query, value, alias=None):
        return query.filter(AuditLog.batch_id == parse_int_id(str(value).strip()))

    def operation(self):
        return _l("หมายเลข")


def _bangkok_midnight(raw: str) -> datetime:
    day = parse_thai_date(raw)
    if day is None:
        raise ValueError(raw)
    return datetime.combine(day, time(), BANGKOK).astimezone(timezone.utc)


class _DayFilter(BaseSQLAFilter):
    """A day typed the Thai way (1/12/2569, BE), the day of Bangkok."""

    def validate(self, value: Any) -> bool:
        try:
            _bangkok_midnight(str(value))
        except (ValueError, OverflowError):
            return False
        return True


class FromDayFilter(_DayFilter):
    def apply(self, query, value, alias=None):
        return query.filter(self.column >= _bangkok_midnight(value))

    def operation(self):
        return _l("ตั้งแต่วันที่ (วัน/เดือน/ปี พ.ศ.)")


class ToDayFilter(_DayFilter):
    def apply(self, query, value, alias=None):
        return query.filter(self.column < _bangkok_midnight(value) + timedelta(days=1))

    def operation(self):
        return _l("ถึงวันที่ (วัน/เดือน/ปี พ.ศ.)")


def _year_options():
    if not has_request_context():
        return []
    return [(str(y), str(y)) for y in db.session.scalars(
        select(FiscalYear.be_year).order_by(FiscalYear.be_year.desc()))]


def _table_options():
    return sorted(((m.__tablename__, table_title(m.__tablename__)) for m in _audited_models()),
                  key=lambda pair: pair[1])


def _lao_cell(view, context, model, name) -> Markup:
    place = view.page_places.get(model.id)
    if place is None:
        return Markup("")
    return Markup('{} <small class="text-muted">{}</small>').format(place[1], place[0])


# --- the views ---------------------------------------------------------------------------------

class AuditBase(ScopedModelView):
    """Read-only, newest first; every role reads the rows of its own scope."""

    roles = roles_for(Permission.READ_AUDIT)
    column_default_sort = ("id", True)
    column_sortable_list = ("created_at",)
    can_export = False

    def get_list(self, *args, **kwargs):
        """The page's rows, and each row's LAO (code, name) in one query for the page."""
        count, rows = super().get_list(*args, **kwargs)
        self.page_places = self.places([r.id for r in rows]) if rows else {}
        return count, rows

    def _get_filter_groups(self):
        # The year options change when a year opens: rebuild per request (a few rows).
        self._refresh_filters_cache()
        return super()._get_filter_groups()


class EventView(AuditBase):
    """ประวัติการรับรองข้อมูล: every status change of the LAO-years in scope."""

    column_list = ("created_at", "lao", "fiscal_year", "action", "from_status", "to_status",
                   "actor", "actor_role", "reason")
    column_labels = {"lao": bilingual("อปท.", "LAO"),
                     "fiscal_year": bilingual("ปีงบประมาณ", "Fiscal year"),
                     "actor": bilingual("ผู้ดำเนินการ", "By")}
    column_select_related_list = (CertificationEvent.actor,)
    column_formatters = {
        "lao": _lao_cell,
        "fiscal_year": lambda v, c, m, n: v.page_places.get(m.id, ("", "", ""))[2],
        "actor": lambda v, c, m, n: m.actor.full_name if m.actor else "",
    }
    column_filters = (
        YearFilter(CertificationEvent.created_at, _l("ปีงบประมาณ"), options=_year_options),
        LaoFilter(CertificationEvent.created_at, _l("อปท.")),
        UserFilter(CertificationEvent.created_at, _l("ผู้ดำเนินการ")),
        FilterEqual(CertificationEvent.action, _l("การดำเนินการ"),
                    options=enum_options(Action)),
        FilterEqual(CertificationEvent.to_status, _l("เป็นสถานะ"),
                    options=enum_options(Status)),
        FilterEqual(CertificationEvent.actor_role, _l("บทบาทผู้ดำเนินการ"),
                    options=enum_options(Role)),
        FromDayFilter(CertificationEvent.created_at, _l("วันที่")),
        ToDayFilter(CertificationEvent.created_at, _l("วันที่")),
    )

    def places(self, ids: list[int]) -> dict[int, tuple[str, str, int]]:
        return {event_id: (code, name, year) for event_id, code, name, year in db.session.execute(
            select(CertificationEvent.id, Organization.dla_code, Organization.name_th,
                   Submission.fiscal_year)
            .join(Submission, CertificationEvent.submission_id == Submission.id)
            .join(Organization, Submission.organization_id == Organization.id)
            .where(CertificationEvent.id.in_(ids)))}


class AuditLogView(AuditBase):
    """บันทึกการเปลี่ยนแปลงข้อมูล: every changed field, old → new, by whom, when."""

    column_list = ("created_at", "lao", "user", "table_name", "field", "op", "old_value",
                   "new_value", "batch_id", "request_id")
    column_labels = {"lao": bilingual("อปท.", "LAO"), "user": bilingual("ผู้แก้ไข", "By"),
                     "table_name": bilingual("ด้าน / ข้อมูล", "Section / record")}
    column_select_related_list = (AuditLog.user,)
    column_formatters = {
        "lao": _lao_cell,
        "user": lambda v, c, m, n: m.user.full_name if m.user else "",
        "table_name": lambda v, c, m, n: table_title(m.table_name),
        "field": lambda v, c, m, n: field_label(m.table_name, m.field),
        "old_value": lambda v, c, m, n: value_text(m.table_name, m.field, m.old_value),
        "new_value": lambda v, c, m, n: value_text(m.table_name, m.field, m.new_value),
    }
    column_filters = (
        YearFilter(AuditLog.created_at, _l("ปีงบประมาณ"), options=_year_options),
        LaoFilter(AuditLog.created_at, _l("อปท.")),
        UserFilter(AuditLog.created_at, _l("ผู้แก้ไข")),
        FilterEqual(AuditLog.op, _l("การเปลี่ยนแปลง"),
                    options=enum_options(AuditOp)),
        FilterEqual(AuditLog.table_name, _l("ด้าน / ข้อมูล"), options=_table_options),
        FromDayFilter(AuditLog.created_at, _l("วันที่")),
        ToDayFilter(AuditLog.created_at, _l("วันที่")),
        BatchFilter(AuditLog.batch_id, _l("ชุดนำเข้า")),
    )

    def places(self, ids: list[int]) -> dict[int, tuple[str, str, int | None]]:
        """A field change belongs to its LAO directly (a website) or through its submission."""
        found: dict[int, tuple[str, str, int | None]] = {}
        for log_id, code, name, year in db.session.execute(
                select(AuditLog.id, Organization.dla_code, Organization.name_th,
                       Submission.fiscal_year)
                .outerjoin(Submission, AuditLog.submission_id == Submission.id)
                .join(Organization, Organization.id == db.func.coalesce(
                    AuditLog.organization_id, Submission.organization_id))
                .where(AuditLog.id.in_(ids))):
            found[log_id] = (code, name, year)
        return found


def _batch_changes(view, context, model, name) -> Markup:
    """The batch's field changes in the audit log (its filter), when it changed anything."""
    if not model.fields_changed:
        return Markup("0")
    from flask import url_for
    index = next(n for n, f in enumerate(AuditLogView.column_filters)
                 if isinstance(f, BatchFilter))
    return Markup('<a href="{}">{:,}</a>').format(
        url_for("audit_log.index_view", **{f"flt0_{index}": model.id}), model.fields_changed)


class ImportBatchView(AuditBase):
    """การนำเข้าข้อมูล: every import run — who, when, which file (name and SHA-256), how many
    rows changed or were refused; its field changes are in the audit log under its number."""

    column_list = ("id", "created_at", "user", "section_no", "fiscal_year", "file_name",
                   "source", "mode", "status", "rows_total", "rows_changed", "rows_refused",
                   "fields_changed", "via", "file_sha256")
    column_labels = {"id": bilingual("หมายเลข", "No."), "user": bilingual("ผู้นำเข้า", "By")}
    column_select_related_list = (ImportBatch.user,)
    column_formatters = {
        "user": lambda v, c, m, n: m.user.full_name if m.user else "CLI",
        "fields_changed": _batch_changes,
        "file_sha256": lambda v, c, m, n: Markup('<code title="{}">{}…</code>').format(
            m.file_sha256, m.file_sha256[:12]),
    }
    column_filters = (
        FilterEqual(ImportBatch.status, _l("ผล"), options=enum_options(ImportStatus)),
        FilterEqual(ImportBatch.source, _l("ระบบต้นทาง"), options=enum_options(ImportSource)),
        FilterEqual(ImportBatch.mode, _l("วิธีนำเข้า"), options=enum_options(ImportMode)),
        FromDayFilter(ImportBatch.created_at, _l("วันที่")),
        ToDayFilter(ImportBatch.created_at, _l("วันที่")),
    )

    def places(self, ids: list[int]) -> dict[int, Any]:
        return {}
