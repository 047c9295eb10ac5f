"""The one service that changes a submission's certification status (SPEC §3).

The list actions, the bulk page, the status tab, and later the API and CLI all call
`transition()`.  It checks the rulebook (workflow.py) for every submission, then changes the
status with one conditional UPDATE per call — `WHERE status = :from AND <scope>` — so two
concurrent requests can never both succeed (SQLite ignores FOR UPDATE; the guard lives in the
WHERE clause), and writes one CertificationEvent per changed row in the same transaction.  The
number of SQL statements does not grow with the number of submissions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.orm import selectinload

from workflow import (SECTION_COUNT, N_, Action, Permission, Role, Stamp, Status, _,
                      role_refusal,
                      Transition, TransitionNotAllowed, may, next_status, thai_date,
                      today_in_thailand, transition_named)

from ..base import db, utcnow
from ..catalogue.reading import parse_int_ids
from ..rules.completeness import missing_fields
from ..rules.locks import edit_context
from ..rules.scoping import row_scope
from ..tables.audit import AuditLog, AuditOp, current_actor
from ..tables.geography import District
from ..tables.organizations import Organization
from ..tables.sections import CHILDREN, SECTIONS
from ..tables.submissions import CertificationEvent, FiscalYear, SectionWarning, Submission, YearStatus

NOT_FOUND = N_("ไม่พบข้อมูล หรือไม่มีสิทธิ์ดำเนินการกับข้อมูลนี้")
MAX_REASON = 1000
RACED = N_("สถานะข้อมูลถูกเปลี่ยนโดยผู้อื่นระหว่างดำเนินการ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง")


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
    return row_scope(user, Submission)


def missing_by_submission(ids: Iterable[int]) -> dict[int, list[str]]:
    """What is still missing in each of `ids` ("ด้านที่ n: …"), in a constant number of queries."""
    return sections_state(ids)[0]


def sections_state(ids: Iterable[int]) -> tuple[dict[int, list[str]], dict[int, list[int]]]:
    """For each of `ids`: what is still missing ("ด้านที่ n: …") and which sections still hold
    last year's values, read from the 8 section tables in a constant number of queries."""
    ids = list(ids)
    missing: dict[int, list[str]] = {i: [] for i in ids}
    carried: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return missing, carried
    for section_cls in SECTIONS:
        options = [selectinload(getattr(section_cls, name)) for name, _ in
                   CHILDREN.get(section_cls, ())]
        rows = {r.submission_id: r for r in db.session.scalars(
            select(section_cls).where(section_cls.submission_id.in_(ids)).options(*options))}
        for sub_id in ids:
            row = rows.get(sub_id)
            gaps = [_("ยังไม่ได้บันทึก")] if row is None else missing_fields(section_cls, row)
            if gaps:
                missing[sub_id].append(describe_missing(section_cls, gaps))
            if row is not None and row.carried_forward:
                carried[sub_id].append(section_cls.SECTION_NO)
    return missing, carried


def describe_missing(section_cls: type, gaps: list[str]) -> str:
    """ "ด้านที่ 7 ข้อมูลด้านสิ่งแวดล้อม: a, b, c …" — what certification says is missing."""
    return (_("ด้านที่ %(no)s %(title)s", no=section_cls.SECTION_NO, title=section_cls.title())
            + ": " + ", ".join(gaps[:5]) + (" …" if len(gaps) > 5 else ""))


