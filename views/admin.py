"""The Flask-Admin back office: built inside the factory (flask-admin #910), one menu per area."""

from __future__ import annotations

import re

from flask import Flask, abort, current_app, flash, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.actions import action
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme
from flask_babel import LazyString, gettext as _, lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from models import (AccountLog, AccountRequest, AccountStatus, AuditLog, ImportBatch, CertificationEvent, District, FiscalYear, InfoAdministrator,
                    LaoWebsite, Organization, Province, SectionWarning, Subdistrict, Submission, TouristPlace,
                    User, YearStatus, db)
from models.services.accounts import AccountError, check_account, issue_reset_link
from models.services.organizations import OrganizationRefused, place_organization
from models.tables.accounts import RequestStatus
from models.rules.scoping import scoped
from models.rules.passwords import MAX_LENGTH, MIN_LENGTH
from models.services.certification import submission_scope
from models.tables.sections import CHILDREN, SECTIONS
from workflow import (SECTION_COUNT, Action, Permission, Role, Status, grantable_roles, may,
                      roles_for)

from .accounts import AccountLogView, AccountRequestView, policy_validator
from .audit import AuditLogView, EventView, ImportBatchView
from .findings import FindingsView
from .base import ScopedModelView
from .presentation import csp_nonce
from .dashboard import ProgressDashboardView
from .imports import ImportView
from .records import InfoAdministratorView, LaoWebsiteView, TouristPlaceView
from .rounds import FiscalYearView
from .sections import section_view
from .submissions import LaoYearListView, SubmissionReviewView
from .i18n import column_descriptions, column_labels, current_lang


class HomeView(AdminIndexView):
    """หน้าแรกของระบบหลังบ้าน: who you are and the state of the current round."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.is_active

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        counts = dict(db.session.execute(
            select(Submission.status, func.count()).join(FiscalYear)
            .where(FiscalYear.status == YearStatus.OPEN, submission_scope(current_user))
            .group_by(Submission.status)).all())
        years = db.session.scalars(select(FiscalYear).order_by(FiscalYear.be_year.desc())).all()
        return self.render("admin/home.html", counts=counts, years=years,
                           returned=returned_to_clerk(current_user),
                           pending_requests=pending_requests(current_user))



def returned_to_clerk(user) -> list:
    """The clerk's LAO-years the province returned for correction: reason, who, when."""
    if not may(user, Permission.ENTER_DATA):
        return []
    latest = (select(func.max(CertificationEvent.id)).where(
        CertificationEvent.submission_id == Submission.id,
        CertificationEvent.action == Action.RETURN_TO_LAO).correlate(Submission)
        .scalar_subquery())
    return db.session.execute(
        select(Submission.id, Submission.fiscal_year, Submission.return_reason,
               CertificationEvent.created_at, User.full_name.label("who"))
        .join(FiscalYear, Submission.fiscal_year == FiscalYear.be_year)
        .join(CertificationEvent, CertificationEvent.id == latest)
        .outerjoin(User, CertificationEvent.actor_id == User.id)
        .where(submission_scope(user), Submission.status == Status.DRAFT,
               Submission.return_reason.is_not(None), FiscalYear.status == YearStatus.OPEN)
        .order_by(Submission.fiscal_year.desc())).all()


def pending_requests(user) -> int | None:
    """How many สมัครสมาชิก requests wait for `user`'s decision (None: not its business)."""
    if not may(user, Permission.MANAGE_USERS):
        return None
    return db.session.scalar(scoped(select(func.count()).select_from(AccountRequest),
                                    AccountRequest, user)
                             .where(AccountRequest.status == RequestStatus.PENDING))


class MasterDataView(ScopedModelView):
    """Reference tables: everyone signed in may read, only a dla_admin reaches them here."""

    roles = roles_for(Permission.MANAGE_MASTER_DATA)
    can_view_details = True
    column_display_pk = True


class ProvinceView(MasterDataView):
    column_list = ("code", "name_th", "name_en")
    column_searchable_list = ("code", "name_th", "name_en")
    column_default_sort = "code"


