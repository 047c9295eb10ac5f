"""Accounts outside the user list: the public สมัครสมาชิก form and its LAO search, the one-time
set-password page, and the back-office views of requests and of the account audit trail.

Who manages whom is the permission table (workflow.PERMISSIONS, GRANTABLE_ROLES) and the one
scope rule (models.rules.scoping: users, requests and their log are placed by their province).
"""

from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template,
                   request, url_for)
from flask_admin import expose
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from models import AccountLog, AccountRequest, District, Organization, Province, RequestStatus, db
from models.catalogue.collation import thai_order
from models.catalogue.reading import arabic_digits
from models.services.accounts import (AccountError, approve_request, file_request, reject_request,
                                  reset_link_user, spend_reset_link)
from models.rules.passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from workflow import Permission, may, roles_for

from .auth import limiter
from .base import ScopedModelView
from .i18n import WTFormsCatalogueMeta

bp = Blueprint("accounts", __name__)
SEARCH_LIMIT = 20
USERNAME_RULE = r"^[A-Za-z0-9._-]{3,80}$"


def _limit(name: str):
    return lambda: current_app.config[name]


def policy_validator(form, field) -> None:
    """WTForms validator: the password policy of models/rules/passwords.py (a Length(min=8) before
    it says "too short" in WTForms' own words)."""
    if field.data and len(field.data) >= MIN_LENGTH \
            and (problem := password_problem(field.data)) is not None:
        raise ValidationError(problem)


class RegisterForm(FlaskForm):
    """สมัครสมาชิก: a request for an LAO clerk's account."""

    Meta = WTFormsCatalogueMeta
    full_name = StringField(_l("ชื่อ-สกุล"), validators=[
        DataRequired(_l("กรุณากรอกชื่อ-สกุล")), Length(max=200)])
    position = StringField(_l("ตำแหน่ง"), validators=[
        DataRequired(_l("กรุณากรอกตำแหน่ง")), Length(max=200)])
    # Thai digits (๐๘๑-…) are read as the number fields read them, and stored as 0-9.
    phone = StringField(_l("โทรศัพท์"), filters=[arabic_digits], validators=[
        DataRequired(_l("กรุณากรอกหมายเลขโทรศัพท์")),
        Regexp(r"^[0-9 +()#-]{9,30}$", message=_l("หมายเลขโทรศัพท์ไม่ถูกต้อง เช่น 056 511 234"))])
    email = StringField(_l("อีเมล"), validators=[
        DataRequired(_l("กรุณากรอกอีเมล")), Length(max=200),
        Email(_l("อีเมลไม่ถูกต้อง"), check_deliverability=False)])
    username = StringField(_l("ชื่อผู้ใช้ที่ต้องการ"), validators=[
        DataRequired(_l("กรุณากรอกชื่อผู้ใช้")),
        Regexp(USERNAME_RULE, message=_l("ชื่อผู้ใช้ใช้ได้เฉพาะตัวอักษรภาษาอังกฤษ ตัวเลข . _ - "
                                         "ยาว 3–80 ตัวอักษร"))],
        description=_l("ตัวอักษรภาษาอังกฤษ ตัวเลข . _ - (3–80 ตัวอักษร)"))
    privacy = BooleanField(_l("ข้าพเจ้าได้อ่านประกาศความเป็นส่วนตัวแล้ว และรับทราบว่า INFO เก็บ"
                              "ชื่อ ตำแหน่ง โทรศัพท์ และอีเมลนี้เพื่อพิจารณาคำขอและติดต่อเรื่องบัญชี"),
                           validators=[DataRequired(_l("กรุณาอ่านประกาศความเป็นส่วนตัว "
                                                       "แล้วทำเครื่องหมายรับทราบ"))])
    dla_code = StringField(_l("รหัส อปท. (7 หลัก)"), filters=[arabic_digits], validators=[
        DataRequired(_l("กรุณาเลือก อปท. หรือกรอกรหัส อปท. 7 หลัก")),
        Regexp(r"^[0-9]{7}$", message=_l("รหัส อปท. ต้องเป็นตัวเลข 7 หลัก"))],
        description=_l("พิมพ์ชื่อหรือรหัส อปท. ในช่องค้นหาแล้วเลือกจากรายการ หรือกรอกรหัส 7 หลัก"))


