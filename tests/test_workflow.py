"""The certification rulebook (SPEC §3), checked cell by cell. Pure workflow.py: no app, no DB."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import date

import pytest

import workflow
from workflow import (PUBLIC_STATUSES, Action, Context, Role, Status, TransitionNotAllowed,
                      edit_refusal, editable_until, fiscal_year_of, next_status, thai_date)

THAI = re.compile(r"[\u0E00-\u0E7F]")
REASON = "จำนวนประชากรไม่ตรงกับทะเบียนราษฎร"
DEADLINE = date(2026, 12, 30)

# Every guard satisfied: year open, before the deadline, 8/8 sections complete (a reason is
# passed to every call), so the only refusals left are "wrong role" and "wrong state".
OK = Context(status=Status.DRAFT, year_open=True, today=date(2026, 12, 1), deadline=DEADLINE,
             sections_complete=8)
LATE = replace(OK, today=date(2027, 1, 5))

# SPEC §3 as a table. A cell is the status after the action, or why it is refused:
#   'role'  = this role may never do this action;  'state' = not from this status.
ROLES = ("lao_editor", "district_officer", "province_officer", "dla_admin")
EXPECTED = {
    # (status,             action):             lao_editor       district  province              dla_admin
    ("draft",              "certify_lao"):      ("lao_certified", "role", "role",               "role"),
    ("draft",              "revoke_lao"):       ("state",         "role", "role",               "role"),
    ("draft",              "certify_province"): ("role",          "role", "state",              "state"),
    ("draft",              "revoke_province"):  ("role",          "role", "state",              "state"),
    ("draft",              "return_to_lao"):    ("role",          "role", "state",              "state"),
    ("lao_certified",      "certify_lao"):      ("state",         "role", "role",               "role"),
    ("lao_certified",      "revoke_lao"):       ("draft",         "role", "role",               "role"),
    ("lao_certified",      "certify_province"): ("role",          "role", "province_certified", "province_certified"),
    ("lao_certified",      "revoke_province"):  ("role",          "role", "state",              "state"),
    ("lao_certified",      "return_to_lao"):    ("role",          "role", "draft",              "draft"),
    ("province_certified", "certify_lao"):      ("state",         "role", "role",               "role"),
    ("province_certified", "revoke_lao"):       ("state",         "role", "role",               "role"),
    ("province_certified", "certify_province"): ("role",          "role", "state",              "state"),
    ("province_certified", "revoke_province"):  ("role",          "role", "lao_certified",      "lao_certified"),
    ("province_certified", "return_to_lao"):    ("role",          "role", "state",              "state"),
}
CELLS = [(status, action, role, outcome)
         for (status, action), outcomes in EXPECTED.items()
         for role, outcome in zip(ROLES, outcomes, strict=True)]


def refusal(ctx: Context, action: str, role: str, reason: str | None = REASON) -> TransitionNotAllowed:
    """The error next_status raises; fails the test if it returns instead."""
    with pytest.raises(TransitionNotAllowed) as info:
        next_status(ctx, Action(action), Role(role), reason)
    message = str(info.value)
    assert message.strip() and THAI.search(message), f"not a Thai message: {message!r}"
    return info.value


def test_table_classifies_every_status_action_and_role():
    assert ROLES == tuple(r.value for r in Role)
    assert set(EXPECTED) == {(s.value, a.value) for s, a in itertools.product(Status, Action)}
    assert len(CELLS) == 60


@pytest.mark.parametrize("status, action, role, expected", CELLS,
                         ids=[f"{s}-{a}-{r}" for s, a, r, _ in CELLS])
def test_transition_table_matches_spec(status, action, role, expected):
    ctx = replace(OK, status=Status(status))
    if expected in ("role", "state"):
        assert refusal(ctx, action, role).code == expected
    else:
        assert next_status(ctx, Action(action), Role(role), REASON) is Status(expected)


def test_lao_editor_cannot_certify_at_province_level():
    ctx = replace(OK, status=Status.LAO_CERTIFIED)
    assert refusal(ctx, "certify_province", "lao_editor").code == "role"


@pytest.mark.parametrize("status, action", list(EXPECTED))
def test_district_officer_is_read_only(status, action):
    assert refusal(replace(OK, status=Status(status)), action, "district_officer").code == "role"


def test_refusal_is_an_exception_not_a_false_return():
    assert issubclass(TransitionNotAllowed, Exception)
    assert TransitionNotAllowed("ไม่อนุญาต", code="state").code == "state"


# --- guards -------------------------------------------------------------------------------

@pytest.mark.parametrize("status, action, role, cell", CELLS,
                         ids=[f"{s}-{a}-{r}" for s, a, r, _ in CELLS])
def test_closed_year_refuses_every_action(status, action, role, cell):
    ctx = replace(OK, status=Status(status), year_open=False)
    assert refusal(ctx, action, role).code == ("role" if cell == "role" else "year_closed")


def test_lao_cannot_certify_with_7_of_8_sections_and_is_told_what_is_missing():
    ctx = replace(OK, sections_complete=7, missing=("ด้านที่ 8 ข้อมูลด้านการเงินการคลัง",))
    error = refusal(ctx, "certify_lao", "lao_editor")
    assert error.code == "incomplete"
    assert "7/8" in str(error) and "ด้านที่ 8 ข้อมูลด้านการเงินการคลัง" in str(error)


@pytest.mark.parametrize("status, action, target", [
    ("draft", "certify_lao", "lao_certified"),
    ("lao_certified", "revoke_lao", "draft"),
])
def test_lao_actions_are_refused_after_the_deadline_unless_extended(status, action, target):
    late = replace(LATE, status=Status(status))
    error = refusal(late, action, "lao_editor")
    assert error.code == "deadline" and thai_date(DEADLINE) in str(error)
    extended = replace(late, extension_until=date(2027, 1, 31))
    assert next_status(extended, Action(action), Role.LAO_EDITOR) is Status(target)
    expired = replace(late, extension_until=date(2027, 1, 4))
    assert refusal(expired, action, "lao_editor").code == "deadline"


def test_deadline_day_itself_is_still_within_the_deadline():
    on_the_day = replace(OK, today=DEADLINE)
    assert edit_refusal(on_the_day) is None
    assert next_status(on_the_day, Action.CERTIFY_LAO, Role.LAO_EDITOR) is Status.LAO_CERTIFIED


@pytest.mark.parametrize("status, action, target", [
    ("lao_certified", "certify_province", "province_certified"),
    ("province_certified", "revoke_province", "lao_certified"),
    ("lao_certified", "return_to_lao", "draft"),
])
@pytest.mark.parametrize("role", [Role.PROVINCE_OFFICER, Role.DLA_ADMIN])
def test_province_actions_are_allowed_after_the_deadline(status, action, target, role):
    late = replace(LATE, status=Status(status))
    assert next_status(late, Action(action), role, REASON) is Status(target)


@pytest.mark.parametrize("status, action, target", [
    ("province_certified", "revoke_province", "lao_certified"),
    ("lao_certified", "return_to_lao", "draft"),
])
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_province_revoke_and_return_need_a_reason(status, action, target, blank):
    ctx = replace(OK, status=Status(status))
    assert refusal(ctx, action, "province_officer", reason=blank).code == "reason"
    assert next_status(ctx, Action(action), Role.PROVINCE_OFFICER, REASON) is Status(target)


def test_lao_must_ask_the_province_before_revoking_a_province_certification():
    error = refusal(replace(OK, status=Status.PROVINCE_CERTIFIED), "revoke_lao", "lao_editor")
    assert error.code == "state"
    assert "ประสาน" in str(error) and "จังหวัด" in str(error)


# --- editing (SPEC §3: only in draft, open year, within the deadline or extension) ---------

def test_draft_in_open_year_before_deadline_is_editable():
    assert edit_refusal(OK) is None
    assert edit_refusal(replace(OK, deadline=None)) is None


@pytest.mark.parametrize("ctx, must_contain", [
    (replace(OK, year_open=False), "ปิดแล้ว"),
    (replace(OK, status=Status.LAO_CERTIFIED), "ต้องยกเลิกการรับรองก่อนแก้ไข"),
    (replace(OK, status=Status.PROVINCE_CERTIFIED), "จังหวัด"),
    (LATE, thai_date(DEADLINE)),
    (replace(LATE, extension_until=date(2027, 1, 4)), thai_date(date(2027, 1, 4))),
], ids=["closed-year", "lao-certified", "province-certified", "past-deadline", "extension-over"])
def test_editing_is_refused_with_a_thai_reason(ctx, must_contain):
    message = edit_refusal(ctx)
    assert message and THAI.search(message)
    assert must_contain in message


def test_extension_lets_the_lao_keep_editing_after_the_deadline():
    assert edit_refusal(replace(LATE, extension_until=date(2027, 1, 31))) is None


def test_editable_until_is_the_later_of_deadline_and_extension():
    assert editable_until(DEADLINE, None) == DEADLINE
    assert editable_until(DEADLINE, date(2027, 1, 31)) == date(2027, 1, 31)
    assert editable_until(DEADLINE, date(2026, 12, 1)) == DEADLINE
    assert editable_until(None, None) is None


# --- dates, labels, public visibility ------------------------------------------------------

@pytest.mark.parametrize("day, be_year", [
    (date(2026, 9, 30), 2569),
    (date(2026, 10, 1), 2570),
    (date(2027, 9, 30), 2570),
    (date(2027, 10, 1), 2571),
])
def test_fiscal_year_starts_on_1_october(day, be_year):
    assert fiscal_year_of(day) == be_year


def test_thai_date_is_day_short_month_be_year():
    assert thai_date(date(2014, 10, 9)) == "9 ต.ค. 2557"
    assert thai_date(date(2026, 12, 30)) == "30 ธ.ค. 2569"


def test_status_labels_are_the_spec_labels():
    assert {s.value: s.label_th for s in Status} == {
        "draft": "อปท. ยังไม่รับรองข้อมูล",
        "lao_certified": "อปท. รับรองข้อมูลแล้ว",
        "province_certified": "จังหวัดรับรองข้อมูลแล้ว",
    }


def test_public_sees_lao_certified_and_province_certified_only():
    assert PUBLIC_STATUSES == {Status.LAO_CERTIFIED, Status.PROVINCE_CERTIFIED}
    assert Status.DRAFT not in workflow.PUBLIC_STATUSES