def transition(action: Action | str, submission_ids: Iterable[int | str], actor: Any, *,
               reason: str | None = None, today: date | None = None,
               carried_ok: bool = False) -> list[Outcome]:
    """Apply `action` to each submission the actor may act on; commit; report per submission.
    `carried_ok`: the user confirmed that sections still holding last year's values hold
    (a certification needs it when there are such sections: the rulebook's guard)."""
    rule = transition_named(action)
    if rule is None:
        raise TransitionNotAllowed(_("ไม่รู้จักการดำเนินการ %(action)s", action=action),
                                   code="unknown")
    role = Role(actor.role)
    today = today or today_in_thailand()
    reason = (reason or "").strip()[:MAX_REASON] or None
    ids = parse_int_ids(submission_ids)

    unexplained = (select(func.count()).select_from(SectionWarning)
                   .where(SectionWarning.submission_id == Submission.id,
                          SectionWarning.explanation.is_(None))
                   .scalar_subquery()) if rule.needs_explained else literal(0)
    rows = db.session.execute(
        select(Submission.id, Submission.status, Submission.sections_complete,
               Submission.extension_until, FiscalYear.status.label("year_status"),
               FiscalYear.deadline, Organization.name_th, unexplained.label("unexplained"))
        .join(FiscalYear, Submission.fiscal_year == FiscalYear.be_year)
        .join(Organization, Submission.organization_id == Organization.id)
        .where(Submission.id.in_(ids), submission_scope(actor))
        # Lock the rows before checking completeness: a section save takes the same row lock
        # (models/rules/locks.py), so a save and a certification run one after the other.  Always
        # in id order, so two overlapping multi-row transitions cannot deadlock.
        .order_by(Submission.id)
        .with_for_update(of=Submission)).all() if ids else []
    by_id = {r.id: r for r in rows}
    missing, carried = (sections_state(r.id for r in rows if r.status in rule.sources)
                        if rule.needs_complete or rule.confirms_carried else ({}, {}))

    outcomes: dict[int, Outcome] = {}
    allowed: dict[Status, list[int]] = defaultdict(list)
    for sub_id in ids:
        row = by_id.get(sub_id)
        if row is None:
            outcomes[sub_id] = Outcome(sub_id, False, _(NOT_FOUND))
            continue
        gaps = tuple(missing.get(sub_id, ()))
        ctx = edit_context(row.status, row.year_status, row.deadline, row.extension_until,
                           today=today,
                           # The stored counter is a cache; the live check of what is missing wins.
                           sections_complete=SECTION_COUNT - len(gaps) if rule.needs_complete
                           else row.sections_complete,
                           missing=gaps, carried=tuple(carried.get(sub_id, ())),
                           carried_ok=carried_ok, unexplained=row.unexplained or 0)
        try:
            next_status(ctx, rule.action, role, reason)
        except TransitionNotAllowed as refusal:
            outcomes[sub_id] = Outcome(sub_id, False, str(refusal), row.name_th, row.status)
            continue
        allowed[row.status].append(sub_id)

    now = utcnow()
    values = stamp_values(rule, actor_id=actor.id, now=now, reason=reason)
    for source, group in allowed.items():
        # The guard: only rows still in `source` and still in scope change (one statement per
        # source state, whatever the number of rows).
        changed = set(db.session.scalars(
            update(Submission)
            .where(Submission.id.in_(group), Submission.status == source,
                   submission_scope(actor))
            .values(status=rule.target, version=Submission.version + 1, updated_at=now,
                    **values)
            .returning(Submission.id)
            .execution_options(synchronize_session=False)))
        if changed and rule.confirms_carried:
            for section_cls in SECTIONS:
                db.session.execute(update(section_cls).where(
                    section_cls.submission_id.in_(changed), section_cls.carried_forward)
                    .values(carried_forward=False).execution_options(synchronize_session=False))
        if changed:
            db.session.execute(insert(CertificationEvent), [
                dict(submission_id=sub_id, action=rule.action, from_status=source,
                     to_status=rule.target, actor_id=actor.id, actor_role=role, reason=reason,
                     created_at=now) for sub_id in sorted(changed)])
        for sub_id in group:
            name = by_id[sub_id].name_th
            outcomes[sub_id] = (
                Outcome(sub_id, True, _("%(action)sแล้ว", action=rule.action.shown), name, source,
                        rule.target)
                if sub_id in changed else Outcome(sub_id, False, _(RACED), name, source))
    db.session.commit()
    return [outcomes[i] for i in ids]


def stamp_values(rule: Transition, *, actor_id: int | None, now: datetime,
                 reason: str | None) -> dict[str, Any]:
    """The submission columns `rule` sets, from its `stamps` in the rulebook."""
    given = {Stamp.NOW: now, Stamp.ACTOR: actor_id, Stamp.REASON: reason, Stamp.CLEAR: None}
    return {column: given[stamp] for column, stamp in rule.stamps.items()}


def transition_one(action: Action | str, submission_id: int, actor: Any, *,
                   reason: str | None = None, today: date | None = None,
                   carried_ok: bool = False) -> Outcome:
    """`transition()` for one submission, raising TransitionNotAllowed when refused."""
    (outcome,) = transition(action, [submission_id], actor, reason=reason, today=today,
                            carried_ok=carried_ok)
    if not outcome.done:
        raise TransitionNotAllowed(outcome.message)
    return outcome


