"""ข้อมูล อปท. 8 ด้าน: the LAO year list, the province review list, the submission workspace
(tabs 1–8 and the status tab), reasons for revoke / return, and bulk certification.

Every status change goes through models.certification.transition(); every row is read through
ScopedModelView.scope() (get_one for the workspace, the scoped query for actions and the bulk
preview).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import abort, flash, has_request_context, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import selectinload

from models import (ORG_TYPE_SHORT, District, FiscalYear, OrgType, Province,
                    Submission, YearStatus, db, utcnow)
from models.certification import (bulk_candidates, describe_missing,
                                  today_in_thailand, transition)
from models.meta import catalogue_columns
from models.scoping import scope_filter
from models.sections import CHILDREN, SECTIONS
from workflow import (Action, Context, PROVINCE_ROLES, Role, Status, TRANSITIONS,
                      TransitionNotAllowed, edit_refusal, next_status, thai_date)

from .base import ScopedModelView
from .labels import bilingual, thai_datetime

REASON_ACTIONS = (Action.REVOKE_PROVINCE, Action.RETURN_TO_LAO)
MAX_REASON = 1000


def _status_badge(view, context, model, name):
    css = {Status.DRAFT: "secondary", Status.LAO_CERTIFIED: "info",
           Status.PROVINCE_CERTIFIED: "success"}[model.status]
    return Markup('<span class="badge badge-{}">{}</span>').format(css, model.status.label_th)


def _sections(view, context, model, name):
    css = "success" if model.sections_complete == 8 else "warning"
    return Markup('<span class="badge badge-{}">{}/8</span>').format(css, model.sections_complete)


def _workspace_link(view, context, model, name):
    return Markup('<a href="{}">ดูข้อมูล</a>').format(
        url_for(".workspace_view", id=model.id))


def _report_link(view, context, model, name):
    return Markup('<a href="{}">รายงาน</a>').format(url_for(".report_view", id=model.id))


def _carried(view, context, model, name):
    count = getattr(model, "carried_sections", 0)
    if not count:
        return ""
    return Markup('<span class="badge badge-light border" title="{}">ยกมา {} ด้าน</span>').format(
        "ค่าที่ยกมาจากปีก่อน ยังไม่ได้บันทึกยืนยัน", count)


def _received(view, context, model, name):
    if model.status is Status.DRAFT or model.received_at is None:
        return ""
    return thai_datetime(model.received_at)


class SubmissionBase(ScopedModelView):
    """Shared by every submission list: the workspace, the status tab and its POST."""

    can_view_details = False
    column_select_related_list = (Submission.organization, Submission.district)
    column_formatters = {
        "status": _status_badge, "sections_complete": _sections, "view": _workspace_link,
        "report": _report_link, "received_at": _received, "carried": _carried,
        "organization": lambda v, c, m, n: m.organization.name_th,
        "district": lambda v, c, m, n: m.district.name_th,
        "org_type": lambda v, c, m, n: Markup('<span title="{}">{}</span>').format(
            m.org_type.label_th, ORG_TYPE_SHORT[m.org_type]),
    }
    column_labels = {"organization": bilingual("อปท.", "LAO"),
                     "district": bilingual("อำเภอ", "District"),
                     "view": bilingual("ดูข้อมูล", "View"), "report": bilingual("รายงาน", "Report"),
                     "carried": bilingual("ค่ายกมา", "Carried forward")}

    def get_list(self, *args, **kwargs):
        """The page's rows, plus how many sections of each still hold carried-forward values
        (one query for the whole page, not one per row)."""
        count, rows = super().get_list(*args, **kwargs)
        ids = [r.id for r in rows]
        carried: dict[int, int] = dict.fromkeys(ids, 0)
        if ids:
            flagged = union_all(*(select(s.submission_id).where(
                s.submission_id.in_(ids), s.carried_forward) for s in SECTIONS)).subquery()
            for sub_id, n in db.session.execute(
                    select(flagged.c.submission_id, func.count()).group_by(
                        flagged.c.submission_id)):
                carried[sub_id] = n
        for row in rows:
            row.carried_sections = carried[row.id]
        return count, rows

    # --- the workspace ---------------------------------------------------------------------
    @expose("/workspace/")
    def workspace_view(self):
        submission = self.get_one(request.args.get("id"))
        tab = request.args.get("tab", "1")
        if tab not in {str(s.SECTION_NO) for s in SECTIONS} | {"status"}:
            tab = "1"
        missing, carried = section_overview(submission.id)
        section_cls = next((s for s in SECTIONS if str(s.SECTION_NO) == tab), None)
        section = db.session.get(section_cls, submission.id) if section_cls else None
        refusal = _edit_refusal(submission)
        edit_url = None
        if section_cls is not None and refusal is None \
                and Role(current_user.role) is Role.LAO_EDITOR:
            edit_url = url_for(f"edit_s{section_cls.SECTION_NO}.edit_view", id=submission.id)
        return self.render(
            "admin/submission/workspace.html", submission=submission, tab=tab,
            edit_url=edit_url, carried=carried,
            history=_history(submission.id, section_cls) if section_cls else [],
            sections=SECTIONS, missing=missing, section_cls=section_cls, section=section,
            fields=_section_fields(section_cls, section) if section_cls else [],
            children=_children(section_cls, section) if section_cls else [],
            events=submission.events,
            actions=self.available_actions(submission, missing) if tab == "status" else [],
            edit_refusal=refusal, thai_datetime=thai_datetime,
            list_url=self.get_url(".index_view"))

    @expose("/report/")
    def report_view(self):
        """รายงาน: all 8 sections of one LAO-year on one print-ready page (A4, Sarabun)."""
        submission = self.get_one(request.args.get("id"))
        parts = []
        for section_cls in SECTIONS:
            options = [selectinload(getattr(section_cls, n))
                       for n, _c in CHILDREN.get(section_cls, ())]
            section = db.session.scalars(select(section_cls).where(
                section_cls.submission_id == submission.id).options(*options)).first()
            parts.append(dict(cls=section_cls, fields=_section_fields(section_cls, section),
                              children=_children(section_cls, section)))
        return self.render("admin/submission/report.html", submission=submission, parts=parts,
                           events=submission.events, thai_datetime=thai_datetime,
                           printed=thai_datetime(utcnow()))

    def available_actions(self, submission: Submission,
                          missing: dict[int, list[str]]) -> list[dict[str, Any]]:
        """The buttons of the status tab: each action of this role, enabled or with why not."""
        role = Role(current_user.role)
        ctx = _context(submission, missing)
        buttons = []
        for act, rule in TRANSITIONS.items():
            if role not in rule.roles:
                continue
            try:
                next_status(ctx, act, role, reason="(checked on submit)")
                why_not = None
            except TransitionNotAllowed as refusal:
                why_not = str(refusal)
            buttons.append({"action": act, "label": act.label_th, "why_not": why_not,
                            "needs_reason": rule.needs_reason})
        return buttons

    @expose("/transition/", methods=["POST"])
    def transition_view(self):
        submission = self.get_one(request.form.get("id"))
        act = _parse_action(request.form.get("action"))
        if Role(current_user.role) not in TRANSITIONS[act].roles:
            abort(403)
        reason = request.form.get("reason", "")
        if len(reason) > MAX_REASON:
            flash(f"เหตุผลยาวเกิน {MAX_REASON} ตัวอักษร", "error")
        else:
            (outcome,) = transition(act, [submission.id], current_user, reason=reason)
            flash(outcome.message, "success" if outcome.done else "error")
        return redirect(url_for(".workspace_view", id=submission.id, tab="status"))


class LaoYearListView(SubmissionBase):
    """ข้อมูล อปท. 8 ด้าน for the LAO clerk: one row per fiscal year (letter step 4)."""

    roles = frozenset({Role.LAO_EDITOR})
    column_list = ("fiscal_year", "received_at", "status", "sections_complete", "carried", "view",
                   "report")
    column_default_sort = ("fiscal_year", True)
    column_sortable_list = ()
    column_display_actions = False
    can_export = False
    list_template = "admin/submission/lao_years.html"


def _scoped_options(model, value_col, label_col):
    def options():
        if not has_request_context() or not current_user.is_authenticated:
            return []
        from models.scoping import placement
        query = select(value_col, label_col).where(
            scope_filter(current_user, **placement(model))).order_by(value_col)
        return [(str(v), str(label)) for v, label in db.session.execute(query)]
    return options


def _year_options():
    if not has_request_context():
        return []
    return [(str(y), str(y)) for y in db.session.scalars(
        select(FiscalYear.be_year).order_by(FiscalYear.be_year.desc()))]


class SubmissionReviewView(SubmissionBase):
    """The province officer's list (district: read-only; DLA: the whole country)."""

    roles = frozenset({Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER, Role.DLA_ADMIN})
    column_list = ("fiscal_year", "organization", "district", "org_type", "sections_complete",
                   "carried", "status", "received_at", "view")
    column_default_sort = [("fiscal_year", True), ("district_code", False), ("id", False)]
    column_sortable_list = ("fiscal_year", "org_type", "sections_complete", "status",
                            "received_at")
    column_display_actions = False
    can_export = True
    export_types = ["csv"]
    column_export_list = ("fiscal_year", "organization", "district", "org_type",
                          "sections_complete", "status", "received_at")
    # Exports are plain text (the list's badges and links are HTML).
    column_formatters_export = {
        "organization": lambda v, c, m, n: m.organization.name_th,
        "district": lambda v, c, m, n: m.district.name_th,
        "org_type": lambda v, c, m, n: m.org_type.label_th,
        "status": lambda v, c, m, n: m.status.label_th,
        "sections_complete": lambda v, c, m, n: f"{m.sections_complete}/8",
        "received_at": lambda v, c, m, n: _received(v, c, m, n),
    }
    column_filters = (
        # An integer filter: PostgreSQL refuses integer = varchar (SQLite casts silently).
        IntEqualFilter(Submission.fiscal_year, "ปีงบประมาณ", options=_year_options),
        FilterEqual(Submission.district_code, "อำเภอ",
                    options=_scoped_options(District, District.code, District.name_th)),
        FilterEqual(Submission.org_type, "ประเภท อปท.",
                    options=[(t.value, t.label_th) for t in OrgType]),
        FilterEqual(Submission.status, "สถานะ", options=[(s.value, s.label_th) for s in Status]),
        FilterEqual(Submission.province_code, "จังหวัด",
                    options=_scoped_options(Province, Province.code, Province.name_th)),
    )
    list_template = "admin/submission/review_list.html"

    @expose("/")
    def index_view(self):
        # Officers chase the open round: without any filter, show the latest open year.
        if not request.args:
            year = db.session.scalar(select(FiscalYear.be_year).where(
                FiscalYear.status == YearStatus.OPEN).order_by(FiscalYear.be_year.desc()))
            if year is not None:
                return redirect(url_for(".index_view", flt0_0=year))
        return super().index_view()

    def _get_filter_groups(self):
        # Filter options depend on the signed-in user's scope: rebuild them per request.
        self._refresh_filters_cache()
        return super()._get_filter_groups()

    def is_action_allowed(self, name: str) -> bool:
        if name == "extend_deadline":
            return current_user.is_authenticated and Role(current_user.role) in PROVINCE_ROLES
        if name in {a.value for a in Action}:
            return (current_user.is_authenticated
                    and Role(current_user.role) in TRANSITIONS[Action(name)].roles)
        return super().is_action_allowed(name)

    @action("certify_province", "รับรองข้อมูลระดับจังหวัด",
            "ยืนยันการรับรองข้อมูลระดับจังหวัดของรายการที่เลือก?")
    def action_certify_province(self, ids):
        return self._act(Action.CERTIFY_PROVINCE, ids)

    @action("revoke_province", "ยกเลิกการรับรองข้อมูลระดับจังหวัด")
    def action_revoke_province(self, ids):
        return self._ask_reason(Action.REVOKE_PROVINCE, ids)

    @action("return_to_lao", "ส่งคืน อปท. เพื่อแก้ไข")
    def action_return_to_lao(self, ids):
        return self._ask_reason(Action.RETURN_TO_LAO, ids)

    @action("extend_deadline", "ขยายเวลาให้ อปท. บันทึกข้อมูล")
    def action_extend_deadline(self, ids):
        rows = self.scoped_rows(ids)
        if not rows:
            flash("ไม่พบรายการที่เลือก", "error")
            return redirect(self.get_url(".index_view"))
        return self.render("admin/submission/extend.html", rows=rows,
                           post_url=self.get_url(".extend_view"), value="")

    @expose("/extend/", methods=["POST"])
    def extend_view(self):
        """Per-LAO deadline extensions (SPEC §2), for the officer's own LAOs only."""
        if not self.is_action_allowed("extend_deadline"):
            abort(403)
        rows = self.scoped_rows(request.form.getlist("rowid"))
        raw = (request.form.get("until") or "").strip()
        until = _parse_thai_date(raw)
        error = None
        if until is None:
            error = "วันที่ไม่ถูกต้อง กรุณากรอกแบบ วัน/เดือน/ปี พ.ศ. เช่น 15/1/2570"
        elif until < today_in_thailand():
            error = "วันที่ขยายเวลาต้องไม่เป็นวันที่ผ่านมาแล้ว"
        if error or not rows:
            flash(error or "ไม่พบรายการที่เลือก", "error")
            return self.render("admin/submission/extend.html", rows=rows,
                               post_url=self.get_url(".extend_view"), value=raw)
        from models import AuditLog, AuditOp
        changed = 0
        for row in rows:
            if not row.year.is_open:
                continue
            db.session.add(AuditLog(user_id=current_user.id, organization_id=row.organization_id,
                                    submission_id=row.id, op=AuditOp.UPDATE,
                                    table_name="submission", row_id=str(row.id),
                                    field="extension_until",
                                    old_value=str(row.extension_until or "") or None,
                                    new_value=str(until)))
            row.extension_until = until
            changed += 1
        db.session.commit()
        flash(f"ขยายเวลาให้ {changed} แห่ง ถึงวันที่ {thai_date(until)} แล้ว"
              + (f" (ข้าม {len(rows) - changed} แห่งที่ปีงบประมาณปิดแล้ว)"
                 if changed < len(rows) else ""), "success")
        return redirect(self.get_url(".index_view"))

    def _act(self, act: Action, ids, reason: str | None = None):
        rows = self.scoped_rows(ids)
        outcomes = transition(act, [r.id for r in rows], current_user, reason=reason)
        return self.render("admin/submission/results.html", action=act, outcomes=outcomes,
                           back=self.get_url(".index_view"))

    def _ask_reason(self, act: Action, ids):
        rows = self.scoped_rows(ids)
        if not rows:
            flash("ไม่พบรายการที่เลือก", "error")
            return redirect(self.get_url(".index_view"))
        return self.render("admin/submission/reason.html", action=act, rows=rows,
                           post_url=self.get_url(".reason_view"))

    @expose("/reason/", methods=["POST"])
    def reason_view(self):
        act = _parse_action(request.form.get("action"))
        if act not in REASON_ACTIONS or not self.is_action_allowed(act.value):
            abort(403)
        ids = request.form.getlist("rowid")
        reason = (request.form.get("reason") or "").strip()
        if not reason or len(reason) > MAX_REASON:
            flash("กรุณาระบุเหตุผล (ไม่เกิน 1,000 ตัวอักษร)", "error")
            return self._ask_reason(act, ids)
        return self._act(act, ids, reason)

    # --- bulk certification ------------------------------------------------------------------
    @expose("/bulk/", methods=["GET", "POST"])
    def bulk_view(self):
        role = Role(current_user.role)
        if role not in PROVINCE_ROLES:
            abort(403)
        open_years = db.session.scalars(select(FiscalYear.be_year).where(
            FiscalYear.status == YearStatus.OPEN).order_by(FiscalYear.be_year.desc())).all()
        source = request.form if request.method == "POST" else request.args
        year = _int_arg(source.get("year")) or (open_years[0] if open_years else None)
        if year is not None and year not in open_years:
            flash("ปีงบประมาณนี้ปิดแล้ว ไม่สามารถรับรองข้อมูลได้", "error")
            year = None
        province = current_user.province_code if role is Role.PROVINCE_OFFICER \
            else _code_arg(source.get("province"), 2)
        district = _code_arg(source.get("district"), 4)
        provinces = db.session.execute(select(Province.code, Province.name_th).where(
            scope_filter(current_user, province=Province.code)).order_by(Province.code)).all()
        districts = db.session.execute(select(District.code, District.name_th).where(
            District.province_code == province).order_by(District.code)).all() if province else []
        candidates = []
        if year is not None and province is not None:
            candidates = [c for c in bulk_candidates(current_user, year, district)
                          if c.district_code.startswith(province)]
        if request.method == "POST" and request.form.get("confirmed") == "1":
            if not candidates:
                flash("ไม่มีรายการที่ อปท. รับรองแล้วรอจังหวัดรับรอง", "warning")
            else:
                outcomes = transition(Action.CERTIFY_PROVINCE, [c.id for c in candidates],
                                      current_user)
                return self.render("admin/submission/results.html",
                                   action=Action.CERTIFY_PROVINCE, outcomes=outcomes,
                                   back=self.get_url(".bulk_view", year=year,
                                                     province=province, district=district))
        return self.render("admin/submission/bulk.html", years=open_years, year=year,
                           provinces=provinces, province=province, districts=districts,
                           district=district, candidates=candidates, role=role,
                           thai_datetime=thai_datetime)


