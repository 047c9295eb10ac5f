"""ข้อสังเกตที่ต้องตรวจ (issue 24): every ⚠ finding of the LAO-years in the officer's scope, the
most extreme first — open or explained, with the clerk's explanation — filterable by year,
district, LAO type, section and state, each linking to its section in the LAO's workspace; a
follow-up mark (ติดตาม) the officer sets and clears; the same list as CSV at
/admin/findings/export.csv.  The one scope rule (ScopedModelView: a finding lives where its
submission lives) limits every row, action and export."""

from __future__ import annotations

from typing import Any

from flask import flash, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select, update

from models import District, OrgType, SectionWarning, Submission, db
from models.catalogue.reading import parse_code
from models.tables.sections import SECTIONS
from workflow import Permission, roles_for

from .base import ScopedModelView
from .i18n import bilingual
from .presentation import enum_options

COLUMNS_OF = {s.SECTION_NO: s for s in SECTIONS}


def _submissions(**where: Any):
    """`SectionWarning.submission_id IN (submissions matching where)`: filters that never
    join (the scope already joins the submission)."""
    query = select(Submission.id)
    for key, value in where.items():
        query = query.where(getattr(Submission, key) == value)
    return SectionWarning.submission_id.in_(query)


class _SubmissionFilter(BaseSQLAFilter):
    key = ""

    def parse(self, value: Any) -> Any:
        return str(value).strip()

    def validate(self, value: Any) -> bool:
        try:
            return self.parse(value) is not None
        except ValueError:
            return False

    def apply(self, query, value, alias=None):
        return query.filter(_submissions(**{self.key: self.parse(value)}))

    def operation(self):
        return _l("คือ")


class YearFilter(_SubmissionFilter):
    key = "fiscal_year"

    def parse(self, value):
        text = str(value).strip()
        return int(text) if text.isdigit() and 2400 < int(text) < 2800 else None


class DistrictFilter(_SubmissionFilter):
    key = "district_code"

    def parse(self, value):
        return parse_code(str(value).strip(), digits=4)


class TypeFilter(_SubmissionFilter):
    key = "org_type"

    def parse(self, value):
        return OrgType(str(value).strip())


class StateFilter(BaseSQLAFilter):
    """สถานะข้อสังเกต: not explained yet, explained, marked for follow-up."""

    def validate(self, value: Any) -> bool:
        return str(value) in ("open", "explained", "follow_up")

    def apply(self, query, value, alias=None):
        value = str(value)
        if value == "open":
            return query.filter(SectionWarning.explanation.is_(None))
        if value == "explained":
            return query.filter(SectionWarning.explanation.is_not(None))
        return query.filter(SectionWarning.follow_up.is_(True))

    def operation(self):
        return _l("คือ")


def _year_options():
    from .submissions import _year_options as years
    return years()


def _district_options():
    from flask import has_request_context
    from flask_login import current_user
    if not has_request_context() or not current_user.is_authenticated:
        return []

    from models.rules.scoping import row_scope
    from models.catalogue.collation import thai_order
    return [(code, name) for code, name in db.session.execute(
        select(District.code, District.name_th).where(row_scope(current_user, District))
        .order_by(thai_order(District.name_th)))]


def _lao_cell(view, context, model, name):
    sub = model.submission
    url = url_for("submission.workspace_view", id=sub.id, tab=model.section_no)
    return Markup('<a href="{}#field-{}">{}</a><div class="small text-muted">{} · {}</div>').format(
        url, model.field, sub.organization.name_th, sub.fiscal_year,
        sub.district.name_th if sub.district else "")


def _field_cell(view, context, model, name):
    section = COLUMNS_OF.get(model.section_no)
    column = section.__table__.c.get(model.field) if section is not None else None
    label = column.info.get("label_th") if column is not None else model.field
    return Markup("{} {}<div class='small text-muted'>{}</div>").format(
        gettext("ด้านที่"), model.section_no, label or "")


def _explanation_cell(view, context, model, name):
    if model.explanation:
        return model.explanation
    return Markup('<span class="text-danger">{}</span>').format(gettext("ยังไม่ได้ชี้แจง"))


def _follow_up_cell(view, context, model, name):
    return Markup('<span class="badge badge-info">{}</span>').format(gettext("ติดตาม")) \
        if model.follow_up else ""


