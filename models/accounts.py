"""Users: exactly one role and exactly one scope each, enforced by a CHECK constraint."""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import LabeledEnum, Role, _

from .base import db, utcnow
from .geography import District, Province
from .meta import enum_type
from .organizations import Organization

_hasher = PasswordHasher()  # argon2id with argon2-cffi's RFC 9106 low-memory profile

# One row per role: which scope column must be set; the others must be empty.
SCOPE_COLUMN = {
    Role.LAO_EDITOR: "organization_id",
    Role.DISTRICT_OFFICER: "district_code",
    Role.PROVINCE_OFFICER: "province_code",
    Role.DLA_ADMIN: None,  # the whole country
}


def _scope_check_sql() -> str:
    cols = ("organization_id", "district_code", "province_code")
    clauses = []
    for role, scope_col in SCOPE_COLUMN.items():
        parts = [f"role = '{role.value}'"]
        parts += [f"{c} IS {'NOT ' if c == scope_col else ''}NULL" for c in cols]
        clauses.append("(" + " AND ".join(parts) + ")")
    return " OR ".join(clauses)


class AccountStatus(LabeledEnum):
    # PENDING: requested through สมัครสมาชิก, waiting for approval.
    PENDING = ("pending", "รออนุมัติ", "Pending approval", "warning")
    ACTIVE = ("active", "ใช้งาน", "Active", "success")
    DISABLED = ("disabled", "ระงับการใช้งาน", "Disabled", "secondary")


class User(UserMixin, db.Model):
    """A signed-in person: one role, one scope (LAO, district, province or the country)."""

    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(_scope_check_sql(), name="one_role_one_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True,
                                          info={"label_th": "ชื่อผู้ใช้", "label_en": "Username"})
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200), default="",
                                           info={"label_th": "ชื่อ-สกุล", "label_en": "Full name"})
    position: Mapped[str | None] = mapped_column(String(200),
                                                 info={"label_th": "ตำแหน่ง", "label_en": "Position"})
    email: Mapped[str | None] = mapped_column(String(200), info={"label_th": "อีเมล", "label_en": "E-mail"})
    phone: Mapped[str | None] = mapped_column(String(50), info={"label_th": "โทรศัพท์", "label_en": "Phone"})
    role: Mapped[Role] = mapped_column(enum_type(Role), index=True,
                                       info={"label_th": "บทบาท", "label_en": "Role"})
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    district_code: Mapped[str | None] = mapped_column(ForeignKey("district.code"), index=True)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"), index=True)
    status: Mapped[AccountStatus] = mapped_column(enum_type(AccountStatus),
                                                  default=AccountStatus.ACTIVE,
                                                  info={"label_th": "สถานะบัญชี", "label_en": "Status"})
    # Returned by get_id(); rotating it ends every session of this user (flask-login #480).
    session_token: Mapped[str] = mapped_column(String(64), unique=True,
                                               default=lambda: secrets.token_urlsafe(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 info={"label_th": "สร้างเมื่อ", "label_en": "Created at"})
    last_login_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), info={"label_th": "เข้าสู่ระบบล่าสุด", "label_en": "Last sign-in"})

    organization: Mapped[Organization | None] = relationship()
    district: Mapped[District | None] = relationship()
    province: Mapped[Province | None] = relationship()

    def __str__(self) -> str:
        return self.username

    # --- passwords -------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)
        self.rotate_session()

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    # --- sessions --------------------------------------------------------------------------
    def rotate_session(self) -> None:
        """Invalidate every cookie issued for this user so far."""
        self.session_token = secrets.token_urlsafe(32)

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.status is AccountStatus.ACTIVE

    # --- scope -----------------------------------------------------------------------------
    @property
    def scope_label(self) -> str:
        if self.role is Role.LAO_EDITOR and self.organization:
            return self.organization.name_th
        if self.role is Role.DISTRICT_OFFICER and self.district:
            return _("อำเภอ%(name)s", name=self.district.name_th)
        if self.role is Role.PROVINCE_OFFICER and self.province:
            return _("จังหวัด%(name)s", name=self.province.name_th)
        return _("ทั้งประเทศ")


def dummy_password_check() -> None:
    """Spend the same time as a real check, so unknown usernames cannot be told apart."""
    try:
        _hasher.verify(_DUMMY_HASH, "x")
    except VerificationError:
        pass


_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