class DistrictView(MasterDataView):
    column_list = ("code", "name_th", "name_en", "province")
    column_searchable_list = ("code", "name_th", "name_en")
    column_filters = ("province_code",)
    column_default_sort = "code"
    column_select_related_list = (District.province,)


class SubdistrictView(MasterDataView):
    column_list = ("code", "name_th", "name_en", "postal_code", "district", "province")
    column_searchable_list = ("code", "name_th", "name_en", "postal_code")
    column_filters = ("province_code", "district_code")
    column_default_sort = "code"
    column_select_related_list = (Subdistrict.district, Subdistrict.province)


def _seven_digits(form, field) -> None:
    # A plain str: Flask-Admin's templates show only str errors (a lazy string is hidden).
    if not re.fullmatch(r"\d{7}", field.data or ""):
        raise ValidationError(_("รหัส อปท. ต้องเป็นตัวเลข 7 หลัก"))


class OrganizationView(ScopedModelView):
    """อปท. master data (dla_admin): create, edit, deactivate, change type, move district.

    An LAO keeps its DLA code for life (an อบต. upgraded to เทศบาลตำบล keeps it, and its
    submissions stay attached).  Its open years' submissions follow a move or a change of
    type, so the scope rule (which reads the submission's own district and province) places
    them where the LAO now is; closed years keep where and what it was that year.  An
    inactive LAO gets no draft when the next year opens (models/services/rounds.py).
    """

    roles = roles_for(Permission.MANAGE_MASTER_DATA)
    can_create = can_edit = True
    can_view_details = True
    column_list = ("dla_code", "name_th", "org_type", "district", "province", "active")
    column_searchable_list = ("dla_code", "name_th", "name_en")
    column_filters = ("org_type", "province_code", "district_code", "active")
    column_default_sort = "dla_code"
    column_select_related_list = (Organization.district, Organization.province)
    form_columns = ("dla_code", "name_th", "name_en", "org_type", "district", "subdistrict",
                    "active")
    form_ajax_refs = {
        "district": {"fields": (District.name_th, District.code), "page_size": 20},
        "subdistrict": {"fields": (Subdistrict.name_th, Subdistrict.code), "page_size": 20},
    }
    form_args = {"dla_code": {"validators": [DataRequired(), _seven_digits]}}

    def search_placeholder(self) -> str:
        return _("ค้นหารหัสหรือชื่อ อปท.")

    def on_model_change(self, form, model, is_created):
        try:
            place_organization(model, created=is_created)   # the rules of an LAO's place
        except OrganizationRefused as refusal:
            raise ValidationError(str(refusal)) from None


