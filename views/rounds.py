"""ปีงบประมาณ for the DLA, on screen: open a year (every active LAO gets its pre-filled draft),
set the deadline, close it, re-open it — through the same service as the CLI (models/services/rounds.py),
one transaction each."""

from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from models import FiscalYear, db
from flask_babel import gettext as _, lazy_gettext as _l

from models.catalogue.reading import parse_year
from models.services.rounds import MAX_BE_YEAR, MIN_BE_YEAR, RoundError, close_year, open_year
from workflow import Permission, fiscal_year_of, may, roles_for, thai_date, today_in_thailand

from .base import ScopedModelView
from .forms import ThaiDateField
from .i18n import WTFormsCatalogueMeta

DATE_REQUIRED = _l("กรุณากรอกวันที่ แบบ วัน/เดือน/ปี พ.ศ. เช่น 30/12/2570")


class OpenYearForm(FlaskForm):
    """Open (or re-open) a fiscal year: its BE year, first day and deadline."""

    Meta = WTFormsCatalogueMeta
    be_year = IntegerField(_l("ปีงบประมาณ (พ.ศ.)"), validators=[
        InputRequired(_l("กรุณากรอกปีงบประมาณ เช่น 2571")),
        NumberRange(MIN_BE_YEAR, MAX_BE_YEAR,
                    _l("ปีงบประมาณต้องเป็นปี พ.ศ. %(lo)s–%(hi)s", lo=MIN_BE_YEAR, hi=MAX_BE_YEAR))])
    opens_on = ThaiDateField(_l("วันที่เปิดรับข้อมูล"), validators=[Optional()],
                             description=_l("เว้นว่าง = วันนี้ (เมื่อเปิดปีใหม่)"))
    deadline = ThaiDateField(_l("กำหนดส่งข้อมูล"), validators=[InputRequired(DATE_REQUIRED)],
                             description=_l("ตามหนังสือ: ภายในวันที่ ๓๐ ธันวาคม"))


class FiscalYearView(ScopedModelView):
    """ปีงบประมาณ (dla_admin): open with carry-forward, set the deadline, close, re-open."""

    roles = roles_for(Permission.MANAGE_ROUNDS)
    can_edit = True
    column_list = ("be_year", "status", "opens_on", "deadline", "opened_at", "closed_at")
    column_default_sort = ("be_year", True)
    # The status changes only through open / close (a form cannot skip the carry-forward).
    form_columns = ("opens_on", "deadline")
    form_overrides = {"opens_on": ThaiDateField, "deadline": ThaiDateField}
    form_args = {"opens_on": {"validators": [InputRequired(DATE_REQUIRED)]},
                 "deadline": {"validators": [InputRequired(DATE_REQUIRED)]}}
    list_template = "admin/fiscal_year/list.html"

    def on_model_change(self, form, model, is_created):
        if model.deadline < model.opens_on:
            from wtforms.validators import ValidationError
            raise ValidationError(_("กำหนดส่งข้อมูลต้องไม่ก่อนวันที่เปิดรับข้อมูล"))

    @expose("/open/", methods=["GET", "POST"])
    def open_view(self):
        if not may(current_user, Permission.MANAGE_ROUNDS):
            abort(403)
        today = today_in_thailand()
        form = OpenYearForm(data={"be_year": parse_year(request.args.get("year"))
                                  or fiscal_year_of(today) + 1}
                            if request.method == "GET" else None)
        if request.method == "POST" and form.validate():
            try:
                report = open_year(form.be_year.data, form.deadline.data,
                                   opens_on=form.opens_on.data)
            except RoundError as refusal:
                flash(str(refusal), "error")
            else:
                flash(_opened(report), "success")
                return redirect(self.get_url(".index_view"))
        return self.render("admin/fiscal_year/open.html", form=form,
                           years=db.session.scalars(
                               db.select(FiscalYear).order_by(FiscalYear.be_year.desc())).all())

    @expose("/close/", methods=["POST"])
    def close_view(self):
        if not may(current_user, Permission.MANAGE_ROUNDS):
            abort(403)
        year = parse_year(request.form.get("year"))
        if year is None:
            abort(400)
        try:
            count = close_year(year)
        except RoundError as refusal:
            flash(str(refusal), "error")
        else:
            flash(_("ปิดปีงบประมาณ %(year)s แล้ว: ข้อมูล %(n)s รายการดูได้อย่างเดียว", year=year,
                    n=f"{count:,}"), "success")
        return redirect(self.get_url(".index_view"))


def _opened(report) -> str:
    """What open_year did, in Thai."""
    window = _("เปิดรับ %(start)s ถึง %(end)s", start=thai_date(report.opens_on),
               end=thai_date(report.deadline))
    if report.reopened:
        return _("เปิดปีงบประมาณ %(year)s อีกครั้งแล้ว (%(window)s) ข้อมูลเดิมไม่เปลี่ยน",
                 year=report.be_year, window=window)
    head = _("เปิดปีงบประมาณ %(year)s แล้ว (%(window)s)", year=report.be_year, window=window)
    if not report.created:
        return head + " " + _("ทุก อปท. มีข้อมูลของปีนี้อยู่แล้ว")
    return head + ": " + _("สร้างข้อมูลให้ อปท. %(created)s แห่ง ยกค่าจากปีก่อน %(carried)s แห่ง "
                           "ว่าง %(empty)s แห่ง", created=f"{report.created:,}",
                           carried=f"{report.carried:,}", empty=f"{report.empty:,}")