class SetPasswordForm(FlaskForm):
    Meta = WTFormsCatalogueMeta
    password = PasswordField(_l("รหัสผ่านใหม่"), validators=[
        DataRequired(_l("กรุณากรอกรหัสผ่าน")), Length(min=MIN_LENGTH, max=MAX_LENGTH),
        policy_validator],
        description=_l("อย่างน้อย %(n)s ตัวอักษร ไม่บังคับผสมตัวเลขหรือสัญลักษณ์ "
                       "แต่ต้องไม่ใช่รหัสผ่านที่ใช้กันทั่วไป", n=MIN_LENGTH))
    confirm_password = PasswordField(_l("ยืนยันรหัสผ่านใหม่"), validators=[
        DataRequired(_l("กรุณากรอกรหัสผ่านอีกครั้ง")),
        EqualTo("password", _l("รหัสผ่านทั้งสองช่องไม่ตรงกัน"))])


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_RATE_LIMIT"), methods=["POST"])
def register():
    """The public สมัครสมาชิก form: files a pending request, nothing else."""
    form = RegisterForm()
    organization = None
    if form.validate_on_submit():
        organization = db.session.scalar(select(Organization).where(
            Organization.dla_code == form.dla_code.data, Organization.active.is_(True)))
        if organization is None:
            form.dla_code.errors.append(_("ไม่พบ อปท. รหัส %(code)s", code=form.dla_code.data))
        else:
            try:
                filed = file_request(organization=organization, full_name=form.full_name.data,
                                     position=form.position.data, phone=form.phone.data,
                                     email=form.email.data, username=form.username.data)
                db.session.commit()
            except AccountError as refusal:
                db.session.rollback()
                flash(str(refusal), "error")
            else:
                return render_template("accounts/register_done.html", filed=filed,
                                       organization=organization)
    elif form.dla_code.data and len(form.dla_code.data) == 7:
        organization = db.session.scalar(select(Organization).where(
            Organization.dla_code == form.dla_code.data))
    return render_template("accounts/register.html", form=form, organization=organization)


@bp.route("/register/organizations")
@limiter.limit(_limit("SEARCH_RATE_LIMIT"))
def organization_search():
    """At most 20 active LAOs whose name contains, or whose DLA code starts with, `q`."""
    q = (request.args.get("q") or "").strip()[:100]
    if len(q) < 2:
        return jsonify(results=[])
    match = Organization.dla_code.startswith(q) if q.isdigit() else or_(
        Organization.name_th.contains(q, autoescape=True),
        Organization.name_en.icontains(q, autoescape=True))
    rows = db.session.execute(
        select(Organization.dla_code, Organization.name_th, District.name_th, Province.name_th)
        .join(District, Organization.district_code == District.code)
        .join(Province, Organization.province_code == Province.code)
        .where(Organization.active.is_(True), match)
        .order_by(thai_order(Organization.name_th), Organization.dla_code).limit(SEARCH_LIMIT)).all()
    return jsonify(results=[dict(dla_code=code, name=name, district=district, province=province)
                            for code, name, district, province in rows])


@bp.route("/privacy")
def privacy():
    """ประกาศความเป็นส่วนตัว (PDPA B.E. 2562): what INFO collects about people, why, who sees
    it, how long it is kept, the person's rights and whom to contact."""
    return render_template("accounts/privacy.html")


