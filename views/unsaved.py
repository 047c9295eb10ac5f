"""No typed work lost (issue 22): a section form sent after its sign-in had ended.

The sign-in ends (the idle or the absolute timeout of views/sessions.py, or a sign-out on
another device, which rotates the account's session token) while a clerk fills a section form.
When the clerk presses บันทึก, the form still carries a valid CSRF token — the cookie outlives
the sign-in — but nobody is signed in.  Then, instead of a silent redirect:

1. `keep_posted_form` stores the posted fields (all but the CSRF token) in `unsaved_form` for
   the account the session names (`uid`, set at sign-in), puts the row's id in the session and
   sends the clerk to sign in, saying nothing was saved yet.  Without a `uid` (a session made
   before, or a visitor's) nothing can be tied to an account and nothing is stored.
2. The sign-in carries those ids over only for that same account (views/auth.py).
3. `restore` — the next GET of that very form by that account — fills the form from the kept
   fields through the form's normal parsing, says when they were typed, and deletes the copy:
   saving then goes through every usual check (optimistic locking with the kept
   `loaded_version`, the edit refusal, the rules).

A copy is only ever shown to the account that sent it, on the browser that sent it.  A form
that fails CSRF (the cookie is gone) names no account: nothing is stored, and the refusal page
says so (views/errors.py).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from models import User, UnsavedForm, db, utcnow
from models.catalogue.reading import parse_int_id
from workflow import BANGKOK

from .presentation import thai_datetime

SESSION_KEY = "unsaved"
SECTION_FORM = re.compile(r"edit_s\d+\.edit_view")
# One kept copy per section form is the most a clerk can have; anything past these bounds is
# not a form INFO drew (a real section form posts a few hundred short fields).
MAX_KEPT = 8
MAX_PAIRS = 5_000
MAX_CHARS = 1_000_000


def is_section_form_post() -> bool:
    """This request posts one of the 8 section forms."""
    return request.method == "POST" and bool(SECTION_FORM.fullmatch(request.endpoint or ""))


def form_url() -> str | None:
    """The form's own address, path and id (/admin/edit_s1/edit/?id=5), or None for a bad id."""
    pk = parse_int_id(request.args.get("id"))
    return f"{request.path}?id={pk}" if pk is not None else None


# --- 1. keeping a form sent after the sign-in ended --------------------------------------------

def keep_posted_form(roles: frozenset):
    """Store the posted section form for the session's account and send it to sign in."""
    url = form_url()
    pairs = [(name, value) for name, values in request.form.lists() if name != "csrf_token"
             for value in values]
    user = _session_account()
    if (user is None or user.role not in roles or url is None or len(pairs) > MAX_PAIRS
            or sum(len(n) + len(v) for n, v in pairs) > MAX_CHARS):
        flash(_("ยังไม่ได้บันทึกข้อมูล เนื่องจากไม่ได้เข้าสู่ระบบ ระบบจึงเก็บข้อมูลที่กรอกไว้ให้ไม่ได้ "
                "กรุณาเข้าสู่ระบบแล้วกรอกข้อมูลอีกครั้ง"), "warning")
        return redirect(url_for("auth.login", next=url or request.path))
    now = utcnow()
    cookie_days = timedelta(days=current_app.config["SESSION_COOKIE_DAYS"])
    # Older than the cookie that could name it: nobody can get it back any more.
    db.session.execute(delete(UnsavedForm).where(UnsavedForm.created_at < now - cookie_days))
    # The newest typing of a form replaces an earlier copy of the same form.
    db.session.execute(delete(UnsavedForm).where(UnsavedForm.user_id == user.id,
                                                 UnsavedForm.url == url))
    kept = UnsavedForm(user_id=user.id, url=url, values=[list(p) for p in pairs],
                       created_at=now)
    db.session.add(kept)
    db.session.flush()
    surplus = select(UnsavedForm.id).where(UnsavedForm.user_id == user.id) \
        .order_by(UnsavedForm.id.desc()).offset(MAX_KEPT)
    db.session.execute(delete(UnsavedForm).where(UnsavedForm.id.in_(surplus.scalar_subquery()))
                       .execution_options(synchronize_session=False))
    db.session.commit()
    keep_forms([*_kept_ids(), kept.id])
    flash(_("ยังไม่ได้บันทึกข้อมูล เนื่องจากการเข้าสู่ระบบสิ้นสุดลงแล้ว ระบบเก็บข้อมูลที่ท่านกรอกไว้ให้ "
            "กรุณาเข้าสู่ระบบอีกครั้ง แล้วระบบจะแสดงข้อมูลที่กรอกไว้ในแบบฟอร์มให้ตรวจสอบและกด บันทึก"),
          "warning")
    return redirect(url_for("auth.login", next=url))


