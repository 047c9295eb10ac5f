"""Per-LAO records outside the yearly sections (letter: บันทึกเว็บไซต์ อปท., บันทึกผู้ดูแลระบบ
INFO, ข้อมูลสถานที่ท่องเที่ยว): the clerk keeps their own LAO's; officers read their scope's."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from models import Organization, Subdistrict, TouristPlace, db
from models.services.records import copy_website_to_open_drafts
from models.catalogue.collation import thai_order
from models.catalogue.rule_kinds import valid_url
from workflow import Permission, may, roles_for

from .base import ScopedModelView
from .forms import BLANK, choices, field_for
from .i18n import bilingual


def _is_clerk() -> bool:
    """Whether the signed-in user keeps their own LAO's records (only clerks write here)."""
    return has_request_context() and may(current_user, Permission.KEEP_LAO_RECORDS)


class LaoRecordView(ScopedModelView):
    """Base: rows belong to one LAO, set server-side from the clerk's account, never a form."""

    roles = roles_for(Permission.READ_LAO_RECORDS)
    column_filters = ()
    form_excluded_columns = ("organization",)
    column_labels = {"organization": bilingual("อปท.", "LAO")}
    column_formatters = {"organization": lambda v, c, m, n: m.organization.name_th}

    # Per request, not at init: only the clerk writes, officers read (PITFALLS: can_* are
    # read when the view is built, so they are properties guarded by the request context).
    @property
    def can_create(self):
        return _is_clerk()

    @property
    def can_edit(self):
        return _is_clerk()

    @property
    def can_delete(self):
        return _is_clerk()

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.organization_id = current_user.organization_id
        elif model.organization_id != current_user.organization_id:  # pragma: no cover
            raise ValidationError(_("ไม่มีสิทธิ์แก้ไขข้อมูลของ อปท. อื่น"))


class WebsiteURL:
    """The website rule of ด้าน 1 (models/rulebook.valid_url), with its message."""

    message = _l("ที่อยู่เว็บไซต์ไม่ถูกต้อง ต้องขึ้นต้นด้วย http:// หรือ https:// "
                 "เช่น https://www.example.go.th")

    def __call__(self, form, field):
        if field.data and not valid_url(field.data.strip()):
            raise ValidationError(str(self.message))


class LaoWebsiteView(LaoRecordView):
    """บันทึกเว็บไซต์ อปท. — one website per LAO."""

    column_list = ("organization", "url", "updated_at")
    form_columns = ("url",)
    form_args = {"url": dict(label=_l("ชื่อเว็บไซต์ (URL)"), description=_l(
                             "เช่น https://www.dla.go.th (แสดงในข้อมูลด้านที่ 1 ของปีที่ยังบันทึกได้ด้วย)"),
                             validators=[DataRequired(_l("กรุณากรอกที่อยู่เว็บไซต์")),
                                         WebsiteURL(), Length(max=300)])}

    # ด้าน 1 of the LAO's open drafts follows the website (one place, shown in both).
    def after_model_change(self, form, model, is_created):
        if copy_website_to_open_drafts(model.organization_id):
            db.session.commit()

    def after_model_delete(self, model):
        if copy_website_to_open_drafts(model.organization_id):
            db.session.commit()

    @property
    def can_create(self):
        if not _is_clerk():
            return False
        from models import LaoWebsite
        return db.session.scalar(select(LaoWebsite.id).where(
            LaoWebsite.organization_id == current_user.organization_id)) is None


class InfoAdministratorView(LaoRecordView):
    """บันทึกผู้ดูแลระบบ INFO."""

    column_list = ("organization", "name", "position", "phone", "email")
    form_columns = ("name", "position", "phone", "email")
    form_args = {
        "name": dict(label=_l("ชื่อ-สกุล"), validators=[DataRequired(_l("กรุณากรอกชื่อ-สกุล")),
                                                   Length(max=200)]),
        "position": dict(label=_l("ตำแหน่ง"), validators=[DataRequired(_l("กรุณากรอกตำแหน่ง")),
                                                     Length(max=200)]),
        "phone": dict(label=_l("เบอร์โทรศัพท์"), validators=[Optional(), Length(max=50)]),
        "email": dict(label=_l("อีเมล"), validators=[Optional(), Email(_l("อีเมลไม่ถูกต้อง")),
                                                 Length(max=200)]),
    }


class TouristPlaceView(LaoRecordView):
    """ข้อมูลสถานที่ท่องเที่ยว."""

    column_list = ("organization", "name", "category", "subdistrict", "contact")
    column_formatters = {**LaoRecordView.column_formatters,
                         "subdistrict": lambda v, c, m, n: m.subdistrict.name_th
                         if m.subdistrict else ""}
    column_labels = {**LaoRecordView.column_labels,
                     "subdistrict": bilingual("ตำบล", "Subdistrict")}
    form_columns = ("name", "category", "description", "subdistrict_code", "latitude",
                    "longitude", "contact")
    form_overrides = {"latitude": field_for(TouristPlace.__table__.c.latitude)[0],
                      "longitude": field_for(TouristPlace.__table__.c.longitude)[0]}
    form_extra_fields = {"subdistrict_code": SelectField(_l("ตำบล"), coerce=lambda v: v or None,
                                                         choices=[BLANK])}
    form_args = {
        "name": dict(label=_l("ชื่อสถานที่ท่องเที่ยว"),
                     validators=[DataRequired(_l("กรุณากรอกชื่อสถานที่")), Length(max=200)]),
        "latitude": {**field_for(TouristPlace.__table__.c.latitude)[1],
                     "description": _l("5.6–20.5 เช่น 15.379420")},
        "longitude": {**field_for(TouristPlace.__table__.c.longitude)[1],
                      "description": _l("97.3–105.7 เช่น 100.024547")},
        "contact": dict(label=_l("ติดต่อ"), validators=[Optional(), Length(max=200)]),
        "description": dict(label=_l("รายละเอียด")),
        "category": dict(label=_l("ประเภท")),
    }

    def _with_subdistricts(self, form):
        province = db.session.scalar(select(Organization.province_code).where(
            Organization.id == current_user.organization_id)) if _is_clerk() else None
        form.subdistrict_code.choices = choices([BLANK, *(
            (code, name) for code, name in db.session.execute(
                select(Subdistrict.code, Subdistrict.name_th)
                .where(Subdistrict.province_code == province)
                .order_by(thai_order(Subdistrict.name_th))))])
        return form

    def create_form(self, obj=None):
        return self._with_subdistricts(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._with_subdistricts(super().edit_form(obj))
