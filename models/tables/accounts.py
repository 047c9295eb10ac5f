"""Users: exactly one role and exactly one scope each, enforced by a CHECK constraint."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import (CheckConstraint, DateTime, ForeignKey, Index, String, Text, event, insert,
                        inspect, update)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from workflow import LabeledEnum, Role, _

from ..base import db, utcnow
from ..catalogue.columns import enum_type
from .geography import District, Province
from .organizations import Organization

# argon2id at OWASP's minimum for a server (Password Storage Cheat Sheet: m=19 MiB, t=2, p=1)
# instead of argon2-cffi's default RFC 9106 low-memory profile (m=64 MiB, t=3, p=4), which cost
# ~0.35 s of CPU per login at the deadline rush (issue 13; bench/bench_argon2.py measures both).
# A stored hash with other parameters is re-hashed at its next good login (check_password).
ARGON2_PARAMETERS = dict(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32,
                         salt_len=16)
_hasher = PasswordHasher(**ARGON2_PARAMETERS)

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
    # The province the account belongs to, whatever its role (its LAO's, its district's, its
    # own): the column the scope rule places users by, so a province officer manages the
    # accounts of its province.  Kept by the before_flush hook below, never typed in.  (No
    # foreign key: derived from ones that have it, and SQLite would rebuild the table to add it.)
    area_province_code: Mapped[str | None] = mapped_column(String(2), index=True)
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
    province: Mapped[Province | None] = relationship(foreign_keys=[province_code])

    def __str__(self) -> str:
        return self.username

    # --- passwords -------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)
        self.rotate_session()

    def check_password(self, password: str) -> bool:
        """Whether `password` is this user's; a good one re-hashes a hash made with other
        argon2 parameters (the caller commits).  The session is not rotated by a re-hash."""
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.password_hash = _hasher.hash(password)
        return True

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


class RequestStatus(LabeledEnum):
    PENDING = ("pending", "รอการพิจารณา", "Pending", "warning")
    APPROVED = ("approved", "อนุมัติแล้ว", "Approved", "success")
    REJECTED = ("rejected", "ไม่อนุมัติ", "Rejected", "danger")


class AccountRequest(db.Model):
    """A สมัครสมาชิก request for an LAO clerk's account, filed by the public form and decided
    by the province officer of the LAO's province (or a dla_admin)."""

    __tablename__ = "account_request"
    __table_args__ = (Index("ix_account_request_province_status", "province_code", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 info={"label_th": "ยื่นคำขอเมื่อ", "label_en": "Filed at"})
    full_name: Mapped[str] = mapped_column(String(200), info={"label_th": "ชื่อ-สกุล", "label_en": "Full name"})
    position: Mapped[str] = mapped_column(String(200), info={"label_th": "ตำแหน่ง", "label_en": "Position"})
    phone: Mapped[str] = mapped_column(String(50), info={"label_th": "โทรศัพท์", "label_en": "Phone"})
    email: Mapped[str] = mapped_column(String(200), info={"label_th": "อีเมล", "label_en": "E-mail"})
    username: Mapped[str] = mapped_column(String(80), index=True,
                                          info={"label_th": "ชื่อผู้ใช้ที่ต้องการ", "label_en": "Username"})
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True,
                                                 info={"label_th": "อปท.", "label_en": "LAO"})
    # Copied from the LAO when filed: the scope rule's columns (the province decides).
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"))
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    status: Mapped[RequestStatus] = mapped_column(
        enum_type(RequestStatus), default=RequestStatus.PENDING, index=True,
        info={"label_th": "สถานะคำขอ", "label_en": "Status"})
    decided_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), info={"label_th": "พิจารณาเมื่อ", "label_en": "Decided at"})
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(String(500), info={"label_th": "เหตุผลที่ไม่อนุมัติ",
                                                                  "label_en": "Reason"})
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organization: Mapped[Organization] = relationship()
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    user = relationship("User", foreign_keys=[user_id])

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})"


