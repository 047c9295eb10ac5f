"""Error pages in Thai: bad input is a clear message, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from models import db
from workflow import N_

from .unsaved import is_section_form_post

MESSAGES = {
    400: (N_("คำขอไม่ถูกต้อง"), N_("ข้อมูลที่ส่งมาไม่ถูกต้อง กรุณาตรวจสอบแล้วลองใหม่")),
    403: (N_("ไม่มีสิทธิ์เข้าถึง"), N_("บัญชีของท่านไม่มีสิทธิ์ใช้งานหน้านี้")),
    404: (N_("ไม่พบหน้าที่ต้องการ"), N_("ไม่พบข้อมูลหรือหน้าที่ท่านเรียก")),
    405: (N_("วิธีการเรียกไม่ถูกต้อง"), N_("หน้านี้ไม่รองรับการเรียกด้วยวิธีนี้")),
    410: (N_("ถอนการเผยแพร่แล้ว"), N_("ข้อมูลนี้ถูกถอนออกเพื่อแก้ไข")),
    413: (N_("ข้อมูลมีขนาดใหญ่เกินไป"), N_("ไฟล์หรือข้อมูลที่ส่งมามีขนาดเกินที่ระบบรับได้")),
    429: (N_("เรียกใช้งานถี่เกินไป"), N_("กรุณารอสักครู่แล้วลองใหม่")),
    500: (N_("ระบบขัดข้อง"), N_("เกิดข้อผิดพลาดภายในระบบ ข้อมูลไม่ถูกบันทึก กรุณาลองใหม่อีกครั้ง")),
}


def _render(code: int, detail: str | None = None, headers: list[tuple[str, str]] | None = None,
            back: bool = False):
    """The error page (JSON for the API and scripts); `back` offers to go back to the form."""
    title, message = MESSAGES.get(code, (str(code), ""))
    title, message = _(title) if title else title, _(message) if message else message
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": title, "message": detail or message}, code, headers or []
    return render_template("error.html", code=code, title=title, message=detail or message,
                           back=back), code, headers or []


def error_headers(error: HTTPException) -> list[tuple[str, str]]:
    """The headers Werkzeug gives an error (a 405's `Allow`, a 401's `WWW-Authenticate`),
    without its Content-Type: a page of our own replaces its body."""
    return [(name, value) for name, value in error.get_headers()
            if name.lower() != "content-type"]


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        if is_section_form_post():
            # The cookie is gone (cleared, or older than SESSION_COOKIE_DAYS) or was replaced by
            # a sign-out or a new sign-in: the form names no account, so nothing can be kept
            # for one (views/unsaved.py).  Say so, and offer the way back to the typed values.
            # The way back shows the typed values only where the browser kept the page: the
            # form is no-store, and Chromium then asks the server again (measured: it lands on
            # the sign-in page), so the message promises nothing.
            return _render(400, _("ข้อมูลที่ท่านกรอกไว้ยังไม่ได้บันทึก เนื่องจากการเข้าสู่ระบบที่ใช้เปิด"
                                  "แบบฟอร์มนี้สิ้นสุดลงแล้ว ลองกด ย้อนกลับไปที่แบบฟอร์ม "
                                  "หากเบราว์เซอร์ยังแสดงข้อมูลที่กรอกไว้ ให้คัดลอกหรือจดไว้ "
                                  "แล้วเข้าสู่ระบบ เปิดแบบฟอร์มใหม่ และกรอกข้อมูลอีกครั้ง"), back=True)
        return _render(400, _("แบบฟอร์มหมดอายุหรือไม่มีรหัสป้องกัน (CSRF) "
                               "กรุณาโหลดหน้าใหม่แล้วส่งอีกครั้ง"))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code in MESSAGES:
            return _render(error.code, headers=error_headers(error))
        return error

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return _render(500)