def bulk_candidates(actor: Any, be_year: int, district_code: str | None = None):
    """Submissions a province officer's bulk certification would act on (LAO-certified ones),
    each with its findings — explained, not explained, marked for follow-up — the riskiest
    first (follow-up marks, then findings not explained, then findings), one statement."""
    def findings(*where):
        return (select(func.count()).select_from(SectionWarning)
                .where(SectionWarning.submission_id == Submission.id, *where)
                .scalar_subquery())
    unexplained = findings(SectionWarning.explanation.is_(None))
    follow_up = findings(SectionWarning.follow_up.is_(True))
    query = (select(Submission.id, Organization.dla_code, Organization.name_th,
                    Submission.district_code, District.name_th.label("district_name"),
                    Submission.sections_complete, Submission.warnings_count,
                    Submission.received_at, unexplained.label("unexplained"),
                    follow_up.label("follow_up"))
             .join(Organization, Submission.organization_id == Organization.id)
             .join(District, Submission.district_code == District.code)
             .where(Submission.fiscal_year == be_year,
                    Submission.status == Status.LAO_CERTIFIED, submission_scope(actor))
             .order_by(follow_up.desc(), unexplained.desc(), Submission.warnings_count.desc(),
                       Submission.district_code, Organization.dla_code))
    if district_code:
        query = query.where(Submission.district_code == district_code)
    return db.session.execute(query).all()


PAST_EXTENSION = N_("วันที่ขยายเวลาต้องไม่เป็นวันที่ผ่านมาแล้ว")


def extend_deadline(submission_ids: Iterable[int | str], actor: Any, until: date, *,
                    today: date | None = None) -> list[Outcome]:
    """Let LAOs keep editing and certifying until `until` (SPEC §2 per-LAO extensions).

    Only the actor's own LAOs (the scope rule) and only in open years; one audit row per
    changed submission; one commit.  Raises TransitionNotAllowed when the actor may not extend
    deadlines at all or the date has passed.
    """
    if not may(actor, Permission.EXTEND_DEADLINE):
        raise TransitionNotAllowed(role_refusal(actor.role, Permission.EXTEND_DEADLINE),
                                   code="role")
    if until < (today or today_in_thailand()):
        raise TransitionNotAllowed(_(PAST_EXTENSION), code="past")
    ids = parse_int_ids(submission_ids)
    rows = {r.id: r for r in db.session.execute(
        select(Submission.id, Submission.organization_id, Submission.extension_until,
               FiscalYear.status.label("year_status"), Organization.name_th)
        .join(FiscalYear, Submission.fiscal_year == FiscalYear.be_year)
        .join(Organization, Submission.organization_id == Organization.id)
        .where(Submission.id.in_(ids), submission_scope(actor))
        .order_by(Submission.id).with_for_update(of=Submission))} if ids else {}
    outcomes, changed, audit = [], [], []
    for sub_id in ids:
        row = rows.get(sub_id)
        if row is None:
            outcomes.append(Outcome(sub_id, False, _(NOT_FOUND)))
        elif row.year_status is not YearStatus.OPEN:
            outcomes.append(Outcome(sub_id, False, _("ปีงบประมาณปิดแล้ว ขยายเวลาไม่ได้"),
                                    row.name_th))
        else:
            changed.append(sub_id)
            outcomes.append(Outcome(sub_id, True, _("ขยายเวลาถึง %(day)s แล้ว", day=thai_date(until)),
                                    row.name_th))
            audit.append(dict(created_at=utcnow(), user_id=actor.id,
                              organization_id=row.organization_id, submission_id=sub_id,
                              op=AuditOp.UPDATE, table_name=Submission.__tablename__,
                              row_id=str(sub_id), field="extension_until",
                              old_value=str(row.extension_until) if row.extension_until else None,
                              new_value=str(until), request_id=current_actor.get()[1]))
    if changed:
        db.session.execute(update(Submission).where(Submission.id.in_(changed))
                           .values(extension_until=until, updated_at=utcnow())
                           .execution_options(synchronize_session=False))
        db.session.execute(insert(AuditLog), audit)
    db.session.commit()
    return outcomes
