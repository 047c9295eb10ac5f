"""Sign in and sign out.  Sessions carry a rotating token, so logout ends them server-side."""

from __future__ import annotations

from time import time
from urllib.parse import urlsplit

from flask_babel import gettext as _, lazy_gettext as _l
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from models import AccountStatus, User, db, utcnow
from models.services.accounts import void_reset_links
from models.tables.accounts import dummy_password_check

from . import unsaved
from .i18n import WTFormsCatalogueMeta

bp = Blueprint("auth", __name__)
# Initialised by the factory; storage from RATELIMIT_STORAGE_URI (memory:// per process by default,
# redis://… shared by every process in production).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
DEVICE_COOKIE = "info_device"
DEVICE_DAYS = 180


def _failed(response) -> bool:
    """A sign-in that did not succeed (a success redirects): only these count."""
    return response.status_code != 302


def _account() -> str:
    return (request.form.get("username") or "").strip().lower()[:80]


def _account_key() -> str:
    return f"account:{_account()}"


def _account_address_key() -> str:
    return f"account:{_account()}@{get_remote_address()}"


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="info-known-device")


def _known_device() -> bool:
    """This browser signed in to this account before (a signed cookie the login sets)."""
    token = request.cookies.get(DEVICE_COOKIE)
    if not token or len(token) > 512:
        return False
    try:
        names = _device_serializer().loads(token, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return False
    return isinstance(names, list) and _account() in names


def _limit(name: str):
    return lambda: current_app.config[name]


class LoginForm(FlaskForm):
    Meta = WTFormsCatalogueMeta  # WTForms messages (e.g. Length) from translations/<lang>/wtforms
    username = StringField(_l("ชื่อผู้ใช้"), validators=[DataRequired(_l("กรุณากรอกชื่อผู้ใช้")),
                                                    Length(max=80)])
    password = PasswordField(_l("รหัสผ่าน"), validators=[DataRequired(_l("กรุณากรอกรหัสผ่าน")),
                                                    Length(max=128)])


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no //evil.example, no scheme)."""
    if target and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_RATE_LIMIT"), methods=["POST"], deduct_when=_failed)
@limiter.limit(_limit("LOGIN_ACCOUNT_IP_LIMIT"), methods=["POST"], deduct_when=_failed,
               key_func=_account_address_key)
@limiter.limit(_limit("LOGIN_ACCOUNT_LIMIT"), methods=["POST"], deduct_when=_failed,
               key_func=_account_key, exempt_when=_known_device)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is None:
            dummy_password_check()
        if user is None or not user.check_password(form.password.data):
            flash(_("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"), "error")
        elif user.status is AccountStatus.PENDING:
            flash(_("บัญชีนี้รอการอนุมัติจากสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด"), "warning")
        elif user.status is AccountStatus.DISABLED:
            flash(_("บัญชีนี้ถูกระงับการใช้งาน กรุณาติดต่อผู้ดูแลระบบ"), "error")
        else:
            lang = session.get("lang")  # the language chosen before signing in stays
            kept = unsaved.kept_forms_of(user.id)  # forms this account sent after its sign-in ended
            session.clear()  # no fixation: a fresh session for the signed-in user
            if lang:
                session["lang"] = lang
            unsaved.keep_forms(kept)
            login_user(user)
            session.permanent = True
            # views/sessions.py ends the sign-in after the idle or the absolute timeout; `uid`
            # outlives it, so a form sent afterwards can be kept for this account.
            session["login_at"] = session["seen_at"] = time()
            session["uid"] = user.id
            user.last_login_at = utcnow()
            void_reset_links(user)
            db.session.commit()
            response = redirect(safe_next(request.args.get("next")))
            _remember_device(response, user.username)
            return response
    return render_template("login.html", form=form)


def _remember_device(response, username: str) -> None:
    """Mark this browser as a known device of the account (up to a few accounts per browser)."""
    names = []
    token = request.cookies.get(DEVICE_COOKIE)
    if token and len(token) <= 512:
        try:
            names = [n for n in _device_serializer().loads(token, max_age=DEVICE_DAYS * 86400)
                     if isinstance(n, str)]
        except (BadSignature, TypeError):
            names = []
    names = [username.lower(), *[n for n in names if n != username.lower()]][:5]
    response.set_cookie(DEVICE_COOKIE, _device_serializer().dumps(names),
                        max_age=DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Rotating the token makes every copy of this user's cookie worthless.
        current_user.rotate_session()
        db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("ออกจากระบบแล้ว"), "info")
    return redirect(url_for("auth.login"))