class UserView(ScopedModelView):
    """ผู้ใช้งาน: one role, one scope; passwords are stored as argon2id hashes.

    A dla_admin manages every account; a province officer the LAO clerks and district officers
    of its province (workflow.GRANTABLE_ROLES, and the scope rule places users by province):
    the list, the record pages, the role choices and every save say the same.
    """

    roles = roles_for(Permission.MANAGE_USERS)
    can_create = can_edit = True
    column_list = ("username", "full_name", "role", "scope", "status", "last_login_at")
    column_searchable_list = ("username", "full_name", "email")
    column_filters = ("role", "status", "area_province_code")
    column_labels = {"area_province_code": _l("จังหวัด")}
    column_formatters = {"scope": lambda v, c, m, n: m.scope_label}
    column_select_related_list = (User.organization, User.district, User.province)
    form_columns = ("username", "full_name", "position", "email", "phone", "role",
                    "organization", "district", "province", "status", "new_password")
    form_extra_fields = {"new_password": PasswordField(
        _l("รหัสผ่านใหม่"), validators=[Optional(), Length(min=MIN_LENGTH, max=MAX_LENGTH), policy_validator],
        description=_l("อย่างน้อย 8 ตัวอักษร ต้องไม่ใช่รหัสผ่านที่ใช้กันทั่วไป เว้นว่างไว้หากไม่เปลี่ยน "
                       "(หรือออกลิงก์ตั้งรหัสผ่านจากรายการผู้ใช้)"))}
    form_ajax_refs = {
        "organization": {"fields": (Organization.name_th, Organization.dla_code), "page_size": 20},
        "district": {"fields": (District.name_th, District.code), "page_size": 20},
    }
    list_template = "admin/user_account/list.html"

    def scope(self, query):
        """The one scope rule, and only the roles this manager may grant."""
        return super().scope(query).filter(User.role.in_(grantable_roles(current_user)))

    def _limit_roles(self, form):
        allowed = grantable_roles(current_user)
        if hasattr(form, "role"):
            form.role.choices = [c for c in form.role.choices if Role(c[0]) in allowed]
        return form

    def create_form(self, obj=None):
        return self._limit_roles(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._limit_roles(super().edit_form(obj))

    def on_model_change(self, form, model, is_created):
        try:   # the account rules (models/services/accounts.py): role, scope, province, password
            check_account(model, current_user, created=is_created,
                          new_password=form.new_password.data)
        except AccountError as refusal:
            raise ValidationError(str(refusal)) from None

    @action("disable", _l("ระงับการใช้งาน"),
            _l("ระงับการใช้งานบัญชีที่เลือก? ผู้ใช้จะออกจากระบบทันที"))
    def action_disable(self, ids):
        rows = self.scoped_rows(ids)
        for user in rows:
            if user.status is not AccountStatus.DISABLED:
                user.status = AccountStatus.DISABLED  # its sessions end at the flush
        db.session.commit()
        flash(_("ระงับการใช้งานแล้ว %(n)s บัญชี", n=len(rows)), "success")

    @expose("/reset/", methods=["POST"])
    def reset_view(self):
        """Issue a one-time set-password link, shown here once (no mail server is assumed)."""
        if not may(current_user, Permission.MANAGE_USERS):
            abort(403)
        user = self.get_one(request.form.get("id"))  # 404 outside the manager's accounts
        if user.status is not AccountStatus.ACTIVE:
            flash(_("บัญชีนี้ไม่ได้อยู่ในสถานะใช้งาน ออกลิงก์ตั้งรหัสผ่านไม่ได้"), "error")
            return redirect(self.get_url(".index_view"))
        hours = current_app.config["RESET_LINK_HOURS"]
        token = issue_reset_link(user, actor=current_user, hours=hours)
        db.session.commit()
        return self.render("admin/user_account/link.html", account=user, approved=False,
                           link=url_for("accounts.set_password", token=token, _external=True),
                           hours=hours)


def imported_column(view, _context, model, _name) -> Markup:
    """ "e-LAAS: revenue, …" for the fields another system supplied, not the stored JSON."""
    from models.tables.batches import imported_fields
    return Markup("<br>").join(
        Markup("{}: {}").format(source, ", ".join(labels))
        for source, labels in imported_fields(view.model, getattr(model, "imported", None)))


class SectionBrowseView(ScopedModelView):
    """Read-only browse of one section table (the editing forms belong to the LAO screens)."""

    roles = roles_for(Permission.BROWSE_SECTION_TABLES)
    can_view_details = True
    column_display_pk = True
    column_formatters = {"imported": imported_column}


def _section_name(section: type, child: type | None = None, numbered: bool = True) -> LazyString:
    """A section's (or child table's) menu name in the request's language: "1. ข้อมูลสภาพทั่วไป"."""
    table = child or section

    def text() -> str:
        title = table.TITLE_EN if current_lang() == "en" else table.TITLE_TH
        return f"{section.SECTION_NO}. {title}" if numbered else title
    return LazyString(text)


def build_admin(app: Flask) -> Admin:
    admin = Admin(
        app, name="INFO", url="/admin",
        index_view=HomeView(name=_l("หน้าแรก"), url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/info_base.html", fluid=True),
        translations_path=str(app.root_path + "/translations"),
        csp_nonce_generator=csp_nonce,   # the nonce of app.py's Content-Security-Policy
    )

    def add(view_cls, model, name, category=None, endpoint=None, **attrs):
        # Labels and help text come from the column metadata unless the view sets its own.
        own_labels = {}
        for klass in reversed(view_cls.__mro__):
            labels = klass.__dict__.get("column_labels")
            if isinstance(labels, dict):
                own_labels.update(labels)
        attrs.setdefault("column_labels", {**column_labels(model), **own_labels})
        attrs.setdefault("column_descriptions", column_descriptions(model))
        view = type(view_cls.__name__, (view_cls,), attrs)
        instance = view(model, name=name, category=category,
                        endpoint=endpoint or model.__tablename__)
        admin.add_view(instance)
        return instance

    data = _l("ข้อมูล อปท. %(n)s ด้าน", n=SECTION_COUNT)
    # The LAO clerk's menu item is the year list itself (letter step 3).
    add(LaoYearListView, Submission, data, None, endpoint="lao_years")
    review = add(SubmissionReviewView, Submission, _l("รายการ อปท. รายปี"), data)
    admin.add_view(ProgressDashboardView(review, name=_l("ความก้าวหน้าการบันทึกและรับรองข้อมูล"),
                                         category=data, endpoint="dashboard"))
    add(FindingsView, SectionWarning, _l("ข้อสังเกตที่ต้องตรวจ"), data, endpoint="findings")
    # Its own menu item: under the data menu the clerk (whose year list carries that menu's
    # name) would get a second "ข้อมูล อปท. 8 ด้าน" next to the first.
    admin.add_view(ImportView(name=_l("นำเข้าข้อมูลจากไฟล์"), endpoint="imports",
                              url="/admin/import"))
    for section in SECTIONS:
        # The rows changed last first: what the DLA looks for in a section table (an import,
        # a late correction), and one order on every database.
        add(SectionBrowseView, section, _section_name(section), data,
            column_default_sort=[("updated_at", True), ("submission_id", True)])
        for _attr, child in CHILDREN.get(section, ()):
            add(SectionBrowseView, child, _section_name(section, child), data)

    for section in SECTIONS:
        admin.add_view(section_view(section)(section, name=_section_name(section, numbered=False),
                                             endpoint=f"edit_s{section.SECTION_NO}"))

    records = _l("ข้อมูลของ อปท.")
    add(LaoWebsiteView, LaoWebsite, _l("บันทึกเว็บไซต์ อปท."), records)
    add(InfoAdministratorView, InfoAdministrator, _l("บันทึกผู้ดูแลระบบ INFO"), records)
    add(TouristPlaceView, TouristPlace, _l("ข้อมูลสถานที่ท่องเที่ยว"), records)

    master = _l("ข้อมูลหลัก")
    add(FiscalYearView, FiscalYear, _l("ปีงบประมาณ"), master)
    add(OrganizationView, Organization, _l("องค์กรปกครองส่วนท้องถิ่น"), master)
    add(ProvinceView, Province, _l("จังหวัด"), master)
    add(DistrictView, District, _l("อำเภอ"), master)
    add(SubdistrictView, Subdistrict, _l("ตำบล"), master)
    accounts = _l("ผู้ใช้งาน")
    add(UserView, User, _l("ผู้ใช้งาน"), accounts)
    add(AccountRequestView, AccountRequest, _l("คำขอสมัครสมาชิก"), accounts)
    add(AccountLogView, AccountLog, _l("บันทึกการเปลี่ยนแปลงบัญชีผู้ใช้"), accounts)

    # Every role reads the audit of its own scope: a menu of its own, not under master data.
    audit = _l("ประวัติและบันทึกการเปลี่ยนแปลง")
    add(EventView, CertificationEvent, _l("ประวัติการรับรองข้อมูล"), audit)
    add(AuditLogView, AuditLog, _l("บันทึกการเปลี่ยนแปลงข้อมูล"), audit)
    add(ImportBatchView, ImportBatch, _l("การนำเข้าข้อมูล"), audit)
    # The letter's Download menu: the guides (public pages, views/guides.py).
    admin.add_link(MenuLink(name=_l("คู่มือ"), endpoint="guides.index"))
    return admin

