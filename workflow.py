"""The certification rulebook of SPEC §3: states, actions, who may do what, and the guards.

Standard library only: this file is the table a DLA officer can check against the letter.
Refusals raise `TransitionNotAllowed` with a message the user reads; nothing returns a quiet
False.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone


class Status(str, enum.Enum):
    """สถานะการรับรองข้อมูล of one LAO-year."""

    DRAFT = "draft"
    LAO_CERTIFIED = "lao_certified"
    PROVINCE_CERTIFIED = "province_certified"

    @property
    def label_th(self) -> str:
        return STATUS_LABELS[self]

    def __str__(self) -> str:
        return self.value


STATUS_LABELS = {
    Status.DRAFT: "อปท. ยังไม่รับรองข้อมูล",
    Status.LAO_CERTIFIED: "อปท. รับรองข้อมูลแล้ว",
    Status.PROVINCE_CERTIFIED: "จังหวัดรับรองข้อมูลแล้ว",
}

# What the public may see (letter step 7: an LAO that has not certified cannot be found).
PUBLIC_STATUSES = frozenset({Status.LAO_CERTIFIED, Status.PROVINCE_CERTIFIED})


class Role(str, enum.Enum):
    """The four signed-in roles of SPEC §1."""

    LAO_EDITOR = "lao_editor"
    DISTRICT_OFFICER = "district_officer"
    PROVINCE_OFFICER = "province_officer"
    DLA_ADMIN = "dla_admin"

    @property
    def label_th(self) -> str:
        return ROLE_LABELS[self]

    def __str__(self) -> str:
        return self.value


ROLE_LABELS = {
    Role.LAO_EDITOR: "เจ้าหน้าที่ อปท.",
    Role.DISTRICT_OFFICER: "ท้องถิ่นอำเภอ",
    Role.PROVINCE_OFFICER: "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด",
    Role.DLA_ADMIN: "ผู้ดูแลระบบ INFO (กรม)",
}


class Action(str, enum.Enum):
    CERTIFY_LAO = "certify_lao"
    REVOKE_LAO = "revoke_lao"
    CERTIFY_PROVINCE = "certify_province"
    REVOKE_PROVINCE = "revoke_province"
    RETURN_TO_LAO = "return_to_lao"

    @property
    def label_th(self) -> str:
        return ACTION_LABELS[self]

    def __str__(self) -> str:
        return self.value


ACTION_LABELS = {
    Action.CERTIFY_LAO: "รับรองข้อมูลระดับ อปท.",
    Action.REVOKE_LAO: "ยกเลิกการรับรองข้อมูลระดับ อปท.",
    Action.CERTIFY_PROVINCE: "รับรองข้อมูลระดับจังหวัด",
    Action.REVOKE_PROVINCE: "ยกเลิกการรับรองข้อมูลระดับจังหวัด",
    Action.RETURN_TO_LAO: "ส่งคืน อปท. เพื่อแก้ไข",
}


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status
    roles: frozenset[Role]
    needs_complete: bool = False
    needs_reason: bool = False
    within_deadline: bool = False


PROVINCE_ROLES = frozenset({Role.PROVINCE_OFFICER, Role.DLA_ADMIN})

TRANSITIONS: dict[Action, Transition] = {t.action: t for t in (
    Transition(Action.CERTIFY_LAO, frozenset({Status.DRAFT}), Status.LAO_CERTIFIED,
               frozenset({Role.LAO_EDITOR}), needs_complete=True, within_deadline=True),
    Transition(Action.REVOKE_LAO, frozenset({Status.LAO_CERTIFIED}), Status.DRAFT,
               frozenset({Role.LAO_EDITOR}), within_deadline=True),
    Transition(Action.CERTIFY_PROVINCE, frozenset({Status.LAO_CERTIFIED}),
               Status.PROVINCE_CERTIFIED, PROVINCE_ROLES),
    Transition(Action.REVOKE_PROVINCE, frozenset({Status.PROVINCE_CERTIFIED}),
               Status.LAO_CERTIFIED, PROVINCE_ROLES, needs_reason=True),
    Transition(Action.RETURN_TO_LAO, frozenset({Status.LAO_CERTIFIED}), Status.DRAFT,
               PROVINCE_ROLES, needs_reason=True),
)}

SECTION_COUNT = 8


class TransitionNotAllowed(Exception):
    """A refused transition; `str(error)` is the Thai message shown to the user."""

    def __init__(self, message: str, *, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Context:
    """What the guards need to know about one submission at the time of the request."""

    status: Status
    year_open: bool
    today: date
    deadline: date | None = None
    extension_until: date | None = None
    sections_complete: int = 0
    missing: tuple[str, ...] = field(default_factory=tuple)


def editable_until(deadline: date | None, extension_until: date | None) -> date | None:
    """The last day an LAO may still edit or certify: the later of deadline and extension."""
    days = [d for d in (deadline, extension_until) if d is not None]
    return max(days) if days else None


def edit_refusal(ctx: Context) -> str | None:
    """Why LAO data cannot be changed now, or None when it can (SPEC §3 first rule)."""
    status = Status(ctx.status)
    if not ctx.year_open:
        return "ปีงบประมาณนี้ปิดแล้ว ดูข้อมูลได้อย่างเดียว แก้ไขไม่ได้"
    if status is Status.PROVINCE_CERTIFIED:
        return ("จังหวัดรับรองข้อมูลแล้ว ต้องให้จังหวัดยกเลิกการรับรองข้อมูลระดับจังหวัด"
                "และ อปท. ยกเลิกการรับรองก่อนแก้ไข")
    if status is Status.LAO_CERTIFIED:
        return "ข้อมูลได้รับการรับรองแล้ว ต้องยกเลิกการรับรองก่อนแก้ไข"
    last_day = editable_until(ctx.deadline, ctx.extension_until)
    if last_day is not None and ctx.today > last_day:
        return (f"เลยกำหนดส่งข้อมูลแล้ว (ภายใน {thai_date(last_day)}) "
                "กรุณาติดต่อสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดเพื่อขอขยายเวลา")
    return None


def next_status(ctx: Context, action: Action, role: Role, reason: str | None = None) -> Status:
    """Return the status after `action`, or raise TransitionNotAllowed with a readable reason.

    Scope (is this the officer's own LAO / province?) is checked by the caller, which knows
    the user; this function checks role, state and the guards of the transition table.
    """
    rule = TRANSITIONS[Action(action)]
    role = Role(role)
    if role not in rule.roles:
        raise TransitionNotAllowed(
            f"ผู้ใช้ในบทบาท {Role(role).label_th} ไม่มีสิทธิ์{rule.action.label_th}", code="role")
    if not ctx.year_open:
        raise TransitionNotAllowed("ปีงบประมาณนี้ปิดแล้ว ไม่สามารถเปลี่ยนสถานะการรับรองได้",
                                   code="year_closed")
    status = Status(ctx.status)
    if status not in rule.sources:
        raise TransitionNotAllowed(_wrong_state_message(status, rule), code="state")
    if rule.within_deadline:
        last_day = editable_until(ctx.deadline, ctx.extension_until)
        if last_day is not None and ctx.today > last_day:
            raise TransitionNotAllowed(
                f"เลยกำหนดส่งข้อมูลแล้ว (ภายใน {thai_date(last_day)}) "
                "กรุณาติดต่อจังหวัดเพื่อขอขยายเวลา", code="deadline")
    if rule.needs_complete and ctx.sections_complete < SECTION_COUNT:
        missing = ", ".join(ctx.missing) if ctx.missing else ""
        detail = f": {missing}" if missing else ""
        raise TransitionNotAllowed(
            f"บันทึกข้อมูลยังไม่ครบ 8 ด้าน (ครบ {ctx.sections_complete}/8){detail}",
            code="incomplete")
    if rule.needs_reason and not (reason or "").strip():
        raise TransitionNotAllowed("กรุณาระบุเหตุผล", code="reason")
    return rule.target


def _wrong_state_message(status: Status, rule: Transition) -> str:
    if rule.action is Action.REVOKE_LAO and status is Status.PROVINCE_CERTIFIED:
        # Letter §8: the LAO must ask the province to revoke first.
        return ("จังหวัดรับรองข้อมูลแล้ว กรุณาประสานสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด"
                "ให้ยกเลิกการรับรองข้อมูลระดับจังหวัดก่อน")
    return (f"ไม่สามารถ{rule.action.label_th}ได้ เพราะสถานะปัจจุบันคือ “{status.label_th}”")


# Thailand keeps UTC+7 all year (no daylight saving), so a fixed offset is exact.
BANGKOK = timezone(timedelta(hours=7))


def today_in_thailand() -> date:
    """Deadlines are Thai calendar days, whatever the server's time zone."""
    return datetime.now(BANGKOK).date()


THAI_MONTHS_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                     "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")


def thai_date(d: date) -> str:
    """9 ต.ค. 2557 — the one BE date style used across INFO."""
    return f"{d.day} {THAI_MONTHS_SHORT[d.month - 1]} {d.year + 543}"


def fiscal_year_of(d: date) -> int:
    """The Thai fiscal year (BE) that contains `d`: FY 2570 = 1 Oct 2026 – 30 Sep 2027."""
    return d.year + 544 if d.month >= 10 else d.year + 543
