"""The 8 section forms of the LAO clerk (letter step 5), generated from the column metadata.

One `SectionEditView` per section: fieldsets per sub-heading, Thai labels with units and help
text, child rows inline, the blocking rules of SPEC §5 next to their fields, warnings shown
after saving, optimistic locking, and the submission's completeness kept up to date.  Rows are
read through the scoped base view; writes pass the lock guard of models/rules/locks.py.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, ClassVar

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import LazyString, force_locale, gettext as _, lazy_gettext
from flask_admin import expose
from flask_admin.form import rules
from flask_admin.model.form import InlineFormAdmin
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from wtforms import HiddenField

from models import Subdistrict, db
from models.catalogue.collation import thai_order
from models.rules.values import blocking
from models.services.sections import SectionEdit, Stored, check, write
from models.tables.sections import CHILDREN
from models.reads.overview import SubmissionOverview
from workflow import N_, Permission, roles_for

from . import unsaved
from .base import ScopedModelView
from .forms import BLANK, choices, field_markup, form_spec
from .i18n import InfoBaseForm, current_lang
from .presentation import thai_datetime

log = logging.getLogger(__name__)
CONFLICT = N_("มีผู้อื่นบันทึกข้อมูลด้านนี้ไปแล้วเมื่อ %(when)s ข้อมูลของท่านยังไม่ถูกบันทึก "
              "กรุณาโหลดหน้าใหม่เพื่อดูข้อมูลล่าสุดแล้วแก้ไขอีกครั้ง")


class Field(rules.Field):
    """A section field, drawn by views/forms.field_markup (the markup of Flask-Admin's
    `lib.render_field` macro, built in Python); with widget arguments it is the macro's."""

    def __call__(self, form, form_opts=None, field_args=None):
        if field_args or (form_opts and form_opts.widget_args.get(self.field_name)):
            return super().__call__(form, form_opts, field_args)
        return field_markup(form[self.field_name])


class Fieldset(rules.NestedRule):
    """A real <fieldset> with a <legend> around one sub-heading's fields (laid out as a grid)."""

    def __init__(self, names: list[str], legend: str) -> None:
        super().__init__([Field(name) for name in names])
        self.legend = legend

    def __call__(self, form, form_opts=None, field_args=None):
        inner = super().__call__(form, form_opts, field_args)
        return Markup('<fieldset class="info-group"><legend>{}</legend>{}</fieldset>').format(
            self.legend, inner)


