"""ข้อมูล อปท. รายปี: the LAO clerk's year list and the officers' review list with its actions
(certify, revoke and return — derived from the rulebook —, deadline extensions) and the bulk
certification of a province.

Every status change goes through models.services.certification.transition(), every extension through
extend_deadline(); every row is read through ScopedModelView.scope().
"""

from __future__ import annotations

from functools import cache, partial
from typing import Any
from urllib.parse import quote, urlencode

from flask import abort, flash, has_request_context, redirect, request, url_for
from flask_babel import LazyString, force_locale, gettext, gettext as _, lazy_gettext as _l
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import (BaseSQLAFilter, FilterEqual, IntEqualFilter,
                                              IntGreaterFilter)
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from models import (ORG_TYPE_SHORT, District, FiscalYear, Organization, OrgType, Province,
                    Submission, YearStatus, db, utcnow)
from models.reads import master_cache
from models.services.certification import bulk_candidates, extend_deadline, transition
from models.reads.changes import changes_since_certification
from models.reads.standing import (Shown, Standing, Timeliness, return_note, returned_clause,
                                   timeliness_clause, with_return_note)
from models.catalogue.collation import thai_order
from models.catalogue.reading import parse_code, parse_int_ids, parse_year
from models.rules.scoping import row_scope, scope_key
from models.tables.sections import SECTIONS
from models.exchange.workbooks import area_fingerprint, area_workbook
from workflow import (SECTION_COUNT, Action, Permission, Role, Status, TRANSITIONS, Transition,
                      TransitionNotAllowed, may, roles_for, thai_date, transition_named)

from .action_forms import BulkCertifyForm, ExtendDeadlineForm, ReasonForm
from .auth import safe_next
from .base import be_file_name
from .i18n import bilingual
from .presentation import enum_label, enum_options
from .workbook_cache import keep_workbook, kept_state, send_kept
from .workspace import (SubmissionPages, carried_column, changed_column, per_request,
                        received_column, report_link, sections_column, status_badge,
                        warnings_column, workspace_link)



def _Shown(member) -> LazyString:
    """A labelled enum's name in the request's language (list actions are built once)."""
    return LazyString(lambda: member.shown)


@cache
def _carried_count():
    """How many sections of a listed submission still hold carried-forward values: a
    primary-key lookup per section table and row, in the page's own statement (built once)."""
    return sum(select(func.count()).where(s.submission_id == Submission.id,
                                          s.carried_forward).scalar_subquery()
               for s in SECTIONS).label("carried")


class SubmissionBase(SubmissionPages):
    """Shared by every submission list: columns, and the carried-forward count per page."""

    column_select_related_list = (Submission.organization, Submission.district)
    column_formatters = {
        "status": status_badge, "sections_complete": sections_column, "view": workspace_link,
        "report": report_link, "received_at": received_column, "carried": carried_column,
        "warnings_count": warnings_column, "changed": changed_column,
        "organization": lambda v, c, m, n: m.organization.name_th,
        "district": lambda v, c, m, n: m.district.name_th,
        "org_type": lambda v, c, m, n: per_request(("org_type", m.org_type),
                                                   lambda: _(ORG_TYPE_SHORT[m.org_type])),
    }
    column_labels = {"organization": bilingual("อปท.", "LAO"),
                     "district": bilingual("อำเภอ", "District"),
                     "view": bilingual("ดูข้อมูล", "View"), "report": bilingual("รายงาน", "Report"),
                     "carried": bilingual("ค่ายกมา", "Carried forward"),
                     "changed": bilingual("แก้ไขหลังรับรอง", "Changed since certified")}

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        """The page's rows, plus how many sections of each still hold carried-forward values
        (in the page's own query, not one per row), and how many fields changed since its
        last certification (one query for the whole page).

        A deferred join: the page's ids first (ORDER BY … LIMIT … OFFSET over the list indexes
        alone, which hold the id), then those 50 rows with their organization and district.
        Flask-Admin's own query joined both inside the OFFSET: the national last page read
        23,550 rows through the joins before keeping 50 (issue 13)."""
        if not execute or self.is_export_request():
            # the export shows no carried count (and streams every row)
            return super().get_list(page, sort_column, sort_desc, search, filters,
                                    execute=execute, page_size=page_size)
        count, query = super().get_list(page, sort_column, sort_desc, search, filters,
                                        execute=False, page_size=page_size)
        ids = [i for (i,) in query.enable_eagerloads(False).with_entities(Submission.id)]
        if not ids:
            return count, []
        found = {}
        # The latest return is outer-joined in the same statement: ส่งคืนให้แก้ไข, why, by whom
        # and when, for every row of the page at once (models/reads/standing.py).
        query = with_return_note(self.get_query().filter(Submission.id.in_(ids)).add_columns(
            _carried_count())).options(*(joinedload(r) for r in self.column_select_related_list))
        for row, n, *note in query:
            row.carried_sections = n or 0
            row.standing = Standing(row.status, return_note(*note), row.extension_until)
            found[row.id] = row
        rows = [found[i] for i in ids if i in found]
        changed = changes_since_certification(ids)
        for row in rows:
            row.changes_since_certification = changed.get(row.id)
        return count, rows


