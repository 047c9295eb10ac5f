"""The forms behind the certification screens: a reason, a deadline extension, the bulk
confirmation.  Flask-WTF (CSRF, Thai messages); the ids they act on are parsed by models.catalogue.reading."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from models.services.certification import MAX_REASON

from .forms import ThaiDateField
from .i18n import WTFormsCatalogueMeta

REASON_REQUIRED = _l("กรุณาระบุเหตุผล (ไม่เกิน %(n)s ตัวอักษร)", n=f"{MAX_REASON:,}")


class ReasonForm(FlaskForm):
    """The reason an officer gives for revoking or returning (shown to the LAO)."""

    Meta = WTFormsCatalogueMeta
    action = HiddenField()
    url = HiddenField()        # the filtered list to go back to
    reason = TextAreaField(_l("เหตุผล (แจ้งให้ อปท. ทราบ)"), validators=[
        DataRequired(REASON_REQUIRED), Length(max=MAX_REASON, message=REASON_REQUIRED)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"rows": 3, "maxlength": MAX_REASON})


class TransitionForm(FlaskForm):
    """A button of the status tab: one action on one submission, with a reason if needed."""

    Meta = WTFormsCatalogueMeta
    id = HiddenField()
    action = HiddenField()
    # Certifying confirms values carried from last year: the clerk says they still hold.
    carried_ok = BooleanField(_l(
        "ข้าพเจ้าตรวจสอบแล้ว ข้อมูลที่ยกมาจากปีก่อนในด้านดังกล่าวยังถูกต้องสำหรับปีนี้"))
    reason = TextAreaField(validators=[
        Optional(), Length(max=MAX_REASON, message=_l("เหตุผลยาวเกิน %(n)s ตัวอักษร", n=f"{MAX_REASON:,}"))])


class ExtendDeadlineForm(FlaskForm):
    """Until when the selected LAOs may keep editing (a BE date, 15/1/2570)."""

    Meta = WTFormsCatalogueMeta
    url = HiddenField()
    until = ThaiDateField(_l("ขยายเวลาถึงวันที่ (วัน/เดือน/ปี พ.ศ.)"), validators=[
        InputRequired(_l("กรุณากรอกวันที่ขยายเวลา แบบ วัน/เดือน/ปี พ.ศ. เช่น 15/1/2570"))],
        render_kw={"placeholder": _l("เช่น 15/1/2570")})


class BulkCertifyForm(FlaskForm):
    """The confirmation of a province's bulk certification (the previewed rows are posted)."""

    Meta = WTFormsCatalogueMeta
    year = HiddenField()
    province = HiddenField()
    district = HiddenField()
    confirmed = HiddenField()