# --- helpers ---------------------------------------------------------------------------------

def _parse_action(raw: str | None) -> Action:
    try:
        return Action(raw)
    except ValueError:
        abort(400)


def _parse_thai_date(raw: str):
    from .forms import parse_thai_date
    try:
        return parse_thai_date(raw)
    except ValueError:
        return None


def _int_arg(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) <= 4 else None


def _code_arg(raw: str | None, length: int) -> str | None:
    return raw if raw and raw.isdigit() and len(raw) == length else None


def _context(submission: Submission, missing: dict[int, list[str]] | None = None) -> Context:
    """The rulebook's view of one submission; with `missing` (from section_overview) the
    completeness guard uses what the sections hold now instead of the stored counter."""
    year = submission.year
    gaps: tuple[str, ...] = ()
    complete = submission.sections_complete
    if missing is not None:
        gaps = tuple(describe_missing(cls, missing[cls.SECTION_NO]) for cls in SECTIONS
                     if missing[cls.SECTION_NO])
        complete = len(SECTIONS) - len(gaps)
    return Context(status=submission.status, year_open=year.status is YearStatus.OPEN,
                   today=today_in_thailand(), deadline=year.deadline,
                   extension_until=submission.extension_until,
                   sections_complete=complete, missing=gaps)


def _edit_refusal(submission: Submission) -> str | None:
    return edit_refusal(_context(submission))


