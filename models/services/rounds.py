"""Fiscal-year rounds (SPEC §2, §4.5): open a year with carry-forward, close it.

Opening a year creates a draft submission for every active LAO that has none in that year and
pre-fills its 8 sections — and their repeating child rows — with the LAO's most recent earlier
submission, marked `carried_forward` until the LAO saves the section.  An LAO with no earlier
submission gets 8 empty section rows (every catalogue column NULL, not carried forward), so every
submission always has its 8 rows.

Everything is set-based: one ``INSERT … SELECT`` for the submissions, one per section table
(an outer join to the previous row gives a copy or an empty row), one per child table, one
``SELECT … WHERE submission_id IN (…)`` per table to recompute `sections_complete` with the
current completeness rules (the previous year may have been complete under other rules), and
one UPDATE.  The number of statements does not depend on the number of LAOs (7,850 nationally).
The copies are Core statements, so the `before_flush` lock guard (models.rules.locks) is not involved:
they only ever write into draft submissions created by the same statement sequence.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (Integer, bindparam, case, exists, func, insert, literal, select, true,
                        update)

from workflow import N_, SECTION_COUNT, Status, _, thai_date

from ..base import db, utcnow
from ..rules.completeness import sections_complete
from ..tables.organizations import Organization
from ..tables.sections import CHILDREN, SECTIONS
from ..tables.submissions import FiscalYear, Submission, YearStatus, previous_submission_id

__all__ = ["RoundError", "OpenReport", "open_year", "close_year", "parse_be_year",
           "parse_date", "MIN_BE_YEAR", "MAX_BE_YEAR"]

MIN_BE_YEAR, MAX_BE_YEAR = 2500, 2700
# Columns of a section row that belong to this year's record, not to the values carried over.
SECTION_PLUMBING = frozenset({"submission_id", "carried_forward", "version", "updated_at",
                              "updated_by_id", "imported"})
CHILD_PLUMBING = frozenset({"id", "submission_id"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class RoundError(ValueError):
    """A fiscal-year round cannot be opened or closed as asked; `str()` is the Thai reason."""


@dataclass(frozen=True)
class OpenReport:
    """What `open_year` did."""

    be_year: int
    opens_on: date
    deadline: date
    created: int = 0          # new draft submissions
    carried: int = 0          # … pre-filled from the LAO's most recent earlier submission
    empty: int = 0            # … with 8 empty sections (no earlier submission)
    complete: int = 0         # … with all 8 sections already complete
    new_year: bool = False    # the fiscal year row was created
    reopened: bool = False    # a closed year was re-opened (its submissions left untouched)

    def summary(self) -> str:
        head = (f"FY {self.be_year} {'re-opened' if self.reopened else 'open'} "
                f"(opens {self.opens_on.isoformat()}, deadline {self.deadline.isoformat()})")
        if self.reopened:
            return f"{head}: submissions untouched"
        return (f"{head}: {self.created} submissions created — {self.carried} carried forward, "
                f"{self.empty} empty; {self.complete} with all {SECTION_COUNT} sections complete")


# --- input checks ----------------------------------------------------------------------------

def parse_be_year(text: str | int) -> int:
    """A Buddhist Era fiscal year from user input (e.g. the CLI argument)."""
    raw = str(text).strip()
    if not raw.isdigit():
        raise RoundError(_("ปีงบประมาณ '%(raw)s' ไม่ถูกต้อง ต้องเป็นปี พ.ศ. 4 หลัก เช่น 2571",
                           raw=raw))
    return _check_be_year(int(raw))


def parse_date(text: str, what: str = N_("วันที่")) -> date:
    """A Gregorian YYYY-MM-DD date from user input."""
    raw = (text or "").strip()
    try:
        if not _ISO_DATE.fullmatch(raw):
            raise ValueError(raw)
        value = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        raise RoundError(_("%(what)s '%(raw)s' ไม่ถูกต้อง ใช้รูปแบบ YYYY-MM-DD (ปี ค.ศ.) "
                           "เช่น 2027-12-30", what=_(what), raw=raw)) from None
    return _check_ce_date(value, what)


def _check_be_year(be_year: int) -> int:
    if isinstance(be_year, bool) or not isinstance(be_year, int) \
            or not MIN_BE_YEAR <= be_year <= MAX_BE_YEAR:
        hint = ""
        if isinstance(be_year, int) and 1950 <= be_year <= 2200:
            hint = " " + _("(ค.ศ. %(ce)s คือ พ.ศ. %(be)s)", ce=be_year, be=be_year + 543)
        raise RoundError(_("ปีงบประมาณ %(year)s ไม่ถูกต้อง ต้องเป็นปี พ.ศ. ระหว่าง %(lo)s–%(hi)s",
                           year=be_year, lo=MIN_BE_YEAR, hi=MAX_BE_YEAR) + hint)
    return be_year


def _check_ce_date(value: date, what: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise RoundError(_("%(what)sต้องเป็นวันที่ (ได้ %(value)s)", what=_(what), value=repr(value)))
    if value.year > 2400:  # 2570-12-30: a BE year typed where a CE date belongs
        raise RoundError(_("%(what)s %(value)s ดูเหมือนใช้ปี พ.ศ. กรุณาใช้ปี ค.ศ. เช่น %(ce)s",
                           what=_(what), value=value.isoformat(),
                           ce=f"{value.year - 543}-{value.month:02d}-{value.day:02d}"))
    return value


def _check_window(opens_on: date, deadline: date) -> None:
    if deadline < opens_on:
        raise RoundError(_("กำหนดส่งข้อมูล (%(deadline)s) ต้องไม่ก่อนวันที่เปิดรับข้อมูล (%(opens)s)",
                           deadline=thai_date(deadline), opens=thai_date(opens_on)))


# --- open ------------------------------------------------------------------------------------

def open_year(be_year: int, deadline: date, *, opens_on: date | None = None) -> OpenReport:
    """Open fiscal year `be_year` and give every active LAO its pre-filled draft; commit.

    Idempotent: LAOs that already have a submission in the year are left alone, so a second
    run only updates the deadline (and `opens_on` when given) and creates nothing.  A closed
    year is re-opened (status open, new deadline, `closed_at` cleared) without touching its
    submissions.  Raises RoundError, writing nothing, on implausible input.
    """
    from workflow import today_in_thailand

    _check_be_year(be_year)
    _check_ce_date(deadline, N_("กำหนดส่งข้อมูล"))
    if opens_on is not None:
        _check_ce_date(opens_on, N_("วันที่เปิดรับข้อมูล"))
    now = utcnow()
    try:
        year = db.session.execute(
            select(FiscalYear).where(FiscalYear.be_year == be_year)
            .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
        start = opens_on or (year.opens_on if year is not None else today_in_thailand())
        _check_window(start, deadline)
        if year is None:
            year = FiscalYear(be_year=be_year, status=YearStatus.OPEN, opens_on=start,
                              deadline=deadline, opened_at=now, closed_at=None)
            db.session.add(year)
            db.session.flush()
            new_year = True
        else:
            new_year = False
            if year.status is YearStatus.CLOSED:
                year.status = YearStatus.OPEN
                year.opens_on, year.deadline = start, deadline
                year.opened_at, year.closed_at = now, None
                db.session.commit()
                return OpenReport(be_year, start, deadline, reopened=True)
            year.opens_on, year.deadline = start, deadline
            db.session.flush()
        counts = _create_submissions(be_year, now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return OpenReport(be_year, start, deadline, new_year=new_year, **counts)


def _in(column, ids: list[int]):
    """`column IN (…)` with the integer ids rendered into the SQL text: one statement whatever
    the number of LAOs, without 7,850 bound parameters for the driver to convert each time."""
    return column.in_(bindparam(None, [int(i) for i in ids], expanding=True,
                                literal_execute=True))


def _create_submissions(be_year: int, now: datetime) -> dict[str, int]:
    sub = Submission.__table__
    org = Organization.__table__
    stamp = sub.c.created_at.type

    # 1. One draft per active LAO without a submission in the year.
    missing = (
        select(org.c.id, literal(be_year, Integer()), org.c.province_code, org.c.district_code,
               org.c.org_type, literal(Status.DRAFT, sub.c.status.type), literal(0, Integer()),
               literal(1, Integer()), literal(now, stamp), literal(now, stamp))
        .where(org.c.active == true(),
               ~exists().where(sub.c.organization_id == org.c.id, sub.c.fiscal_year == be_year))
        .order_by(org.c.id))
    new_ids = list(db.session.scalars(
        insert(sub).from_select(["organization_id", "fiscal_year", "province_code",
                                 "district_code", "org_type", "status", "sections_complete",
                                 "version", "created_at", "updated_at"], missing)
        .returning(sub.c.id)))
    if not new_ids:
        return {}

    # 2. Each new submission and the LAO's most recent earlier submission (NULL when none).
    new = sub.alias("new_sub")
    prev_id = previous_submission_id(new.c.organization_id, be_year)
    pairs = select(new.c.id.label("new_id"), prev_id.label("prev_id")) \
        .where(_in(new.c.id, new_ids)).subquery("pairs")

    # 3. Section rows: the previous row's values, or an empty row when there is none.
    for section_cls in SECTIONS:
        table = section_cls.__table__
        src = table.alias("prev_row")
        names = [c.name for c in table.c if c.name not in SECTION_PLUMBING]
        rows = (select(pairs.c.new_id, src.c.submission_id.is_not(None), literal(1, Integer()),
                       literal(now, table.c.updated_at.type), *[src.c[n] for n in names])
                .select_from(pairs.outerjoin(src, src.c.submission_id == pairs.c.prev_id))
                .order_by(pairs.c.new_id))
        db.session.execute(insert(table).from_select(
            ["submission_id", "carried_forward", "version", "updated_at", *names], rows))

    # 4. Child rows, with new ids, in their old order.
    for section_cls in SECTIONS:
        for _name, child_cls in CHILDREN.get(section_cls, ()):
            table = child_cls.__table__
            src = table.alias("prev_child")
            names = [c.name for c in table.c if c.name not in CHILD_PLUMBING]
            rows = (select(pairs.c.new_id, *[src.c[n] for n in names])
                    .select_from(pairs.join(src, src.c.submission_id == pairs.c.prev_id))
                    .order_by(pairs.c.new_id, src.c.position, src.c.id))
            db.session.execute(insert(table).from_select(["submission_id", *names], rows))

    # 5. sections_complete under today's rules, computed from what was just written.
    values: dict[int, dict[type, dict]] = defaultdict(dict)
    kids: dict[int, dict[type, dict[str, list]]] = defaultdict(lambda: defaultdict(dict))
    carried: set[int] = set()
    for section_cls in SECTIONS:
        table = section_cls.__table__
        for row in db.session.execute(
                select(table).where(_in(table.c.submission_id, new_ids))).mappings():
            values[row["submission_id"]][section_cls] = row
            if row["carried_forward"]:
                carried.add(row["submission_id"])
        for name, child_cls in CHILDREN.get(section_cls, ()):
            table = child_cls.__table__
            grouped: dict[int, list] = defaultdict(list)
            for row in db.session.execute(
                    select(table).where(_in(table.c.submission_id, new_ids))
                    .order_by(table.c.submission_id, table.c.position, table.c.id)).mappings():
                grouped[row["submission_id"]].append(row)
            for sub_id in new_ids:
                kids[sub_id][section_cls][name] = grouped.get(sub_id, [])
    by_count: dict[int, list[int]] = defaultdict(list)
    for sub_id in new_ids:
        done = sections_complete(values[sub_id], kids[sub_id])
        if done:
            by_count[done].append(sub_id)
    if by_count:
        touched = [i for ids in by_count.values() for i in ids]
        db.session.execute(
            update(sub).where(_in(sub.c.id, touched))
            .values(sections_complete=case(*[(_in(sub.c.id, ids), n)
                                             for n, ids in sorted(by_count.items())],
                                           else_=sub.c.sections_complete)))
    return {"created": len(new_ids), "carried": len(carried),
            "empty": len(new_ids) - len(carried), "complete": len(by_count.get(SECTION_COUNT, ()))}


# --- close -----------------------------------------------------------------------------------

def close_year(be_year: int) -> int:
    """Close fiscal year `be_year` (read-only for everybody); commit; return its submissions.

    Submission statuses are not changed: what was certified stays certified, drafts stay drafts.
    """
    _check_be_year(be_year)
    try:
        year = db.session.execute(
            select(FiscalYear).where(FiscalYear.be_year == be_year)
            .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
        if year is None:
            raise RoundError(_("ไม่พบปีงบประมาณ %(year)s ในระบบ", year=be_year))
        if year.status is YearStatus.CLOSED:
            raise RoundError(_("ปีงบประมาณ %(year)s ปิดอยู่แล้ว", year=be_year))
        year.status = YearStatus.CLOSED
        year.closed_at = utcnow()
        count = db.session.scalar(select(func.count()).select_from(Submission)
                                  .where(Submission.fiscal_year == be_year))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return int(count or 0)