class PasswordReset(db.Model):
    """A one-time set-password link: only the SHA-256 of its random token is stored."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user = relationship("User", foreign_keys=[user_id])


def place_user(session: Session, user: User) -> str | None:
    """The province `user` belongs to: its LAO's, its district's or its own (None: the DLA)."""
    from .geography import District as _District
    role = Role(user.role) if user.role is not None else None
    with session.no_autoflush:
        if role is Role.LAO_EDITOR and user.organization_id is not None:
            org = user.organization if user.organization is not None and \
                user.organization.id == user.organization_id else \
                session.get(Organization, user.organization_id)
            return org.province_code if org else None
        if role is Role.LAO_EDITOR and user.organization is not None:
            return user.organization.province_code
        if role is Role.DISTRICT_OFFICER and (user.district_code or user.district):
            district = user.district if user.district is not None and \
                user.district.code == user.district_code else \
                session.get(_District, user.district_code)
            return district.province_code if district else None
        if role is Role.PROVINCE_OFFICER:
            return user.province_code or (user.province.code if user.province else None)
    return None


@event.listens_for(Session, "before_flush")
def _place_users(session: Session, _context, _instances) -> None:
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, User):
            area = place_user(session, obj)
            if obj.area_province_code != area:
                obj.area_province_code = area


# --- the account audit trail ---------------------------------------------------------------

class AccountAction(LabeledEnum):
    CREATE = ("create", "สร้างบัญชี", "Account created", "success")
    UPDATE = ("update", "แก้ไขบัญชี", "Account changed", "info")
    PASSWORD = ("password", "ตั้งรหัสผ่านใหม่", "Password set", "warning")
    RESET_LINK = ("reset_link", "ออกลิงก์ตั้งรหัสผ่าน", "Set-password link issued", "warning")
    REQUEST = ("request", "ยื่นคำขอสมัครสมาชิก", "Account requested", "secondary")
    APPROVE = ("approve", "อนุมัติคำขอสมัครสมาชิก", "Request approved", "success")
    REJECT = ("reject", "ไม่อนุมัติคำขอสมัครสมาชิก", "Request rejected", "danger")


class AccountLog(db.Model):
    """Append-only: who changed which account (or request), when, from what to what.

    Its own table rather than audit_log: audit_log is placed by the LAO of a row, while an
    account of a district or a province officer has no LAO, and a province officer must read
    the changes to the accounts of its province.  Passwords and tokens are never written.
    """

    __tablename__ = "account_log"
    __table_args__ = (Index("ix_account_log_province_time", "province_code", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 info={"label_th": "วันที่/เวลา", "label_en": "When"})
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                 info={"label_th": "ผู้ดำเนินการ", "label_en": "By"})
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True,
                                                info={"label_th": "บัญชี", "label_en": "Account"})
    account_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_request.id"), index=True,
        info={"label_th": "คำขอสมัครสมาชิก", "label_en": "Request"})
    # Where the account lives (the scope rule's columns), copied at the time of the change.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    district_code: Mapped[str | None] = mapped_column(String(4))
    province_code: Mapped[str | None] = mapped_column(String(2))
    action: Mapped[AccountAction] = mapped_column(
        enum_type(AccountAction), info={"label_th": "การดำเนินการ", "label_en": "Action"})
    field: Mapped[str | None] = mapped_column(String(64), info={"label_th": "รายการ", "label_en": "Field"})
    old_value: Mapped[str | None] = mapped_column(Text, info={"label_th": "ค่าเดิม", "label_en": "Old value"})
    new_value: Mapped[str | None] = mapped_column(Text, info={"label_th": "ค่าใหม่", "label_en": "New value"})
    request_id: Mapped[str | None] = mapped_column(String(64), info={"label_th": "รหัสคำขอ", "label_en": "Request id"})

    actor = relationship("User", foreign_keys=[actor_id])
    user = relationship("User", foreign_keys=[user_id])


# Not account changes a person made (a login, a re-hash) or secrets: never in the trail.
_UNLOGGED = {"password_hash", "session_token", "last_login_at", "created_at",
             "area_province_code", "id"}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


def account_place(user: User) -> dict[str, Any]:
    return dict(organization_id=user.organization_id, district_code=user.district_code,
                province_code=user.area_province_code)


def log_account(session: Session, action: AccountAction, *, user: User | None = None,
                request: Any = None, field: str | None = None, old: Any = None,
                new: Any = None) -> None:
    """Write one account_log row (inside the caller's transaction)."""
    from .audit import current_actor
    actor_id, request_id = current_actor.get()
    place = account_place(user) if user is not None else dict(
        organization_id=request.organization_id, district_code=request.district_code,
        province_code=request.province_code)
    session.execute(insert(AccountLog.__table__), [dict(
        created_at=utcnow(), actor_id=actor_id, user_id=user.id if user is not None else None,
        account_request_id=request.id if request is not None else None, action=action,
        field=field, old_value=_text(old), new_value=_text(new), request_id=request_id,
        **place)])


# What a set-password link and a session were granted for: the account as it was then.  A change
# of any of these (or of the password) voids the account's unused set-password links, and a
# change of any of these ends its sessions — an officer's old link must not open an account the
# DLA has since made a dla_admin, moved to another province or disabled and re-enabled (issue 21).
GUARDED_COLUMNS = ("role", "status", "organization_id", "district_code", "province_code")


def _changed(state, key: str) -> bool:
    history = state.attrs[key].history
    if not history.has_changes():
        return False
    old = history.deleted[0] if history.deleted else None
    new = history.added[0] if history.added else None
    return _text(old) != _text(new)


@event.listens_for(Session, "after_flush")
def _guard_changed_accounts(session: Session, _context) -> None:
    """Void unused set-password links and rotate the session token of every account whose role,
    place, status or password this flush changed — in the same transaction, whichever path made
    the change (the user list, its actions, the CLI, a service)."""
    now = None
    for obj in session.dirty:
        if not isinstance(obj, User) or obj.id is None:
            continue
        state = inspect(obj)
        moved = any(_changed(state, key) for key in GUARDED_COLUMNS)
        # set_password rotates the token with the hash; a re-hash at login changes the hash only.
        password = state.attrs.password_hash.history.has_changes() \
            and state.attrs.session_token.history.has_changes()
        if not (moved or password):
            continue
        now = now or utcnow()
        session.execute(update(PasswordReset.__table__).where(
            PasswordReset.__table__.c.user_id == obj.id,
            PasswordReset.__table__.c.used_at.is_(None)).values(used_at=now))
        if moved and not state.attrs.session_token.history.has_changes():
            token = secrets.token_urlsafe(32)
            session.execute(update(User.__table__).where(User.__table__.c.id == obj.id)
                            .values(session_token=token))
            set_committed_value(obj, "session_token", token)


@event.listens_for(Session, "after_flush")
def _log_user_changes(session: Session, _context) -> None:
    """Every create and every changed field of an account; a new password as one row
    without any value.  (A re-hash at login keeps the session token, so it is not logged.)"""
    for obj in session.new:
        if isinstance(obj, User):
            log_account(session, AccountAction.CREATE, user=obj, field="role", new=obj.role)
    for obj in session.dirty:
        if not isinstance(obj, User):
            continue
        state = inspect(obj)
        if state.attrs.password_hash.history.has_changes() \
                and state.attrs.session_token.history.has_changes():
            log_account(session, AccountAction.PASSWORD, user=obj, field="password")
        for attr in state.mapper.column_attrs:
            if attr.key in _UNLOGGED:
                continue
            history = state.attrs[attr.key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if _text(old) != _text(new):
                log_account(session, AccountAction.UPDATE, user=obj, field=attr.key,
                            old=old, new=new)


def dummy_password_check() -> None:
    """Spend the same time as a real check, so unknown usernames cannot be told apart."""
    try:
        _hasher.verify(_DUMMY_HASH, "x")
    except VerificationError:
        pass


_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
