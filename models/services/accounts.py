"""Account services (issue 9 item 4): requests filed and decided, set-password links issued and
spent.  Views and the CLI call these; each one is one transaction the caller commits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from workflow import N_, Role, _, grantable_roles

from ..base import db, utcnow
from ..rules.passwords import password_problem
from ..tables.accounts import (SCOPE_COLUMN, AccountAction, AccountLog, AccountRequest,
                               AccountStatus, PasswordReset, RequestStatus, User, log_account,
                               place_user)
from ..tables.organizations import Organization

RESET_HOURS_DEFAULT = 24


class AccountError(Exception):
    """A refused account operation; `str(error)` is the Thai message the user reads."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def username_taken(username: str) -> str | None:
    """Why `username` cannot be requested or created (Thai), or None."""
    name = username.strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.username) == name)) is not None:
        return _("ชื่อผู้ใช้ “%(name)s” มีผู้ใช้แล้ว กรุณาเลือกชื่ออื่น", name=username)
    if db.session.scalar(select(AccountRequest.id).where(
            func.lower(AccountRequest.username) == name,
            AccountRequest.status == RequestStatus.PENDING)) is not None:
        return _("มีคำขอสมัครสมาชิกด้วยชื่อผู้ใช้ “%(name)s” รอการพิจารณาอยู่แล้ว", name=username)
    return None


def file_request(*, organization: Organization, full_name: str, position: str, phone: str,
                 email: str, username: str) -> AccountRequest:
    """A pending สมัครสมาชิก request; refuses a taken username or a second pending request of
    the same e-mail for the same LAO."""
    if (problem := username_taken(username)) is not None:
        raise AccountError(problem)
    if db.session.scalar(select(AccountRequest.id).where(
            func.lower(AccountRequest.email) == email.strip().lower(),
            AccountRequest.organization_id == organization.id,
            AccountRequest.status == RequestStatus.PENDING)) is not None:
        raise AccountError(_("อีเมลนี้ยื่นคำขอสมัครสมาชิกสำหรับ อปท. นี้ไว้แล้ว "
                             "กรุณารอสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดพิจารณา"))
    request = AccountRequest(organization=organization, district_code=organization.district_code,
                             province_code=organization.province_code, full_name=full_name.strip(),
                             position=position.strip(), phone=phone.strip(),
                             email=email.strip(), username=username.strip())
    db.session.add(request)
    db.session.flush()
    log_account(db.session, AccountAction.REQUEST, request=request, field="username",
                new=request.username)
    return request


def check_account(user: User, actor: Any, *, created: bool, new_password: str | None) -> None:
    """The account rules of a save by `actor` (a dla_admin or a province officer): only a role
    the actor may grant (workflow.grantable_roles), exactly the scope its role has (the other
    place columns emptied), a province officer's accounts in its own province, a password for a
    new account.  Raises AccountError; sets the new password.  (A change of role, place or
    status voids the account's links and ends its sessions at the flush: models/tables/accounts.py.)"""
    role = Role(user.role)
    if role not in grantable_roles(actor):
        # The select offers only these; a crafted post gets the same answer.
        raise AccountError(_("ท่านไม่มีสิทธิ์กำหนดบทบาท %(role)s", role=role.shown))
    scope_col = SCOPE_COLUMN[role]
    for column, rel in (("organization_id", "organization"), ("district_code", "district"),
                        ("province_code", "province")):
        if column != scope_col:
            setattr(user, rel, None)
            setattr(user, column, None)
        elif getattr(user, rel) is None:
            raise AccountError(_("บทบาท %(role)s ต้องระบุหน่วยงานที่สังกัด", role=role.shown))
    if Role(actor.role) is Role.PROVINCE_OFFICER and \
            place_user(db.session, user) != actor.province_code:
        raise AccountError(_("กำหนดได้เฉพาะผู้ใช้ในจังหวัดของท่าน"))
    if created and not new_password:
        raise AccountError(_("กรุณากำหนดรหัสผ่านสำหรับผู้ใช้ใหม่ "
                             "(หรือออกลิงก์ตั้งรหัสผ่านหลังบันทึก)"))
    if new_password:
        user.set_password(new_password)


