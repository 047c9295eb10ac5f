"""The pages of one LAO-year: the workspace (tabs 1–8 and the status tab), the report, and the
status tab's buttons.  Shared by the clerk's year list and the officers' review list.

Rows come through the scoped `get_one()`; what the sections hold comes from the read model
`SubmissionOverview`; the buttons come from the rulebook; every status change goes through
`models.services.certification.transition()`.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext, gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from sqlalchemy import update

from models import SectionWarning, db, utcnow
from models.catalogue.reading import parse_int_id
from models.services.certification import transition
from models.reads.changes import changes_since
from models.reads.overview import SubmissionOverview
from models.reads.standing import standing_of
from models.exchange.workbooks import lao_year_workbook
from models.tables.sections import SECTIONS
from workflow import (Permission, Status, TransitionNotAllowed, may,
                      next_status, transition_named, transitions_for)

from .action_forms import TransitionForm
from .base import ScopedModelView, be_file_name, send_workbook
from .i18n import current_lang
from .presentation import badge, sections_badge, standing_cell, thai_datetime

TABS = tuple(str(s.SECTION_NO) for s in SECTIONS) + ("status",)
MAX_EXPLANATION = 300
_RANK = {status: rank for rank, status in enumerate(Status)}


# --- list columns shared by the year list and the review list -----------------------------------

def status_badge(view, context, model, name):
    """The row's state: the rulebook's status, or ส่งคืนให้แก้ไข with why, by whom, when and
    until when the LAO may correct (`model.standing`, read with the page's rows; see
    models/reads/standing.py)."""
    standing = getattr(model, "standing", None)
    if standing is None:
        return badge(model.status)
    return standing_cell(standing)


def sections_column(view, context, model, name):
    return sections_badge(model.sections_complete)


def received_column(view, context, model, name):
    """วันที่รับข้อมูลได้: the latest LAO certification, shown while it stands."""
    if model.status is Status.DRAFT or model.received_at is None:
        return ""
    return thai_datetime(model.received_at)


def carried_column(view, context, model, name):
    count = getattr(model, "carried_sections", 0)
    if not count:
        return ""
    return per_request(("carried", count), lambda: Markup(
        '<span class="badge badge-light border" title="{}">{}</span>').format(
        _("ค่าที่ยกมาจากปีก่อน ยังไม่ได้บันทึกยืนยัน"), _("ยกมา %(n)s ด้าน", n=count)))


def warnings_column(view, context, model, name):
    """⚠ n: findings the clerk saved past, for the reviewer to look at before certifying."""
    if not model.warnings_count:
        return ""
    return Markup('<span class="badge badge-warning" title="{}">⚠ {}</span>').format(
        _("ข้อสังเกตที่ควรตรวจสอบ เช่น ค่าเปลี่ยนจากปีก่อนเกินร้อยละ 50"), model.warnings_count)


def changed_column(view, context, model, name):
    """แก้ไขหลังรับรอง n: fields changed since the year's last certification (after a revocation
    or a return), a link to the list of them on the status tab."""
    count = getattr(model, "changes_since_certification", None)
    if not count:
        return ""
    return Markup('<a class="badge badge-info" href="{}#changes" title="{}">{}</a>').format(
        url_for(".workspace_view", id=model.id, tab="status"),
        _("จำนวนรายการที่แก้ไขหลังการรับรองข้อมูลครั้งล่าสุด"), _("แก้ไข %(n)s รายการ", n=count))


def workspace_link(view, context, model, name):
    # url_for and the label once per list page, not per row (~30 µs each of 50 rows)
    # (The label outside the f-string: Babel's extractor does not look inside one.)
    start, end = per_request(("workspace_link", request.blueprint), lambda: (
        f'<a href="{escape(url_for(".workspace_view"))}?id=', '">' + str(escape(_("ดูข้อมูล"))) + "</a>"))
    return Markup(f"{start}{int(model.id)}{end}")


def per_request(key: Any, make: Any) -> Any:
    """`make()`, computed once per request and language: what a list column shows the same in
    every row (a URL's base, a label), not rebuilt for each of the page's 50 rows."""
    found = g.setdefault("list_column_constants", {})
    key = (key, current_lang())
    if key not in found:
        found[key] = make()
    return found[key]


def report_link(view, context, model, name):
    return Markup('<a href="{}">{}</a> · <a href="{}" title="{}">Excel</a>').format(
        url_for(".report_view", id=model.id), gettext("รายงาน"),
        url_for(".report_xlsx_view", id=model.id), gettext("ดาวน์โหลดรายงานเป็นไฟล์ Excel"))


class SubmissionPages(ScopedModelView):
    """The workspace, the report and the status tab of one submission in the user's scope."""

    can_view_details = False

    def get_overview(self, raw_id: Any) -> SubmissionOverview:
        """The scoped submission `raw_id` and its sections, read once (404 outside the scope)."""
        pk = self.parse_id(raw_id)
        overview = SubmissionOverview.fetch(pk, current_user) if pk is not None else None
        if overview is None:
            abort(404)
        return overview

    def workspace_url(self, submission_id: int, tab: Any = 1) -> str:
        return url_for(".workspace_view", id=submission_id, tab=tab)

    @expose("/workspace/")
    def workspace_view(self):
        overview = self.get_overview(request.args.get("id"))
        submission = overview.submission
        tab = request.args.get("tab", "1")
        tab = tab if tab in TABS else "1"
        section_no = int(tab) if tab != "status" else None
        certified_at, changes = changes_since(submission.id) if tab == "status" else (None, [])
        # Where the year stands, from the history the status tab shows anyway (no statement).
        standing = standing_of(submission) if tab == "status" else None
        edit_url = None
        if section_no is not None and overview.edit_refusal is None \
                and may(current_user, Permission.ENTER_DATA):
            edit_url = url_for(f"edit_s{section_no}.edit_view", id=submission.id)
        return self.render(
            "admin/submission/workspace.html", submission=submission, overview=overview,
            tab=tab, section_no=section_no, edit_url=edit_url,
            section_cls=SECTIONS[section_no - 1] if section_no else None,
            section=overview.rows.get(section_no) if section_no else None,
            history=overview.history(section_no) if section_no else [],
            certified_at=certified_at, changes=changes, standing=standing,
            events=submission.events, buttons=self.status_buttons(overview) if not section_no
            else [], list_url=self.get_url(".index_view"), form=TransitionForm(),
            may_enter_data=may(current_user, Permission.ENTER_DATA))

    @expose("/report/")
    def report_view(self):
        """รายงาน: all sections of one LAO-year on one print-ready page (A4, Sarabun)."""
        overview = self.get_overview(request.args.get("id"))
        submission = overview.submission
        return self.render("admin/submission/report.html", submission=submission,
                           overview=overview,
                           events=submission.events, printed=utcnow())

    @expose("/report.xlsx")
    def report_xlsx_view(self):
        """รายงาน as an Excel workbook: one sheet per section and the certification history."""
        submission = self.get_one(request.args.get("id"))
        overview = SubmissionOverview.load(submission)
        return send_workbook(
            lambda out: lao_year_workbook(out, overview, utcnow()),
            be_file_name(f"{submission.organization.dla_code}-{submission.fiscal_year}", "xlsx"))

    def status_buttons(self, overview: SubmissionOverview) -> list[dict[str, Any]]:
        """The status tab's buttons: each action of this role, enabled or with why not."""
        ctx = overview.context()
        buttons = []
        for rule in transitions_for(current_user.role):
            try:
                next_status(ctx, rule.action, current_user.role, reason="(checked on submit)")
                why_not = None
            except TransitionNotAllowed as refusal:
                why_not = str(refusal)
            buttons.append({"action": rule.name, "label": rule.action.shown, "why_not": why_not,
                            "needs_reason": rule.needs_reason,
                            "confirms_carried": rule.confirms_carried and bool(overview.carried),
                            # A step forward (certify) or back (revoke, return) in the table.
                            "forward": all(_RANK[rule.target] > _RANK[s] for s in rule.sources)})
        return buttons

    @expose("/explain/", methods=["POST"])
    def explain_view(self):
        """The clerk's explanations of the year's ⚠ findings (one line each, Thai): kept with
        the finding (who, when); certification waits until every finding has one (issue 24).
        Only while the LAO may still edit the year; an empty line takes an explanation back."""
        overview = self.get_overview(request.form.get("id"))
        submission = overview.submission
        if not may(current_user, Permission.ENTER_DATA):
            abort(403)
        # (the CSRF token is checked by CSRFProtect before any POST reaches a view)
        if (refusal := overview.edit_refusal) is not None:
            flash(refusal, "error")
        else:
            given = {}
            for key, value in request.form.items():
                if key.startswith("explain-") and (pk := parse_int_id(key[8:])) is not None:
                    # one line, no control characters (PostgreSQL refuses NUL in text)
                    text = "".join(ch for ch in (value or "") if ch.isprintable() or ch.isspace())
                    given[pk] = " ".join(text.split())[:MAX_EXPLANATION] or None
            now, changed = utcnow(), 0
            for finding in overview.findings:
                if finding.id in given and given[finding.id] != finding.explanation:
                    db.session.execute(
                        update(SectionWarning)
                        .where(SectionWarning.id == finding.id,
                               SectionWarning.submission_id == submission.id)
                        .values(explanation=given[finding.id],
                                explained_by_id=current_user.id if given[finding.id] else None,
                                explained_at=now if given[finding.id] else None))
                    changed += 1
            db.session.commit()
            left = sum(1 for f in overview.findings
                       if not given.get(f.id, f.explanation))
            flash(gettext("บันทึกคำชี้แจงแล้ว %(n)s รายการ", n=changed) + (
                " · " + gettext("ยังไม่ได้ชี้แจง %(n)s รายการ", n=left) if left else ""),
                "success" if not left else "warning")
        return redirect(self.workspace_url(submission.id, "status") + "#findings")

    @expose("/transition/", methods=["POST"])
    def transition_view(self):
        submission = self.get_one(request.form.get("id"))
        rule = transition_named(request.form.get("action"))
        if rule is None:
            abort(400)
        if not may(current_user, rule.action):
            abort(403)
        form = TransitionForm()
        if not form.validate():
            for errors in form.errors.values():
                for error in errors:
                    flash(error, "error")
        else:
            # The carried-forward confirmation is transition()'s guard (workflow.next_status).
            (outcome,) = transition(rule.action, [submission.id], current_user,
                                    reason=form.reason.data,
                                    carried_ok=bool(form.carried_ok.data))
            flash(outcome.message, "success" if outcome.done else "error")
        return redirect(self.workspace_url(submission.id, "status"))