class LaoYearListView(SubmissionBase):
    """ข้อมูล อปท. 8 ด้าน for the LAO clerk: one row per fiscal year (letter step 4)."""

    roles = roles_for(Permission.ENTER_DATA)
    column_list = ("fiscal_year", "received_at", "status", "sections_complete", "carried",
                   "changed", "view", "report")
    column_default_sort = ("fiscal_year", True)
    column_sortable_list = ()
    column_display_actions = False
    can_export = False
    list_template = "admin/submission/lao_years.html"


def _scope_key(user) -> tuple:
    """What decides which rows of master data a user's scope holds."""
    return (str(user.role), user.organization_id, user.district_code, user.province_code)


def _scoped_options(model, value_col, label_col):
    def options():
        if not has_request_context() or not current_user.is_authenticated:
            return []

        def build():
            query = select(value_col, label_col).where(
                row_scope(current_user, model)).order_by(thai_order(label_col), value_col)
            return [(str(v), str(label)) for v, label in db.session.execute(query)]
        # Master data: cached per scope (models/reads/master_cache.py), not rebuilt per request.
        return master_cache.cached(("options", model.__name__, _scope_key(current_user)), build)
    return options


def _year_options():
    if not has_request_context():
        return []
    return master_cache.cached(("options", "FiscalYear"), lambda: [
        (str(y), str(y)) for y in db.session.scalars(
            select(FiscalYear.be_year).order_by(FiscalYear.be_year.desc()))])


def workbook_kind(user: Any, province: str | None, be_year: int) -> str:
    """The name a back-office workbook is kept under: the user's scope, the province a DLA
    admin chose (or the whole country), the year."""
    return f"backoffice-{scope_key(user)}-{province or 'all'}-{be_year}"


def _scope_name(province: str | None) -> str:
    """จังหวัดอุทัยธานี / อำเภอเมืองอุทัยธานี / ทั้งประเทศ: what the user's workbook covers."""
    if current_user.role == Role.DISTRICT_OFFICER:
        name = db.session.scalar(select(District.name_th).where(
            District.code == current_user.district_code))
        return gettext("อำเภอ%(name)s", name=name)
    code = current_user.province_code if current_user.role == Role.PROVINCE_OFFICER \
        else province
    if code is None:
        return gettext("ทั้งประเทศ")
    name = db.session.scalar(select(Province.name_th).where(Province.code == code))
    return gettext("จังหวัด%(name)s", name=name or code)


def _open_years() -> list[int]:
    return list(db.session.scalars(select(FiscalYear.be_year).where(
        FiscalYear.status == YearStatus.OPEN).order_by(FiscalYear.be_year.desc())))


