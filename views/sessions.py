"""How long a sign-in lasts (README, Security), enforced by the server at each request.

The session cookie lives SESSION_COOKIE_DAYS; the sign-in inside it ends after
SESSION_IDLE_MINUTES without a request (`seen_at`) or SESSION_ABSOLUTE_HOURS after signing in
(`login_at`).  Ending it removes Flask-Login's keys and the two times but keeps the CSRF token,
the language and the account's id (`uid`): a section form opened before still passes CSRF when
it is sent, and can be kept for the account that typed it (views/unsaved.py) instead of being
lost.  The open section form keeps the sign-in alive while the clerk works, and warns before
it ends (static/js/session-keep.js, through `keepalive` below).
"""

from __future__ import annotations

from datetime import timedelta
from time import time
from typing import Any

from flask import Blueprint, Flask, current_app, flash, jsonify, request, session
from flask_babel import gettext as _
from flask_login import current_user, logout_user

bp = Blueprint("sessions", __name__)

KEEPALIVE = "sessions.keepalive"
# Requests that are not the clerk's own doing do not count as activity: the page's keep-alive
# decides for itself (a status check must not extend the sign-in), files carry no session use.
NOT_ACTIVITY = frozenset({KEEPALIVE, "static", "admin.static", "vendor.asset"})


def _duration(value: Any, unit: timedelta) -> timedelta:
    """A configured duration: a timedelta as it is (tests use seconds), a number in `unit`."""
    if isinstance(value, timedelta):
        return value
    return unit * float(value)


def idle_limit() -> timedelta:
    """SESSION_IDLE_MINUTES (minutes, or a timedelta), read at each request."""
    return _duration(current_app.config["SESSION_IDLE_MINUTES"], timedelta(minutes=1))


def absolute_limit() -> timedelta:
    """SESSION_ABSOLUTE_HOURS (hours, or a timedelta), read at each request."""
    return _duration(current_app.config["SESSION_ABSOLUTE_HOURS"], timedelta(hours=1))


def _times() -> tuple[float, float] | None:
    """(login_at, seen_at) of the sign-in this session holds, or None."""
    login_at = session.get("login_at")
    if login_at is None:
        return None
    try:
        login_at = float(login_at)
        seen_at = float(session.get("seen_at", login_at))
    except (TypeError, ValueError):
        return 0.0, 0.0  # not a time INFO wrote: as good as expired
    return login_at, seen_at


def seconds_left() -> int:
    """Seconds until the sign-in ends if nothing happens meanwhile (0 when there is none)."""
    times = _times()
    if times is None:
        return 0
    login_at, seen_at = times
    now = time()
    left = min(seen_at + idle_limit().total_seconds() - now,
               login_at + absolute_limit().total_seconds() - now)
    return max(0, int(left))


def end_expired_sign_in() -> None:
    """End the sign-in of this session when it was idle or has lasted too long (before_request)."""
    times = _times()
    if times is None:
        return
    login_at, seen_at = times
    now = time()
    if now - login_at > absolute_limit().total_seconds():
        reason = _("ออกจากระบบอัตโนมัติแล้ว เนื่องจากเข้าสู่ระบบต่อเนื่องครบ %(hours)s ชั่วโมง",
                   hours=_number(absolute_limit() / timedelta(hours=1)))
    elif now - seen_at > idle_limit().total_seconds():
        reason = _("ออกจากระบบอัตโนมัติแล้ว เนื่องจากไม่มีการใช้งานเกิน %(length)s",
                   length=_length(idle_limit()))
    else:
        return
    end_sign_in()
    flash(reason, "warning")


def end_sign_in() -> None:
    """Forget who is signed in, keeping the CSRF token, `lang` and `uid` (and a kept form's id)."""
    if session.get("_user_id") is not None:
        logout_user()  # Flask-Login's keys, and this request's current_user is anonymous now
    session.pop("login_at", None)
    session.pop("seen_at", None)


def note_request(signed_in: bool) -> None:
    """After end_expired_sign_in (before_request): a request of the signed-in user starts the
    idle time again; a sign-in whose account no longer answers (signed out on another device,
    disabled) loses its keys here too, so it cannot time out later with a wrong message."""
    if signed_in:
        if request.endpoint not in NOT_ACTIVITY:
            session["seen_at"] = time()
    elif "login_at" in session:
        end_sign_in()


def _number(value: float) -> str:
    return f"{value:g}"


def _length(value: timedelta) -> str:
    minutes = value / timedelta(minutes=1)
    if minutes >= 1:
        return _("%(n)s นาที", n=_number(round(minutes, 1)))
    return _("%(n)s วินาที", n=_number(round(value.total_seconds())))


@bp.route("/session/keepalive", methods=["POST"])
def keepalive():
    """The open section form's ping (CSRF-protected like every POST).

    Signed in: the idle time starts again (`check=1` only asks), and the answer says how many
    seconds are left, the absolute timeout included.  Not signed in (ended, signed out on
    another device, never): `{"signed_in": false}` with 200, never a redirect, and nothing is
    revived: an ended sign-in has no Flask-Login keys left to revive.
    """
    if not current_user.is_authenticated:
        return jsonify(signed_in=False)
    if request.form.get("check") != "1":
        session["seen_at"] = time()
    return jsonify(signed_in=True, seconds_left=seconds_left())


def register(app: Flask) -> None:
    app.register_blueprint(bp)

    # The section form's page script needs the idle length and what is left now.
    app.add_template_global(lambda: int(idle_limit().total_seconds()), "session_idle_seconds")
    app.add_template_global(seconds_left, "session_seconds_left")