class FindingsView(ScopedModelView):
    """The officers' findings list (province, district, DLA)."""

    roles = roles_for(Permission.REVIEW)
    can_create = can_edit = can_delete = False
    can_export = True
    export_types = ["csv"]
    page_size = 50
    column_list = ("lao", "field", "message", "explanation", "follow_up", "score")
    column_export_list = ("lao_code", "lao_name", "fiscal_year", "section_no", "field",
                          "message", "explanation", "explained_at", "follow_up", "score")
    column_labels = {"lao": bilingual("อปท.", "LAO"), "field": bilingual("ข้อมูล", "Field"),
                     "message": bilingual("ข้อสังเกต", "Finding"),
                     "explanation": bilingual("คำชี้แจงของ อปท.", "The LAO's explanation"),
                     "follow_up": bilingual("ติดตาม", "Follow-up"),
                     "score": bilingual("ความห่างจากค่ากลาง", "Distance from the median"),
                     "lao_code": bilingual("รหัส อปท.", "LAO code"),
                     "lao_name": bilingual("อปท.", "LAO"),
                     "fiscal_year": bilingual("ปีงบประมาณ", "Fiscal year"),
                     "section_no": bilingual("ด้านที่", "Section"),
                     "explained_at": bilingual("ชี้แจงเมื่อ", "Explained at")}
    column_formatters = {"lao": _lao_cell, "field": _field_cell,
                         "explanation": _explanation_cell, "follow_up": _follow_up_cell,
                         "score": lambda v, c, m, n: f"{m.score:,.1f}" if m.score else ""}
    column_formatters_export = {
        "lao_code": lambda v, c, m, n: m.submission.organization.dla_code,
        "lao_name": lambda v, c, m, n: m.submission.organization.name_th,
        "fiscal_year": lambda v, c, m, n: m.submission.fiscal_year,
        "follow_up": lambda v, c, m, n: gettext("ติดตาม") if m.follow_up else "",
    }
    column_sortable_list = ("score",)
    column_default_sort = [("score", True), ("id", False)]
    column_filters = (
        YearFilter(SectionWarning.submission_id, _l("ปีงบประมาณ"), options=_year_options),
        DistrictFilter(SectionWarning.submission_id, _l("อำเภอ"), options=_district_options),
        TypeFilter(SectionWarning.submission_id, _l("ประเภท อปท."),
                   options=enum_options(OrgType)),
        FilterEqual(SectionWarning.section_no, _l("ด้านที่"),
                    options=[(str(s.SECTION_NO), str(s.SECTION_NO)) for s in SECTIONS]),
        FilterEqual(SectionWarning.field, _l("รหัสข้อมูล")),
        StateFilter(SectionWarning.explanation, _l("สถานะข้อสังเกต"),
                    options=(("open", _l("ยังไม่ได้ชี้แจง")), ("explained", _l("ชี้แจงแล้ว")),
                             ("follow_up", _l("ติดตาม")))),
    )
    column_select_related_list = (SectionWarning.submission,)

    def get_query(self):
        from sqlalchemy.orm import joinedload
        return super().get_query().options(
            joinedload(SectionWarning.submission).joinedload(Submission.organization),
            joinedload(SectionWarning.submission).joinedload(Submission.district))

    def _get_filter_groups(self):
        # The districts are the user's scope's: rebuilt per request (a few rows).
        self._refresh_filters_cache()
        return super()._get_filter_groups()

    def _follow(self, ids, value: bool) -> None:
        rows = [r.id for r in self.scoped_rows(ids)]
        if rows:
            db.session.execute(update(SectionWarning).where(SectionWarning.id.in_(rows))
                               .values(follow_up=value))
            db.session.commit()
        flash(gettext("ทำเครื่องหมายติดตามแล้ว %(n)s รายการ", n=len(rows)) if value else
              gettext("ยกเลิกการติดตามแล้ว %(n)s รายการ", n=len(rows)), "success")

    @action("follow_up", _l("ทำเครื่องหมายติดตาม"))
    def action_follow_up(self, ids):
        self._follow(ids, True)

    @action("clear_follow_up", _l("ยกเลิกการติดตาม"))
    def action_clear_follow_up(self, ids):
        self._follow(ids, False)

    @expose("/export.csv")
    def export_csv_view(self):
        """The list as CSV (scope, filters and sort of the page it was asked from)."""
        return self.export("csv")


__all__ = ["FindingsView"]
