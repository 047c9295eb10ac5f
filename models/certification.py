"""The one service that changes a submission's certification status (SPEC §3).

The list actions, the bulk page, the status tab, and later the API and CLI all call
`transition()`.  It checks the rulebook (workflow.py) for every submission, then changes the
status with one conditional UPDATE per call — `WHERE status = :from AND <scope>` — so two
concurrent requests can never both succeed (SQLite ignores FOR UPDATE; the guard lives in the
WHERE clause), and writes one CertificationEvent per changed row in the same transaction.  The
number of SQL statements does not grow with the number of submissions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import selectinload

from workflow import (Action, Context, Role, Status, TRANSITIONS, TransitionNotAllowed,
                      next_status, today_in_thailand)

from .base import db, utcnow
from .completeness import missing_fields
from .organizations import Organization
from .scoping import scope_filter
from .sections import CHILDREN, SECTIONS
from .submissions import CertificationEvent, FiscalYear, Submission, YearStatus

NOT_FOUND = "ไม่พบข้อมูล หรือไม่มีสิทธิ์ดำเนินการกับข้อมูลนี้"
RACED = "สถานะข้อมูลถูกเปลี่ยนโดยผู้อื่นระหว่างดำเนินการ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง"


@dataclass(frozen=True)
class Outcome:
    """What happened to one submission: done, or refused with the reason the user reads."""

    submission_id: int
    done: bool
    message: str
    organization: str = ""
    from_status: Status | None = None
    to_status: Status | None = None



def submission_scope(user: Any):
    """The scope rule applied to submissions (the same rule every view uses)."""
    return scope_filter(user, org=Submission.organization_id, district=Submission.district_code,
                        province=Submission.province_code)


def missing_by_submission(ids: Iterable[int]) -> dict[int, list[str]]:
    """What is still missing in each of `ids` ("ด้านที่ n: …"), in a constant number of queries."""
    ids = list(ids)
    missing: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return missing
    for section_cls in SECTIONS:
        options = [selectinload(getattr(section_cls, name)) for name, _ in
                   CHILDREN.get(section_cls, ())]
        rows = {r.submission_id: r for r in db.session.scalars(
            select(section_cls).where(section_cls.submission_id.in_(ids)).options(*options))}
        for sub_id in ids:
            row = rows.get(sub_id)
            gaps = ["ยังไม่ได้บันทึก"] if row is None else missing_fields(section_cls, row)
            if gaps:
                missing[sub_id].append(describe_missing(section_cls, gaps))
    return missing


def describe_missing(section_cls: type, gaps: list[str]) -> str:
    """ "ด้านที่ 7 ข้อมูลด้านสิ่งแวดล้อม: a, b, c …" — what certification says is missing."""
    return (f"ด้านที่ {section_cls.SECTION_NO} {section_cls.TITLE_TH}: " + ", ".join(gaps[:5])
            + (" …" if len(gaps) > 5 else ""))


def transition(action: Action | str, submission_ids: Iterable[int | str], actor: Any, *,
               reason: str | None = None, today: date | None = None) -> list[Outcome]:
    """Apply `action` to each submission the actor may act on; commit; report per submission."""
    action = Action(action)
    rule = TRANSITIONS[action]
    role = Role(actor.role)
    today = today or today_in_thailand()
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > 1000:
        reason = reason[:1000]
    ids = sorted({int(i) for i in submission_ids if str(i).isdigit() and len(str(i)) <= 18})

    rows = db.session.execute(
        select(Submission.id, Submission.status, Submission.sections_complete,
               Submission.extension_until, FiscalYear.status.label("year_status"),
               FiscalYear.deadline, Organization.name_th)
        .join(FiscalYear, Submission.fiscal_year == FiscalYear.be_year)
        .join(Organization, Submission.organization_id == Organization.id)
        .where(Submission.id.in_(ids), submission_scope(actor))
        # Lock the rows before checking completeness: a section save takes the same row lock
        # (models/locks.py), so a save and a certification run one after the other.  Always
        # in id order, so two overlapping multi-row transitions cannot deadlock.
        .order_by(Submission.id)
        .with_for_update(of=Submission)).all() if ids else []
    by_id = {r.id: r for r in rows}
    missing = (missing_by_submission(r.id for r in rows if r.status is Status.DRAFT)
               if rule.needs_complete else {})

    outcomes: dict[int, Outcome] = {}
    allowed: list[int] = []
    for sub_id in ids:
        row = by_id.get(sub_id)
        if row is None:
            outcomes[sub_id] = Outcome(sub_id, False, NOT_FOUND)
            continue
        gaps = tuple(missing.get(sub_id, ()))
        ctx = Context(status=row.status, year_open=row.year_status is YearStatus.OPEN,
                      today=today, deadline=row.deadline, extension_until=row.extension_until,
                      # The stored counter is a cache; the live check of what is missing wins.
                      sections_complete=8 - len(gaps) if rule.needs_complete
                      else row.sections_complete,
                      missing=gaps)
        try:
            next_status(ctx, action, role, reason)
        except TransitionNotAllowed as refusal:
            outcomes[sub_id] = Outcome(sub_id, False, str(refusal), row.name_th, row.status)
            continue
        allowed.append(sub_id)

    changed: list[int] = []
    if allowed:
        (source,) = rule.sources
        now = utcnow()
        changed = list(db.session.scalars(
            update(Submission)
            .where(Submission.id.in_(allowed), Submission.status == source,
                   submission_scope(actor))
            .values(status=rule.target, version=Submission.version + 1, updated_at=now,
                    **_stamps(action, actor, now, reason))
            .returning(Submission.id)
            .execution_options(synchronize_session=False)))
        if changed and action is Action.CERTIFY_LAO:
            # Certifying confirms every value, carried-forward ones included.
            for section_cls in SECTIONS:
                db.session.execute(update(section_cls).where(
                    section_cls.submission_id.in_(changed), section_cls.carried_forward)
                    .values(carried_forward=False).execution_options(synchronize_session=False))
        if changed:
            db.session.execute(insert(CertificationEvent), [
                dict(submission_id=sub_id, action=action, from_status=source,
                     to_status=rule.target, actor_id=actor.id, actor_role=role, reason=reason,
                     created_at=now) for sub_id in changed])
        done = set(changed)
        for sub_id in allowed:
            name = by_id[sub_id].name_th
            outcomes[sub_id] = (
                Outcome(sub_id, True, f"{action.label_th}แล้ว", name, source, rule.target)
                if sub_id in done else Outcome(sub_id, False, RACED, name, by_id[sub_id].status))
    db.session.commit()
    return [outcomes[i] for i in ids]


def _stamps(action: Action, actor: Any, now: datetime, reason: str | None) -> dict[str, Any]:
    """The timestamp and actor columns each action sets (received_at = latest LAO certification)."""
    if action is Action.CERTIFY_LAO:
        return dict(received_at=now, lao_certified_at=now, lao_certified_by_id=actor.id,
                    return_reason=None)
    if action is Action.REVOKE_LAO:
        return dict(received_at=None, lao_certified_at=None, lao_certified_by_id=None)
    if action is Action.CERTIFY_PROVINCE:
        return dict(province_certified_at=now, province_certified_by_id=actor.id)
    if action is Action.REVOKE_PROVINCE:
        return dict(province_certified_at=None, province_certified_by_id=None)
    if action is Action.RETURN_TO_LAO:
        return dict(received_at=None, lao_certified_at=None, lao_certified_by_id=None,
                    return_reason=reason)
    raise AssertionError(action)


def transition_one(action: Action | str, submission_id: int, actor: Any, *,
                   reason: str | None = None, today: date | None = None) -> Outcome:
    """`transition()` for one submission, raising TransitionNotAllowed when refused."""
    (outcome,) = transition(action, [submission_id], actor, reason=reason, today=today)
    if not outcome.done:
        raise TransitionNotAllowed(outcome.message)
    return outcome


def bulk_candidates(actor: Any, be_year: int, district_code: str | None = None):
    """Submissions a province officer's bulk certification would act on (LAO-certified ones)."""
    query = (select(Submission.id, Organization.dla_code, Organization.name_th,
                    Submission.district_code, Submission.received_at)
             .join(Organization, Submission.organization_id == Organization.id)
             .where(Submission.fiscal_year == be_year,
                    Submission.status == Status.LAO_CERTIFIED, submission_scope(actor))
             .order_by(Submission.district_code, Organization.dla_code))
    if district_code:
        query = query.where(Submission.district_code == district_code)
    return db.session.execute(query).all()
