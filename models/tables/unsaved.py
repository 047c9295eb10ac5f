"""Section forms that arrived after their sign-in had ended (issue 22, "no typed work lost").

A clerk who presses บันทึก after the idle or the absolute timeout, or after signing out on
another device, sent a form with a valid CSRF token but no signed-in user: nothing is saved,
and the posted fields are kept here for the account that sent them, until it signs in again on
the same browser and sees them in the form to check and save (views/unsaved.py).  Only the
pairs a browser posted are kept, never the CSRF token; a copy older than SESSION_COOKIE_DAYS
(when the cookie that names it is gone too) is deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..base import db, utcnow


class UnsavedForm(db.Model):
    """The posted fields of one form, kept for the user whose session sent them."""

    __tablename__ = "unsaved_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # The form's own address, path and id (/admin/edit_s1/edit/?id=5): applied there only.
    url: Mapped[str] = mapped_column(String(200))
    # [[name, value], …] in the order posted: several values of one name (child rows) included.
    values: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)
