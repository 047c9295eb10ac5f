"""How far the yearly round has come: the read model of the progress dashboards (issue 9 item 1).

A dashboard looks at one *place* — the nation, a province or a district — in one fiscal year,
and counts its LAO-years per group (per province, per district, per LAO type, or one row per
LAO).  Every count is one GROUP BY in SQL over `submission`, narrowed by the one scope rule
(`row_scope(user, Submission)`) as well as by the place, so the number of statements does not
grow with the number of LAOs.  The day-by-day movement is read from the certification events,
grouped by Bangkok calendar day, and walked back from today's counts (so the last point of the
line is the table's number, whatever happened before the events were kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, case, func, select, true
from sqlalchemy.sql import ColumnElement

from workflow import SECTION_COUNT, Role, Status, today_in_thailand

from ..base import db
from ..catalogue.collation import thai_order
from ..rules.scoping import row_scope
from ..tables.geography import District, Province
from ..tables.organizations import Organization, OrgType
from ..tables.submissions import CertificationEvent, FiscalYear, Submission, YearStatus
# bangkok_day is read from here too (one Bangkok day for the movement and the timeliness).
from .standing import (ReturnNote, Shown, Timeliness, bangkok_day, return_note, returned_clause,
                       timeliness_case, with_return_note)

# The longest movement line drawn (a round is about three months; a year is the most we show).
MAX_DAYS = 366


@dataclass(frozen=True)
class Place:
    """The nation, one province or one district: what a dashboard looks at."""

    level: str                      # "nation" | "province" | "district"
    code: str | None = None
    name: str = ""
    province_code: str | None = None
    province_name: str = ""

    def where(self) -> ColumnElement[bool]:
        """The submissions of this place (the user's scope is applied separately)."""
        if self.level == "district":
            return Submission.district_code == self.code
        if self.level == "province":
            return Submission.province_code == self.code
        return true()


def home_place(user: Any) -> Place | None:
    """The place a user's dashboard opens on: the officer's district or province, the DLA's
    nation; None for a role that has no dashboard."""
    role = Role(user.role)
    if role is Role.DLA_ADMIN:
        return Place("nation")
    if role is Role.PROVINCE_OFFICER:
        return find_place(user, province=user.province_code)
    if role is Role.DISTRICT_OFFICER:
        return find_place(user, district=user.district_code)
    return None


def find_place(user: Any, *, province: str | None = None,
               district: str | None = None) -> Place | None:
    """The province or district of that code if it lies in `user`'s scope, else None (the
    caller answers 404: another province's dashboard does not exist for this user)."""
    if district:
        row = db.session.execute(
            select(District.code, District.name_th, Province.code, Province.name_th)
            .join(Province, District.province_code == Province.code)
            .where(District.code == district, row_scope(user, District))).first()
        return Place("district", row[0], row[1], row[2], row[3]) if row else None
    if province:
        row = db.session.execute(select(Province.code, Province.name_th).where(
            Province.code == province, row_scope(user, Province))).first()
        return Place("province", row[0], row[1], row[0], row[1]) if row else None
    return None


@dataclass
class Counts:
    """The counts of one row of a dashboard (a province, a district, an LAO type, the total)."""

    key: str = ""
    label: str = ""
    laos: int = 0
    draft: int = 0
    lao_certified: int = 0
    province_certified: int = 0
    complete: int = 0               # LAO-years whose 8 sections are all complete
    sections: int = 0               # sum of sections complete (for the average x/8)
    returned: int = 0               # drafts the province returned for correction
    warnings: int = 0               # LAO-certified, with ⚠ findings the province must review
    # Timeliness of the LAO certification that stands (models/reads/standing.py); these four
    # add up to `laos`.
    on_time: int = 0
    extended: int = 0
    late: int = 0
    not_yet: int = 0
    links: dict[str, str] = field(default_factory=dict)

    @property
    def certified(self) -> int:
        return self.lao_certified + self.province_certified

    @property
    def percent_done(self) -> float:
        """Certified (by the LAO or already by the province) out of all LAO-years."""
        return 100.0 * self.certified / self.laos if self.laos else 0.0

    @property
    def average_sections(self) -> float:
        return self.sections / self.laos if self.laos else 0.0

    @property
    def percent_on_time(self) -> float:
        """Certified on time out of all LAO-years (the national table's sort)."""
        return 100.0 * self.on_time / self.laos if self.laos else 0.0

    def add(self, other: Counts) -> None:
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


COUNT_FIELDS = ("laos", "draft", "lao_certified", "province_certified", "complete", "sections",
                "returned", "warnings", "on_time", "extended", "late", "not_yet")
# What the timeliness table can be sorted by (?sort=…): a count, or the share on time.
TIMELINESS_SORTS = ("on_time", "extended", "late", "not_yet", "percent_on_time")


def _count_columns() -> list:
    """The counts of a group, in the order of COUNT_FIELDS (the query joins fiscal_year)."""
    def n(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
    timeliness = timeliness_case(FiscalYear.deadline)
    return [
        func.count(Submission.id),
        n(Submission.status == Status.DRAFT),
        n(Submission.status == Status.LAO_CERTIFIED),
        n(Submission.status == Status.PROVINCE_CERTIFIED),
        n(Submission.sections_complete == SECTION_COUNT),
        func.coalesce(func.sum(Submission.sections_complete), 0),
        # The lists' ส่งคืนให้แก้ไข, read from the history as they read it.
        n(returned_clause()),
        n((Submission.status == Status.LAO_CERTIFIED) & (Submission.warnings_count > 0)),
        *(n(timeliness == t.value) for t in Timeliness),
    ]


# What a dashboard groups by: the column, and how the group is named.
GROUPINGS = ("province", "district", "org_type")


def grouped_counts(user: Any, year: int, place: Place, by: str) -> list[Counts]:
    """One Counts per group of `by` ("province", "district", "org_type") — one statement."""
    if by == "province":
        key, label, join = Submission.province_code, Province.name_th, Province
        on = Province.code == Submission.province_code
    elif by == "district":
        key, label, join = Submission.district_code, District.name_th, District
        on = District.code == Submission.district_code
    elif by == "org_type":
        key, label, join, on = Submission.org_type, None, None, None
    else:
        raise ValueError(by)
    keys = (key,) if label is None else (key, label)
    query = select(*keys, *_count_columns()).select_from(Submission).join(
        FiscalYear, FiscalYear.be_year == Submission.fiscal_year)
    if join is not None:
        query = query.join(join, on)
    query = (query.where(Submission.fiscal_year == year, place.where(),
                         row_scope(user, Submission)).group_by(*keys).order_by(key))
    rows = []
    for r in db.session.execute(query):
        counts = list(map(int, r[len(keys):]))
        rows.append(Counts(str(getattr(r[0], "value", r[0])),
                           r[1] if label is not None else "", *counts))
    if by == "org_type":  # the types in the order of the enum (อบจ. … อบต.)
        rank = {t.value: i for i, t in enumerate(OrgType)}
        for row in rows:
            row.label = OrgType(row.key).label_th
        rows.sort(key=lambda r: rank[r.key])
    return rows


def total_of(rows: list[Counts], label: str = "") -> Counts:
    """The sum of a grouping's rows (every LAO-year is in exactly one group)."""
    total = Counts(key="", label=label)
    for row in rows:
        total.add(row)
    return total


@dataclass(frozen=True)
class LaoRow:
    """One LAO-year on a district dashboard or in the list of lagging LAOs."""

    id: int
    dla_code: str
    name: str
    org_type: OrgType
    district: str
    province: str
    status: Status
    sections_complete: int
    warnings_count: int
    returned: ReturnNote | None = None      # ส่งคืนให้แก้ไข: why, by whom, when
    extension_until: date | None = None

    @property
    def shown(self):
        """The state the row shows: ส่งคืนให้แก้ไข, or the rulebook's status."""
        return Shown.RETURNED if self.returned is not None else self.status


def _lao_query(user: Any, year: int, place: Place):
    # The latest return is outer-joined in the same statement (no query per row).
    return with_return_note(
        select(Submission.id, Organization.dla_code, Organization.name_th,
               Submission.org_type, District.name_th, Province.name_th, Submission.status,
               Submission.sections_complete, Submission.warnings_count,
               Submission.extension_until)
        .join(Organization, Organization.id == Submission.organization_id)
        .join(District, District.code == Submission.district_code)
        .join(Province, Province.code == Submission.province_code)
        .where(Submission.fiscal_year == year, place.where(),
               row_scope(user, Submission)))


def lao_rows(user: Any, year: int, place: Place) -> list[LaoRow]:
    """Every LAO-year of the place, by name (a district dashboard) — one statement."""
    query = _lao_query(user, year, place).order_by(thai_order(Organization.name_th),
                                                   Organization.dla_code)
    return [_lao_row(r) for r in db.session.execute(query)]


def lagging(user: Any, year: int, place: Place, limit: int | None = None) -> list[LaoRow]:
    """LAO-years not yet certified (drafts), least complete first — one statement."""
    query = _lao_query(user, year, place).where(Submission.status == Status.DRAFT).order_by(
        Submission.sections_complete, Province.code, District.code, Organization.name_th,
        Organization.dla_code)
    if limit is not None:
        query = query.limit(limit)
    return [_lao_row(r) for r in db.session.execute(query)]


def _lao_row(r) -> LaoRow:
    return LaoRow(r[0], r[1], r[2], OrgType(r[3]), r[4], r[5], Status(r[6]), int(r[7]),
                  int(r[8] or 0), return_note(*r[10:15]), r[9])


# --- the day-by-day movement -----------------------------------------------------------------

@dataclass(frozen=True)
class DayCounts:
    day: date
    draft: int
    lao_certified: int
    province_certified: int
    changed: bool           # something moved that day


def movement(user: Any, year: FiscalYear, place: Place, now: Counts,
             today: date | None = None) -> list[DayCounts]:
    """The three status counts at the end of each day since the round opened, walked back
    from `now` (today's counts) through the certification events — one statement."""
    today = today or today_in_thailand()
    day = bangkok_day(CertificationEvent.created_at).label("day")
    query = (select(day, CertificationEvent.from_status, CertificationEvent.to_status,
                    func.count())
             .join(Submission, Submission.id == CertificationEvent.submission_id)
             .where(Submission.fiscal_year == year.be_year, place.where(),
                    row_scope(user, Submission))
             .group_by(day, CertificationEvent.from_status, CertificationEvent.to_status))
    deltas: dict[date, dict[Status, int]] = {}
    for when, source, target, n in db.session.execute(query):
        when = when if isinstance(when, date) else date.fromisoformat(str(when))
        change = deltas.setdefault(when, dict.fromkeys(Status, 0))
        change[Status(target)] += n
        change[Status(source)] -= n
    start = year.opens_on
    last_event = max(deltas) if deltas else start
    end = today if year.status is YearStatus.OPEN else max(last_event, start)
    end = max(end, start)
    start = max(start, end - timedelta(days=MAX_DAYS - 1))
    state = {Status.DRAFT: now.draft, Status.LAO_CERTIFIED: now.lao_certified,
             Status.PROVINCE_CERTIFIED: now.province_certified}
    # Events after the last day drawn are already in `now`: take them out first.
    for when in sorted((d for d in deltas if d > end), reverse=True):
        for status, n in deltas[when].items():
            state[status] -= n
    series = []
    current = end
    while current >= start:
        change = deltas.get(current)
        series.append(DayCounts(current, state[Status.DRAFT], state[Status.LAO_CERTIFIED],
                                state[Status.PROVINCE_CERTIFIED],
                                bool(change and any(change.values()))))
        if change:
            for status, n in change.items():
                state[status] -= n
        current -= timedelta(days=1)
    series.reverse()
    return series


def fiscal_years() -> list[FiscalYear]:
    """Every fiscal year, newest first (the year picker)."""
    return list(db.session.scalars(select(FiscalYear).order_by(FiscalYear.be_year.desc())))


def default_year(years: list[FiscalYear]) -> FiscalYear | None:
    """The round officers chase: the newest open year, else the newest year."""
    return next((y for y in years if y.is_open), years[0] if years else None)