class Hidden(rules.BaseRule):
    """A hidden input kept in the form (rules drop fields they do not list) with no label."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    @property
    def visible_fields(self) -> list[str]:
        return [self.name]

    def __call__(self, form, form_opts=None, field_args=None):
        return form[self.name]()


class ChildRows(InlineFormAdmin):
    """Inline child rows (recorders, education rows, festivals, groups, vehicles)."""

    form_base_class = InfoBaseForm  # inline forms do not inherit the view's (Thai messages)

    def __init__(self, model, **options):
        spec = form_spec(model)
        # The hidden primary key maps posted rows onto this section's own child rows only.
        super().__init__(model, form_columns=["id", *spec["columns"]],
                         form_overrides=spec["overrides"],
                         form_args=spec["args"], form_label=_table_title(model), **options)

    def on_model_change(self, form, model, is_created):
        # Children are locked with their section: the guard in models/rules/locks.py checks them at
        # flush time through their submission_id, whichever path they came from.
        if model.position is None:
            model.position = 0


class SectionEditView(ScopedModelView):
    """Edit one section of one LAO-year (the LAO clerk's own, while editable)."""

    roles = roles_for(Permission.ENTER_DATA)
    section_cls: ClassVar[type]
    can_edit = True
    can_create = can_delete = can_view_details = can_export = False
    edit_template = "admin/section/edit.html"

    def is_visible(self) -> bool:  # reached from the workspace tabs, not the menu
        return False

    def inaccessible_callback(self, name, **kwargs):
        # บันทึก pressed after the sign-in ended: keep what was typed (views/unsaved.py).
        if name == "edit_view" and request.method == "POST" and not current_user.is_authenticated:
            return unsaved.keep_posted_form(self.roles)
        return super().inaccessible_callback(name, **kwargs)

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if model is not None:
            overview = g.get("section_overview")
            if overview is None or overview.submission.id != model.submission_id:
                overview = SubmissionOverview.load(model.submission)
            kwargs["overview"] = overview
        return super().render(template, **kwargs)

    # --- the row: read once per request, with the whole LAO-year -----------------------------
    def get_one(self, id):
        """The section row of submission `id` in the user's scope, read with its LAO-year's
        other sections, organization and year in one statement (SubmissionOverview.fetch), and
        kept for this request: the form, the rules, the header and the save all use it."""
        pk = self.parse_id(id)
        overview = g.get("section_overview")
        if overview is None or pk is None or overview.submission.id != pk:
            overview = SubmissionOverview.fetch(pk, current_user) if pk is not None else None
            g.section_overview = overview
        row = overview.rows.get(self.section_cls.SECTION_NO) if overview is not None else None
        if row is None:
            abort(404)
        return row

    @expose("/")
    def index_view(self):
        return redirect(url_for("lao_years.index_view"))

    # --- the form --------------------------------------------------------------------------
    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        # Typed before the sign-in ended (views/unsaved.py): shown again, their loaded_version too.
        restored = unsaved.restore(form, obj)
        if obj is not None and request.method == "GET" and not restored:
            form.loaded_version.data = str(obj.version)
        if obj is not None and obj.imported:
            _lock_imported_fields(form, obj)
        if obj is not None:
            _entry_hints(form, self.model, obj)
        if "office_subdistrict_code" in form:
            org = obj.submission.organization if obj is not None else None
            form.office_subdistrict_code.choices = choices([BLANK, *(
                (code, name) for code, name in db.session.execute(
                    select(Subdistrict.code, Subdistrict.name_th)
                    .where(Subdistrict.district_code == (org.district_code if org else None))
                    .order_by(thai_order(Subdistrict.name_th))))])
        return form

    def validate_form(self, form) -> bool:
        """WTForms parses each field; then the one write path checks the whole edit
        (models/services/sections.check: the rules, the edit rule, a stale form) and its
        messages go next to their fields."""
        valid = super().validate_form(form)
        if request.method != "POST":
            return valid
        section = self.get_one(request.args.get("id"))
        for key in section.imported or ():          # another system's values: kept as stored
            if key in form:
                form[key].data = getattr(section, key)
                form[key].errors = []
        seen = form.loaded_version.data or ""
        edit = SectionEdit(section.submission_id, _form_values(form, self.section_cls),
                           children=_form_children(form, self.section_cls),
                           loaded_version=int(seen) if seen.isdigit() else None, confirm=True)
        stored = Stored.from_overview(self.section_cls, g.section_overview)
        # The kept ⚠ are read by the province in either language: Thai, INFO's source language.
        (checked,) = check(self.section_cls, [(stored, edit)],
                           thai=(lambda: force_locale("th")) if current_lang() != "th" else None)
        g.section_checked = checked        # per request (g): one view object serves every thread
        if checked.conflict:
            flash(_(CONFLICT, when=thai_datetime(section.updated_at)), "error")
            return False
        found = blocking(checked.findings)
        unplaced = [m for m in checked.refusals if m not in {f.message for f in found}]
        for finding in found:
            target = form[finding.field] if finding.field in form else None
            if target is None:
                unplaced.append(finding.message)
            elif not target.process_errors:
                # A value that did not parse is None to the rules, so they say nothing about
                # it; the guard keeps it that way: one message per mistake.
                target.errors = [*target.errors, finding.message]
        if unplaced or found:
            valid = False
        if not valid:
            # Say what to fix at the top too: the field messages may be far below the fold.
            problems = [*unplaced]
            for field in form:
                errors = field.errors if isinstance(field.errors, list) else []
                problems += [f"{field.label.text}: {e}" for e in errors if isinstance(e, str)]
                for entry in getattr(field, "entries", ()):  # inline child rows
                    for sub in getattr(entry, "form", ()):
                        problems += [f"{sub.label.text}: {e}" for e in sub.errors
                                     if isinstance(e, str)]
            if problems:
                flash(_("กรุณาแก้ไข %(n)s รายการ:", n=len(problems)) + " " + " · ".join(problems[:6])
                      + (" …" if len(problems) > 6 else ""), "error")
        return valid

    # --- saving ------------------------------------------------------------------------------
    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        section = self.get_one(request.args.get("id"))
        refusal = SubmissionOverview(section.submission).edit_refusal
        if refusal:
            flash(refusal, "warning")
            unsaved.note_refused()  # and that what was typed is not saved
            return redirect(_workspace_url(section.submission_id, self.section_cls.SECTION_NO))
        return super().edit_view()

    def update_model(self, form, model) -> bool:
        """The checked edit written by the one write path — values, child rows, stamps, ⚠
        findings and the submission's counters — and committed once."""
        checked = g.section_checked
        # Read before the commit: the redirect needs no statement after it.
        g.section_return_url = _workspace_url(model.submission_id, self.section_cls.SECTION_NO)
        try:
            write(self.section_cls, [checked], current_user)
            _commit_keeping_loaded_rows()
        except Exception as ex:  # noqa: BLE001 - the library's handling: a message, no write
            db.session.rollback()
            if not self.handle_view_exception(ex):
                flash(_("ไม่สามารถดำเนินการได้ ข้อมูลไม่ถูกเปลี่ยนแปลง"), "error")
                log.exception("section save failed")
            return False
        self.after_model_change(form, model, False)
        return True

    def after_model_change(self, form, model, is_created):
        for finding in g.section_checked.warnings:
            flash("⚠ " + finding.message, "warning")

    def get_save_return_url(self, model, is_created=False):
        return g.get("section_return_url") or _workspace_url(model.submission_id,
                                                             self.section_cls.SECTION_NO)



def _lock_imported_fields(form, obj) -> None:
    """The fields another system supplied (models/exchange/imports.py) are shown read-only, with where
    they came from and where to change them; validate_form keeps their stored values whatever
    is posted."""
    from datetime import datetime

    from models.tables.batches import source_label
    for key, stamp in obj.imported.items():
        if key not in form:
            continue
        field = form[key]
        source = source_label(stamp.get("source"))
        try:
            when = datetime.fromisoformat(str(stamp.get("at")))
        except ValueError:
            when = None
        lock = "disabled" if field.type in ("SelectField", "BooleanField", "RadioField") \
            else "readonly"
        field.render_kw = {**(field.render_kw or {}), lock: True}
        field.description = _("นำเข้าจาก %(source)s เมื่อ %(when)s แก้ไขในแบบฟอร์มนี้ไม่ได้ "
                              "หากไม่ถูกต้อง กรุณาแก้ไขที่%(source)s "
                              "ค่าจะปรับปรุงในการนำเข้าครั้งถัดไป",
                              source=source, when=thai_datetime(when) if when else "–")


def _entry_hints(form, section_cls: type, obj) -> None:
    """Beside each numeric field (issue 24): the typical range of LAOs of the same type (in
    the province, or the country when the province has too few) and last year's value, so
    the clerk sees a mistake before saving.  One statement for the whole form."""
    from markupsafe import Markup, escape

    from models import ORG_TYPE_SHORT
    from models.catalogue import columns as meta
    from models.catalogue.rule_kinds import fmt
    from models.rules import peers
    ranges, before, org_type = peers.entry_reference(obj.submission_id, section_cls)
    for column in peers.compared(section_cls):
        if column.key not in form or column.key in (obj.imported or {}):
            continue
        unit = meta.unit(column.info)
        parts = []
        if column.key in ranges and ranges[column.key][1] > ranges[column.key][0]:
            low, high, basis, place = ranges[column.key]
            per_head = basis == "per_head"
            places = 2 if per_head or column.info.get("kind") in ("decimal", "percent") else 0
            def shown(x: float) -> str:
                return fmt(Decimal(str(round(x, places))) if places else int(round(x)))
            span = f"{shown(low)}–{shown(high)}"
            where = _("ในจังหวัด") if place else _("ทั้งประเทศ")
            if per_head:
                parts.append(_("ช่วงปกติ (ต่อประชากร 1 คน) ของ %(type)s %(where)s: %(span)s",
                               type=_(ORG_TYPE_SHORT[org_type]), where=where,
                               span=span + (f" {unit}/" + _("คน") if unit else "")))
            else:
                parts.append(_("ช่วงปกติของ %(type)s %(where)s: %(span)s",
                               type=_(ORG_TYPE_SHORT[org_type]), where=where,
                               span=span + (f" {unit}" if unit else "")))
        if before.get(column.key) is not None:
            parts.append(_("ปีก่อน %(value)s", value=fmt(before[column.key])
                           + (f" {unit}" if unit else "")))
        if parts:
            field = form[column.key]
            hint = Markup('<span class="entry-hint" data-field="{}">{}</span>').format(
                column.key, " · ".join(parts))
            field.description = Markup("{}<br>{}").format(
                escape(field.description), hint) if field.description else hint


def _commit_keeping_loaded_rows() -> None:
    """Commit without expiring what this request read: after a save only the redirect and the
    response headers (current_user) follow, and an expired row would open a second
    transaction just to read back what this one wrote."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _table_title(table: type) -> LazyString:
    """A section's or child table's title in the request's language."""
    return LazyString(lambda: table.TITLE_EN if current_lang() == "en" else table.TITLE_TH)


def _workspace_url(submission_id: int, tab: Any) -> str:
    return url_for("lao_years.workspace_view", id=submission_id, tab=tab)



def _form_values(form, section_cls) -> dict[str, Any]:
    spec = form_spec(section_cls)
    return {name: form[name].data for name in spec["columns"] if name in form}


def _form_children(form, section_cls) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for name, _child in CHILDREN.get(section_cls, ()):
        if name not in form:
            continue
        field = form[name]
        out[name] = [entry.form.data for entry in field.entries
                     if not field.should_delete(entry)]
    return out


def section_view(section_cls: type) -> type[SectionEditView]:
    """The edit view class of one section, with its form generated from the metadata."""
    spec = form_spec(section_cls)
    fieldsets = [Fieldset(names, lazy_gettext(header) if header else _table_title(section_cls))
                 for header, names in spec["groups"].items()]
    children = CHILDREN.get(section_cls, ())
    return type(f"Section{section_cls.SECTION_NO}EditView", (SectionEditView,), {
        "section_cls": section_cls,
        "form_columns": [*spec["columns"], "loaded_version"],
        "form_overrides": spec["overrides"],
        "form_args": spec["args"],
        "form_extra_fields": {"loaded_version": HiddenField()},
        "form_edit_rules": [Hidden("loaded_version"), *fieldsets,
                            *[rules.Field(name) for name, _c in children]],
        "inline_models": [ChildRows(child) for _n, child in children],
    })
