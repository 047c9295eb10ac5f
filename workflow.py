"""The certification rulebook of SPEC §3: states, actions, who may do what, and the guards.

Standard library only: this file is the table a DLA officer can check against the letter.
Three tables say everything the screens, the services and the tests need to know:

- `TRANSITIONS`: each action's source and target states, the roles that may take it, its guards
  (complete, reason, deadline) and its effects (which timestamps and actors it sets or clears);
- `PERMISSIONS`: who may do what outside a transition (edit sections, extend a deadline, review
  the province, manage users …), read through `may(user, permission)` by views and templates;
- the labelled enums (`Status`, `Role`, `Action`, `Permission`): the Thai and English names and
  the badge colour a screen shows for each value.

Refusals raise `TransitionNotAllowed` with a message the user reads; nothing returns a quiet
False.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Callable

# --- language ------------------------------------------------------------------------------------
# workflow.py stays standard library only: the app installs Flask-Babel's gettext and the
# request's language here (app.init_extensions).  Without them (workflow tests, the CLI) every
# message is its Thai msgid.  Thai is the source language of INFO's catalogue (translations/).
_translate: Callable[[str], str] = lambda message: message
_language: Callable[[], str] = lambda: "th"


def use_language(translate: Callable[[str], str], language: Callable[[], str]) -> None:
    """Install the translation function and the current-language function (the app's)."""
    global _translate, _language
    _translate, _language = translate, language


def _(message: str, /, **params: Any) -> str:
    """`message` (a Thai msgid) in the current language, with its %(name)s placeholders filled."""
    text = _translate(message)
    return text % params if params else text


def translated(message: str) -> str:
    """A message held in a variable (a catalogue text, a rule's template) in the current
    language; its msgid is extracted where it is written (N_, or translations/extract.py)."""
    return _translate(message)


def N_(message: str) -> str:
    """Mark a module-level message for the catalogue; it is translated where it is used."""
    return message


def current_language() -> str:
    """ "th" or "en" (Thai without an app)."""
    return _language()


# The letter's "ข้อมูล อปท. 8 ด้าน": the only place the number of sections is written.
SECTION_COUNT = 8


class LabeledEnum(str, enum.Enum):
    """A string enum whose members carry their Thai and English names and a badge colour.

    Declared as `MEMBER = ("value", "ไทย", "English", "badge")`; the English name and the badge
    are optional.  Every enum a screen shows is one of these, so a label is written once.
    """

    label_th: str
    label_en: str
    badge: str

    def __new__(cls, value: str, label_th: str, label_en: str | None = None,
                badge: str = "secondary"):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label_th = label_th
        obj.label_en = label_en or label_th
        obj.badge = badge
        return obj

    def label(self, lang: str = "th") -> str:
        """The member's name in `lang` ("th" or "en")."""
        return self.label_en if lang == "en" else self.label_th

    @property
    def shown(self) -> str:
        """The member's name in the current language (what a message or a screen shows)."""
        return self.label(current_language())

    def __str__(self) -> str:
        return self.value


class Status(LabeledEnum):
    """สถานะการรับรองข้อมูล of one LAO-year."""

    DRAFT = ("draft", "อปท. ยังไม่รับรองข้อมูล", "Not yet certified by the LAO", "secondary")
    LAO_CERTIFIED = ("lao_certified", "อปท. รับรองข้อมูลแล้ว", "Certified by the LAO", "info")
    PROVINCE_CERTIFIED = ("province_certified", "จังหวัดรับรองข้อมูลแล้ว",
                          "Certified by the province", "success")


# What the public may see (letter step 7: an LAO that has not certified cannot be found).
PUBLIC_STATUSES = frozenset({Status.LAO_CERTIFIED, Status.PROVINCE_CERTIFIED})
# LAO data changes only in these states (SPEC §3, first rule).
EDITABLE_STATUSES = frozenset({Status.DRAFT})


class Role(LabeledEnum):
    """The four signed-in roles of SPEC §1."""

    LAO_EDITOR = ("lao_editor", "เจ้าหน้าที่ อปท.", "LAO clerk")
    DISTRICT_OFFICER = ("district_officer", "ท้องถิ่นอำเภอ", "District officer")
    PROVINCE_OFFICER = ("province_officer", "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด",
                        "Provincial local administration office")
    DLA_ADMIN = ("dla_admin", "ผู้ดูแลระบบ INFO (กรม)", "INFO administrator (DLA)")


class Action(LabeledEnum):
    """The certification actions of SPEC §3."""

    CERTIFY_LAO = ("certify_lao", "รับรองข้อมูลระดับ อปท.", "Certify (LAO)")
    REVOKE_LAO = ("revoke_lao", "ยกเลิกการรับรองข้อมูลระดับ อปท.", "Revoke certification (LAO)")
    CERTIFY_PROVINCE = ("certify_province", "รับรองข้อมูลระดับจังหวัด", "Certify (province)")
    REVOKE_PROVINCE = ("revoke_province", "ยกเลิกการรับรองข้อมูลระดับจังหวัด",
                       "Revoke certification (province)")
    RETURN_TO_LAO = ("return_to_lao", "ส่งคืน อปท. เพื่อแก้ไข", "Return to the LAO")


class Stamp(enum.Enum):
    """What a transition writes into a submission column (see `Transition.stamps`)."""

    NOW = "now"          # the time of the transition
    ACTOR = "actor"      # the id of the user who took it
    REASON = "reason"    # the reason the user gave
    CLEAR = "clear"      # NULL


@dataclass(frozen=True)
class Transition:
    """One row of the rulebook: from which states, to which, by whom, under which guards, with
    which effects on the submission's columns."""

    action: Action
    sources: frozenset[Status]
    target: Status
    roles: frozenset[Role]
    needs_complete: bool = False        # every section complete, no blocking rule failing
    needs_reason: bool = False          # the user must say why (shown to the LAO)
    within_deadline: bool = False       # the LAO's deadline or extension has not passed
    stamps: Mapping[str, Stamp] = field(default_factory=dict)
    confirms_carried: bool = False      # carried-forward values count as confirmed after it
    needs_explained: bool = False       # every ⚠ finding explained by the clerk (issue 24)
    # The message for a refused source state that needs more than "the status is now …".
    state_messages: Mapping[Status, str] = field(default_factory=dict)
    # Certifications are numbered (the letter's "หมายเลข:"): "อปท. 6100101/2570-1".
    reference_prefix: str | None = None

    @property
    def name(self) -> str:
        return self.action.value

    @property
    def label_th(self) -> str:
        return self.action.label_th


PROVINCE_LEVEL = frozenset({Role.PROVINCE_OFFICER, Role.DLA_ADMIN})
_LAO = frozenset({Role.LAO_EDITOR})

TRANSITIONS: dict[Action, Transition] = {t.action: t for t in (
    Transition(Action.CERTIFY_LAO, frozenset({Status.DRAFT}), Status.LAO_CERTIFIED, _LAO,
               needs_complete=True, within_deadline=True, confirms_carried=True,
               needs_explained=True, reference_prefix="อปท.",
               # received_at ("วันที่รับข้อมูลได้") is the time of the latest LAO certification.
               stamps={"received_at": Stamp.NOW, "lao_certified_at": Stamp.NOW,
                       "lao_certified_by_id": Stamp.ACTOR, "return_reason": Stamp.CLEAR}),
    Transition(Action.REVOKE_LAO, frozenset({Status.LAO_CERTIFIED}), Status.DRAFT, _LAO,
               within_deadline=True,
               stamps={"received_at": Stamp.CLEAR, "lao_certified_at": Stamp.CLEAR,
                       "lao_certified_by_id": Stamp.CLEAR},
               # Letter §8: the LAO must ask the province to revoke first.
               state_messages={Status.PROVINCE_CERTIFIED: N_(
                   "จังหวัดรับรองข้อมูลแล้ว กรุณาประสานสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด"
                   "ให้ยกเลิกการรับรองข้อมูลระดับจังหวัดก่อน")}),
    Transition(Action.CERTIFY_PROVINCE, frozenset({Status.LAO_CERTIFIED}),
               Status.PROVINCE_CERTIFIED, PROVINCE_LEVEL, reference_prefix="จ.",
               stamps={"province_certified_at": Stamp.NOW,
                       "province_certified_by_id": Stamp.ACTOR}),
    Transition(Action.REVOKE_PROVINCE, frozenset({Status.PROVINCE_CERTIFIED}),
               Status.LAO_CERTIFIED, PROVINCE_LEVEL, needs_reason=True,
               stamps={"province_certified_at": Stamp.CLEAR,
                       "province_certified_by_id": Stamp.CLEAR}),
    Transition(Action.RETURN_TO_LAO, frozenset({Status.LAO_CERTIFIED}), Status.DRAFT,
               PROVINCE_LEVEL, needs_reason=True,
               stamps={"received_at": Stamp.CLEAR, "lao_certified_at": Stamp.CLEAR,
                       "lao_certified_by_id": Stamp.CLEAR, "return_reason": Stamp.REASON}),
)}


def transition_named(name: Any) -> Transition | None:
    """The rulebook row for an action name from a form or URL ("certify_province"), or None."""
    for rule in TRANSITIONS.values():
        if rule.name == str(getattr(name, "value", name)):
            return rule
    return None


def certification_reference(rule: Transition, dla_code: str, be_year: int, n: int) -> str:
    """The reference number of the `n`-th certification by `rule` of one LAO-year."""
    return f"{rule.reference_prefix} {dla_code}/{be_year}-{n}"


def transitions_for(role: Role | str) -> list[Transition]:
    """The transitions `role` may take, in table order."""
    return [t for t in TRANSITIONS.values() if Role(role) in t.roles]


# --- permissions outside the transitions -------------------------------------------------------

class Permission(LabeledEnum):
    """What a role may do besides the transitions of the table above."""

    ENTER_DATA = ("enter_data", "บันทึกและปรับปรุงข้อมูล 8 ด้านของ อปท. ตนเอง",
                  "Record the LAO's own data")
    KEEP_LAO_RECORDS = ("keep_lao_records", "บันทึกเว็บไซต์ ผู้ดูแลระบบ และสถานที่ท่องเที่ยวของ อปท.",
                        "Keep the LAO's website, administrators and tourist places")
    READ_LAO_RECORDS = ("read_lao_records", "ดูข้อมูลเว็บไซต์ ผู้ดูแลระบบ และสถานที่ท่องเที่ยว",
                        "Read LAO records")
    REVIEW = ("review", "ติดตามและตรวจสอบข้อมูลของ อปท. ในพื้นที่", "Review the LAOs in scope")
    CERTIFY_IN_BULK = ("certify_in_bulk", "รับรองข้อมูลระดับจังหวัดทั้งจังหวัด",
                       "Certify a whole province")
    EXTEND_DEADLINE = ("extend_deadline", "ขยายเวลาให้ อปท. บันทึกข้อมูล",
                       "Extend an LAO's deadline")
    SEE_DASHBOARDS = ("see_dashboards", "ดูความก้าวหน้าการบันทึกและรับรองข้อมูล",
                      "See progress dashboards")
    IMPORT_DATA = ("import_data", "นำเข้าข้อมูลจากไฟล์", "Import data from files")
    MANAGE_USERS = ("manage_users", "จัดการผู้ใช้งานและคำขอสมัครสมาชิก",
                    "Manage user accounts and account requests")
    MANAGE_ROUNDS = ("manage_rounds", "เปิด/ปิดปีงบประมาณ และกำหนดส่งข้อมูล",
                     "Open and close fiscal years")
    MANAGE_MASTER_DATA = ("manage_master_data", "จัดการข้อมูลหลัก (อปท. จังหวัด อำเภอ ตำบล)",
                          "Manage master data")
    READ_AUDIT = ("read_audit", "ดูบันทึกการเปลี่ยนแปลงข้อมูลและประวัติการรับรองในขอบเขตของตน",
                  "Read the audit trail in scope")
    BROWSE_SECTION_TABLES = ("browse_section_tables", "ดูตารางข้อมูลแต่ละด้านทั้งประเทศ",
                             "Browse the section tables")


_ALL = frozenset(Role)
_REVIEWERS = frozenset({Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER, Role.DLA_ADMIN})
_DLA = frozenset({Role.DLA_ADMIN})

PERMISSIONS: Mapping[Permission, frozenset[Role]] = MappingProxyType({
    Permission.ENTER_DATA: _LAO,
    Permission.KEEP_LAO_RECORDS: _LAO,
    Permission.READ_LAO_RECORDS: _ALL,
    Permission.REVIEW: _REVIEWERS,
    Permission.CERTIFY_IN_BULK: PROVINCE_LEVEL,
    Permission.EXTEND_DEADLINE: PROVINCE_LEVEL,
    Permission.SEE_DASHBOARDS: _REVIEWERS,
    Permission.IMPORT_DATA: frozenset({Role.LAO_EDITOR, *PROVINCE_LEVEL}),
    # A province officer for the accounts of its province (scope rule), of the roles below.
    Permission.MANAGE_USERS: PROVINCE_LEVEL,
    Permission.MANAGE_ROUNDS: _DLA,
    Permission.MANAGE_MASTER_DATA: _DLA,
    Permission.READ_AUDIT: _ALL,      # each role its own scope's rows (models/rules/scoping.py)
    Permission.BROWSE_SECTION_TABLES: _DLA,
})


# Which roles an account manager may create, edit, disable or see (issue 9 item 4): a province
# officer never grants its own level or the DLA's, whatever it posts.
GRANTABLE_ROLES: Mapping[Role, frozenset[Role]] = MappingProxyType({
    Role.DLA_ADMIN: frozenset(Role),
    Role.PROVINCE_OFFICER: frozenset({Role.LAO_EDITOR, Role.DISTRICT_OFFICER}),
})


def grantable_roles(user: Any) -> frozenset[Role]:
    """The roles of the accounts `user` may manage (none without MANAGE_USERS)."""
    if not may(user, Permission.MANAGE_USERS):
        return frozenset()
    return GRANTABLE_ROLES.get(Role(user.role), frozenset())


def roles_for(what: Permission | Action | str) -> frozenset[Role]:
    """The roles that hold a permission, or that may take an action of the rulebook."""
    if isinstance(what, Permission):
        return PERMISSIONS[what]
    rule = transition_named(what)
    if rule is not None:
        return rule.roles
    return PERMISSIONS[Permission(str(what))]


def may(user: Any, what: Permission | Action | str) -> bool:
    """Whether a signed-in, active `user` holds `what` (a permission or an action's name).

    Scope (which LAO, district or province) is not decided here: that is the one scope rule
    of models/rules/scoping.py, applied to every row the user reads or writes.
    """
    if user is None or not getattr(user, "is_authenticated", False) \
            or not getattr(user, "is_active", False):
        return False
    try:
        return Role(user.role) in roles_for(what)
    except ValueError:
        return False


# --- guards ------------------------------------------------------------------------------------

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
    # Sections still holding last year's values (their numbers), and whether the user said
    # they still hold: a transition that confirms_carried needs the one when there are the other.
    carried: tuple[int, ...] = field(default_factory=tuple)
    carried_ok: bool = False
    # ⚠ findings the clerk has not explained yet (issue 24): certification waits for them.
    unexplained: int = 0


def editable_until(deadline: date | None, extension_until: date | None) -> date | None:
    """The last day an LAO may still edit or certify: the later of deadline and extension."""
    days = [d for d in (deadline, extension_until) if d is not None]
    return max(days) if days else None


YEAR_CLOSED_EDIT = N_("ปีงบประมาณนี้ปิดแล้ว ดูข้อมูลได้อย่างเดียว แก้ไขไม่ได้")
YEAR_CLOSED_TRANSITION = N_("ปีงบประมาณนี้ปิดแล้ว ไม่สามารถเปลี่ยนสถานะการรับรองได้")
_NOT_EDITABLE = {
    Status.PROVINCE_CERTIFIED: N_("จังหวัดรับรองข้อมูลแล้ว ต้องให้จังหวัดยกเลิกการรับรองข้อมูลระดับจังหวัด"
                                  "และ อปท. ยกเลิกการรับรองก่อนแก้ไข"),
    Status.LAO_CERTIFIED: N_("ข้อมูลได้รับการรับรองแล้ว ต้องยกเลิกการรับรองก่อนแก้ไข"),
}


def deadline_refusal(ctx: Context) -> str | None:
    """The one deadline guard: why the LAO's time is over, or None while it is not."""
    last_day = editable_until(ctx.deadline, ctx.extension_until)
    if last_day is not None and ctx.today > last_day:
        return _("เลยกำหนดส่งข้อมูลแล้ว (ภายใน %(day)s) "
                 "กรุณาติดต่อสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดเพื่อขอขยายเวลา",
                 day=thai_date(last_day))
    return None


def edit_refusal(ctx: Context) -> str | None:
    """Why LAO data cannot be changed now, or None when it can (SPEC §3 first rule)."""
    if not ctx.year_open:
        return _(YEAR_CLOSED_EDIT)
    status = Status(ctx.status)
    if status not in EDITABLE_STATUSES:
        if status in _NOT_EDITABLE:
            return _(_NOT_EDITABLE[status])
        return _("แก้ไขไม่ได้ในสถานะ “%(status)s”", status=status.shown)
    return deadline_refusal(ctx)


def next_status(ctx: Context, action: Action | str, role: Role | str,
                reason: str | None = None) -> Status:
    """Return the status after `action`, or raise TransitionNotAllowed with a readable reason.

    Scope (is this the officer's own LAO / province?) is checked by the caller, which knows
    the user; this function checks role, state and the guards of the transition table.
    """
    rule = transition_named(action)
    if rule is None:
        raise TransitionNotAllowed(_("ไม่รู้จักการดำเนินการ %(action)s", action=action),
                                   code="unknown")
    role = Role(role)
    if role not in rule.roles:
        raise TransitionNotAllowed(role_refusal(role, rule.action), code="role")
    if not ctx.year_open:
        raise TransitionNotAllowed(_(YEAR_CLOSED_TRANSITION), code="year_closed")
    status = Status(ctx.status)
    if status not in rule.sources:
        message = rule.state_messages.get(status)
        raise TransitionNotAllowed(_(message) if message else _(
            "ไม่สามารถ%(action)sได้ เพราะสถานะปัจจุบันคือ “%(status)s”",
            action=rule.action.shown, status=status.shown), code="state")
    if rule.within_deadline and (late := deadline_refusal(ctx)):
        raise TransitionNotAllowed(late, code="deadline")
    if rule.needs_complete and ctx.sections_complete < SECTION_COUNT:
        detail = f": {', '.join(ctx.missing)}" if ctx.missing else ""
        raise TransitionNotAllowed(_(
            "บันทึกข้อมูลยังไม่ครบ %(count)s ด้าน (ครบ %(done)s/%(count)s)%(detail)s",
            count=SECTION_COUNT, done=ctx.sections_complete, detail=detail), code="incomplete")
    if rule.needs_reason and not (reason or "").strip():
        raise TransitionNotAllowed(_("กรุณาระบุเหตุผล"), code="reason")
    if rule.needs_explained and ctx.unexplained:
        raise TransitionNotAllowed(_(EXPLAIN_FINDINGS, n=ctx.unexplained), code="unexplained")
    if rule.confirms_carried and ctx.carried and not ctx.carried_ok:
        # (not nested in the outer _(): Babel's extractor skips a gettext inside another)
        sections = ", ".join(_("ด้านที่ %(no)s", no=no) for no in sorted(ctx.carried))
        raise TransitionNotAllowed(_(CONFIRM_CARRIED, sections=sections), code="carried")
    return rule.target


EXPLAIN_FINDINGS = N_("ยังไม่ได้รับรองข้อมูล: มีข้อสังเกต ⚠ %(n)s รายการที่ยังไม่ได้ชี้แจง กรุณาพิมพ์คำชี้แจง"
                      "ทุกรายการในแท็บสถานะ (หรือแก้ไขค่าที่ผิดแล้วบันทึก) ก่อนรับรองข้อมูล")
CONFIRM_CARRIED = N_("ยังไม่ได้รับรองข้อมูล: %(sections)s ยังเป็นค่าที่ยกมาจากปีก่อน กรุณาตรวจสอบ"
                     "แล้วทำเครื่องหมายยืนยันว่าข้อมูลยังถูกต้อง หรือแก้ไขและบันทึกด้านนั้นก่อน")


def role_refusal(role: Role | str, what: Action | Permission) -> str:
    """ "A user with role X may not Y" in the current language."""
    return _("ผู้ใช้ในบทบาท %(role)s ไม่มีสิทธิ์%(what)s", role=Role(role).shown, what=what.shown)


# --- dates -------------------------------------------------------------------------------------

# Thailand keeps UTC+7 all year (no daylight saving), so a fixed offset is exact.
BANGKOK = timezone(timedelta(hours=7))


def today_in_thailand() -> date:
    """Deadlines are Thai calendar days, whatever the server's time zone."""
    return datetime.now(BANGKOK).date()


THAI_MONTHS = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
               "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
THAI_MONTHS_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                     "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")


# English screens keep the Buddhist Era year (SPEC: dates in BE): "9 Oct 2557".
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
EN_MONTHS_SHORT = tuple(m[:3] for m in EN_MONTHS)


def month_name(month: int) -> str:
    """The name of month 1–12 in the current language (พฤษภาคม / May)."""
    return (EN_MONTHS if current_language() == "en" else THAI_MONTHS)[month - 1]


def thai_date(d: date) -> str:
    """9 ต.ค. 2557 — the one BE date style used across INFO ("9 Oct 2557" in English)."""
    months = EN_MONTHS_SHORT if current_language() == "en" else THAI_MONTHS_SHORT
    return f"{d.day} {months[d.month - 1]} {d.year + 543}"


def fiscal_year_of(d: date) -> int:
    """The Thai fiscal year (BE) that contains `d`: FY 2570 = 1 Oct 2026 – 30 Sep 2027."""
    return d.year + 544 if d.month >= 10 else d.year + 543