@bp.route("/my-data")
@login_required
def my_data():
    """The personal data INFO holds about the signed-in person: the account, the สมัครสมาชิก
    requests it was made from, and the account log's entries about it (PDPA: access)."""
    user = current_user
    requests = db.session.scalars(select(AccountRequest).where(
        or_(AccountRequest.user_id == user.id,
            func.lower(AccountRequest.username) == user.username.lower()))
        .order_by(AccountRequest.id)).all()
    log = db.session.scalars(select(AccountLog).where(AccountLog.user_id == user.id)
                             .order_by(AccountLog.id.desc()).limit(200)).all()
    return render_template("accounts/my_data.html", user=user, requests=requests, log=log)


@bp.route("/password/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_RATE_LIMIT"), methods=["POST"])
def set_password(token: str):
    """The one-time set-password link an administrator handed over (no sign-in needed)."""
    user = reset_link_user(token)
    if user is None:
        return render_template("accounts/set_password.html", form=None, user=None), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            spend_reset_link(token, form.password.data)
            db.session.commit()
        except AccountError as refusal:
            db.session.rollback()
            form.password.errors = [*form.password.errors, str(refusal)]
        else:
            flash(_("ตั้งรหัสผ่านแล้ว กรุณาเข้าสู่ระบบด้วยรหัสผ่านใหม่"), "success")
            return redirect(url_for("auth.login"))
    return render_template("accounts/set_password.html", form=form, user=user)


# --- back office ---------------------------------------------------------------------------

class AccountRequestView(ScopedModelView):
    """คำขอสมัครสมาชิก: the province of the LAO (or a dla_admin) approves or rejects."""

    roles = roles_for(Permission.MANAGE_USERS)
    can_view_details = True
    column_list = ("created_at", "full_name", "position", "organization", "username", "email",
                   "phone", "status")
    column_details_list = ("created_at", "full_name", "position", "organization", "username",
                           "email", "phone", "status", "decided_at", "decided_by", "reason")
    column_labels = {"decided_by": _l("ผู้พิจารณา")}
    column_filters = ("status",)
    column_searchable_list = ("full_name", "username", "email")
    column_default_sort = ("id", True)
    column_select_related_list = (AccountRequest.organization,)
    details_template = "admin/account_request/details.html"

    @expose("/decide/", methods=["POST"])
    def decide_view(self):
        if not may(current_user, Permission.MANAGE_USERS):
            abort(403)
        row = self.get_one(request.form.get("id"))  # 404 outside the officer's province
        decision = request.form.get("decision")
        try:
            if decision == "approve":
                user, token = approve_request(
                    row, actor=current_user, hours=current_app.config["RESET_LINK_HOURS"])
            elif decision == "reject":
                reject_request(row, actor=current_user, reason=request.form.get("reason", ""))
            else:
                abort(400)
            db.session.commit()
        except (AccountError, IntegrityError) as refusal:
            # IntegrityError: the same username was created a moment ago by someone else.
            db.session.rollback()
            flash(str(refusal) if isinstance(refusal, AccountError) else
                  _("ชื่อผู้ใช้ “%(name)s” มีผู้ใช้แล้ว", name=row.username), "error")
            return redirect(self.get_url(".details_view", id=row.id))
        if decision == "reject":
            flash(_("ไม่อนุมัติคำขอของ %(name)s แล้ว", name=row.full_name), "info")
            return redirect(self.get_url(".index_view"))
        return self.render("admin/user_account/link.html", account=user, approved=True,
                           link=url_for("accounts.set_password", token=token, _external=True),
                           hours=current_app.config["RESET_LINK_HOURS"])


class AccountLogView(ScopedModelView):
    """บันทึกการเปลี่ยนแปลงบัญชีผู้ใช้: who changed which account, when, what (no secrets)."""

    roles = roles_for(Permission.MANAGE_USERS)
    column_list = ("created_at", "actor", "action", "user", "account_request_id", "field",
                   "old_value", "new_value")
    column_filters = ("action", "field")
    column_default_sort = ("id", True)
    column_select_related_list = (AccountLog.actor, AccountLog.user)