def _session_account() -> User | None:
    """The active account the session last signed in (`uid`), or None."""
    uid = session.get("uid")
    if not isinstance(uid, int) or isinstance(uid, bool):
        return None
    user = db.session.get(User, uid)
    return user if user is not None and user.is_active else None


# --- 2. across the sign-in ---------------------------------------------------------------------

def _kept_ids() -> list[int]:
    ids = session.get(SESSION_KEY)
    if not isinstance(ids, list):
        return []
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]


def kept_forms_of(user_id: int) -> list[int]:
    """Before the sign-in clears the session: the kept forms' ids, if the session was this
    account's (another account signing in on the same browser does not carry them)."""
    return _kept_ids() if session.get("uid") == user_id else []


def keep_forms(ids: list[int]) -> None:
    """Name the kept forms in the (new) session, the newest MAX_KEPT."""
    ids = list(dict.fromkeys(ids))[-MAX_KEPT:]
    if ids:
        session[SESSION_KEY] = ids
    else:
        session.pop(SESSION_KEY, None)


# --- 3. back in the form -----------------------------------------------------------------------

def _take() -> tuple[Any, datetime] | None:
    """The signed-in account's kept copy of this form, deleted as it is read (two tabs cannot
    both get it), or None.  In a transaction of its own: on SQLite a GET reads in a deferred
    transaction, which must not turn into a writer after reading (PITFALLS)."""
    ids = _kept_ids()
    url = form_url()
    if not ids or url is None or not current_user.is_authenticated:
        return None
    with db.engine.begin() as conn:
        found = conn.execute(
            delete(UnsavedForm).where(UnsavedForm.id.in_(ids), UnsavedForm.user_id == current_user.id,
                                      UnsavedForm.url == url)
            .returning(UnsavedForm.id, UnsavedForm.values, UnsavedForm.created_at)).all()
    if not found:
        return None
    keep_forms([i for i in ids if i not in {row.id for row in found}])
    newest = max(found, key=lambda row: row.id)
    return newest.values, newest.created_at


def restore(form: Any, obj: Any) -> bool:
    """GET of a section form: fill `form` from the account's kept copy of it, if the session
    names one; says so in a message.  True when the form now holds the kept values."""
    if request.method != "GET" or obj is None or SESSION_KEY not in session:
        return False
    taken = _take()
    if taken is None:
        return False
    values, created_at = taken
    formdata = _formdata(values)
    if formdata is None:
        flash(_("ข้อมูลที่ท่านกรอกไว้ก่อนหน้านี้อ่านไม่ได้ จึงไม่ได้นำมาแสดง กรุณากรอกข้อมูลอีกครั้ง"),
              "warning")
        return False
    form.process(formdata, obj)
    for key in getattr(obj, "imported", None) or ():  # another system's values stay as stored
        if key in form:
            form[key].data = getattr(obj, key)
    flash(_("ข้อมูลที่ท่านกรอกไว้เมื่อ %(time)s น. ยังไม่ได้บันทึก กรุณาตรวจสอบแล้วกด บันทึก",
            time=_when(created_at)), "warning")
    return True


def note_refused() -> None:
    """The section cannot be edited now (certified, returned, closed, past the deadline): the
    typed values — posted now, or kept from before the sign-in — are not saved; say so."""
    if request.method == "POST" or (request.method == "GET" and SESSION_KEY in session
                                    and _take() is not None):
        flash(_("ข้อมูลที่ท่านกรอกไว้ในแบบฟอร์มยังไม่ได้บันทึก เนื่องจากขณะนี้แก้ไขข้อมูลด้านนี้ไม่ได้"),
              "warning")


def _formdata(values: Any) -> MultiDict | None:
    """The kept pairs as form data, or None when they are not pairs of texts."""
    if not isinstance(values, list) or len(values) > MAX_PAIRS:
        return None
    pairs = []
    for pair in values:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2
                and all(isinstance(part, str) for part in pair)):
            return None
        pairs.append((pair[0], pair[1]))
    return MultiDict(pairs)


def _when(value: datetime) -> str:
    """HH:MM in Bangkok; with the day when it was not today."""
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(BANGKOK)
    if local.date() == datetime.now(BANGKOK).date():
        return f"{local:%H:%M}"
    return thai_datetime(value)