class ReturnedFilter(BaseSQLAFilter):
    """ส่งคืนให้แก้ไข: the LAO-years the province returned and the LAO has not certified again
    (read from the history: models/reads/standing.returned_clause).  It replaces the filter
    "เหตุผลที่ส่งคืน เป็นค่าว่าง ไม่ใช่" (a double negative) at the same place in the menu; its
    values are words, so an old link's 0 / 1 is refused, not read the other way round."""

    VALUES = ("returned", "not_returned")

    def __init__(self, name) -> None:
        # The column it stands for (a text column: the values are words); the filter reads
        # the history, not this column.
        super().__init__(Submission.return_reason, name, options=lambda: [
            ("returned", _("เฉพาะที่ส่งคืนให้แก้ไข")),
            ("not_returned", _("ยกเว้นที่ส่งคืนให้แก้ไข"))])

    def validate(self, value) -> bool:
        return value in self.VALUES

    def apply(self, query, value, alias=None):
        clause = returned_clause()
        return query.filter(clause if value == "returned" else ~clause)

    def operation(self):
        return _l("แสดง")


class TimelinessFilter(BaseSQLAFilter):
    """การรับรองตามกำหนด: on time, within an extension, late or not yet (the dashboards'
    timeliness counts link here; models/reads/standing.timeliness_case)."""

    def __init__(self, name) -> None:
        super().__init__(Submission.lao_certified_at, name,
                         options=enum_options(Timeliness))

    def validate(self, value) -> bool:
        return value in {t.value for t in Timeliness}

    def apply(self, query, value, alias=None):
        return query.filter(timeliness_clause(Timeliness(value)))

    def operation(self):
        return _l("เป็น")