def section_overview(submission_id: int) -> tuple[dict[int, list[str]], set[int]]:
    """What each section still misses (tab badges) and which hold carried-forward values."""
    from models.completeness import missing_fields
    missing, carried = {}, set()
    for section_cls in SECTIONS:
        options = [selectinload(getattr(section_cls, n)) for n, _ in CHILDREN.get(section_cls, ())]
        row = db.session.scalars(select(section_cls).where(
            section_cls.submission_id == submission_id).options(*options)).first()
        missing[section_cls.SECTION_NO] = (["ยังไม่ได้บันทึก"] if row is None
                                           else missing_fields(section_cls, row))
        if row is not None and row.carried_forward:
            carried.add(section_cls.SECTION_NO)
    return missing, carried


def _history(submission_id: int, section_cls) -> list[dict[str, Any]]:
    """The latest changes of one section and its child rows: when, who, field, old → new."""
    from models import AuditLog, User
    tables = {section_cls.__tablename__: section_cls}
    tables.update({child.__tablename__: child for _n, child in CHILDREN.get(section_cls, ())})
    rows = db.session.execute(
        select(AuditLog, User.full_name).outerjoin(User, AuditLog.user_id == User.id)
        .where(AuditLog.submission_id == submission_id, AuditLog.table_name.in_(tables))
        .order_by(AuditLog.id.desc()).limit(100)).all()
    history = []
    for log, who in rows:
        model = tables[log.table_name]
        column = model.__table__.columns.get(log.field or "")
        label = column.info.get("label_th", log.field) if column is not None else log.field
        if model is not section_cls:
            label = f"{model.TITLE_TH}: {label}"
        history.append(dict(when=thai_datetime(log.created_at), who=who or "", label=label,
                            op=log.op.value, old=log.old_value, new=log.new_value))
    return history


