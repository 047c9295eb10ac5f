"""นำเข้าข้อมูลจากไฟล์ (issue 11): the template of a section, the dry run, the commit.

An LAO clerk imports for its LAO, a province officer for the LAOs of its province, a dla_admin
anywhere (Permission.IMPORT_DATA; every row through the one scope rule).  The file is read and
checked row by row before anything is written (models/exchange/imports.py), the page says what would
change and what is refused, and only then may the user commit.  The uploaded file is kept
server-side for the user who sent it (instance/imports/<user id>/<sha-256>), so the commit
re-reads exactly the file that was checked, without a second upload of 7,850 rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired, Optional

from models import FiscalYear, ImportBatch, Submission, YearStatus, db, utcnow
from models.exchange.imports import (SHOWN_ROWS, FileRefused, ImportFile, ImportMode,
                                     ImportSource, commit_import, plan_import, section_choices,
                                     table_by_code)
from models.rules.scoping import scoped
from models.exchange.workbooks import area_workbook, table_workbook
from workflow import Permission, Role, roles_for

from .base import RoleGated, be_file_name, send_workbook
from .forms import choices
from .i18n import WTFormsCatalogueMeta, current_lang

KEEP_SECONDS = 24 * 3600          # an uploaded file waits this long for its commit
_TOKEN = re.compile(r"[0-9a-f]{64}")


def _years() -> list[int]:
    return list(db.session.scalars(select(FiscalYear.be_year).where(
        FiscalYear.status == YearStatus.OPEN).order_by(FiscalYear.be_year.desc())))


class ImportForm(FlaskForm):
    """What to import: a section, the year of rows without one, how, and the file."""

    Meta = WTFormsCatalogueMeta
    section = SelectField(_l("ข้อมูลด้าน"), validators=[InputRequired()])
    year = SelectField(_l("ปีงบประมาณ"), coerce=int, validators=[InputRequired()],
                       description=_l("ใช้กับแถวที่ไม่มีคอลัมน์ปีงบประมาณ"))
    mode = RadioField(_l("เมื่อมีแถวที่ไม่ผ่าน"), default=ImportMode.ALL_OR_NOTHING.value,
                      validators=[InputRequired()])
    source = SelectField(_l("ค่าจากระบบอื่น (ผู้ดูแลระบบกรม)"), validators=[Optional()],
                         description=_l("ค่าที่นำเข้าจากระบบต้นทางจะแก้ไขในแบบฟอร์มของ อปท. ไม่ได้ "
                                        "และปรับปรุงได้ด้วยการนำเข้าครั้งถัดไป"))
    file = FileField(_l("ไฟล์ (.xlsx หรือ .csv UTF-8)"),
                     validators=[FileRequired(_l("กรุณาเลือกไฟล์ที่จะนำเข้า"))])

    def fill(self, years: list[int]) -> "ImportForm":
        self.section.choices = choices(section_choices())
        self.year.choices = choices([(y, str(y)) for y in years])
        self.mode.choices = choices([(m.value, m.shown) for m in ImportMode])
        self.source.choices = choices([("", _("— ไม่ใช่ (ข้อมูลที่ อปท. หรือจังหวัดจัดทำ) —")),
                                       *[(s.value, s.shown) for s in ImportSource]])
        return self


class ImportView(RoleGated, BaseView):
    """Upload → dry run → commit; the template of each section; the report as a workbook."""

    roles = roles_for(Permission.IMPORT_DATA)

    # --- the kept file -----------------------------------------------------------------------
    @staticmethod
    def _folder() -> Path:
        folder = Path(current_app.instance_path) / "imports" / str(current_user.id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _keep(self, upload: ImportFile, settings: dict[str, Any]) -> str:
        folder = self._folder()
        now = time.time()
        for old in folder.iterdir():              # what was never committed, a day later
            if now - old.stat().st_mtime > KEEP_SECONDS:
                old.unlink(missing_ok=True)
        # The token names the file *and* what was checked (section, year, mode, source): a
        # page checked with other settings cannot commit these.
        token = hashlib.sha256(upload.data + json.dumps(settings, sort_keys=True).encode()
                               ).hexdigest()
        (folder / f"{token}.bin").write_bytes(upload.data)
        (folder / f"{token}.json").write_text(json.dumps({**settings, "name": upload.name}))
        return token

    def _kept(self, token: str | None) -> tuple[ImportFile, dict[str, Any]]:
        """The file this user checked (404 for another user's or a stale token)."""
        if not token or not _TOKEN.fullmatch(token):
            abort(404)
        folder = self._folder()
        data_path, meta_path = folder / f"{token}.bin", folder / f"{token}.json"
        if not data_path.exists() or not meta_path.exists():
            abort(404)
        settings = json.loads(meta_path.read_text())
        return ImportFile(settings["name"], data_path.read_bytes()), settings

    def _forget(self, token: str) -> None:
        folder = self._folder()
        for suffix in (".bin", ".json"):
            (folder / f"{token}{suffix}").unlink(missing_ok=True)

    @staticmethod
    def _settings(settings: dict[str, Any]):
        """(section, child table or None, year, mode, source) of the settings a file was
        checked with (404 for settings no page could have made)."""
        try:
            section_cls, child = table_by_code(settings["section"])
            mode = ImportMode(settings["mode"])
            source = ImportSource(settings["source"]) if settings.get("source") else None
            year = int(settings["year"])
        except (KeyError, ValueError, TypeError):
            abort(404)
        return section_cls, child, year, mode, source

    # --- the pages ---------------------------------------------------------------------------
    @expose("/", methods=("GET", "POST"))
    def index_view(self):
        years = _years()
        form = ImportForm().fill(years)
        if current_user.role != Role.DLA_ADMIN:
            del form.source                           # only the DLA pulls other systems' data
        if request.method == "GET":
            form.section.data = form.section.data or "1"
            return self._index(form, years)
        if not form.validate():
            return self._index(form, years)
        uploaded = form.file.data
        upload = ImportFile(os.path.basename(uploaded.filename or "upload")[:200],
                            uploaded.read())
        settings = {"section": form.section.data, "year": form.year.data,
                    "mode": form.mode.data,
                    "source": form.source.data if "source" in form else ""}
        section_cls, child, year, mode, source = self._settings(settings)
        # The dry run only reads: end the request's (write) transaction and read the rows in
        # a plain one, so a national file does not hold SQLite's write lock for seconds.
        db.session.rollback()
        g.read_only = True
        try:
            plan = plan_import(section_cls, upload, current_user, default_year=year,
                               source=source, child=child)
        except FileRefused as refusal:
            form.file.errors = [str(refusal)]
            return self._index(form, years)
        finally:
            db.session.rollback()
            g.read_only = False
        token = self._keep(upload, settings)
        return self.render("admin/import/check.html", plan=plan, upload=upload, token=token,
                           section_cls=section_cls, table=child or section_cls, year=year,
                           mode=mode, source=source, shown=SHOWN_ROWS)

    def _index(self, form: ImportForm, years: list[int]):
        batches = db.session.scalars(
            scoped(select(ImportBatch), ImportBatch, current_user)
            .order_by(ImportBatch.id.desc()).limit(10)).all()
        return self.render("admin/import/index.html", form=form, years=years, batches=batches,
                           sections=section_choices())

    @expose("/commit/", methods=("POST",))
    def commit_view(self):
        form = FlaskForm()
        if not form.validate():
            abort(400)
        upload, settings = self._kept(request.form.get("token"))
        section_cls, child, year, mode, source = self._settings(settings)
        try:
            # Stored ⚠ are Thai whatever the screen's language: planned again in Thai only
            # when the screen is English.
            result = commit_import(section_cls, upload, current_user, default_year=year,
                                   mode=mode, source=source, child=child,
                                   thai_warnings=self._thai if current_lang() != "th" else None)
        except FileRefused as refusal:
            flash(str(refusal), "error")
            return redirect(url_for(".index_view"))
        token = request.form["token"]
        if result.committed:
            self._forget(token)
        return self.render("admin/import/result.html", result=result, plan=result.plan,
                           batch=result.batch, section_cls=section_cls,
                           table=child or section_cls, token=token,
                           shown=SHOWN_ROWS, kept=not result.committed)

    @staticmethod
    @contextmanager
    def _thai():
        with force_locale("th"):
            yield

    @expose("/template/")
    def template_view(self):
        """The workbook of one section for the user's LAOs of a year, with their current
        values: the import template, and what an export of that section looks like."""
        code = (request.args.get("section") or "").strip()
        try:
            section_cls, child = table_by_code(code)
            year = int(request.args.get("year", ""))
        except (KeyError, ValueError):
            abort(404)
        if year not in _years():
            abort(404)

        def narrow(query):
            return scoped(query, Submission, current_user)
        title = _("แบบฟอร์มนำเข้าข้อมูลด้านที่ %(no)s %(title)s ปีงบประมาณ %(year)s",
                  no=code, title=(child or section_cls).TITLE_TH, year=year)
        return send_workbook(lambda out: area_workbook(out, year, title, narrow, utcnow(),
                                                       sections=[section_cls],
                                                       children=child is not None,
                                                       only_child=child),
                             be_file_name(f"import-template-s{code}-{year}", "xlsx"))

    @expose("/report/")
    def report_view(self):
        """Every row of a checked file with its outcome, changes and reasons, as a workbook."""
        upload, settings = self._kept(request.args.get("token"))
        section_cls, child, year, _mode, source = self._settings(settings)
        try:
            plan = plan_import(section_cls, upload, current_user, default_year=year,
                               source=source, child=child)
        except FileRefused:
            abort(404)
        outcome = {"refused": _("ไม่ผ่าน"), "change": _("เปลี่ยนแปลง"), "same": _("ไม่เปลี่ยน")}

        def rows():
            for r in plan.rows:
                base = [r.line, r.dla_code, r.name, r.fiscal_year, outcome[r.outcome]]
                for reason in r.refusals:
                    yield [*base, "", "", "", reason]
                for change in r.changes if not r.refusals else ():
                    yield [*base, change.label, change.old_text, change.new_text, ""]
                for _field, message in r.warnings:
                    yield [*base, "", "", "", "⚠ " + message]
                if not r.refusals and not r.changes and not r.warnings:
                    yield base
        heads = [_("แถวที่"), _("รหัส อปท."), _("อปท."), _("ปีงบประมาณ"), _("ผล"), _("ข้อมูล"),
                 _("ค่าเดิม"), _("ค่าใหม่"), _("เหตุผล / ข้อสังเกต")]
        return send_workbook(lambda out: table_workbook(out, _("ผลตรวจไฟล์"),
                                                        f"{upload.name} · "
                                                        f"{_('ด้านที่ %(no)s', no=section_cls.SECTION_NO)}",
                                                        heads, rows()),
                             be_file_name(f"import-check-s{section_cls.SECTION_NO}", "xlsx"))