class SubmissionReviewView(SubmissionBase):
    """The province officer's list (district: read-only; DLA: the whole country)."""

    roles = roles_for(Permission.REVIEW)
    column_list = ("fiscal_year", "organization", "district", "org_type", "sections_complete",
                   "warnings_count", "carried", "changed", "status", "received_at", "view")
    column_default_sort = [("fiscal_year", True), ("district_code", False), ("id", False)]
    column_sortable_list = ("fiscal_year", "org_type", "sections_complete", "warnings_count",
                            "status", "received_at")
    column_display_actions = False
    can_export = True
    export_types = ["csv"]
    column_export_list = ("fiscal_year", "organization", "district", "org_type",
                          "sections_complete", "warnings_count", "status", "received_at")
    # Exports are plain text (the list's badges and links are HTML).
    column_formatters_export = {
        "organization": lambda v, c, m, n: m.organization.name_th,
        "district": lambda v, c, m, n: m.district.name_th,
        "org_type": lambda v, c, m, n: enum_label(m.org_type),
        "status": lambda v, c, m, n: enum_label(m.status),
        "sections_complete": lambda v, c, m, n: f"{m.sections_complete}/{SECTION_COUNT}",
        "received_at": received_column,
    }
    column_filters = (
        # An integer filter: PostgreSQL refuses integer = varchar (SQLite casts silently).
        IntEqualFilter(Submission.fiscal_year, _l("ปีงบประมาณ"), options=_year_options),
        FilterEqual(Submission.district_code, _l("อำเภอ"),
                    options=_scoped_options(District, District.code, District.name_th)),
        FilterEqual(Submission.org_type, _l("ประเภท อปท."),
                    options=enum_options(OrgType)),
        FilterEqual(Submission.status, _l("สถานะ"),
                    options=enum_options(Status)),
        FilterEqual(Submission.province_code, _l("จังหวัด"),
                    options=_scoped_options(Province, Province.code, Province.name_th)),
        # What the progress dashboard's counts link to (appended: the indexes above stay).
        IntEqualFilter(Submission.sections_complete, _l("บันทึกครบ (ด้าน)")),
        IntGreaterFilter(Submission.warnings_count, _l("ข้อสังเกต ⚠")),
        ReturnedFilter(_l("ส่งคืนให้แก้ไข")),
        TimelinessFilter(_l("การรับรองตามกำหนด")),
    )
    # The dashboard's names for the filters above: name → (column, filter class).
    LINK_FILTERS = {
        "year": (Submission.fiscal_year, IntEqualFilter),
        "district": (Submission.district_code, FilterEqual),
        "org_type": (Submission.org_type, FilterEqual),
        "status": (Submission.status, FilterEqual),
        "province": (Submission.province_code, FilterEqual),
        "sections": (Submission.sections_complete, IntEqualFilter),
        "warnings_above": (Submission.warnings_count, IntGreaterFilter),
        "returned": (Submission.return_reason, ReturnedFilter),
        "timeliness": (Submission.lao_certified_at, TimelinessFilter),
    }
    list_template = "admin/submission/review_list.html"
    # Find an LAO by a part of its Thai name or its DLA code ("น้ำซึม", "6100").
    column_searchable_list = (Organization.name_th, Organization.dla_code)

    def row_cells(self, row: Submission, list_columns: list, actions: bool) -> Markup:
        """One row of the list (review_list.html): the checkbox named after its LAO-year, and
        each column's value as the library's get_value gives it (formatters, then type
        formatters), escaped as Jinja would escape it — joined here, where 50 rows × 12
        cells through the template's call machinery were a fifth of the page's CPU."""
        cells = []
        if actions:
            label = per_request("select-row", lambda: _("เลือก %(org)s ปีงบประมาณ %(year)s"))
            name = escape(label % dict(org=row.organization.name_th, year=row.fiscal_year))
            cells.append(f'<td><input type="checkbox" name="rowid" class="action-checkbox" '
                         f'value="{escape(self.get_pk_value(row))}" aria-label="{name}"></td>')
        formatters, types = self.column_formatters, self.column_type_formatters
        for column, _label in list_columns:
            value = self._get_list_value(None, row, column, formatters, types)
            cells.append(f'<td class="col-{escape(column)}">{escape(value)}</td>')
        return Markup("".join(cells))

    @expose("/")
    def index_view(self):
        # Officers chase the open round: without any filter, show the latest open year.
        if not request.args:
            years = _open_years()
            if years:
                return redirect(self.get_url(".index_view", flt0_0=years[0]))
        return super().index_view()

    def status_shortcuts(self) -> list[dict]:
        """One click to a status, or to ส่งคืนให้แก้ไข, keeping the search, the sort and every
        other filter (the filter menu takes three clicks); the page starts again at the first."""
        own = {self._link_keys()["status"], self._link_keys()["returned"]}
        kept_filters, others, current = [], [], None
        for arg, value in request.args.items(multi=True):
            if arg.startswith("flt") and "_" in arg:
                key = arg.split("_", 1)[1]
                if key in own:
                    current = current or (key, value)
                else:
                    kept_filters.append((key, value))
            elif arg != "page":
                others.append((arg, value))
        base = self.get_url(".index_view")

        def url(*extra: tuple[str, str]) -> str:
            # Filters renumbered from 0: Flask-Admin orders them by that number.
            flts = [(f"flt{n}_{key}", value)
                    for n, (key, value) in enumerate([*kept_filters, *extra])]
            query = urlencode([*others, *flts])
            return f"{base}?{query}" if query else base
        status_key, returned_key = self._link_keys()["status"], self._link_keys()["returned"]
        shortcuts = [dict(label=_("ทุกสถานะ"), url=url(), badge="dark", active=current is None)]
        for status in Status:
            shortcuts.append(dict(label=status.shown, url=url((status_key, status.value)),
                                  badge=status.badge,
                                  active=current == (status_key, status.value)))
            if status is Status.DRAFT:  # the display state the draft button also counts
                shortcuts.append(dict(label=Shown.RETURNED.shown,
                                      url=url((returned_key, "returned")),
                                      badge=Shown.RETURNED.badge,
                                      active=current == (returned_key, "returned")))
        return shortcuts

    def filtered_url(self, **where: Any) -> str:
        """This list filtered by `where` (names of LINK_FILTERS → values), e.g. the LAO-certified
        LAOs of a district in 2570: what a count of the progress dashboard links to."""
        return self.link_builder()(**where)

    def link_builder(self):
        """filtered_url with the list's URL and the filter keys looked up once (a dashboard
        page makes some 300 links)."""
        # Absolute endpoint: the caller may be another view (the dashboard).
        base = url_for(f"{self.endpoint}.index_view")
        keys = self._link_keys()

        def build(**where: Any) -> str:
            args = [(keys[name], str(getattr(value, "value", value)))
                    for name, value in where.items() if value is not None]
            return base + "?" + "&".join(f"flt{n}_{key}={quote(value, safe='')}"
                                         for n, (key, value) in enumerate(args))
        return build

    def _link_keys(self) -> dict[str, str]:
        if getattr(self, "_link_keys_cache", None) is None:
            keys = {}
            for name, (column, kind) in self.LINK_FILTERS.items():
                index = next(i for i, f in enumerate(self._filters)
                             if getattr(f, "column", None) is column and type(f) is kind)
                keys[name] = self.get_filter_arg(index, self._filters[index])
            self._link_keys_cache = keys
        return self._link_keys_cache

    def search_placeholder(self) -> str:
        return _("ค้นหาชื่อหรือรหัส อปท.")

    def _get_filter_groups(self):
        """The filter menu of this request.  Options depend on the signed-in user's scope, so
        they are built per request into a local dict (rebuilding the view's shared
        `_filter_groups`, as before, let one thread render another user's districts), from
        option lists cached per scope (models/reads/master_cache.py: no statement per request)."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for index, flt in enumerate(self._filters or ()):
            options = flt.get_options(self) or None
            groups.setdefault(str(flt.name), []).append({
                "index": index, "arg": self.get_filter_arg(index, flt),
                "operation": str(flt.operation()), "type": flt.data_type,
                "options": [(k, str(v)) for k, v in options] if options else None})
        return groups

    # --- the province / national workbook -------------------------------------------------
    def workbook_choices(self) -> dict:
        """The years (and, for the DLA, the provinces) the list's Excel download offers."""
        years = [int(y) for y, _label in _year_options()]
        provinces = master_cache.cached("workbook-provinces", lambda: [
            tuple(r) for r in db.session.execute(select(Province.code, Province.name_th)
                                                 .order_by(thai_order(Province.name_th)))]) \
            if current_user.role == Role.DLA_ADMIN else []
        national = []
        if current_user.role == Role.DLA_ADMIN:   # when each year's national file was written
            for year in years:
                made, writing = kept_state(workbook_kind(current_user, None, year))
                if made is not None:
                    national.append(dict(year=year, made=made, writing=writing))
        return dict(years=years, provinces=provinces, national=national)

    @expose("/workbook/")
    def workbook_view(self):
        """One sheet per section, one row per LAO of the user's scope (a DLA admin chooses a
        province or the whole country), for one fiscal year."""
        years = self.workbook_choices()["years"]
        given = request.args.get("year")
        year = parse_year(given) if given is not None else (years[0] if years else None)
        if year not in years:
            abort(404)  # a year that is not one, or that has no data: no empty workbook
        province = parse_code(request.args.get("province"), digits=2) \
            if current_user.role == Role.DLA_ADMIN else None

        # The scope's WHERE is made here, in the request: a large workbook is written in the
        # background (views/workbook_cache.py), where there is no signed-in user.
        clause = row_scope(current_user, Submission)

        def narrow(query):
            query = query.where(clause)
            return query.where(Submission.province_code == province) if province else query
        with force_locale("th"):  # a data product: its title is Thai (README: Languages)
            place = _scope_name(province)
            title = gettext("ข้อมูล อปท. %(place)s ปีงบประมาณ %(year)s", place=place, year=year)
        key = f"{workbook_kind(current_user, province, year)}@{area_fingerprint(year, narrow)}"
        # Only the DLA's scope may get the last file while the next is written: no LAO-year
        # leaves the whole country (a district's workbook would still hold an LAO moved out).
        kept = keep_workbook(key, lambda out: area_workbook(out, year, title, narrow, utcnow()),
                             (lambda _made: True) if scope_key(current_user) == "th" else None)
        stem = f"workbook-{province or current_user.province_code or 'th'}-fy{year}"
        return send_kept(kept, be_file_name(stem, "xlsx", kept.made))

    # --- list actions: one per transition of the rulebook an officer of this list may take ----
    def init_actions(self) -> None:
        super().init_actions()
        own = list(self._actions)
        self._actions = []
        for rule in TRANSITIONS.values():
            if not rule.roles & self.roles:
                continue  # the clerk's own actions live on the status tab only
            if rule.needs_reason:
                handler, confirmation = partial(self._ask_reason, rule), None
            else:
                handler = partial(self._act, rule)
                confirmation = _l("ยืนยันการ%(action)sของรายการที่เลือก?", action=_Shown(rule.action))
            self._actions.append((rule.name, _Shown(rule.action)))
            self._actions_data[rule.name] = (handler, _Shown(rule.action), confirmation)
        self._actions += own

    def is_action_allowed(self, name: str) -> bool:
        rule = transition_named(name)
        if rule is not None:
            return may(current_user, rule.action)
        if name == "extend_deadline":
            return may(current_user, Permission.EXTEND_DEADLINE)
        return super().is_action_allowed(name)

    def _back_url(self) -> str:
        """The filtered list the officer came from (Flask-Admin posts it as `url`)."""
        return safe_next(request.form.get("url") or request.args.get("url")
                         or self.get_url(".index_view"))

    def _act(self, rule: Transition, ids, reason: str | None = None):
        rows = self.scoped_rows(ids)
        outcomes = transition(rule.action, [r.id for r in rows], current_user, reason=reason)
        return self.render("admin/submission/results.html", action=rule.action,
                           outcomes=outcomes, back=self._back_url())

    def _ask_reason(self, rule: Transition, ids, form: ReasonForm | None = None):
        rows = self.scoped_rows(ids)
        if not rows:
            flash(_("ไม่พบรายการที่เลือก"), "error")
            return redirect(self._back_url())
        form = form or ReasonForm(formdata=None, action=rule.name, url=self._back_url())
        return self.render("admin/submission/reason.html", rule=rule, rows=rows, form=form,
                           post_url=self.get_url(".reason_view"))

    @expose("/reason/", methods=["POST"])
    def reason_view(self):
        rule = transition_named(request.form.get("action"))
        if rule is None:
            abort(400)
        if not rule.needs_reason or not self.is_action_allowed(rule.name):
            abort(403)
        form = ReasonForm()
        ids = request.form.getlist("rowid")
        if not form.validate():
            return self._ask_reason(rule, ids, form)
        return self._act(rule, ids, form.reason.data)

    # --- deadline extensions ---------------------------------------------------------------
    @action("extend_deadline", _Shown(Permission.EXTEND_DEADLINE))
    def action_extend_deadline(self, ids):
        rows = self.scoped_rows(ids)
        if not rows:
            flash(_("ไม่พบรายการที่เลือก"), "error")
            return redirect(self._back_url())
        return self.render("admin/submission/extend.html", rows=rows,
                           form=ExtendDeadlineForm(formdata=None, url=self._back_url()),
                           post_url=self.get_url(".extend_view"))

    @expose("/extend/", methods=["POST"])
    def extend_view(self):
        """Per-LAO deadline extensions (SPEC §2), for the officer's own LAOs only."""
        if not self.is_action_allowed("extend_deadline"):
            abort(403)
        form = ExtendDeadlineForm()
        rows = self.scoped_rows(request.form.getlist("rowid"))
        error = None
        if not rows:
            error = _("ไม่พบรายการที่เลือก")
        elif form.validate():
            try:
                outcomes = extend_deadline([r.id for r in rows], current_user, form.until.data)
            except TransitionNotAllowed as refusal:
                error = str(refusal)
            else:
                done = [o for o in outcomes if o.done]
                message = _("ขยายเวลาให้ %(n)s แห่ง ถึงวันที่ %(day)s แล้ว", n=len(done),
                            day=thai_date(form.until.data))
                if len(done) < len(outcomes):
                    message += " " + _("(ข้าม %(n)s แห่งที่ปีงบประมาณปิดแล้ว)",
                                       n=len(outcomes) - len(done))
                flash(message, "success")
                return redirect(self._back_url())
        if error:
            flash(error, "error")
        return self.render("admin/submission/extend.html", rows=rows, form=form,
                           post_url=self.get_url(".extend_view"))

    # --- bulk certification ------------------------------------------------------------------
    @expose("/bulk/", methods=["GET", "POST"])
    def bulk_view(self):
        if not may(current_user, Permission.CERTIFY_IN_BULK):
            abort(403)
        open_years = _open_years()
        source = request.form if request.method == "POST" else request.args
        year = parse_year(source.get("year")) or (open_years[0] if open_years else None)
        if year is not None and year not in open_years:
            flash(_("ปีงบประมาณนี้ปิดแล้ว ไม่สามารถรับรองข้อมูลได้"), "error")
            year = None
        role = Role(current_user.role)
        province = current_user.province_code if role is Role.PROVINCE_OFFICER \
            else parse_code(source.get("province"), digits=2)
        district = parse_code(source.get("district"), digits=4)
        provinces = db.session.execute(select(Province.code, Province.name_th).where(
            row_scope(current_user, Province)).order_by(thai_order(Province.name_th))).all()
        districts = db.session.execute(select(District.code, District.name_th).where(
            District.province_code == province).order_by(thai_order(District.name_th))).all() \
            if province else []
        candidates = []
        if year is not None and province is not None:
            candidates = [c for c in bulk_candidates(current_user, year, district)
                          if c.district_code.startswith(province)]
        form = BulkCertifyForm(formdata=None, year=year, province=province,
                               district=district or "", confirmed="1")
        if request.method == "POST" and request.form.get("confirmed") == "1":
            # Exactly the LAOs of the preview the officer confirmed, that are still waiting.
            # The officer may leave any LAO of the preview out (its box unticked): what was
            # shown is `shown`, what stays ticked `rowid`; the left-out are reported.
            previewed = set(parse_int_ids(request.form.getlist("rowid")))
            shown = set(parse_int_ids(request.form.getlist("shown"))) or previewed
            chosen = [c.id for c in candidates if c.id in previewed]
            left_out = [c for c in candidates if c.id in shown and c.id not in previewed]
            if not BulkCertifyForm().validate() or not chosen:
                flash(_("ไม่มีรายการที่ อปท. รับรองแล้วรอจังหวัดรับรอง") if not left_out else
                      _("ไม่ได้เลือก อปท. ใดเลย ยังไม่ได้รับรองข้อมูล"), "warning")
            else:
                outcomes = transition(Action.CERTIFY_PROVINCE, chosen, current_user)
                return self.render("admin/submission/results.html",
                                   action=Action.CERTIFY_PROVINCE, outcomes=outcomes,
                                   left_out=left_out,
                                   back=self.get_url(".bulk_view", year=year,
                                                     province=province, district=district))
        return self.render("admin/submission/bulk.html", years=open_years, year=year,
                           provinces=provinces, province=province, districts=districts,
                           district=district, candidates=candidates, role=role, form=form)