def _display(value: Any) -> str:
    """A stored value as the workspace and the report show it (Thai, BE, separators)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "มี" if value else "ไม่มี"
    if hasattr(value, "label_th"):
        return value.label_th
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return f"{value:,}"  # the column's own scale: coordinates keep their 6 places
    if isinstance(value, date):
        return thai_date(value)
    return str(value)


def _section_fields(section_cls, section) -> list[tuple[str, list[dict[str, Any]]]]:
    """[(group, [{label, value, unit, required, empty}])] in declaration order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for column in catalogue_columns(section_cls):
        info = column.info
        value = getattr(section, column.key, None) if section is not None else None
        if column.key == "office_subdistrict_code" and section is not None \
                and section.office_subdistrict is not None:
            value = section.office_subdistrict.name_th
        groups.setdefault(info.get("group") or "", []).append(dict(
            label=info["label_th"], unit=info.get("unit"), value=_display(value),
            required=info.get("required"), empty=value is None or value == ""))
    return list(groups.items())


def _children(section_cls, section) -> list[dict[str, Any]]:
    out = []
    for name, child_cls in CHILDREN.get(section_cls, ()):
        columns = catalogue_columns(child_cls)
        rows = getattr(section, name) if section is not None else []
        out.append(dict(title=child_cls.TITLE_TH,
                        headers=[c.info["label_th"] + (f" ({c.info['unit']})" if c.info.get("unit")
                                                       else "") for c in columns],
                        rows=[[_display(getattr(r, c.key)) for c in columns] for r in rows]))
    return out