def issue_reset_link(user: User, *, actor: User | None, hours: int = RESET_HOURS_DEFAULT) -> str:
    """A new one-time set-password token for `user` (earlier unused links stop working).
    Only its hash is stored; the token itself is shown once, to the administrator."""
    now = void_reset_links(user)
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=_digest(token), created_at=now,
                                 expires_at=now + timedelta(hours=hours),
                                 created_by_id=actor.id if actor is not None else None))
    log_account(db.session, AccountAction.RESET_LINK, user=user, field="expires_in_hours",
                new=hours)
    return token


def void_reset_links(user: User) -> datetime:
    """Every unused set-password link of `user` stops working (a new link is issued, or the
    user signed in with a password: the link was for someone who could not).  Changes of role,
    place, status or password void them too, at the flush (models/tables/accounts.py)."""
    now = utcnow()
    db.session.execute(update(PasswordReset).where(
        PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)).values(used_at=now))
    return now


def reset_link_user(token: str | None) -> User | None:
    """The active user a valid (unspent, unexpired) token belongs to, or None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(User).join(PasswordReset, PasswordReset.user_id == User.id)
                             .where(PasswordReset.token_hash == _digest(token),
                                    PasswordReset.used_at.is_(None),
                                    PasswordReset.expires_at > utcnow(),
                                    User.status == AccountStatus.ACTIVE))


def spend_reset_link(token: str, password: str) -> User:
    """Set the password of the token's user and spend the token, or raise AccountError.

    The token is spent by a conditional UPDATE (used_at IS NULL AND not expired), so two
    requests with one link can never both set a password."""
    user = reset_link_user(token)
    if user is None:
        raise AccountError(_("ลิงก์ตั้งรหัสผ่านนี้ใช้ไปแล้วหรือหมดอายุแล้ว "
                             "กรุณาติดต่อผู้ดูแลระบบเพื่อขอลิงก์ใหม่"))
    if (problem := password_problem(password, username=user.username)) is not None:
        raise AccountError(problem)
    spent = db.session.execute(update(PasswordReset).where(
        PasswordReset.token_hash == _digest(token), PasswordReset.used_at.is_(None),
        PasswordReset.expires_at > utcnow()).values(used_at=utcnow()))
    if spent.rowcount != 1:
        raise AccountError(_("ลิงก์ตั้งรหัสผ่านนี้ใช้ไปแล้วหรือหมดอายุแล้ว "
                             "กรุณาติดต่อผู้ดูแลระบบเพื่อขอลิงก์ใหม่"))
    user.set_password(password)
    return user


def approve_request(request: AccountRequest, *, actor: User,
                    hours: int = RESET_HOURS_DEFAULT) -> tuple[User, str]:
    """Create the lao_editor account of a pending request (active, no usable password yet)
    and return it with its one-time set-password token."""
    if request.status is not RequestStatus.PENDING:
        raise AccountError(_("คำขอนี้ได้รับการพิจารณาแล้ว"))
    if db.session.scalar(select(User.id).where(
            func.lower(User.username) == request.username.lower())) is not None:
        raise AccountError(_("ชื่อผู้ใช้ “%(name)s” มีผู้ใช้แล้ว กรุณาไม่อนุมัติคำขอนี้ "
                             "และแจ้งผู้ยื่นให้ยื่นใหม่ด้วยชื่ออื่น", name=request.username))
    decided = db.session.execute(update(AccountRequest).where(
        AccountRequest.id == request.id, AccountRequest.status == RequestStatus.PENDING)
        .values(status=RequestStatus.APPROVED, decided_at=utcnow(), decided_by_id=actor.id))
    if decided.rowcount != 1:
        raise AccountError(_("คำขอนี้ได้รับการพิจารณาแล้ว"))
    user = User(username=request.username, full_name=request.full_name,
                position=request.position, phone=request.phone, email=request.email,
                role=Role.LAO_EDITOR, organization_id=request.organization_id,
                status=AccountStatus.ACTIVE)
    # No password anyone knows until the clerk sets one through the link.
    user.set_password(secrets.token_urlsafe(32))
    db.session.add(user)
    db.session.flush()
    db.session.execute(update(AccountRequest).where(AccountRequest.id == request.id)
                       .values(user_id=user.id))
    log_account(db.session, AccountAction.APPROVE, request=request, user=user,
                field="username", new=user.username)
    token = issue_reset_link(user, actor=actor, hours=hours)
    db.session.expire(request)
    return user, token


def reject_request(request: AccountRequest, *, actor: User, reason: str) -> None:
    """Refuse a pending request with a reason (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise AccountError(_("กรุณาระบุเหตุผลที่ไม่อนุมัติ"))
    decided = db.session.execute(update(AccountRequest).where(
        AccountRequest.id == request.id, AccountRequest.status == RequestStatus.PENDING)
        .values(status=RequestStatus.REJECTED, decided_at=utcnow(), decided_by_id=actor.id,
                reason=reason[:500]))
    if decided.rowcount != 1:
        raise AccountError(_("คำขอนี้ได้รับการพิจารณาแล้ว"))
    log_account(db.session, AccountAction.REJECT, request=request, field="reason",
                new=reason[:500])
    db.session.expire(request)


# --- retention (PDPA) ----------------------------------------------------------------------

PURGED = N_("ลบข้อมูลส่วนบุคคลแล้ว")
PERSONAL_FIELDS = ("full_name", "position", "phone", "email", "username")


def purge_personal_data(days: int, *, now: datetime | None = None,
                        dry_run: bool = False) -> dict[str, int]:
    """Anonymise what INFO no longer needs to know about people (the privacy notice's
    retention): สมัครสมาชิก requests rejected, or left pending, more than `days` ago, and
    accounts disabled more than `days` ago.  Their name, position, phone, e-mail and username
    become a pseudonym ("ลบข้อมูลส่วนบุคคลแล้ว #12", deleted-12) and the account log forgets the
    values it recorded of those fields; every audit row and certification event keeps pointing
    at the same account id, so the history stays whole.  Core statements: the account log's
    hooks would otherwise write the old values down again.  Returns how many of each."""
    from sqlalchemy import and_, or_

    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    requests = db.session.scalars(select(AccountRequest.id).where(
        ~AccountRequest.username.startswith("deleted-"),
        or_(and_(AccountRequest.status == RequestStatus.REJECTED,
                 AccountRequest.decided_at < cutoff),
            and_(AccountRequest.status == RequestStatus.PENDING,
                 AccountRequest.created_at < cutoff)))).all()
    disabled_since = select(func.max(AccountLog.created_at)).where(
        AccountLog.user_id == User.id, AccountLog.field == "status",
        AccountLog.new_value == AccountStatus.DISABLED.value).scalar_subquery()
    users = db.session.scalars(select(User.id).where(
        User.status == AccountStatus.DISABLED, ~User.username.startswith("deleted-"),
        func.coalesce(disabled_since, User.created_at) < cutoff)).all()
    if dry_run or not (requests or users):
        return {"requests": len(requests), "users": len(users)}
    name = _(PURGED)
    for request_id in requests:
        db.session.execute(update(AccountRequest).where(AccountRequest.id == request_id).values(
            full_name=f"{name} #{request_id}", position="", phone="", email="",
            username=f"deleted-r{request_id}").execution_options(synchronize_session=False))
    for user_id in users:
        db.session.execute(update(User).where(User.id == user_id).values(
            full_name=f"{name} #{user_id}", position=None, phone=None, email=None,
            username=f"deleted-{user_id}", session_token=secrets.token_urlsafe(32))
            .execution_options(synchronize_session=False))
    db.session.execute(update(AccountLog).where(
        or_(AccountLog.user_id.in_(users), AccountLog.account_request_id.in_(requests)),
        AccountLog.field.in_(PERSONAL_FIELDS)).values(old_value=None, new_value=None)
        .execution_options(synchronize_session=False))
    db.session.execute(insert(AccountLog.__table__), [
        dict(created_at=now, user_id=user_id, account_request_id=request_id,
             action=AccountAction.UPDATE, field="personal_data", new_value="purged")
        for user_id, request_id in [*((u, None) for u in users),
                                    *((None, r) for r in requests)]])
    return {"requests": len(requests), "users": len(users)}
